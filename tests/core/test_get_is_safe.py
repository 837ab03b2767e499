"""A GET never changes anything: links in emails open a page whose button makes the change."""

from diaspora.account import services as account
from diaspora.auth import services
from diaspora.auth.models import User
from diaspora.organisations.models import Membership, MembershipStatus, OrganisationInvitation
from tests.core.support import dummy_path, rules_accepting, snapshot
from tests.helpers import submit


def _verification_path(app, user: User) -> str:
    with app.test_request_context():
        token = services.make_token("verify", {"u": user.id, "e": services.fingerprint(user.email)})
    return f"/account/verify/{token}"


def test_opening_the_verification_link_does_not_verify(app, client, make, db):
    user = make.user(verified=False)
    path = _verification_path(app, user)

    page = client.get(path)
    assert page.status_code == 200
    assert "Confirm my email address" in page.get_data(as_text=True)
    db.session.refresh(user)
    assert user.email_verified_at is None

    response = submit(client, path, {})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.email_verified_at is not None


def test_opening_the_email_change_link_does_not_change_the_address(app, client, make, db):
    user = make.user()
    old_email = user.email
    with app.test_request_context():
        account.request_email_change(db.session, user, "moved@example.org")
        db.session.commit()
        token = services.email_change_token(user)
    path = f"/account/email/confirm/{token}"

    assert client.get(path).status_code == 200
    db.session.refresh(user)
    assert (user.email, user.pending_email) == (old_email, "moved@example.org")

    assert submit(client, path, {}).status_code == 302
    db.session.refresh(user)
    assert (user.email, user.pending_email) == ("moved@example.org", None)


def test_opening_the_reset_link_changes_nothing(app, client, make, db):
    user = make.user()
    before = snapshot()
    with app.test_request_context():
        token = services.reset_token(user)
    assert client.get(f"/account/reset-password/{token}").status_code == 200
    assert snapshot() == before


def test_opening_an_invitation_does_not_join(app, client, login_as, make, db):
    user = login_as("staff")
    organisation = make.organisation()
    with app.test_request_context():
        invitation = OrganisationInvitation(
            organisation=organisation, email_fingerprint=services.fingerprint(user.email)
        )
        db.session.add(invitation)
        db.session.commit()
        token = services.make_token(
            "invite", {"i": invitation.id, "e": invitation.email_fingerprint}
        )
    path = f"/organisations/invitations/{token}"

    assert client.get(path).status_code == 200
    assert db.session.scalar(db.select(Membership).filter_by(user_id=user.id)) is None

    assert submit(client, path, {}).status_code == 302
    membership = db.session.scalar(db.select(Membership).filter_by(user_id=user.id))
    assert membership is not None
    assert membership.status == MembershipStatus.ACTIVE


def test_sign_out_is_not_a_get(client, login_as):
    login_as("staff")
    response = client.get("/account/sign-out")
    assert response.status_code == 405
    assert "Sorry, there is a problem with the request" in response.get_data(as_text=True)
    assert client.get("/account").status_code == 200


def test_no_get_route_writes_to_the_database(app, client, login_as, make):
    """Every GET route, as an administrator who owns an organisation with a pending request."""
    admin = login_as("admin")
    applicant = make.user()
    organisation = make.organisation(owner=admin, verified=False)
    request = Membership(
        user=applicant, organisation=organisation, status=MembershipStatus.REQUESTED
    )
    make.session.add(request)
    make.session.commit()
    ids = {"organisation_id": organisation.id, "membership_id": request.id, "user_id": applicant.id}

    rules = [rule for rule in rules_accepting(app, "GET") if rule.endpoint != "static"]
    assert len(rules) > 10
    before = snapshot()
    statuses = {}
    for rule in rules:
        path = dummy_path(rule, ids)
        statuses[path] = client.get(path).status_code
        assert snapshot() == before, f"GET {path} changed the database"
    # The walk reached real pages, not only error pages.
    assert statuses["/admin/users"] == 200
    assert statuses[f"/organisations/{organisation.id}/members"] == 200
    assert statuses[f"/admin/organisations/{organisation.id}"] == 200
