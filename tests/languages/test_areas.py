"""Your data, plans, matching, second factors and administration in French and Arabic: the
pages, their form messages, time zones from CLDR, and the reasons a match gives."""

from datetime import date

from flask_babel import force_locale

from diaspora.contributions.services import hours_text
from diaspora.core.words import N_, Month
from diaspora.languages import translated
from diaspora.matching import engine
from diaspora.matching.scoring import Note
from diaspora.reference.places import time_zone_label
from tests.helpers import error_summary, submit


def _page(client, url: str, language: str) -> str:
    response = client.get(url, headers={"Accept-Language": language})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_time_zones_are_named_by_cldr_in_the_readers_language():
    assert time_zone_label("Europe/London") == "London, United Kingdom"
    assert time_zone_label("Europe/London", "fr") == "Londres, Royaume-Uni"
    assert time_zone_label("Asia/Dhaka", "ar") == "دكا، بنغلاديش"
    assert time_zone_label("Asia/Dhaka", "bn") == "ঢাকা, বাংলাদেশ"


def test_the_time_zone_list_is_in_the_pages_language(client, login_as):
    login_as("staff")
    page = _page(client, "/account/details", "fr")
    assert '<optgroup label="Royaume-Uni"><option value="Europe/London" selected>Londres' in page
    assert "UTC (temps universel coordonné)" in page


def test_reasons_and_gaps_read_in_the_readers_language_with_their_names(app):
    labels = engine.labels()
    born = Note("tie", code="BD", detail="born")
    expert = Note("skill", code="neonatal_resuscitation", have=3)
    window = Note("window", start=date(2027, 3, 1), end=date(2027, 3, 31))
    # English, as the API gives them.
    assert born.text(labels) == "Born in Bangladesh"
    assert expert.text(labels) == "Expert in neonatal resuscitation"
    assert window.text(labels) == "Can travel 1 March 2027 to 31 March 2027"
    with app.test_request_context(), force_locale("fr"):
        assert translated(born.text(labels)) == "Né(e) au pays : Bangladesh"
        assert translated(expert.text(labels)) == "Expert en réanimation néonatale"
        assert translated(window.text(labels)) == "Peut se déplacer du 1 mars 2027 au 31 mars 2027"
    with app.test_request_context(), force_locale("ar"):
        assert translated(born.text(labels)) == "وُلد في بنغلاديش"


def test_a_month_in_a_message_reads_in_the_readers_language(app):
    """Hours are logged by the month: the month in the limit's message is the reader's too."""
    problem = N_(
        "You have already logged %(already)s for %(month)s. No more than %(limit)s hours "
        "can be logged for one month, so you cannot log more for that month",
        already=hours_text(200 * 60),
        month=Month.of(date(2027, 3, 9)),
        limit=200,
    )
    assert problem.startswith("You have already logged 200 hours for March 2027.")
    with app.test_request_context(), force_locale("fr"):
        assert "mars 2027" in translated(problem)
        assert translated(Month.of(date(2027, 3, 9))) == "mars 2027"
    with app.test_request_context(), force_locale("en"):
        assert translated(Month.of(date(2027, 3, 9))) == "March 2027"


def test_your_data_in_arabic(client, login_as):
    login_as("staff")
    page = _page(client, "/account/my-data", "ar")
    assert 'dir="rtl"' in page
    assert "<h1>بياناتك</h1>" in page
    assert "Download a copy of your data" not in page


def test_a_plan_in_french_with_its_dates_and_errors(client, login_as, templates):
    login_as("staff")
    page = _page(client, "/plans", "fr")
    assert "Vos plans « travailler, apprendre et revenir »" in page
    client.set_cookie("language", "fr")
    url = f"/plans/new/{templates['custom'].id}"
    refused = submit(client, url, {"scheme": "MTI", "starts_on-day": "3"})
    assert "Start date" not in refused.get_data(as_text=True)
    assert "Date de début : indiquez le mois et l\u2019année" in error_summary(refused)


def test_the_input_filter_speaks_the_pages_language(client, login_as, templates):
    login_as("staff")
    client.set_cookie("language", "fr")
    url = f"/plans/new/{templates['custom'].id}"
    refused = submit(client, url, {"scheme": "MTI\x01"})
    assert "Nom de votre programme : les caractères de contrôle ne sont pas acceptés" in (
        error_summary(refused)
    )


def test_the_second_factor_page_in_french(client, login_as):
    login_as("staff")
    page = _page(client, "/account/two-factor/set-up", "fr")
    assert "<h1>Configurer un second facteur</h1>" in page
    assert "Une clé d\u2019accès (recommandé)" in page
