"""Marking an engagement as completed asks first: a page says what it means, Continue does it."""

from diaspora.engagements.models import EngagementState as S
from tests.engagements.conftest import html, title
from tests.helpers import submit


def test_mark_as_completed_asks_for_confirmation_first(
    db, client_for, make, new_profile, manager, project
):
    person = new_profile(make.user(name="Ama Owusu")).user
    engagement = make.engagement(project, person, state=S.ACTIVE)
    client = client_for(manager)
    detail = html(client.get(f"/engagements/{engagement.id}"))
    assert f'href="/engagements/{engagement.id}/complete"' in detail  # a link, not a form

    page = client.get(f"/engagements/{engagement.id}/complete")
    assert page.status_code == 200
    assert title(page).startswith("Mark Neonatal course as completed for Ama Owusu")
    text = html(page)
    assert "Mark the engagement of Ama Owusu as completed?" in text
    assert "cannot be undone" in text and "certificate of contribution" in text
    assert f'href="/engagements/{engagement.id}">Cancel' in text
    db.session.refresh(engagement)
    assert engagement.state == S.ACTIVE  # looking changes nothing

    response = submit(
        client,
        f"/engagements/{engagement.id}/complete",
        page=f"/engagements/{engagement.id}/complete",
    )
    assert response.status_code == 302
    db.session.refresh(engagement)
    assert engagement.state == S.COMPLETED


def test_the_confirmation_is_only_for_an_active_engagement(
    db, client_for, make, new_profile, manager, project
):
    engagement = make.engagement(project, new_profile().user, state=S.ACCEPTED)
    client = client_for(manager)
    response = client.get(f"/engagements/{engagement.id}/complete", follow_redirects=True)
    assert "Only an engagement that has started can be marked as completed." in html(response)


def test_others_cannot_see_or_use_the_confirmation(db, client_for, make, new_profile, project):
    person = new_profile().user
    engagement = make.engagement(project, person, state=S.ACTIVE)
    outsider = make.user(roles=["partner"])
    make.organisation(owner=outsider)
    assert client_for(outsider).get(f"/engagements/{engagement.id}/complete").status_code == 404
    assert client_for(person).get(f"/engagements/{engagement.id}/complete").status_code == 403
    assert submit(client_for(person), f"/engagements/{engagement.id}/complete").status_code == 403
    db.session.refresh(engagement)
    assert engagement.state == S.ACTIVE
