"""`flask users create-admin` and `flask demo load`."""

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from demo import DEMO_PASSWORD, EXPIRING_SOON, STAFF, staff_profile_spec
from demo.cli import demo_cli
from diaspora.auth.models import User
from diaspora.credentials.models import Credential
from diaspora.credentials.services import number_problem
from diaspora.organisations.models import Membership, Organisation
from diaspora.reference.catalogue import grades, professions, skills
from diaspora.registry.models import (
    AvailabilityWindow,
    CountryTie,
    LanguageSkill,
    ProfileSkill,
    StaffProfile,
)
from diaspora.registry.services import missing_sections
from tests.core.support import ProductionTestConfig, fresh_app
from tests.helpers import sign_in

ADMIN_PASSWORD = "a strong admin password"


def create_admin(app, email: str, password: str):
    return app.test_cli_runner().invoke(
        args=["users", "create-admin", email, "--name", "Root Admin", "--password-stdin"],
        input=f"{password}\n",
    )


def find(db, email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(db.select(User).filter_by(email=email))


def test_create_admin_makes_a_verified_administrator(app, client, db):
    result = create_admin(app, "Root@Example.org", ADMIN_PASSWORD)
    assert result.exit_code == 0, result.output
    assert "Administrator ready." in result.output
    admin = find(db, "root@example.org")
    assert admin is not None
    assert admin.role_names == {"admin"}
    assert admin.email_verified_at is not None
    assert admin.display_name == "Root Admin"
    assert admin.password_hash.startswith("$argon2id$")
    sign_in(client, "root@example.org", ADMIN_PASSWORD)
    # An administrator sets up a second factor before anything else.
    assert client.get("/admin/").location == "/account/two-factor/set-up"


def test_create_admin_promotes_an_existing_account(app, make, db):
    user = make.user(roles=["staff"])
    assert create_admin(app, user.email, ADMIN_PASSWORD).exit_code == 0
    assert find(db, user.email).role_names == {"staff", "admin"}


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "Password must be 10 characters or more"),
        ("boss@example.org", "Password must not be your email address"),
        ("", "Password must be 10 characters or more"),
    ],
)
def test_create_admin_rejects_a_weak_password(app, db, password, message):
    result = create_admin(app, "boss@example.org", password)
    assert result.exit_code != 0
    assert message in result.output
    assert find(db, "boss@example.org") is None


def counts(db) -> dict[str, int]:
    db.session.expire_all()
    return {
        model.__name__: db.session.query(model).count()
        for model in (
            User,
            Organisation,
            Membership,
            StaffProfile,
            CountryTie,
            LanguageSkill,
            ProfileSkill,
            AvailabilityWindow,
            Credential,
        )
    }


