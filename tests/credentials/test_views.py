import re

import pytest
from sqlalchemy import select

from diaspora.audit.models import AuditEvent
from diaspora.core.time import utcnow
from diaspora.credentials.models import Credential
from diaspora.credentials.services import today
from tests.helpers import csrf_token, error_summary, sign_in, submit

NURSE = {"regulator": "NMC", "number": "71a 2998e"}


def _html(response) -> str:
    return response.get_data(as_text=True)


def _title(response) -> str:
    return re.search(r"<title>(.*?)</title>", _html(response), re.S).group(1).strip()


def _h1_count(response) -> int:
    return len(re.findall(r"<h1[ >]", _html(response)))


def _credentials(db) -> list[Credential]:
    return list(db.session.scalars(select(Credential).order_by(Credential.id)))


# The owner's pages -------------------------------------------------------------------------


def test_pages_need_sign_in(client, make, add_credential, new_profile):
    credential = add_credential(new_profile())
    for url in (
        "/credentials/",
        "/credentials/new",
        f"/credentials/{credential.id}/edit",
        f"/credentials/{credential.id}/remove",
        "/credentials/queue",
        f"/credentials/queue/{credential.id}",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/account/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("role", ["partner", "coordinator", "admin"])
def test_only_staff_have_credentials_pages(client, login_as, role):
    login_as(role)
    assert client.get("/credentials/").status_code == 403
    assert client.get("/credentials/new").status_code == 403


def test_a_nurse_without_a_profile_adds_an_nmc_pin(client, login_as, db):
    user = login_as("staff")
    page = client.get("/credentials/")
    assert "You have not added any registrations yet" in _html(page)
    response = submit(client, "/credentials/new", NURSE)
    assert response.status_code == 302
    (credential,) = _credentials(db)
    assert (credential.regulator, credential.number, credential.country) == (
        "NMC",
        "71A2998E",
        "GB",
    )
    assert credential.profile.user_id == user.id
    assert credential.profile.visibility == "private"
    page = _html(client.get(response.headers["Location"]))
    assert "Nursing and Midwifery Council (NMC)" in page
    assert "71A2998E" in page
    assert "Waiting for verification" in page
    assert db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "credential.added", AuditEvent.subject_id == credential.id
        )
    )


def test_bad_input_re_renders_with_every_error_and_the_input_kept(
    client, login_as, make, db, new_profile
):
    user = login_as("staff")
    new_profile(user, profession="adult_nurse")
    data = {
        "regulator": "NMC",
        "number": "71A299",
        "expires_on-day": "31",
        "expires_on-month": "",
        "expires_on-year": "2027",
    }
    response = submit(client, "/credentials/new", data)
    assert response.status_code == 200
    assert error_summary(response) == [
        "Enter your NMC PIN in the correct format: 2 digits, a letter, 4 digits and a letter, "
        "like 71A2998E",
        "Expiry date must include a month",
    ]
    html = _html(response)
    assert 'value="71A299"' in html
    assert 'value="31"' in html
    assert 'value="2027"' in html
    assert _title(response).startswith("Error: Add a registration")
    assert _credentials(db) == []


def test_a_real_expiry_date_is_needed(client, login_as, make, db):
    login_as("staff")
    data = dict(
        NURSE, **{"expires_on-day": "31", "expires_on-month": "2", "expires_on-year": "2027"}
    )
    response = submit(client, "/credentials/new", data)
    assert error_summary(response) == ["Expiry date must be a real date"]
    assert _credentials(db) == []


def test_nothing_chosen_asks_for_a_regulator_and_a_number(client, login_as, db):
    login_as("staff")
    response = submit(client, "/credentials/new", {})
    assert error_summary(response) == ["Select your regulator", "Enter your registration number"]


def test_a_regulator_that_does_not_fit_the_profession_is_refused(
    client, login_as, make, db, new_profile
):
    user = login_as("staff")
    new_profile(user, profession="adult_nurse")
    response = submit(client, "/credentials/new", {"regulator": "GMC", "number": "1234567"})
    assert error_summary(response) == [
        "Your profile says you are an adult nurse, registered with the NMC, not the GMC. "
        "Choose the NMC, or change your profession on your profile"
    ]
    assert _credentials(db) == []


