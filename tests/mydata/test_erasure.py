"""Deleting your account: your data erased, the records others rely on kept anonymous."""

from datetime import date

import pytest
from sqlalchemy import func, select

from diaspora.api import tokens
from diaspora.api.models import AccessToken
from diaspora.audit.models import AuditEvent
from diaspora.auth.models import User, UserRole
from diaspora.cohorts.models import Cohort, CohortMember
from diaspora.credentials.models import Credential
from diaspora.engagements.models import Engagement
from diaspora.matching.models import AlertSetting, Dismissal, Invitation, PendingAlert
from diaspora.milestones.models import Milestone, Plan
from diaspora.mydata import services
from diaspora.organisations.models import Membership, Organisation
from diaspora.registry.models import (
    AvailabilityWindow,
    CountryTie,
    LanguageSkill,
    ProfileSkill,
    StaffProfile,
)
from tests.core.support import snapshot
from tests.factories import PASSWORD
from tests.helpers import error_summary, sign_in, submit
from tests.mydata.support import (
    BIO,
    EMAIL,
    HOME_NUMBER,
    NAME,
    NMC_PIN,
    SPECIALTY,
    full_person,
    rows_mentioning,
)

DELETE = "/account/my-data/delete"


def delete_account(client, password: str = PASSWORD, **extra):
    return submit(client, DELETE, {"password": password, **extra})


def session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def assert_signed_out(client) -> None:
    response = client.get("/account")
    assert response.status_code == 302
    assert response.location.startswith("/account/sign-in")


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_page_explains_what_is_erased_and_what_is_kept(client, make, db):
    full_person(make)
    sign_in(client, EMAIL)
    response = client.get(DELETE)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Delete your account \u2013 " in html
    assert html.count("<h1") == 1
    assert "What we erase" in html
    assert "What we keep, without your name" in html
    assert "You cannot undo this" in html
    assert 'href="/account/my-data"' in html  # back link and cancel
    assert 'autocomplete="current-password"' in html


def test_signing_in_is_required(client, db):
    response = client.get(DELETE)
    assert response.status_code == 302
    assert response.location.startswith("/account/sign-in")


@pytest.mark.parametrize(
    ("password", "message"),
    [("not my password", "Your password is not correct"), ("", "Enter your password")],
)
def test_a_wrong_or_missing_password_changes_nothing(client, make, db, password, message):
    person = full_person(make)
    sign_in(client, EMAIL)
    before = snapshot()

    response = delete_account(client, password)

    assert response.status_code == 200
    assert error_summary(response) == [message]
    assert "<title>Error: Delete your account" in response.get_data(as_text=True)
    after = snapshot()
    # Nothing changes but the audit record of a wrong password.
    added = after["audit_events"][len(before["audit_events"]) :]
    assert [event[3] for event in added] == (["password_check.failed"] if password else [])
    after["audit_events"] = before["audit_events"]
    assert after == before
    assert client.get("/account").status_code == 200  # still signed in
    assert db.session.get(User, person.user.id).email == EMAIL


def test_deletion_leaves_no_personal_data_anywhere(app, client, make, db):
    person = full_person(make)
    user_id, profile_id = person.user.id, person.profile.id
    sign_in(client, EMAIL)
    needles = (EMAIL, NAME, "Quarshie", BIO, SPECIALTY, NMC_PIN, HOME_NUMBER)
    assert len(rows_mentioning(*needles)) >= 7  # the control: the scan finds them before

    response = delete_account(client)

    assert response.status_code == 302
    assert response.location == "/account/my-data/deleted"
    assert rows_mentioning(*needles) == []
    for model in (CountryTie, LanguageSkill, ProfileSkill, AvailabilityWindow, Credential):
        assert count(db, model) == 0, model.__name__
    assert db.session.get(StaffProfile, profile_id) is None
    assert db.session.scalar(select(Membership).filter_by(user_id=user_id)) is None
    assert db.session.scalar(select(UserRole).filter_by(user_id=user_id)) is None


def test_the_account_row_is_kept_anonymised(client, make, db):
    person = full_person(make)
    user_id = person.user.id
    sign_in(client, EMAIL)
    old_token = person.user.session_token

    assert delete_account(client).status_code == 302

    db.session.expire_all()
    user = db.session.get(User, user_id)
    assert user.email == f"deleted-{user_id}@invalid"
    assert user.display_name == "Deleted user"
    assert user.pending_email is None
    assert user.active is False
    assert user.email_verified_at is None
    assert user.last_login_at is None
    assert user.role_names == set()
    assert user.session_token != old_token
    assert not user.password_hash.startswith("$argon2")
    assert user.time_zone == "Europe/London"