def test_demo_load_is_idempotent(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(demo_cli, ["load"])
    assert first.exit_code == 0, first.output
    after_first = counts(db)
    assert after_first["User"] > 50
    assert after_first["Organisation"] >= 6
    assert after_first["StaffProfile"] == 51
    assert after_first["Credential"] > 51

    second = runner.invoke(demo_cli, ["load"])
    assert second.exit_code == 0, second.output
    assert counts(db) == after_first
    assert second.output == first.output
    assert f"{after_first['User']} users, {after_first['Organisation']} organisations" in (
        second.output
    )
    assert DEMO_PASSWORD in second.output


def test_demo_accounts_can_sign_in(app, client, db):
    assert app.test_cli_runner().invoke(demo_cli, ["load"]).exit_code == 0
    sign_in(client, "admin@demo.test", DEMO_PASSWORD)
    assert client.get("/admin/").status_code == 200


def test_demo_load_refuses_production(database_url, app, db):
    with fresh_app(ProductionTestConfig, database_url) as production, production.app_context():
        result = production.test_cli_runner().invoke(demo_cli, ["load"])
    assert result.exit_code != 0
    assert "Demo data is never loaded in production." in result.output
    assert counts(db)["User"] == 0


# What the demo staff look like ------------------------------------------------------------


@pytest.fixture
def demo(app, db) -> dict[str, StaffProfile]:
    """The demo world, loaded; the staff profiles by their owners' email addresses."""
    result = app.test_cli_runner().invoke(demo_cli, ["load"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    rows = db.session.execute(select(User.email, StaffProfile).join(StaffProfile.user)).all()
    return {email: profile for email, profile in rows}


def test_every_demo_staff_member_has_a_complete_profile(demo):
    assert set(demo) == {person.email for person in STAFF}
    for person in STAFF:
        profile = demo[person.email]
        assert missing_sections(profile) == {}, person.email
        assert profile.completed_at is not None
        assert profile.user.display_name == person.name
        assert person.name.lower() in profile.search_text
        assert profile.specialty and profile.nhs_employer and profile.bio
        assert 2 <= profile.hours_per_month <= 20
        assert {skill.code for skill in profile.skills if not skill.tag} <= set(skills())
        assert "eng" in {language.language for language in profile.languages}


def test_grades_fit_the_profession(demo):
    for email, profile in demo.items():
        group = professions()[profile.profession].group
        expected = "Medical" if group in ("Medical", "Dental") else "Agenda for Change"
        assert grades()[profile.grade]["group"] == expected, email


def test_professions_are_weighted_like_the_nhs(demo):
    groups = Counter(
        "midwife" if p.profession == "midwife" else professions()[p.profession].group
        for p in demo.values()
    )
    nurses, doctors = groups["Nursing and midwifery"], groups["Medical"]
    assert nurses > doctors > groups["Allied health professions"] > groups["midwife"] >= 4
    assert groups["Pharmacy"] >= 2
    assert groups["Healthcare science"] >= 1


# (email, country of birth or heritage, a language their name suggests)
NAME_TIES = [
    ("staff01@demo.test", "BD", "syl"),
    ("staff03@demo.test", "BD", "ben"),
    ("staff11@demo.test", "NG", "yor"),
    ("staff12@demo.test", "NG", "ibo"),
    ("staff19@demo.test", "NG", "hau"),
    ("staff21@demo.test", "GH", "twi"),
    ("staff26@demo.test", "PK", "urd"),
    ("staff27@demo.test", "PK", "pan"),
    ("staff36@demo.test", "PH", "tgl"),
    ("staff41@demo.test", "IN", "mal"),
    ("staff46@demo.test", "ZW", "sna"),
    ("staff48@demo.test", "KE", "swa"),
    ("staff50@demo.test", "MW", "nya"),
    ("staff@demo.test", "NG", "yor"),
]


def test_ties_and_languages_match_the_names(demo):
    for email, country, language in NAME_TIES:
        profile = demo[email]
        kinds = {tie.country for tie in profile.ties if tie.kind in ("born", "heritage")}
        assert country in kinds, email
        assert language in {item.language for item in profile.languages}, email


def test_people_raised_in_the_uk_have_a_heritage_tie_and_native_english(demo):
    profile = demo["staff04@demo.test"]
    assert [(tie.country, tie.kind) for tie in profile.ties] == [("BD", "heritage")]
    assert {(item.language, item.proficiency) for item in profile.languages} >= {("eng", 4)}


def test_registration_numbers_are_valid_for_their_regulator(demo):
    admin = None
    for email, profile in demo.items():
        uk = [c for c in profile.credentials if c.regulator != "OTHER"]
        assert uk, email
        for credential in uk:
            assert credential.regulator == professions()[profile.profession].regulator
            assert number_problem(credential.regulator, credential.number, profile.profession) is (
                None
            ), (email, credential.number)
        for credential in profile.credentials:
            if credential.status != "unverified":
                assert credential.verified_by.email == "admin@demo.test"
                admin = credential.verified_by
    assert admin is not None


def test_statuses_are_mixed_and_one_registration_expires_soon(demo):
    credentials = [c for profile in demo.values() for c in profile.credentials]
    statuses = Counter(c.status for c in credentials)
    assert statuses["verified"] >= 20
    assert statuses["unverified"] >= 20
    assert statuses["rejected"] == 1
    today = date.today()
    soon = [
        c
        for c in credentials
        if c.expires_on is not None and today <= c.expires_on <= today + timedelta(days=60)
    ]
    assert [c.profile.user.email for c in soon] == [EXPIRING_SOON]
    assert {c.country for c in credentials if c.regulator == "OTHER"} >= {"BD", "NG", "PK"}


def test_visibility_and_consent_are_mixed(demo):
    visibility = Counter(p.visibility for p in demo.values())
    assert 3 <= visibility["private"] <= 8
    assert visibility["verified_organisations"] > visibility["coordinators"] > 5
    assert not any(p.consent_to_contact for p in demo.values() if p.visibility == "private")
    assert sum(p.consent_to_contact for p in demo.values()) >= 35


def test_availability_is_mixed_and_windows_are_ahead(demo):
    modalities = Counter(p.modality for p in demo.values())
    assert set(modalities) == {"remote", "on_site", "both"}
    today = date.today()
    windows = [w for p in demo.values() for w in p.windows]
    assert len(windows) >= 10
    assert all(today < w.starts_on <= w.ends_on for w in windows)
    assert all(not p.windows for p in demo.values() if p.modality == "remote")


def test_the_demo_is_the_same_every_time():
    today = date(2026, 11, 22)
    assert [staff_profile_spec(p, today) for p in STAFF] == [
        staff_profile_spec(p, today) for p in STAFF
    ]


def test_loading_again_leaves_a_changed_profile_alone(app, demo, db):
    profile = demo["staff07@demo.test"]
    profile.bio = "Written by the person"
    db.session.commit()
    assert app.test_cli_runner().invoke(demo_cli, ["load"]).exit_code == 0
    db.session.expire_all()
    assert db.session.get(StaffProfile, profile.id).bio == "Written by the person"
