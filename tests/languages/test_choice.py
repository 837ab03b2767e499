"""Which language a page is in (the account setting, then the visitor's cookie, then the
browser's Accept-Language, then English), the switcher, right to left for Arabic, text from CLDR,
and emails in their recipient's language."""

from datetime import UTC, date, datetime

from flask_babel import ngettext, refresh
from sqlalchemy import select

from diaspora.account import services as account
from diaspora.api import tokens
from diaspora.core.words import N_, CountryName
from diaspora.extensions import db as _db
from diaspora.languages import COOKIE, force_locale, format_local, translated
from diaspora.notifications.models import Notification
from tests.helpers import csrf_token, submit

SIGN_IN = "/account/sign-in"


def _html_tag(response) -> str:
    page = response.get_data(as_text=True)
    start = page.index("<html")
    return " ".join(page[start : page.index(">", start)].split())


def test_english_without_any_choice(client):
    response = client.get(SIGN_IN)
    assert 'lang="en"' in _html_tag(response)
    assert "<h1>Sign in</h1>" in response.get_data(as_text=True)


def test_the_browser_language_when_nothing_was_chosen(client):
    response = client.get(SIGN_IN, headers={"Accept-Language": "de, fr;q=0.8, en;q=0.5"})
    assert 'lang="fr"' in _html_tag(response)
    assert "<h1>Se connecter</h1>" in response.get_data(as_text=True)


def test_a_language_the_service_does_not_speak_falls_back_to_english(client):
    response = client.get(SIGN_IN, headers={"Accept-Language": "de, ja"})
    assert 'lang="en"' in _html_tag(response)


def test_the_visitors_choice_beats_the_browser(client):
    response = submit(client, "/language", {"language": "bn", "next": SIGN_IN}, page="/language")
    assert response.status_code == 302
    assert response.location.endswith(SIGN_IN)
    assert f"{COOKIE}=bn" in response.headers["Set-Cookie"]
    page = client.get(SIGN_IN, headers={"Accept-Language": "fr"})
    assert 'lang="bn"' in _html_tag(page)
    assert "সাইন ইন করুন" in page.get_data(as_text=True)


def test_the_account_setting_beats_the_cookie_and_the_browser(client, login_as, db):
    user = login_as("staff")
    user.language = "ar"
    db.session.commit()
    client.set_cookie(COOKIE, "bn")
    page = client.get("/account", headers={"Accept-Language": "fr"})
    assert 'lang="ar"' in _html_tag(page)
    assert "حسابك" in page.get_data(as_text=True)


def test_choosing_a_language_signed_in_saves_it_on_the_account(client, login_as, db):
    user = login_as("staff")
    submit(client, "/language", {"language": "fr", "next": "/account"}, page="/language")
    db.session.refresh(user)
    assert user.language == "fr"


