import pytest
from sqlalchemy import select

from diaspora.audit.models import AuditEvent
from diaspora.organisations import services
from diaspora.organisations.access import roles_of
from diaspora.organisations.models import Membership, Verification


def _actions(db) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.mark.parametrize(
    ("kind", "role"),
    [
        ("partner_institution", "partner"),
        ("university", "partner"),
        ("charity", "coordinator"),
        ("nhs_trust", "coordinator"),
    ],
)
def test_creating_an_organisation_makes_its_creator_owner_with_the_fitting_role_once_verified(
    app, db, make, kind, role
):
    owner = make.user(roles=[])
    with app.test_request_context():
        organisation = services.create_organisation(
            db.session, owner, name=" Sylhet Health Link ", kind=kind, country="BD"
        )
    db.session.commit()
    assert organisation.name == "Sylhet Health Link"
    assert organisation.verification == Verification.PENDING
    assert organisation in services.verification_queue(db.session)
    assert services.membership_of(db.session, owner, organisation.id).is_owner
    assert roles_of(db.session, owner) == set()  # a pending organisation grants nothing
    assert "organisation.created" in _actions(db)
    with app.test_request_context():
        services.decide_verification(
            db.session, organisation, make.user(roles=["admin"]), verified=True
        )
    assert roles_of(db.session, owner) == {role}


def test_join_request_tells_owners_and_approval_grants_the_role(app, db, make, smtp):
    owner = make.user(roles=["partner"], email="owner@example.org")
    organisation = make.organisation(owner=owner)
    applicant = make.user(roles=[], email="applicant@example.org")
    with app.test_request_context():
        membership = services.request_to_join(db.session, applicant, organisation)
        db.session.commit()
        assert membership.status == "requested"
        assert roles_of(db.session, applicant) == set()
        assert smtp.delivered(1)[0]["To"] == "owner@example.org"

        services.approve_request(db.session, membership, owner)
        db.session.commit()
    assert membership.status == "active"
    assert roles_of(db.session, applicant) == {"partner"}
    assert smtp.delivered(2)[1]["To"] == "applicant@example.org"
    with pytest.raises(services.OrganisationError), app.test_request_context():
        services.request_to_join(db.session, applicant, organisation)


def test_the_last_owner_cannot_be_removed_but_a_member_can(app, db, make):
    owner = make.user(roles=["partner"])
    member = make.user(roles=["partner"])
    organisation = make.organisation(owner=owner, members=(member,))
    memberships = {m.user_id: m for m in services.members(db.session, organisation)}
    with pytest.raises(services.OrganisationError, match="at least one owner"):
        services.remove_member(db.session, memberships[owner.id], owner)
    services.remove_member(db.session, memberships[member.id], owner)
    db.session.commit()
    assert db.session.scalar(select(Membership).where(Membership.user_id == member.id)) is None


def test_verification_decision_emails_every_owner(app, db, make, smtp):
    admin = make.user(roles=["admin"])
    owners = [make.user(roles=["partner"]) for _ in range(2)]
    organisation = make.organisation(owner=owners[0], verified=False)
    db.session.add(Membership(user=owners[1], organisation=organisation, role="owner"))
    db.session.commit()
    with app.test_request_context():
        services.decide_verification(db.session, organisation, admin, verified=True)
        db.session.commit()
    messages = smtp.delivered(2)
    assert {m["To"] for m in messages} == {o.email for o in owners}
    assert all("has been verified" in m["Subject"] for m in messages)
    assert organisation.verified_by_id == admin.id
    assert organisation.verified_at is not None
    assert "organisation.verified" in _actions(db)


def test_rejection_needs_a_reason_and_closes_the_organisation_to_new_members(app, db, make):
    admin = make.user(roles=["admin"])
    organisation = make.organisation(owner=make.user(roles=["partner"]), verified=False)
    with app.test_request_context():
        with pytest.raises(services.OrganisationError):
            services.decide_verification(db.session, organisation, admin, verified=False)
        services.decide_verification(
            db.session, organisation, admin, verified=False, reason="No such hospital"
        )
    db.session.commit()
    assert organisation.verification == Verification.REJECTED
    assert organisation not in services.joinable_organisations(db.session)
    with pytest.raises(services.OrganisationError), app.test_request_context():
        services.request_to_join(db.session, make.user(roles=[]), organisation)


def test_mail_waits_for_commit_and_a_rollback_drops_it(app, db, make, smtp):
    owner = make.user(roles=["partner"])
    organisation = make.organisation(owner=owner)
    with app.test_request_context():
        services.request_to_join(db.session, make.user(roles=[]), organisation)
        assert smtp.messages == []
        db.session.rollback()
        db.session.commit()
    assert smtp.delivered(0) == []
