"""Bad input on every account form: the page comes back with the NHS error summary, an
"Error: " title and everything typed (except passwords) still in place, and nothing is saved."""

import html as html_lib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from diaspora.auth import services
from diaspora.widgets import TIME_ZONE_PROBLEM
from tests.core.support import snapshot
from tests.factories import PASSWORD
from tests.helpers import error_summary, submit

EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.com"
TOO_SHORT = "Password must be 10 characters or more"
LONG_NAME = "Ann " + "x" * 117  # 121 characters


@dataclass
class Case:
    id: str
    path: str
    data: dict[str, str]
    messages: list[str]
    kept: dict[str, str] = field(default_factory=dict)
    role: str | None = None  # sign in first with this role
    prepare: Callable | None = None  # (app, make) -> values to format into path and data
    audited: int = 0  # audit events the refusal adds (a wrong current password is recorded)


def _reset_token(app, make) -> dict[str, str]:
    user = make.user(name="Reset Person")
    with app.test_request_context():
        token = services.reset_token(user)
    return {"token": token}


def _an_organisation(_app, make) -> dict[str, str]:
    return {"organisation": str(make.organisation(name="Existing Clinic").id)}


ABOUT_ME = {"display_name": "Olu Example", "email": "olu@example.org", "password": "good enough pw"}
ABOUT_ME_STAFF = {
    "display_name": "Ann Example",
    "email": "ann@example.org",
    "password": "good enough pw",
}

