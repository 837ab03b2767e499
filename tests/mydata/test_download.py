"""Downloading a copy of everything the service holds about you."""

import json
import re
from datetime import date

import pytest

from diaspora.audit.models import AuditEvent
from diaspora.core.time import as_utc
from diaspora.factors.models import RecoveryCode, TotpFactor
from diaspora.milestones.models import Milestone, Plan
from tests.factories import PASSWORD
from tests.helpers import csrf_token, sign_in, submit
from tests.mydata.support import BIO, EMAIL, NAME, NMC_PIN, SPECIALTY, full_person

PAGE = "/account/my-data"
DOWNLOAD = "/account/my-data/download"


def download(client) -> tuple[dict, object]:
    response = submit(client, DOWNLOAD, {}, page=PAGE)
    assert response.status_code == 200
    return json.loads(response.get_data(as_text=True)), response


def test_the_page_offers_the_download_and_the_deletion(client, login_as):
    login_as("staff")
    response = client.get(PAGE)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Your data \u2013 " in html
    assert html.count("<h1") == 1
    assert f'action="{DOWNLOAD}" method="post"' in html
    assert 'href="/account/my-data/delete"' in html
    assert 'href="/account"' in html  # back link
    assert 'href="/account/my-data"' in client.get("/account").get_data(as_text=True)


def test_signing_in_is_required(client, db):
    assert client.get(PAGE).status_code == 302
    token = csrf_token(client, "/account/sign-in")
    response = client.post(DOWNLOAD, data={"csrf_token": token})
    assert response.status_code == 302
    assert response.location.startswith("/account/sign-in")


def test_the_download_is_a_post_with_its_security_check(client, login_as, db):
    user = login_as("staff")
    assert client.get(DOWNLOAD).status_code == 405
    refused = client.post(DOWNLOAD)
    assert refused.status_code == 400
    assert "missing its security check" in refused.get_data(as_text=True)
    assert (
        db.session.scalar(
            db.select(AuditEvent).filter_by(action="account.data_exported", actor_id=user.id)
        )
        is None
    )


def test_the_file_is_an_attachment_named_without_personal_data(client, make, db):
    full_person(make)
    sign_in(client, EMAIL)
    _data, response = download(client)
    assert response.mimetype == "application/json"
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="my-data-{date.today().isoformat()}.json"'
    assert "no-store" in response.headers["Cache-Control"]


def test_the_file_holds_everything_about_the_person(client, make, db):
    person = full_person(make)
    person.user.language = "fr"
    db.session.commit()
    sign_in(client, EMAIL)
    data, _response = download(client)

    assert data["format"] == "diaspora-my-data"
    account = data["account"]
    assert account["email"] == EMAIL
    assert account["display_name"] == NAME
    assert account["time_zone"] == "Africa/Lagos"
    assert account["language"] == "fr"  # the language they chose for the service
    assert account["roles"] == ["coordinator", "staff"]  # coordinator: their verified charity
    assert account["created_at"]
    assert account["last_login_at"]  # the sign-in above

    [membership] = data["organisation_memberships"]
    assert membership["role"] == "member"
    assert membership["status"] == "active"
    assert membership["organisation"]["kind"] == "charity"

    profile = data["staff_profile"]
    work = profile["work"]
    assert work["profession"] == "midwife"
    assert work["profession_name"] == "Midwife"
    assert work["grade_name"] == "Band 7"
    assert work["specialty"] == SPECIALTY
    assert work["nhs_employer"] == "Northgate Teaching Hospitals NHS Foundation Trust"
    assert work["years_experience"] == 14
    assert work["bio"] == BIO
    assert [(t["country"], t["kind"]) for t in profile["country_ties"]] == [
        ("NG", "born"),
        ("NG", "trained"),
        ("GH", "heritage"),
    ]
    assert profile["country_ties"][0]["country_name"] == "Nigeria"
    assert [(lang["language"], lang["proficiency_label"]) for lang in profile["languages"]] == [
        ("yor", "Native"),
        ("eng", "Fluent"),
        ("twi", "Basic"),
    ]
    assert [(s["code"], s["level"]) for s in profile["skills"]] == [
        ("neonatal_resuscitation", 4),
        ("midwifery_education", 3),
        ("tag:kangaroo-care", 2),
    ]
    assert profile["skills"][2]["tag"] == "Kangaroo care"
    availability = profile["availability"]
    assert availability["hours_per_month"] == 12
    assert availability["modality"] == "both"
    assert availability["notice_weeks"] == 6
    assert availability["unavailable_until"] == "2026-12-31"
    assert availability["windows"] == [
        {"starts_on": "2027-02-01", "ends_on": "2027-02-21"},
        {"starts_on": "2027-07-05", "ends_on": "2027-07-30"},
    ]
    assert profile["privacy"] == {
        "visibility": "coordinators",
        "visibility_label": "Volunteer coordinators at verified charities and NHS trusts",
        "consent_to_contact": True,
    }
    assert profile["completed_at"]

    checked, home = data["credentials"]
    assert (checked["regulator"], checked["number"], checked["status"]) == (
        "NMC",
        NMC_PIN,
        "verified",
    )
    assert checked["verified_at"]
    assert checked["note"] == "Seen on the NMC register"
    assert (home["regulator_name"], home["country"], home["status"]) == (
        "Nursing and Midwifery Council of Nigeria",
        "NG",
        "unverified",
    )

    events = {(e["action"], e["by"]) for e in data["audit_events"]}
    assert {
        ("sign_in", "you"),
        ("profile.updated", "you"),
        ("credential.verified", "someone else"),
        ("role.granted", "someone else"),
    } <= events
    # The administrator who acted is another person: neither named nor numbered.
    text = json.dumps(data, ensure_ascii=False)
    assert person.admin.email not in text
    assert person.admin.display_name not in text