def test_you_are_signed_out_and_the_old_cookie_is_dead(app, client, make, db):
    full_person(make)
    sign_in(client, EMAIL)
    old = session_cookie(client)

    response = delete_account(client)
    page = client.get(response.location)

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Your account has been deleted" in html
    assert html.count("<h1") == 1
    assert_signed_out(client)
    replay = app.test_client()
    replay.set_cookie("session", old)
    assert_signed_out(replay)
    # Nor can anyone sign in as the deleted account, by either address.
    failed = submit(client, "/account/sign-in", {"email": EMAIL, "password": PASSWORD})
    assert failed.status_code == 200


def test_the_email_address_can_register_again(client, make, db, smtp):
    person = full_person(make)
    sign_in(client, EMAIL)
    delete_account(client)

    response = submit(
        client,
        "/account/register/staff",
        {"display_name": NAME, "email": EMAIL, "password": "a brand new password"},
    )

    assert response.status_code == 302
    again = db.session.scalar(select(User).filter_by(email=EMAIL))
    assert again is not None
    assert again.id != person.user.id
    assert again.profile is None


def test_audit_rows_survive_pointing_at_the_anonymous_account(client, make, db):
    person = full_person(make)
    user_id = person.user.id
    sign_in(client, EMAIL)
    before = {e.id for e in db.session.scalars(select(AuditEvent))}

    delete_account(client)

    db.session.expire_all()
    events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    assert before <= {e.id for e in events}
    mine = [e for e in events if e.actor_id == user_id]
    assert {"sign_in", "profile.updated", "account.erased"} <= {e.action for e in mine}
    assert all(e.actor.display_name == "Deleted user" for e in mine)
    erased = next(e for e in events if e.action == "account.erased")
    assert (erased.subject_type, erased.subject_id) == ("User", user_id)
    assert erased.details["profile_erased"] is True
    assert erased.details["credentials_erased"] == 2
    assert len(erased.details["memberships_removed"]) == 1


def test_a_credential_you_verified_keeps_pointing_at_you_anonymised(client, make, db):
    """An administrator leaves: the registrations they checked still say who checked them."""
    person = full_person(make)
    admin = person.admin
    sign_in(client, admin.email)

    assert delete_account(client).status_code == 302

    db.session.expire_all()
    checked = db.session.scalar(select(Credential).filter_by(number=NMC_PIN))
    assert checked.verified_by_id == admin.id
    assert checked.verified_by.display_name == "Deleted user"
    assert checked.status == "verified"


# Organisations you own ------------------------------------------------------------------


def test_the_only_owner_chooses_who_takes_over(client, make, db):
    owner = make.user(roles=["partner"], name="Owen Owner")
    first = make.user(roles=["partner"], name="Mina Member")
    second = make.user(roles=["partner"], name="Theo Member")
    requester = make.user(roles=[], name="Rhea Requester")
    organisation = make.organisation(owner=owner, name="Kumasi Eye Clinic", members=(first, second))
    db.session.add(Membership(user=requester, organisation=organisation, status="requested"))
    db.session.commit()
    sign_in(client, owner.email)

    page = client.get(DELETE).get_data(as_text=True)
    assert "Who will own Kumasi Eye Clinic after you leave?" in page
    assert "Mina Member" in page and "Theo Member" in page
    assert "Rhea Requester" not in page  # asked to join, not yet a member

    before = snapshot()
    refused = delete_account(client)
    assert error_summary(refused) == ["Select who will own Kumasi Eye Clinic after you leave"]
    assert snapshot() == before

    second_membership = db.session.scalar(select(Membership).filter_by(user_id=second.id))
    field = f"successor_{organisation.id}"
    response = delete_account(client, **{field: str(second_membership.id)})

    assert response.status_code == 302
    db.session.expire_all()
    assert {(m.user_id, m.role) for m in organisation.memberships if m.status == "active"} == {
        (first.id, "member"),
        (second.id, "owner"),
    }
    handed = db.session.scalar(
        select(AuditEvent).filter_by(action="membership.ownership_handed_over")
    )
    assert handed.details == {"member_id": second.id}


def test_someone_who_is_not_a_member_cannot_be_chosen(client, make, db):
    owner = make.user(roles=["partner"])
    member = make.user(roles=["partner"])
    outsider = make.user(roles=["partner"])
    organisation = make.organisation(owner=owner, members=(member,))
    elsewhere = make.organisation(owner=outsider)
    outsider_membership = db.session.scalar(
        select(Membership).filter_by(organisation_id=elsewhere.id)
    )
    sign_in(client, owner.email)
    before = snapshot()

    response = delete_account(client, **{f"successor_{organisation.id}": outsider_membership.id})

    assert response.status_code == 200
    assert error_summary(response)
    assert snapshot() == before