CASES = [
    Case("register-type", "/account/register", {}, ["Select how you will use this service"]),
    Case(
        "register-type-bogus",
        "/account/register",
        {"account_type": "superuser"},
        ["Not a valid choice."],
    ),
    Case(
        "staff-registration",
        "/account/register/staff",
        {
            "display_name": "Ann Example",
            "email": "ann-at-example.org",
            "password": "tiny-pw-1",
            "time_zone": "Asia/Dhaka",
        },
        [EMAIL_FORMAT, TOO_SHORT],
        kept={
            "display_name": "Ann Example",
            "email": "ann-at-example.org",
            "time_zone": "Asia/Dhaka",
        },
    ),
    Case(
        "staff-registration-bad-zone",
        "/account/register/staff",
        {**ABOUT_ME_STAFF, "time_zone": "Mars/Olympus_Mons"},
        [TIME_ZONE_PROBLEM],
        kept={"display_name": "Ann Example", "email": "ann@example.org"},
    ),
    Case(
        "staff-registration-empty",
        "/account/register/staff",
        {"display_name": "", "email": "", "password": ""},
        ["Enter your full name", "Enter your email address", "Enter a password"],
    ),
    Case(
        "organisation-registration-new",
        "/account/register/organisation",
        {
            **ABOUT_ME,
            "organisation_choice": "new",
            "name": "",
            "kind": "",
            "country": "NG",
            "time_zone": "Africa/Lagos",
            "person_time_zone": "Europe/Dublin",
            "website": "https://clinic.example",
            "description": "We run clinics",
        },
        ["Enter the organisation's name", "Select the type of organisation"],
        kept={
            "display_name": "Olu Example",
            "email": "olu@example.org",
            "person_time_zone": "Europe/Dublin",
            "organisation_choice": "new",
            "country": "NG",
            "time_zone": "Africa/Lagos",
            "website": "https://clinic.example",
            "description": "We run clinics",
        },
    ),
    Case(
        "organisation-registration-bad-website",
        "/account/register/organisation",
        {
            **ABOUT_ME,
            "organisation_choice": "new",
            "name": "Lagos Clinic",
            "kind": "charity",
            "country": "NG",
            "website": "clinic dot example",
        },
        ["Enter a website address in the correct format, like https://www.example.org"],
        kept={
            "name": "Lagos Clinic",
            "kind": "charity",
            "country": "NG",
            "website": "clinic dot example",
        },
    ),
    Case(
        "organisation-registration-bad-zones",
        "/account/register/organisation",
        {
            **ABOUT_ME,
            "person_time_zone": "Europe/Nowhere",
            "organisation_choice": "new",
            "name": "Lagos Clinic",
            "kind": "charity",
            "country": "NG",
            "time_zone": "",
        },
        [TIME_ZONE_PROBLEM, TIME_ZONE_PROBLEM],
        kept={"name": "Lagos Clinic", "country": "NG"},
    ),
    Case(
        "organisation-registration-join",
        "/account/register/organisation",
        {**ABOUT_ME, "organisation_choice": "join", "existing_organisation": ""},
        ["Select the organisation you want to join"],
        kept={"display_name": "Olu Example", "organisation_choice": "join"},
        prepare=_an_organisation,
    ),
    Case(
        "organisation-registration-no-choice",
        "/account/register/organisation",
        {**ABOUT_ME, "email": "olu@", "name": "Half Typed"},
        [EMAIL_FORMAT, "Select whether your organisation is already registered"],
        kept={"email": "olu@", "name": "Half Typed"},
    ),
    Case(
        "sign-in",
        "/account/sign-in",
        {"email": "someone@", "password": ""},
        [EMAIL_FORMAT, "Enter your password"],
        kept={"email": "someone@"},
    ),
    Case(
        "forgot-password",
        "/account/forgot-password",
        {"email": "forgetful.example.org"},
        [EMAIL_FORMAT],
        kept={"email": "forgetful.example.org"},
    ),
    Case(
        "resend-verification",
        "/account/resend-verification",
        {"email": ""},
        ["Enter your email address"],
    ),
    Case(
        "reset-password",
        "/account/reset-password/{token}",
        {"password": "tiny-pw-2"},
        [TOO_SHORT],
        prepare=_reset_token,
    ),
    Case(
        "reset-password-is-name",
        "/account/reset-password/{token}",
        {"password": "Reset Person"},
        ["Password must not be your name"],
        prepare=_reset_token,
    ),
    Case(
        "change-password",
        "/account/password",
        {"current_password": "", "password": "tiny-pw-3"},
        ["Enter your current password", TOO_SHORT],
        role="staff",
    ),
    Case(
        "change-password-wrong-current",
        "/account/password",
        {"current_password": "not my password", "password": "a new long password"},
        ["Your current password is not correct"],
        role="staff",
        audited=1,
    ),
    Case(
        "change-email",
        "/account/email",
        {"email": "new-address", "current_password": PASSWORD},
        [EMAIL_FORMAT],
        kept={"email": "new-address"},
        role="staff",
    ),
    Case(
        "change-email-wrong-password",
        "/account/email",
        {"email": "new@example.org", "current_password": "not my password"},
        ["Your current password is not correct"],
        kept={"email": "new@example.org"},
        role="staff",
        audited=1,
    ),
    Case(
        "account-details",
        "/account/details",
        {"display_name": LONG_NAME, "time_zone": "Asia/Dhaka"},
        ["Full name must be 120 characters or fewer"],
        kept={"display_name": LONG_NAME, "time_zone": "Asia/Dhaka"},
        role="staff",
    ),
    Case(
        "account-details-bad-zone",
        "/account/details",
        {"display_name": "New Name", "time_zone": "Mars/Olympus_Mons"},
        [TIME_ZONE_PROBLEM],
        kept={"display_name": "New Name"},
        role="staff",
    ),
]


def _attribute(tag: str, name: str) -> str | None:
    match = re.search(rf'\b{name}="([^"]*)"', tag)
    return html_lib.unescape(match.group(1)) if match else None