def test_the_file_holds_nothing_of_other_people(client, make, db):
    other = full_person(
        make, email="other.person@example.org", name="Olusegun Otherperson", marker="-other"
    )
    me = make.user(name="Someone Else Entirely")
    make.organisation(owner=me, members=(other.user,))
    sign_in(client, me.email)
    data, response = download(client)
    text = response.get_data(as_text=True)
    for needle in ("other.person@example.org", "Olusegun", "-other", other.admin.email):
        assert needle not in text
    assert data["staff_profile"] is None
    assert data["credentials"] == []
    assert all(e["by"] == "you" for e in data["audit_events"])
    [membership] = data["organisation_memberships"]
    assert membership["role"] == "owner"


def test_the_file_lists_second_factors_but_no_secret(client, make, db):
    me = make.user(second_factor=True)
    sign_in(client, me.email)
    data, response = download(client)
    factors = data["second_factors"]
    assert factors["authenticator_app"]["set_up_at"]
    assert factors["passkeys"] == []
    assert factors["recovery_codes_left"] == 10
    text = response.get_data(as_text=True)
    totp = db.session.scalar(db.select(TotpFactor).filter_by(user_id=me.id))
    codes = db.session.scalars(db.select(RecoveryCode.digest).filter_by(user_id=me.id))
    for secret in (totp.secret, *codes):
        assert secret not in text


def test_a_download_is_audited(client, make, db):
    person = full_person(make)
    sign_in(client, EMAIL)
    download(client)
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="account.data_exported"))
    assert (event.actor_id, event.subject_type, event.subject_id) == (
        person.user.id,
        "User",
        person.user.id,
    )
    assert EMAIL not in json.dumps(event.details)


def test_the_file_holds_engagements_bookings_and_plans(client, make, db):
    person = full_person(make)
    make.engagement(
        user=person.user,
        message="My application",
        release_manager_email="manager@nhs.example.org",
    )
    teaching = make.opportunity(kind="teaching", sessions=1)
    make.engagement(teaching, person.user, state="accepted", session_id=teaching.sessions[0].id)
    plan = Plan(
        owner_id=person.user.id,
        scheme="Medical Training Initiative",
        starts_on=date(2027, 1, 4),
        expected_end_on=date(2029, 1, 4),
        return_country="GH",
    )
    plan.milestones = [Milestone(title="Exam booked", due_on=date(2027, 2, 1), anchor="fixed")]
    db.session.add(plan)
    db.session.commit()
    sign_in(client, EMAIL)

    data, _ = download(client)

    application, booking = data["engagements"]
    assert application["message"] == "My application"
    assert application["release_manager_email"] == "manager@nhs.example.org"
    assert application["session_starts_at"] is None
    assert booking["state"] == "accepted"
    assert booking["session_starts_at"] == as_utc(teaching.sessions[0].starts_at).isoformat()
    assert booking["opportunity"]["kind"] == "teaching"
    assert data["cohorts"] == {"invitations": [], "cohorts": [], "messages_sent": []}
    assert data["matching"] == {
        "invitations": [],
        "hidden_opportunities": [],
        "opportunity_alerts": "off",
    }
    [exported] = data["plans"]
    assert exported["scheme"] == "Medical Training Initiative"
    assert exported["return_country"] == "GH"
    assert exported["milestones"] == [
        {
            "title": "Exam booked",
            "description": "",
            "due_on": "2027-02-01",
            "done_at": None,
            "done_note": "",
        }
    ]


@pytest.mark.parametrize("path", [PAGE, "/account/my-data/delete"])
def test_pages_are_not_cached(client, login_as, path):
    login_as("staff")
    assert "no-store" in client.get(path).headers["Cache-Control"]


def test_a_download_needs_no_password_but_a_session(client, make, db):
    """The control for the deletion tests: PASSWORD is not asked for here."""
    user = make.user()
    sign_in(client, user.email, PASSWORD)
    data, _ = download(client)
    assert re.fullmatch(r"person\d+@example\.org", data["account"]["email"])
