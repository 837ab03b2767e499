"""Declining several applications at once: one reason, each declined as one at a time would
be, all or none."""

import re

from sqlalchemy import select

from diaspora.audit.models import AuditEvent
from tests.engagements.conftest import html, notes
from tests.helpers import error_summary, submit


def _url(opportunity) -> str:
    return f"/opportunities/{opportunity.id}/applicants/decline"


def _page(opportunity) -> str:
    return f"/opportunities/{opportunity.id}/applicants"


def _applications(make, new_profile, project, *names):
    return [
        make.engagement(project, new_profile(make.user(name=name)).user, state="applied")
        for name in names
    ]


def _decline(client, project, ids, reason="We have filled every place"):
    data = {"selected": [str(i) for i in ids], "reason": reason}
    return submit(client, _url(project), data, page=_page(project))


def test_declining_selected_applications_tells_each_with_the_one_reason(
    db, client_for, make, new_profile, manager, project
):
    first, second, kept = _applications(
        make, new_profile, project, "Ama Owusu", "Bilal Khan", "Chidi Okafor"
    )
    client = client_for(manager)
    page = html(client.get(_page(project)))
    assert page.count('form="decline-selected"') == 3
    assert "Select the application of Bilal Khan to decline" in page

    response = _decline(client, project, [first.id, second.id])
    assert response.status_code == 302
    for engagement in (first, second, kept):
        db.session.refresh(engagement)
    assert [e.state for e in (first, second, kept)] == ["declined", "declined", "applied"]
    assert {e.decision_message for e in (first, second)} == {"We have filled every place"}
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "engagement.declined")
    )
    assert sorted((e.subject_id, e.actor_id) for e in events) == [
        (first.id, manager.id),
        (second.id, manager.id),
    ]
    for engagement in (first, second):
        assert notes(
            db, recipient_id=engagement.user_id, dedupe_key=f"engagement:{engagement.id}:declined"
        )
    assert not notes(db, recipient_id=kept.user_id)
    assert "2 applications declined. Each applicant has been told." in html(
        client.get(_page(project))
    )


def test_the_reason_is_required_and_the_ticks_are_kept(
    db, client_for, make, new_profile, manager, project
):
    first, second = _applications(make, new_profile, project, "Ama Owusu", "Bilal Khan")
    client = client_for(manager)
    response = _decline(client, project, [second.id], reason="  ")
    assert response.status_code == 200
    assert error_summary(response) == ["Enter the reason for declining"]
    assert re.search(rf'id="select-{second.id}" name="selected" [^>]* checked\s', html(response))
    assert not re.search(rf'id="select-{first.id}" name="selected" [^>]* checked\s', html(response))
    response = _decline(client, project, [], reason="Full")
    assert error_summary(response) == ["Select the applications you want to decline"]
    assert "Full</textarea>" in html(response)
    for engagement in (first, second):
        db.session.refresh(engagement)
        assert engagement.state == "applied"


def test_declining_selected_is_all_or_nothing(db, client_for, make, new_profile, manager, project):
    first, withdrawn, last = _applications(
        make, new_profile, project, "Ama Owusu", "Bilal Khan", "Chidi Okafor"
    )
    client = client_for(manager)
    client.get(_page(project))
    withdrawn.state = "withdrawn"  # withdrew while the page was open
    db.session.commit()
    response = _decline(client, project, [first.id, withdrawn.id, last.id])
    assert response.status_code == 200
    assert error_summary(response) == [
        "Bilal Khan: This application has already been decided or withdrawn. "
        "Nothing was declined: check your selection and try again"
    ]
    assert "We have filled every place</textarea>" in html(response)
    for engagement in (first, last):
        db.session.refresh(engagement)
        assert engagement.state == "applied"
        assert re.search(
            rf'id="select-{engagement.id}" name="selected" [^>]* checked\s', html(response)
        )
    assert not db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "engagement.declined")
    ).all()


def test_another_opportunitys_application_is_refused(
    db, client_for, make, new_profile, manager, project, organisation
):
    ours, _second = _applications(make, new_profile, project, "Ama Owusu", "Bilal Khan")
    elsewhere = make.engagement(make.opportunity(), new_profile().user, state="applied")
    same_org = make.engagement(make.opportunity(organisation), new_profile().user, state="applied")
    client = client_for(manager)
    for intruder in (elsewhere, same_org):
        assert _decline(client, project, [ours.id, intruder.id]).status_code == 404
    assert _decline(client, project, ["x1"]).status_code == 404
    for engagement in (ours, elsewhere, same_org):
        db.session.refresh(engagement)
        assert engagement.state == "applied"


def test_another_organisation_and_the_applicant_are_refused(
    db, client_for, make, new_profile, project
):
    first, second = _applications(make, new_profile, project, "Ama Owusu", "Bilal Khan")
    outsider = make.user(roles=["partner"])
    make.organisation(owner=outsider)
    for person in (outsider, first.user):
        response = _decline(client_for(person), project, [first.id, second.id])
        assert response.status_code == 403
    db.session.refresh(first)
    assert first.state == "applied"


def test_declining_selected_needs_a_csrf_token(db, client_for, make, new_profile, manager, project):
    first, _second = _applications(make, new_profile, project, "Ama Owusu", "Bilal Khan")
    client = client_for(manager)
    response = client.post(_url(project), data={"selected": [str(first.id)], "reason": "Full"})
    assert response.status_code == 400
    db.session.refresh(first)
    assert first.state == "applied"


def test_a_single_application_is_decided_on_its_own_page(
    client_for, make, new_profile, manager, project
):
    _applications(make, new_profile, project, "Ama Owusu")
    page = html(client_for(manager).get(_page(project)))
    assert "decline-selected" not in page and "Decide on the application" in page
