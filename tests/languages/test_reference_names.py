"""Names of professions, grades and skills: English in the data files, the API and Python, in
the reader's language on a page, from the catalogues."""

from flask import render_template_string
from flask_babel import force_locale

from diaspora.languages import translated
from diaspora.reference import catalogue, names


def test_the_marked_names_are_exactly_those_in_the_data_files():
    assert list(names.PROFESSIONS) == [p.name for p in catalogue.professions().values()]
    assert list(names.GRADES) == [g["name"] for g in catalogue.grades().values()]
    assert list(names.SKILLS) == [s["name"] for s in catalogue.skills().values()]


def test_a_page_shows_a_name_in_its_readers_language_and_python_keeps_the_english(app):
    nurse = catalogue.professions()["midwife"].name
    template = "{{ name }} / {{ band }}"
    band = catalogue.grades()["afc_5"]["name"]
    with app.test_request_context():
        assert render_template_string(template, name=nurse, band=band) == "Midwife / Band 5"
        with force_locale("fr"):
            in_french = render_template_string(template, name=nurse, band=band)
            assert in_french == "Sage-femme / Échelon 5"
            assert translated(nurse) == "Sage-femme"
            assert str(nurse) == "Midwife"
            assert f"{nurse}" == "Midwife"