def test_a_physiotherapist_must_give_a_ph_number(client, login_as, make, db, new_profile):
    user = login_as("staff")
    new_profile(user, profession="physiotherapist")
    page = _html(client.get("/credentials/new"))
    assert "For the HCPC, your number starts with PH, like PH123456." in page
    response = submit(client, "/credentials/new", {"regulator": "HCPC", "number": "12345"})
    assert error_summary(response) == [
        "Enter your HCPC registration number in the correct format: PH then up to 6 digits, "
        "like PH123456"
    ]
    response = submit(client, "/credentials/new", {"regulator": "HCPC", "number": "ph 123456"})
    assert response.status_code == 302
    assert _credentials(db)[0].number == "PH123456"


def test_a_home_country_registration(client, login_as, make, db, new_profile):
    user = login_as("staff")
    new_profile(user, profession="doctor")
    response = submit(client, "/credentials/new", {"regulator": "OTHER", "number": "A-1234"})
    assert error_summary(response) == [
        "Enter the name of the regulator",
        "Select the country of the regulator",
    ]
    data = {
        "regulator": "OTHER",
        "regulator_name": "Bangladesh Medical and Dental Council",
        "country": "BD",
        "number": "a-1234",
        "expires_on-day": "1",
        "expires_on-month": "6",
        "expires_on-year": "2030",
    }
    assert submit(client, "/credentials/new", data).status_code == 302
    (credential,) = _credentials(db)
    assert (credential.regulator_name, credential.country, credential.number) == (
        "Bangladesh Medical and Dental Council",
        "BD",
        "A-1234",
    )
    assert credential.expires_on.isoformat() == "2030-06-01"
    page = _html(client.get("/credentials/"))
    assert "Bangladesh Medical and Dental Council" in page
    assert "Bangladesh" in page
    assert "1 June 2030" in page


def test_another_persons_credential_is_not_found(
    client, login_as, make, add_credential, db, new_profile
):
    theirs = add_credential(new_profile(), number="1234567")
    user = login_as("staff")
    new_profile(user)
    token = csrf_token(client, "/credentials/new")
    for path in ("edit", "remove"):
        url = f"/credentials/{theirs.id}/{path}"
        assert client.get(url).status_code == 404
        response = client.post(url, data={"csrf_token": token, "regulator": "GMC", "number": "1"})
        assert response.status_code == 404
    assert client.get("/credentials/999999/edit").status_code == 404
    assert (theirs.number, theirs.status) == ("1234567", "unverified")
    assert db.session.get(Credential, theirs.id) is not None


def test_editing_the_number_of_a_verified_credential_resets_it(
    client, login_as, make, add_credential, db, new_profile
):
    checker = make.user(roles=["admin"])
    user = login_as("staff")
    credential = add_credential(
        new_profile(user, profession="doctor"),
        status="verified",
        verified_by=checker,
        verified_at=utcnow(),
    )
    url = f"/credentials/{credential.id}/edit"
    page = client.get(url)
    assert _title(page).startswith("Change your General Medical Council (GMC) registration")
    assert "This registration has been verified" in _html(page)
    assert 'value="1234567"' in _html(page)
    # A new expiry date only: still verified.
    data = {
        "regulator": "GMC",
        "number": "123 4567",
        "expires_on-day": "1",
        "expires_on-month": "1",
        "expires_on-year": "2031",
    }
    assert submit(client, url, data).status_code == 302
    assert (credential.status, credential.verified_by_id) == ("verified", checker.id)
    # A new number: checked again.
    response = submit(client, url, dict(data, number="7654321"))
    assert response.status_code == 302
    assert (credential.number, credential.status) == ("7654321", "unverified")
    assert (credential.verified_by_id, credential.verified_at) == (None, None)
    assert "The new number will be checked" in _html(client.get(response.headers["Location"]))


def test_removing_a_credential(client, login_as, make, add_credential, db, new_profile):
    user = login_as("staff")
    credential = add_credential(new_profile(user))
    url = f"/credentials/{credential.id}/remove"
    page = client.get(url)
    assert _title(page).startswith("Remove your General Medical Council (GMC) registration")
    response = submit(client, url, {})
    assert response.status_code == 302
    assert _credentials(db) == []
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "credential.removed"))


def test_posts_without_the_csrf_token_are_refused(
    client, login_as, make, add_credential, db, new_profile
):
    user = login_as("staff")
    credential = add_credential(new_profile(user))
    assert client.post("/credentials/new", data=NURSE).status_code == 400
    assert client.post(f"/credentials/{credential.id}/remove").status_code == 400
    assert len(_credentials(db)) == 1