def test_a_co_owner_just_leaves(client, make, db):
    owner = make.user(roles=["partner"])
    other_owner = make.user(roles=["partner"])
    organisation = make.organisation(owner=owner)
    db.session.add(Membership(user=other_owner, organisation=organisation, role="owner"))
    db.session.commit()
    sign_in(client, owner.email)

    assert "Who will own" not in client.get(DELETE).get_data(as_text=True)
    assert delete_account(client).status_code == 302
    db.session.expire_all()
    assert [m.user_id for m in organisation.memberships] == [other_owner.id]


def test_an_organisation_with_no_one_else_stays_without_members(client, make, db):
    owner = make.user(roles=["partner"])
    organisation = make.organisation(owner=owner, name="Solo Health Trust")
    sign_in(client, owner.email)

    page = client.get(DELETE).get_data(as_text=True)
    # The organisation's name as its owners wrote it, in whatever direction its script runs.
    assert 'You are the only member of <bdi dir="auto">Solo Health Trust</bdi>.' in page
    assert delete_account(client).status_code == 302

    db.session.expire_all()
    kept = db.session.get(Organisation, organisation.id)
    assert kept is not None
    assert kept.memberships == []


# Services ---------------------------------------------------------------------------------


def test_the_service_refuses_a_wrong_password(app, make, db):
    user = make.user()
    with app.test_request_context(), pytest.raises(services.WrongPassword):
        services.erase_account(db.session, user, "wrong password")
    assert db.session.get(User, user.id).active is True


def test_the_service_refuses_without_a_successor(app, make, db):
    owner = make.user(roles=["partner"])
    organisation = make.organisation(owner=owner, members=(make.user(roles=["partner"]),))
    with app.test_request_context(), pytest.raises(services.ErasureRefused) as refused:
        services.erase_account(db.session, owner, PASSWORD)
    assert organisation.name in str(refused.value)


def test_wrong_passwords_are_throttled(client, make, db):
    make_user = make.user()
    sign_in(client, make_user.email)
    for _ in range(10):
        assert delete_account(client, "not my password").status_code == 200
    assert delete_account(client, "not my password").status_code == 429


def test_engagement_messages_and_plans_go_with_the_account(client, make, db):
    person = full_person(make)
    engagement = make.engagement(
        user=person.user,
        message="Zz-application from me",
        release_manager_email="zz.manager@nhs.example.org",
        release_note="Zz-release note",
    )
    plan = Plan(
        owner_id=person.user.id,
        scheme="Zz-scheme",
        starts_on=date(2027, 1, 4),
        expected_end_on=date(2029, 1, 4),
        return_country="GH",
    )
    plan.milestones = [Milestone(title="Zz-milestone", due_on=date(2027, 2, 1), anchor="fixed")]
    db.session.add(plan)
    db.session.commit()
    assert rows_mentioning("Zz-application", "zz.manager", "Zz-release", "Zz-scheme")
    sign_in(client, EMAIL)

    assert delete_account(client).status_code == 302

    assert rows_mentioning("Zz-application", "zz.manager", "Zz-release", "Zz-scheme") == []
    assert db.session.get(Engagement, engagement.id) is not None  # the record of work stays
    assert count(db, Plan) == 0 and count(db, Milestone) == 0


def test_api_tokens_go_with_the_account(client, make, db):
    person = full_person(make)
    _token, secret = tokens.create(db.session, person.user, "Zz-rota system", "read")
    db.session.commit()
    sign_in(client, EMAIL)

    assert delete_account(client).status_code == 302

    assert count(db, AccessToken) == 0
    assert rows_mentioning("Zz-rota") == []
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401


def test_cohorts_invitations_and_alerts_go_with_the_account(client, make, db):
    person = full_person(make)
    cohort = make.cohort(members=(person.user,))
    opportunity = make.opportunity()
    db.session.add_all(
        [
            Invitation(opportunity=opportunity, user_id=person.user.id, message="Zz-join us"),
            Dismissal(user_id=person.user.id, opportunity_id=opportunity.id),
            AlertSetting(user_id=person.user.id, frequency="weekly"),
            PendingAlert(user_id=person.user.id, opportunity_id=opportunity.id),
        ]
    )
    db.session.commit()
    sign_in(client, EMAIL)

    assert delete_account(client).status_code == 302

    for model in (CohortMember, Invitation, Dismissal, AlertSetting, PendingAlert):
        assert count(db, model) == 0, model
    assert db.session.get(Cohort, cohort.id) is not None
