from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from diaspora.audit.models import AuditEvent
from diaspora.credentials import services
from diaspora.credentials.forms import CredentialForm
from diaspora.credentials.models import Credential
from diaspora.credentials.services import CredentialError, CredentialInput, NotAllowed
from diaspora.reference.catalogue import professions, regulators
from diaspora.registry.models import StaffProfile

# Valid and invalid numbers from the researched facts (shared/reference/regulators.csv):
# GMC reference numbers are 7 digits, and the NHS consultant code ('C' + GMC number) is not one;
# NMC PINs are NNANNNNA (e.g. 71A2998E); GPhC pharmacists' numbers are 7 digits starting with 2
# (e.g. 2033467); GDC numbers are 3 to 6 digits, and the NHS 'CD' + 6 digits code is not one;
# HCPC numbers are the profession's letters then up to 6 digits (e.g. PH123456, PYL123456).


FORMATS = [
    # regulator, profession, number, valid
    ("GMC", "doctor", "1234567", True),
    ("GMC", "doctor", " 123 4567 ", True),
    ("GMC", "doctor", "123456", False),
    ("GMC", "doctor", "12345678", False),
    ("GMC", "doctor", "C1234567", False),
    ("GMC", "doctor", "123456A", False),
    ("NMC", "adult_nurse", "71A2998E", True),
    ("NMC", "midwife", "71a2998e", True),
    ("NMC", "mental_health_nurse", "71 A 2998 E", True),
    ("NMC", "adult_nurse", "71A2998", False),
    ("NMC", "adult_nurse", "7112998E", False),
    ("NMC", "adult_nurse", "71A29981", False),
    ("NMC", "adult_nurse", "A712998E", False),
    ("GPhC", "pharmacist", "2033467", True),
    ("GPhC", "pharmacist", "1033467", False),
    ("GPhC", "pharmacist", "203346", False),
    ("GPhC", "pharmacist", "20334670", False),
    ("GDC", "dentist", "123", True),
    ("GDC", "dental_care_professional", "123456", True),
    ("GDC", "dentist", "12", False),
    ("GDC", "dentist", "1234567", False),
    ("GDC", "dentist", "CD123456", False),
    ("HCPC", "physiotherapist", "PH123456", True),
    ("HCPC", "physiotherapist", "ph 1", True),
    ("HCPC", "practitioner_psychologist", "PYL123456", True),
    ("HCPC", "operating_department_practitioner", "ODP123456", True),
    ("HCPC", "physiotherapist", "PH1234567", False),
    ("HCPC", "physiotherapist", "PH", False),
    ("HCPC", "physiotherapist", "123456", False),
    # No verified format: any sensible number is accepted.
    ("GOsC", "osteopath", "1234", True),
    ("GOsC", "osteopath", "ABC/99", True),
    ("GPhC", "pharmacy_technician", "5012345", True),
    # A home-country council: any sensible number.
    ("OTHER", "doctor", "A-12345", True),
    ("OTHER", "adult_nurse", "MDCN/R/12345", True),
    ("OTHER", "doctor", "12#45", False),
    ("OTHER", "doctor", "", False),
    ("OTHER", "doctor", "1" * 41, False),
]


@pytest.mark.parametrize(("regulator", "profession", "number", "valid"), FORMATS)
def test_number_formats(regulator, profession, number, valid):
    problem = services.number_problem(regulator, services.normalise_number(number), profession)
    assert (problem is None) is valid, problem


@pytest.mark.parametrize(
    ("profession", "code"),
    sorted((p.code, p.hcpc_prefix) for p in professions().values() if p.hcpc_prefix),
)
def test_every_hcpc_profession_needs_its_own_prefix(profession, code):
    assert services.number_problem("HCPC", f"{code}123456", profession) is None
    assert services.number_problem("HCPC", f"{code}1", profession) is None
    other = "OT" if code != "OT" else "PH"
    problem = services.number_problem("HCPC", f"{other}123456", profession)
    assert problem is not None
    assert f"start with {code}" in problem
    assert f"like {code}123456" in problem