def test_the_owner_sees_status_checker_date_and_expiry_tags(
    client, login_as, make, add_credential, new_profile
):
    checker = make.user(roles=["admin"], name="Vera Checker")
    user = login_as("staff")
    profile = new_profile(user, profession="doctor")
    add_credential(profile, status="verified", verified_by=checker, verified_at=utcnow())
    add_credential(
        profile, regulator="OTHER", regulator_name="BMDC", country="BD", number="A-1", expires_in=30
    )
    add_credential(
        profile,
        regulator="OTHER",
        regulator_name="PMDC",
        country="PK",
        number="P-1",
        expires_in=-3,
        status="rejected",
        verified_by=checker,
        verified_at=utcnow(),
        note="Not on the PMDC register",
    )
    add_credential(
        profile, regulator="OTHER", regulator_name="MDCN", country="NG", number="M-1", expires_in=90
    )
    page = client.get("/credentials/")
    html = _html(page)
    assert _h1_count(page) == 1
    assert "Verified" in html
    assert f"By Vera Checker on {today().day} {today():%B %Y}" in html
    assert "Expires in 30 days" in html
    assert "Expired" in html
    assert "Rejected" in html
    assert "Not on the PMDC register" in html
    assert html.count("Expires in") == 1  # 90 days away: no tag


# Verification --------------------------------------------------------------------------------


def _verifier_urls(credential_id: int) -> list[tuple[str, str]]:
    return [
        ("GET", "/credentials/queue"),
        ("GET", f"/credentials/queue/{credential_id}"),
        ("POST", f"/credentials/queue/{credential_id}"),
    ]


@pytest.mark.parametrize(
    "who", ["staff", "partner", "coordinator_role_only", "coordinator_of_unverified", "partner_org"]
)
def test_non_verifiers_get_403(client, login_as, make, add_credential, who, db, new_profile):
    credential = add_credential(new_profile())
    role = who.split("_")[0] if who != "partner_org" else "partner"
    user = login_as(role)
    if who == "coordinator_of_unverified":
        make.organisation(kind="charity", verified=False, members=(user,))
    if who == "partner_org":
        make.organisation(kind="partner_institution", members=(user,))
    token = csrf_token(client, "/")
    for method, url in _verifier_urls(credential.id):
        data = {"csrf_token": token, "decision": "verified"}
        response = client.open(url, method=method, data=data)
        assert response.status_code == 403, (who, method, url)
    assert credential.status == "unverified"
    assert "Verify registrations" not in _html(client.get("/"))


def test_a_coordinator_verifies_a_registration(
    client, login_as, make, add_credential, coordinator, db, new_profile
):
    nurse = new_profile(profession="adult_nurse", user=make.user(name="Nasima Begum"))
    credential = add_credential(nurse, regulator="NMC", number="71A2998E", expires_in=20)
    sign_in(client, coordinator.email)
    home = _html(client.get("/"))
    assert "Verify registrations" in home
    queue = client.get("/credentials/queue")
    html = _html(queue)
    assert "Nasima Begum" in html
    assert "Adult nurse" in html
    assert "Nursing and Midwifery Council (NMC)" in html
    assert "71A2998E" in html
    assert "Expires in 20 days" in html
    url = f"/credentials/queue/{credential.id}"
    page = client.get(url)
    assert _h1_count(page) == 1
    assert 'href="https://www.nmc.org.uk/registration/search-the-register/"' in _html(page)
    response = submit(client, url, {"decision": "verified", "note": "On the register"})
    assert response.status_code == 302
    assert (credential.status, credential.verified_by_id, credential.note) == (
        "verified",
        coordinator.id,
        "On the register",
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "credential.verified"))
    assert (event.actor_id, event.subject_type, event.subject_id) == (
        coordinator.id,
        "Credential",
        credential.id,
    )
    assert event.details == {"profile_id": nurse.id, "status": "verified"}
    assert url not in _html(client.get("/credentials/queue"))
    # Deciding again is refused.
    response = submit(client, url, {"decision": "rejected", "note": "Oops"})
    assert response.status_code == 302
    assert credential.status == "verified"


def test_rejecting_needs_a_note(client, make, add_credential, coordinator, db, new_profile):
    credential = add_credential(new_profile())
    sign_in(client, coordinator.email)
    url = f"/credentials/queue/{credential.id}"
    response = submit(client, url, {"decision": "rejected", "note": "  "})
    assert response.status_code == 200
    assert error_summary(response) == ["Enter a note saying why the registration was rejected"]
    assert credential.status == "unverified"
    response = submit(client, url, {})
    assert error_summary(response) == ["Select whether you verify or reject this registration"]
    response = submit(client, url, {"decision": "rejected", "note": "No such number"})
    assert response.status_code == 302
    assert (credential.status, credential.note) == ("rejected", "No such number")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "credential.rejected"))
    assert event.details == {"profile_id": credential.profile_id, "status": "rejected"}


