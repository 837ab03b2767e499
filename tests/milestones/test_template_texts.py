"""The shipped plan templates' words: English in the data file and the database, marked for the
catalogues, in the reader's language where a person chooses a template."""

import tomllib

from flask_babel import force_locale

from diaspora.languages import shipped
from diaspora.milestones.services import TEMPLATES_FILE
from diaspora.milestones.template_texts import TEMPLATE_TEXTS


def _texts_in_file() -> set[str]:
    data = tomllib.loads(TEMPLATES_FILE.read_text(encoding="utf-8"))
    texts = set()
    for template in data["template"]:
        texts |= {template.get(key) for key in ("name", "description", "status_note")}
        for milestone in template.get("milestone", []):
            texts |= {milestone["title"], milestone.get("description")}
    return texts - {None, ""}


def test_the_marked_texts_are_exactly_those_in_the_data_file():
    assert len(set(TEMPLATE_TEXTS)) == len(TEMPLATE_TEXTS)
    assert set(TEMPLATE_TEXTS) == _texts_in_file()


def test_shipped_text_is_translated_and_edited_text_shown_as_typed(app):
    with app.test_request_context(), force_locale("fr"):
        assert shipped("Arrive and start work") == "Arrivée et prise de poste"
        assert shipped("Arrive and start work, in Leeds") == "Arrive and start work, in Leeds"
        assert shipped("") == ""
        assert shipped(None) == ""