def shown_value(page: str, name: str) -> str | None:
    """What the re-rendered form shows in the field called `name`."""
    for tag in re.findall(r"<input\b[^>]*>", page):
        if _attribute(tag, "name") != name:
            continue
        if _attribute(tag, "type") in {"radio", "checkbox"}:
            if re.search(r"\schecked\b", tag):
                return _attribute(tag, "value")
            continue
        return _attribute(tag, "value")
    textarea = re.search(rf'<textarea\b[^>]*name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    if textarea:
        return html_lib.unescape(textarea.group(1))
    select = re.search(rf'<select\b[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    if select:
        selected = re.search(r'<option value="([^"]*)" selected', select.group(1))
        return html_lib.unescape(selected.group(1)) if selected else None
    return None


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_is_shown_back_with_errors(app, client, make, login_as, case):
    if case.role:
        login_as(case.role)
    values = case.prepare(app, make) if case.prepare else {}
    path = case.path.format(**values)
    data = {key: value.format(**values) for key, value in case.data.items()}
    if "existing_organisation" in data and values.get("organisation"):
        assert data["existing_organisation"] == ""  # the organisation exists but was not chosen
    before = snapshot()

    response = submit(client, path, data)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert error_summary(response) == case.messages
    assert re.search(r"<title>\s*Error: ", page), "the title does not start with 'Error: '"
    for name, value in case.kept.items():
        assert shown_value(page, name) == value, f"{name} lost what was typed"
    for name, value in data.items():
        if "password" in name and value:
            assert value not in page, f"{name} was echoed back"
    after = snapshot()
    assert len(after["audit_events"]) == len(before["audit_events"]) + case.audited
    after["audit_events"] = before["audit_events"]
    assert after == before, "a rejected form changed the database"


def test_the_same_pages_have_no_error_title_without_errors(client):
    for path in ("/account/register/staff", "/account/sign-in"):
        page = client.get(path).get_data(as_text=True)
        assert not re.search(r"<title>\s*Error: ", page)
        assert "nhsuk-error-summary" not in page


def test_each_error_links_to_its_field(client):
    response = submit(client, "/account/register/staff", {"display_name": "", "email": "x"})
    page = response.get_data(as_text=True)
    hrefs = re.findall(r'<a href="#([^"]+)"', page.split("nhsuk-error-summary__list")[1])
    assert hrefs == ["display_name", "email", "password"]
    for field_id in hrefs:
        assert f'id="{field_id}"' in page


def test_the_error_summary_follows_the_page_order(client):
    """About you comes first on the organisation registration page, so its errors do too."""
    data = {"display_name": "", "email": "", "password": "", "organisation_choice": "new"}
    response = submit(client, "/account/register/organisation", data)
    assert error_summary(response) == [
        "Enter your full name",
        "Enter your email address",
        "Enter a password",
        "Enter the organisation's name",
        "Select the type of organisation",
        "Select the country where the organisation is based",
    ]
    page = response.get_data(as_text=True)
    ids = re.findall(r'<a href="#([^"]+)"', page.split("nhsuk-error-summary__list")[1])
    positions = [page.index(f'id="{field_id}"') for field_id in ids]
    assert positions == sorted(positions), "the summary is not in the order of the page"


def test_a_wrong_password_at_sign_in_keeps_the_address_and_only_audits(client, make, db):
    user = make.user()
    before = snapshot()
    response = submit(client, "/account/sign-in", {"email": user.email, "password": "wrong one"})
    assert response.status_code == 200
    assert error_summary(response) == ["Enter a correct email address and password"]
    page = response.get_data(as_text=True)
    assert re.search(r"<title>\s*Error: ", page)
    assert shown_value(page, "email") == user.email
    after = snapshot()
    assert len(after["audit_events"]) == len(before["audit_events"]) + 1
    assert {k: v for k, v in after.items() if k != "audit_events"} == {
        k: v for k, v in before.items() if k != "audit_events"
    }


def test_joining_ignores_the_hidden_new_organisation_fields(client, make, db):
    """The conditional fields of the other answer do not block registration."""
    organisation = make.organisation(name="Existing Clinic")
    data = {
        **ABOUT_ME,
        "organisation_choice": "join",
        "existing_organisation": str(organisation.id),
        "website": "half typed",
        "kind": "",
    }
    response = submit(client, "/account/register/organisation", data)
    assert response.status_code == 302
    user = services.find_user_by_email(db.session, "olu@example.org")
    assert user is not None