def test_a_coordinator_cannot_verify_their_own_registration(
    client, make, add_credential, coordinator, new_profile
):
    own = add_credential(new_profile(coordinator))
    sign_in(client, coordinator.email)
    url = f"/credentials/queue/{own.id}"
    assert f'href="{url}"' not in _html(client.get("/credentials/queue"))
    assert client.get(url).status_code == 403
    token = csrf_token(client, "/credentials/queue")
    response = client.post(url, data={"csrf_token": token, "decision": "verified"})
    assert response.status_code == 403
    assert own.status == "unverified"


def test_coordinators_do_not_see_private_profiles_but_admins_do(
    client, login_as, make, add_credential, coordinator, new_profile
):
    private = add_credential(new_profile(visibility="private", user=make.user(name="Pia Private")))
    sign_in(client, coordinator.email)
    assert "Pia Private" not in _html(client.get("/credentials/queue"))
    assert client.get(f"/credentials/queue/{private.id}").status_code == 404
    login_as("admin")
    assert "Pia Private" in _html(client.get("/credentials/queue"))
    assert client.get(f"/credentials/queue/{private.id}").status_code == 200


def test_the_decision_shows_on_the_owners_page(
    client, login_as, make, add_credential, coordinator, new_profile
):
    owner = make.user(roles=["staff"])
    credential = add_credential(new_profile(owner))
    sign_in(client, coordinator.email)
    submit(client, f"/credentials/queue/{credential.id}", {"decision": "verified"})
    client.post("/account/sign-out", data={"csrf_token": csrf_token(client, "/")})
    sign_in(client, owner.email)
    html = _html(client.get("/credentials/"))
    assert "Verified" in html
    assert "By Carla Coordinator on" in html


def test_the_queue_is_oldest_first_and_paginated(
    client, login_as, make, add_credential, new_profile
):
    login_as("admin")
    for age in range(30):
        add_credential(new_profile(user=make.user(name=f"Person aged {age:02d}")), age_days=age)
    html = _html(client.get("/credentials/queue"))
    names = re.findall(r"Person aged (\d\d)", html)
    assert names == [f"{age:02d}" for age in range(29, 4, -1)]
    assert "Page 1 of 2" in html
    second = _html(client.get("/credentials/queue?page=2"))
    assert re.findall(r"Person aged (\d\d)", second) == ["04", "03", "02", "01", "00"]


def test_the_queue_runs_the_same_number_of_queries_for_3_and_30(
    client, login_as, make, add_credential, queries, new_profile
):
    login_as("admin")
    counts = []
    made = 0
    for total in (3, 30):
        while made < total:
            add_credential(new_profile(), expires_in=made)
            made += 1
        with queries.count():
            assert client.get("/credentials/queue").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_pages_have_one_h1_and_unique_titles(
    client, login_as, make, add_credential, coordinator, new_profile
):
    user = login_as("staff")
    credential = add_credential(new_profile(user))
    other = add_credential(new_profile())
    titles = set()
    for url in (
        "/credentials/",
        "/credentials/new",
        f"/credentials/{credential.id}/edit",
        f"/credentials/{credential.id}/remove",
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert _h1_count(page) == 1, url
        titles.add(_title(page))
    client.post("/account/sign-out", data={"csrf_token": csrf_token(client, "/")})
    sign_in(client, coordinator.email)
    for url in ("/credentials/queue", f"/credentials/queue/{other.id}"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert _h1_count(page) == 1, url
        titles.add(_title(page))
    assert len(titles) == 6


def test_a_doctor_adds_a_registration_with_a_partner_countrys_council(
    client, login_as, new_profile, db
):
    user = login_as("staff")
    new_profile(user, profession="doctor")
    page = client.get("/credentials/new")
    assert "Bangladesh Medical and Dental Council (BMDC), Bangladesh" in page.text
    assert "Nursing and Midwifery Council of Ghana (N&amp;MC), Ghana" in page.text

    response = submit(client, "/credentials/new", {"regulator": "BMDC", "number": "a-12345"})

    assert response.status_code == 302
    (credential,) = _credentials(db)
    assert (credential.regulator, credential.number, credential.country) == (
        "BMDC",
        "A-12345",
        "BD",
    )