def test_format_errors_name_the_expected_format_and_an_example():
    assert services.number_problem("NMC", "71A2998", "adult_nurse") == (
        "Enter your NMC PIN in the correct format: 2 digits, a letter, 4 digits and a letter, "
        "like 71A2998E"
    )
    assert services.number_problem("GMC", "123", "doctor") == (
        "Enter your GMC reference number in the correct format: 7 digits, like 1234567"
    )
    assert services.number_problem("HCPC", "OT123456", "physiotherapist") == (
        "HCPC registration numbers for physiotherapists start with PH. "
        "Enter your number in the correct format, like PH123456"
    )
    assert services.number_problem("HCPC", "12", "physiotherapist") == (
        "Enter your HCPC registration number in the correct format: PH then up to 6 digits, "
        "like PH123456"
    )
    # Without a profession, any HCPC profession's letters will do.
    assert services.number_problem("HCPC", "OT123456", None) is None
    assert "your profession's letters" in services.number_problem("HCPC", "XX1", None)


def test_normalising_strips_spaces_and_capitalises():
    assert services.normalise_number(" 71 a\t2998e ") == "71A2998E"
    assert services.normalise_number(None) == ""


@pytest.mark.parametrize(
    ("regulator", "profession", "fits"),
    [
        ("GMC", "doctor", True),
        ("GMC", "adult_nurse", False),
        ("NMC", "doctor", False),
        ("HCPC", "physiotherapist", True),
        ("HCPC", "osteopath", False),
        ("GOsC", "osteopath", True),
        ("GPhC", "pharmacy_technician", True),
        ("GDC", "pharmacist", False),
        ("OTHER", "adult_nurse", True),
        ("GMC", "manager", True),
        ("NMC", None, True),
    ],
)
def test_the_regulator_must_fit_the_profession(regulator, profession, fits):
    assert (services.regulator_problem(regulator, profession) is None) is fits


def test_a_nurse_choosing_the_gmc_is_told_why():
    assert services.regulator_problem("GMC", "adult_nurse") == (
        "Your profile says you are an adult nurse, registered with the NMC, not the GMC. "
        "Choose the NMC, or change your profession on your profile"
    )


# With the database -------------------------------------------------------------------------


