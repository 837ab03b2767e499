"""A member of an organisation still waiting for verification, or who asked to join one, is
told so wherever an organisation action refuses them, not only "You do not have permission"."""

import pytest
from sqlalchemy import select

from diaspora.notifications.models import Notification
from diaspora.organisations.models import Membership, MembershipStatus
from tests.helpers import sign_in, submit

WAITING = "Your organisation is waiting for verification"
REQUESTED = "Your request to join is waiting for an answer"
NO_PERMISSION = "You do not have permission"

# Every kind of organisation action a pending charity's member may try.
ACTIONS = [
    "/opportunities/new",
    "/opportunities/manage",
    "/directory/",
    "/cohorts",
    "/cohorts/new",
    "/credentials/queue",
    "/plans/templates",
]


def _html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def pending_charity(make):
    owner = make.user(roles=["staff"], name="Priya Owner")
    member = make.user(roles=[], name="Mo Member")
    organisation = make.organisation(
        owner=owner, members=(member,), name="Leeds Ghana Link", kind="charity", verified=False
    )
    return organisation, owner, member


@pytest.mark.parametrize("url", ACTIONS)
def test_a_pending_organisations_member_is_told_it_waits_for_verification(
    client, pending_charity, url
):
    organisation, _owner, member = pending_charity
    sign_in(client, member.email)
    response = client.get(url)
    assert response.status_code == 403, url
    html = _html(response)
    assert WAITING in html and NO_PERMISSION not in html
    assert "Leeds Ghana Link" in html and "administrator" in html
    assert "We will email you when your organisation is verified" in html
    assert "What you can do meanwhile" in html
    assert f'href="/organisations/{organisation.id}"' in html


def test_their_own_organisations_opportunity_and_impact_say_the_same(client, make, pending_charity):
    organisation, owner, _member = pending_charity
    draft = make.opportunity(organisation, status="draft")
    published = make.opportunity(organisation)
    sign_in(client, owner.email)
    for url in (
        f"/opportunities/{draft.id}/applicants",
        f"/opportunities/{published.id}/hours",
        f"/opportunities/{published.id}/edit",
        f"/impact/organisations/{organisation.id}",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert WAITING in _html(response), url


def test_the_form_posts_are_refused_the_same_way(client, make, pending_charity):
    organisation, owner, _member = pending_charity
    published = make.opportunity(organisation)
    sign_in(client, owner.email)
    response = submit(
        client,
        f"/opportunities/{published.id}/hours/approve",
        {"selected": ["1"]},
        page="/organisations/",
    )
    assert response.status_code == 403
    assert WAITING in _html(response)


def test_a_request_to_join_is_explained(client, db, make):
    owner = make.user(roles=["staff"])
    organisation = make.organisation(owner=owner, name="Accra Teaching Hospital")
    asker = make.user(roles=[], name="Asa Asker")
    db.session.add(
        Membership(user=asker, organisation=organisation, status=MembershipStatus.REQUESTED)
    )
    db.session.commit()
    sign_in(client, asker.email)
    response = client.get("/opportunities/new")
    assert response.status_code == 403
    html = _html(response)
    assert REQUESTED in html and WAITING not in html and NO_PERMISSION not in html
    assert "Accra Teaching Hospital" in html and "owners decide" in html
    assert "We will email you when your request to join is accepted" in html


def test_others_still_get_the_plain_refusal(client, make, pending_charity):
    organisation, _owner, _member = pending_charity
    stranger = make.user(roles=["staff"])
    sign_in(client, stranger.email)
    response = client.get("/opportunities/new")
    assert response.status_code == 403
    assert NO_PERMISSION in _html(response) and WAITING not in _html(response)
    # Nobody learns of a pending organisation's draft.
    draft = make.opportunity(organisation, status="draft")
    assert client.get(f"/opportunities/{draft.id}/applicants").status_code == 404


def test_a_pending_member_acting_for_another_organisation_gets_the_plain_refusal(
    client, make, pending_charity
):
    _organisation, _owner, member = pending_charity
    elsewhere = make.opportunity(make.organisation(owner=make.user()))
    sign_in(client, member.email)
    response = client.get(f"/opportunities/{elsewhere.id}/applicants")
    assert response.status_code == 403
    assert NO_PERMISSION in _html(response) and WAITING not in _html(response)


def test_verifying_emails_every_active_member(client, db, make, pending_charity):
    organisation, owner, member = pending_charity
    asker = make.user(roles=[])
    db.session.add(
        Membership(user=asker, organisation=organisation, status=MembershipStatus.REQUESTED)
    )
    db.session.commit()
    admin = make.user(roles=["admin"])
    sign_in(client, admin.email)
    response = submit(client, f"/admin/organisations/{organisation.id}", {"decision": "verify"})
    assert response.status_code == 302
    sent = db.session.scalars(
        select(Notification).where(Notification.subject == "Leeds Ghana Link has been verified")
    ).all()
    assert sorted(n.address for n in sent) == sorted([owner.email, member.email])
    body = next(n.body for n in sent if n.address == member.email)
    assert "Dear Mo Member" in body and "find volunteers and run cohorts" in body