def test_the_account_details_page_changes_the_language(client, login_as, db):
    user = login_as("staff", name="Amina Yusuf")
    response = submit(
        client,
        "/account/details",
        {"display_name": "Amina Yusuf", "time_zone": "Africa/Lagos", "language": "ar"},
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.language == "ar"
    refused = submit(
        client,
        "/account/details",
        {"display_name": "Amina Yusuf", "time_zone": "Africa/Lagos", "language": "xx"},
    )
    assert refused.status_code == 200
    db.session.refresh(user)
    assert user.language == "ar"


def test_the_switcher_only_follows_paths_on_this_site(client):
    response = submit(
        client, "/language", {"language": "fr", "next": "https://evil.example/"}, page="/language"
    )
    assert response.location == "/"


def test_every_page_has_the_switcher_with_each_language_named_in_itself(client):
    page = client.get("/account/register").get_data(as_text=True)
    assert 'lang="fr"' in page and ">Français</a>" in page
    assert 'lang="ar"' in page and ">العربية</a>" in page
    assert 'lang="bn"' in page and ">বাংলা</a>" in page
    assert "/language?to=fr&amp;next=/account/register" in page


def test_the_language_page_works_without_javascript(client):
    page = client.get("/language?to=ar&next=/account/sign-in")
    text = page.get_data(as_text=True)
    assert 'dir="rtl"' in _html_tag(page)  # shown in the language the link named
    assert 'name="csrf_token"' in text
    assert text.count('name="language"') == 4


def test_arabic_pages_are_right_to_left_and_the_others_left_to_right(client):
    assert 'dir="rtl"' in _html_tag(client.get(SIGN_IN, headers={"Accept-Language": "ar"}))
    for language in ("en", "fr", "bn"):
        tag = _html_tag(client.get(SIGN_IN, headers={"Accept-Language": language}))
        assert 'dir="ltr"' in tag


def test_form_errors_are_translated(client):
    client.get(SIGN_IN, headers={"Accept-Language": "fr"})
    token = csrf_token(client, SIGN_IN)
    response = client.post(
        SIGN_IN,
        data={"csrf_token": token, "email": "", "password": ""},
        headers={"Accept-Language": "fr"},
    )
    page = response.get_data(as_text=True)
    assert "Il y a un problème" in page
    assert "Saisissez votre adresse e-mail" in page
    assert "<title>Erreur :" in page


def test_dates_numbers_and_names_come_from_cldr(app):
    when = datetime(2026, 12, 7, 14, 30, tzinfo=UTC)
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        refresh()
        assert format_local(when, "%-d %B %Y") == "7 décembre 2026"
        assert translated(CountryName("DE", "Germany")) == "Allemagne"
        assert translated(N_("Select a country")) == "Choisissez un pays"
    with app.test_request_context(headers={"Accept-Language": "ar"}):
        refresh()
        assert translated(N_("Hours a month must be between 0 and %(max)s", max=200)) == (
            "يجب أن تكون الساعات في الشهر بين 0 و200"
        )
    with app.test_request_context(headers={"Accept-Language": "bn"}):
        refresh()
        assert "ডিসেম্বর" in format_local(date(2026, 12, 7), "%-d %B %Y")
    with app.test_request_context():
        refresh()
        assert format_local(when, "%-d %B %Y at %H:%M") == "7 December 2026 at 14:30"


def test_arabic_plurals_use_all_six_forms(app):
    with force_locale("ar"), app.test_request_context(), force_locale("ar"):
        words = {n: ngettext("%(num)d week", "%(num)d weeks", n) for n in (0, 1, 2, 3, 11, 100)}
    assert words[1] == "أسبوع واحد"
    assert words[2] == "أسبوعان"
    assert words[3] == "3 أسابيع"
    assert words[11] == "11 أسبوعًا"
    assert words[100] == "100 أسبوع"


def _outbox(db, address: str) -> Notification:
    return db.session.scalars(
        select(Notification).where(Notification.address == address).order_by(Notification.id.desc())
    ).first()


def test_an_email_is_in_its_recipients_language_not_the_senders(app, db, make):
    french = make.user(email="claire@example.org", name="Claire Martin", verified=False)
    french.language = "fr"
    english = make.user(email="sam@example.org", name="Sam Jones", verified=False)
    db.session.flush()
    # Caused from an Arabic browser, each email is in the language of the person it is for.
    with app.test_request_context(headers={"Accept-Language": "ar"}):
        refresh()
        account.send_verification(_db.session, french)
        account.send_verification(_db.session, english)
    db.session.flush()
    to_claire, to_sam = _outbox(db, "claire@example.org"), _outbox(db, "sam@example.org")
    assert to_claire.subject == "Confirmez votre adresse e-mail"
    assert to_claire.body.startswith("Bonjour Claire Martin,")
    assert "Partenariats de santé de la diaspora" in to_claire.body
    assert to_sam.subject == "Confirm your email address"
    assert to_sam.body.startswith("Dear Sam Jones,")


def test_signing_up_keeps_the_language_it_was_done_in(client, db):
    from diaspora.auth.models import User

    client.set_cookie(COOKIE, "bn")
    response = submit(
        client,
        "/account/register/staff",
        {
            "display_name": "Rumana Islam",
            "email": "rumana@example.org",
            "password": "quiet river lantern orbit",
            "time_zone": "Asia/Dhaka",
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "rumana@example.org"))
    assert user.language == "bn"
    assert _outbox(db, "rumana@example.org").subject == "আপনার ইমেল ঠিকানা নিশ্চিত করুন"


def test_the_api_answers_in_english_whatever_the_callers_language(client, make, db):
    """A form's messages reach the API's problem body in English, not in the token owner's
    language or the one the request's Accept-Language asks for."""
    answers = {}
    for language in ("en", "fr", "ar"):
        user = make.user(roles=["partner"])
        user.language = language
        make.organisation(owner=user)
        _, secret = tokens.create(db.session, user, "partner", "read-write")
        db.session.commit()
        headers = {"Authorization": f"Bearer {secret}", "Accept-Language": language}
        listing = client.get("/api/v1/opportunities?country=ZZ", headers=headers)
        posted = client.post("/api/v1/opportunities", json={"title": ""}, headers=headers)
        assert listing.status_code == posted.status_code == 422
        answers[language] = (listing.get_json()["errors"], posted.get_json()["errors"])
    assert answers["fr"] == answers["ar"] == answers["en"]