def _events(db, action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_adding_a_credential_creates_the_missing_profile_and_audits_it(db, make):
    user = make.user(roles=["staff"])
    credential = services.add_credential(db.session, user, CredentialInput("NMC", "71A2998E"))
    db.session.commit()
    profile = db.session.scalar(select(StaffProfile).where(StaffProfile.user_id == user.id))
    assert credential.profile == profile
    assert profile.visibility == "private"
    assert (credential.number, credential.country, credential.status) == (
        "71A2998E",
        "GB",
        "unverified",
    )
    (event,) = _events(db, "credential.added")
    assert (event.actor_id, event.subject_id, event.details) == (
        user.id,
        credential.id,
        {"status": "unverified"},
    )


def _form(app, profile, **typed) -> CredentialForm:
    with app.test_request_context():
        form = CredentialForm(formdata=MultiDict(typed), meta={"csrf": False}, profile=profile)
        form.validate()
        return form


def test_the_form_parses_the_number_and_the_service_saves_nothing_it_refuses(
    app, db, make, add_credential, new_profile
):
    profile = new_profile(profession="doctor")
    assert _form(app, profile, regulator="GMC", number="12").errors == {
        "number": ["Enter your GMC reference number in the correct format: 7 digits, like 1234567"]
    }
    add_credential(profile, number="1234567")
    details = _form(app, profile, regulator="GMC", number=" 123 4567 ").details()
    with pytest.raises(CredentialError) as raised:
        services.add_credential(db.session, profile.user, details)
    assert raised.value.errors == {"number": "You have already added this registration"}
    assert db.session.scalar(select(func.count(Credential.id))) == 1


def test_home_country_registrations_need_a_regulator_name_and_country(app, new_profile):
    profile = new_profile(profession="doctor")
    form = _form(app, profile, regulator="OTHER", number="A-1", regulator_name="  ")
    assert form.errors == {
        "regulator_name": ["Enter the name of the regulator"],
        "country": ["Select the country of the regulator"],
    }
    form = _form(
        app, profile, regulator="OTHER", number="a-1", regulator_name=" BMDC ", country="BD"
    )
    assert not form.errors
    details = form.details()
    assert (details.number, details.regulator_name, details.country) == ("A-1", "BMDC", "BD")
    # A UK regulator ignores a name and country given for a home-country one.
    form = _form(
        app, profile, regulator="GMC", number="1234567", regulator_name="BMDC", country="BD"
    )
    assert (form.details().regulator_name, form.details().country) == ("", "GB")


def test_the_same_registration_cannot_be_added_twice(db, make, add_credential, new_profile):
    profile = new_profile(profession="doctor")
    existing = add_credential(profile, number="1234567")
    with pytest.raises(CredentialError) as raised:
        services.add_credential(db.session, profile.user, CredentialInput("GMC", "1234567"))
    assert raised.value.errors == {"number": "You have already added this registration"}
    # Saving it unchanged is not a duplicate of itself.
    services.update_credential(
        db.session, existing, profile.user, CredentialInput("GMC", "1234567")
    )


@pytest.mark.parametrize("status", ["verified", "rejected"])
def test_changing_the_number_of_a_checked_credential_resets_it(
    db, make, add_credential, status, new_profile
):
    checker = make.user(roles=["admin"])
    profile = new_profile(profession="adult_nurse")
    credential = add_credential(
        profile,
        regulator="NMC",
        number="71A2998E",
        status=status,
        verified_by=checker,
        verified_at=services.utcnow(),
        note="Checked on the register",
    )
    owner = profile.user
    # The same number (the form has normalised it) and a new expiry date: still checked.
    reset = services.update_credential(
        db.session,
        credential,
        owner,
        CredentialInput("NMC", "71A2998E", expires_on=services.today() + timedelta(days=400)),
    )
    assert reset is False
    assert (credential.status, credential.verified_by_id) == (status, checker.id)
    # A new number needs checking again.
    reset = services.update_credential(
        db.session, credential, owner, CredentialInput("NMC", "72B1234C")
    )
    db.session.commit()
    assert reset is True
    assert credential.status == "unverified"
    assert (credential.verified_by_id, credential.verified_at, credential.note) == (None, None, "")
    last = _events(db, "credential.updated")[-1]
    assert last.details == {"status": "unverified", "previous_status": status}


def test_removing_a_credential_is_audited(db, make, add_credential, new_profile):
    profile = new_profile()
    credential = add_credential(profile)
    credential_id = credential.id
    services.remove_credential(db.session, credential, profile.user)
    db.session.commit()
    assert db.session.get(Credential, credential_id) is None
    (event,) = _events(db, "credential.removed")
    assert (event.subject_id, event.details) == (
        credential_id,
        {"profile_id": profile.id, "status": "unverified"},
    )


def test_verifying_and_rejecting(db, make, add_credential, coordinator, new_profile):
    profile = new_profile()
    first, second = add_credential(profile), add_credential(profile, number="7654321")
    services.decide(db.session, first, coordinator, verified=True)
    with pytest.raises(CredentialError) as raised:
        services.decide(db.session, second, coordinator, verified=False, note="  ")
    assert raised.value.errors == {"note": "Enter a note saying why the registration was rejected"}
    services.decide(db.session, second, coordinator, verified=False, note=" Not on the register ")
    db.session.commit()
    assert (first.status, first.verified_by_id, first.note) == ("verified", coordinator.id, "")
    assert first.verified_at is not None
    assert (second.status, second.note) == ("rejected", "Not on the register")
    (verified,) = _events(db, "credential.verified")
    (rejected,) = _events(db, "credential.rejected")
    assert (verified.actor_id, verified.subject_type, verified.subject_id) == (
        coordinator.id,
        "Credential",
        first.id,
    )
    assert verified.details == {"profile_id": profile.id, "status": "verified"}
    assert rejected.details == {"profile_id": profile.id, "status": "rejected"}
    with pytest.raises(CredentialError):
        services.decide(db.session, first, coordinator, verified=False, note="Changed my mind")


def test_nobody_verifies_their_own_credential_and_only_verifiers_verify(
    db, make, add_credential, coordinator, new_profile
):
    own = add_credential(new_profile(coordinator))
    with pytest.raises(NotAllowed):
        services.decide(db.session, own, coordinator, verified=True)
    with pytest.raises(NotAllowed):
        services.credential_to_verify(db.session, coordinator, own.id)
    other = add_credential(new_profile())
    for user in (
        make.user(roles=["staff"]),
        make.user(roles=["coordinator"]),  # the role alone, without a verified organisation
    ):
        with pytest.raises(NotAllowed):
            services.decide(db.session, other, user, verified=True)
    assert other.status == "unverified"


def test_the_queue_is_oldest_first_and_respects_privacy(
    db, make, add_credential, coordinator, new_profile
):
    admin = make.user(roles=["admin"])
    newer = add_credential(new_profile(), age_days=1)
    older = add_credential(new_profile(visibility="coordinators"), age_days=5)
    private = add_credential(new_profile(visibility="private"), age_days=3)
    add_credential(new_profile(), status="verified")
    own = add_credential(new_profile(coordinator), age_days=9)  # the coordinator's own

    def queue(viewer):
        return list(db.session.scalars(services.verification_queue(db.session, viewer)))

    assert queue(coordinator) == [older, newer]
    assert queue(admin) == [own, older, private, newer]
    with pytest.raises(LookupError):
        services.credential_to_verify(db.session, coordinator, private.id)
    assert services.credential_to_verify(db.session, admin, private.id) == private


@pytest.mark.parametrize(
    ("days", "warning"),
    [
        (None, None),
        (400, None),
        (61, None),
        (60, "Expires in 60 days"),
        (2, "Expires in 2 days"),
        (1, "Expires in 1 day"),
        (0, "Expires today"),
        (-1, "Expired"),
        (-400, "Expired"),
    ],
)
def test_expiry_warning_within_60_days(days, warning):
    today = services.today()
    credential = Credential(expires_on=today + timedelta(days=days) if days is not None else None)
    assert services.expiry_warning(credential, today) == warning


def test_verified_credential_helpers_for_other_areas(db, make, add_credential, new_profile):
    verified = new_profile()
    add_credential(verified, status="verified", expires_in=10)
    expired = new_profile()
    add_credential(expired, status="verified", expires_in=-1)
    waiting = new_profile()
    add_credential(waiting)
    rejected = new_profile()
    add_credential(rejected, status="rejected")
    nothing = new_profile()
    everyone = [verified, expired, waiting, rejected, nothing]

    found = db.session.scalars(
        select(StaffProfile.id).where(services.verified_credential_clause())
    ).all()
    assert found == [verified.id]
    assert [services.has_verified_credential(db.session, p) for p in everyone] == [
        True,
        False,
        False,
        False,
        False,
    ]
    ids = services.profile_ids_with_verified_credential(db.session, [p.id for p in everyone])
    assert ids == {verified.id}
    assert services.profile_ids_with_verified_credential(db.session, []) == set()


HOME_COUNCILS = [r for r in regulators().values() if not r.in_uk]


def test_the_partner_countries_councils_are_shipped_with_their_sources():
    codes = {r.code: r.country for r in HOME_COUNCILS}
    assert codes == {
        "BMDC": "BD",
        "BNMC": "BD",
        "MDCN": "NG",
        "NMCN": "NG",
        "PMDC": "PK",
        "PNMC": "PK",
        "MDC": "GH",
        "N&MC": "GH",
    }
    for regulator in regulators().values():
        assert regulator.source, f"{regulator.code} names no source"
        if regulator.pattern is None:
            # No format without a source stating it: nothing to show or check.
            assert not regulator.example and not regulator.format_hint
        else:
            assert regulator.pattern.fullmatch(regulator.example), regulator.code
            assert regulator.source.startswith("http"), regulator.code


@pytest.mark.parametrize("regulator", [r for r in regulators().values() if r.pattern], ids=str)
def test_every_format_error_names_the_format_and_an_example(regulator):
    problem = services.number_problem(regulator.code, "Z", None)
    assert problem is not None
    assert regulator.example in problem
    if regulator.code != "HCPC":  # HCPC's names the person's profession's letters instead
        assert regulator.format_hint in problem


@pytest.mark.parametrize("regulator", HOME_COUNCILS, ids=lambda r: r.code)
def test_a_home_council_without_a_published_format_takes_any_well_formed_number(regulator):
    for number in ("A-12345", "12345", "LAG/2019/0456", "RN 123456"):
        assert (
            services.number_problem(regulator.code, services.normalise_number(number), None) is None
        )
    assert services.number_problem(regulator.code, "12#4", None) == (
        "Registration number must only include letters, numbers, hyphens, full stops and slashes"
    )


def test_a_doctor_registered_with_a_home_council_is_not_sent_to_the_gmc(app, new_profile):
    profile = new_profile(profession="doctor")
    assert services.regulator_problem("BMDC", "doctor") is None
    form = _form(
        app, profile, regulator="BMDC", number="a-12345", regulator_name="BMDC", country="GB"
    )
    assert not form.errors
    clean = form.details()
    assert (clean.regulator, clean.number, clean.regulator_name, clean.country) == (
        "BMDC",
        "A-12345",
        "",
        "BD",
    )
    assert services.regulator_label("N&MC") == "Nursing and Midwifery Council of Ghana (N&MC)"
