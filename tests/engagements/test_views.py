import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from flask import render_template
from flask_login import login_user
from sqlalchemy import func, select

from diaspora.core.time import utcnow
from diaspora.engagements.models import Engagement, EngagementState, ReleaseStatus
from diaspora.engagements.states import TRANSITIONS
from tests.engagements.conftest import html, notes, title
from tests.helpers import csrf_token, error_summary, submit

S = EngagementState


def _count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Engagement))


def _flash(client) -> str:
    """The text of the page after a redirect (where flashed messages show)."""
    return html(client.get("/engagements"))


# Sign-in, roles and who sees what --------------------------------------------------------------


def test_pages_need_sign_in(client, make, project, staff):
    engagement = make.engagement(project, staff)
    for url in (
        "/engagements",
        f"/engagements/{engagement.id}",
        f"/engagements/{engagement.id}/withdraw",
        f"/engagements/{engagement.id}/release",
        f"/engagements/{engagement.id}/cancel",
        f"/opportunities/{project.id}/apply",
        f"/opportunities/{project.id}/applicants",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/account/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("role", ["partner", "coordinator", "admin"])
def test_only_staff_apply(client_for, make, project, role):
    browser = client_for(make.user(roles=[role]))
    assert browser.get("/engagements").status_code == 403
    assert browser.get(f"/opportunities/{project.id}/apply").status_code == 403
    assert submit(browser, f"/opportunities/{project.id}/interest").status_code == 403
    assert (
        submit(browser, f"/opportunities/{project.id}/apply", {"message": "Hi"}).status_code == 403
    )


def test_another_staff_member_cannot_see_or_change_an_engagement(
    db, client_for, make, new_profile, project, staff
):
    engagement = make.engagement(project, staff, state="accepted")
    other = client_for(new_profile().user)
    assert other.get(f"/engagements/{engagement.id}").status_code == 404
    assert other.get(f"/engagements/{engagement.id}/withdraw").status_code == 404
    assert submit(other, f"/engagements/{engagement.id}/withdraw").status_code == 404
    assert submit(other, f"/engagements/{engagement.id}/start").status_code == 404
    assert other.get(f"/engagements/{engagement.id}/release").status_code == 404
    assert other.get(f"/opportunities/{project.id}/applicants").status_code == 403
    db.session.refresh(engagement)
    assert engagement.state == S.ACCEPTED
    assert "Sadia Rahman" not in html(other.get("/engagements"))


def test_another_organisation_cannot_see_applicants(db, client_for, make, project, staff):
    make.engagement(project, staff, state="applied", message="Pick me")
    engagement = make.engagement(project, make.profile().user, state="applied")
    outsider = make.user(roles=["partner"])
    make.organisation(owner=outsider, name="Another Trust")
    browser = client_for(outsider)
    response = browser.get(f"/opportunities/{project.id}/applicants")
    assert response.status_code == 403
    assert "Pick me" not in html(response)
    assert browser.get(f"/engagements/{engagement.id}").status_code == 404
    decided = submit(browser, f"/engagements/{engagement.id}/decision", {"decision": "accept"})
    assert decided.status_code == 404
    db.session.refresh(engagement)
    assert engagement.state == S.APPLIED
    draft = make.opportunity(project.organisation, status="draft")
    assert browser.get(f"/opportunities/{draft.id}/applicants").status_code == 404
    assert browser.get("/opportunities/999999/applicants").status_code == 404


def test_the_owner_cannot_decide_and_the_organisation_cannot_withdraw(
    db, client_for, make, project, staff, manager
):
    engagement = make.engagement(project, staff, state="applied")
    mine = client_for(staff)
    assert (
        submit(mine, f"/engagements/{engagement.id}/decision", {"decision": "accept"}).status_code
        == 403
    )
    assert submit(mine, f"/engagements/{engagement.id}/cancel", {"reason": "x"}).status_code == 403
    theirs = client_for(manager)
    assert submit(theirs, f"/engagements/{engagement.id}/withdraw").status_code == 403
    assert theirs.get(f"/engagements/{engagement.id}/release").status_code == 403
    db.session.refresh(engagement)
    assert engagement.state == S.APPLIED


# Interest and applying -------------------------------------------------------------------------


def test_apply_with_a_message(db, client_for, project, staff, manager, colleague):
    browser = client_for(staff)
    page = browser.get(f"/opportunities/{project.id}/apply")
    assert page.status_code == 200
    assert title(page).startswith("Apply for Neonatal course")
    assert len(re.findall(r"<h1[ >]", html(page))) == 1
    response = submit(
        browser, f"/opportunities/{project.id}/apply", {"message": "I teach NLS in Leeds."}
    )
    assert response.status_code == 302
    engagement = db.session.scalar(select(Engagement))
    assert response.headers["Location"] == f"/engagements/{engagement.id}"
    assert (engagement.state, engagement.message) == (S.APPLIED, "I teach NLS in Leeds.")
    page = html(browser.get(response.headers["Location"]))
    assert "Your application has been sent to Sylhet Health Trust." in page
    assert "I teach NLS in Leeds." in page and "Applied" in page
    told = notes(db)
    assert {n.recipient_id for n in told} == {manager.id, colleague.id}
    assert {n.link for n in told} == {f"/engagements/{engagement.id}"}


@pytest.mark.parametrize(
    ("message", "problem"),
    [
        ("", "Enter your message to the organisation"),
        ("   ", "Enter your message to the organisation"),
        ("é" * 1001, "Your message must be 1000 characters or fewer"),
    ],
)
def test_a_bad_message_keeps_the_input_and_saves_nothing(
    db, client_for, project, staff, message, problem
):
    browser = client_for(staff)
    response = submit(browser, f"/opportunities/{project.id}/apply", {"message": message})
    assert response.status_code == 200
    assert error_summary(response) == [problem]
    assert title(response).startswith("Error: ")
    if message.strip():
        assert message in html(response)
    assert _count(db) == 0
    assert notes(db) == []


def test_interested_then_apply(db, client_for, project, staff, manager):
    browser = client_for(staff)
    response = submit(browser, f"/opportunities/{project.id}/interest")
    assert response.status_code == 302
    engagement = db.session.scalar(select(Engagement))
    assert engagement.state == S.INTERESTED
    page = html(browser.get(f"/engagements/{engagement.id}"))
    assert "can see that you are interested" in page
    assert f'href="/opportunities/{project.id}/apply"' in page
    submit(browser, f"/opportunities/{project.id}/apply", {"message": "Now I apply."})
    db.session.refresh(engagement)
    assert engagement.state == S.APPLIED
    # Saying it again is refused with a message, not an error.
    again = submit(browser, f"/opportunities/{project.id}/interest")
    assert again.status_code == 302
    assert "already applied" in html(browser.get(again.headers["Location"]))
    assert _count(db) == 1


def test_an_incomplete_profile_is_sent_to_complete_it(db, client_for, make, project):
    browser = client_for(make.user(roles=["staff"]))
    for response in (
        browser.get(f"/opportunities/{project.id}/apply"),
        submit(browser, f"/opportunities/{project.id}/interest"),
        submit(browser, f"/opportunities/{project.id}/apply", {"message": "Hello"}),
    ):
        assert response.status_code == 302
        assert response.headers["Location"] == "/profile"
    assert _count(db) == 0


def test_teaching_drafts_and_closed_opportunities(db, client_for, make, organisation, staff):
    browser = client_for(staff)
    teaching = make.opportunity(organisation, kind="teaching")
    draft = make.opportunity(organisation, status="draft")
    closed = make.opportunity(organisation, status="closed")
    assert browser.get(f"/opportunities/{teaching.id}/apply").status_code == 404
    assert browser.get(f"/opportunities/{draft.id}/apply").status_code == 404
    assert submit(browser, f"/opportunities/{draft.id}/interest").status_code == 404
    refused = submit(browser, f"/opportunities/{teaching.id}/interest")
    assert refused.status_code == 302
    response = submit(browser, f"/opportunities/{closed.id}/apply", {"message": "Hello"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/opportunities/{closed.id}"
    assert _count(db) == 0


def test_withdraw_asks_first(db, client_for, make, project, staff, manager):
    engagement = make.engagement(project, staff, state="applied")
    browser = client_for(staff)
    page = browser.get(f"/engagements/{engagement.id}/withdraw")
    assert page.status_code == 200
    assert "Are you sure you want to withdraw?" in html(page)
    db.session.refresh(engagement)
    assert engagement.state == S.APPLIED  # a GET changes nothing
    response = submit(browser, f"/engagements/{engagement.id}/withdraw")
    assert response.status_code == 302
    db.session.refresh(engagement)
    assert engagement.state == S.WITHDRAWN
    assert notes(db, recipient_id=manager.id)[0].subject.startswith("Sadia Rahman withdrew")
    # Withdrawing again is refused with a message.
    again = submit(browser, f"/engagements/{engagement.id}/withdraw")
    assert again.status_code == 302
    assert "withdrawn cannot become withdrawn" in html(browser.get(again.headers["Location"]))


# Every action through the pages ----------------------------------------------------------------

VIEW_ACTIONS = {
    # action: (who, path, data, target)
    "apply": ("staff", "/opportunities/{o}/apply", {"message": "Hello"}, S.APPLIED),
    "withdraw": ("staff", "/engagements/{e}/withdraw", {}, S.WITHDRAWN),
    "accept": ("manager", "/engagements/{e}/decision", {"decision": "accept"}, S.ACCEPTED),
    "decline": ("manager", "/engagements/{e}/decision", {"decision": "decline"}, S.DECLINED),
    "start": ("manager", "/engagements/{e}/start", {}, S.ACTIVE),
    "complete": ("manager", "/engagements/{e}/complete", {}, S.COMPLETED),
    "no_show": ("manager", "/engagements/{e}/no-show", {}, S.NO_SHOW),
    "cancel": ("manager", "/engagements/{e}/cancel", {"reason": "Funding ended"}, S.CANCELLED),
}
ALLOWED = {
    S.INTERESTED: {"apply", "withdraw"},
    S.APPLIED: {"withdraw", "accept", "decline"},
    S.ACCEPTED: {"withdraw", "start", "no_show", "cancel"},
    S.ACTIVE: {"complete", "cancel"},
    S.DECLINED: set(),
    S.WITHDRAWN: set(),
    S.EXPIRED: set(),
    S.COMPLETED: set(),
    S.NO_SHOW: set(),
    S.CANCELLED: set(),
}


def test_every_state_but_waiting_is_covered():
    assert set(ALLOWED) == set(TRANSITIONS) - {S.WAITING}  # waiting: teaching bookings only


@pytest.mark.parametrize("state", list(ALLOWED))
def test_every_action_from_every_state_through_the_pages(
    db, client_for, make, new_profile, project, manager, state
):
    browsers = {"manager": client_for(manager)}
    for action, (who, path, data, target) in VIEW_ACTIONS.items():
        person = new_profile().user
        engagement = make.engagement(project, person, state=state)
        browser = browsers["manager"] if who == "manager" else client_for(person)
        url = path.format(o=project.id, e=engagement.id)
        response = submit(browser, url, data)
        assert response.status_code == 302, (action, response.status_code)
        db.session.refresh(engagement)
        if action in ALLOWED[state]:
            assert engagement.state == target, action
        else:
            assert engagement.state == state, action
            page = html(browser.get(response.headers["Location"]))
            assert "nhsuk-notification-banner" in page, action


def test_starting_is_refused_until_release_is_confirmed(db, client_for, make, placement, staff):
    engagement = make.engagement(placement, staff, state="accepted", release_status="requested")
    browser = client_for(placement_manager := placement.organisation.memberships[0].user)
    page = html(browser.get(f"/engagements/{engagement.id}"))
    assert "cannot start until their NHS line manager confirms" in page
    assert f'action="/engagements/{engagement.id}/start"' not in page
    response = submit(browser, f"/engagements/{engagement.id}/start")
    assert response.status_code == 302
    assert "line manager confirms release" in html(browser.get(response.headers["Location"]))
    db.session.refresh(engagement)
    assert engagement.state == S.ACCEPTED
    engagement.release_status = ReleaseStatus.CONFIRMED
    db.session.commit()
    assert f'action="/engagements/{engagement.id}/start"' in html(
        browser.get(f"/engagements/{engagement.id}")
    )
    submit(browser, f"/engagements/{engagement.id}/start")
    db.session.refresh(engagement)
    assert engagement.state == S.ACTIVE
    assert placement_manager.id != staff.id


# Deciding ---------------------------------------------------------------------------------------


def test_accept_with_a_message(db, client_for, make, project, staff, manager):
    engagement = make.engagement(project, staff, state="applied", message="Pick me")
    browser = client_for(manager)
    page = browser.get(f"/engagements/{engagement.id}")
    assert page.status_code == 200
    assert "Decide on this application" in html(page)
    response = submit(
        browser,
        f"/engagements/{engagement.id}/decision",
        {"decision": "accept", "decision_message": "See you in May"},
    )
    assert response.status_code == 302
    db.session.refresh(engagement)
    assert (engagement.state, engagement.decision_message) == (S.ACCEPTED, "See you in May")
    (told,) = notes(db)
    assert told.recipient_id == staff.id and told.subject == "You have a place: Neonatal course"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({}, "Select whether you accept or decline this application"),
        ({"decision": "maybe"}, "Select whether you accept or decline this application"),
        (
            {"decision": "decline", "decision_message": "x" * 1001},
            "Your message must be 1000 characters or fewer",
        ),
    ],
)
def test_a_bad_decision_keeps_the_input(
    db, client_for, make, project, staff, manager, data, problem
):
    engagement = make.engagement(project, staff, state="applied")
    response = submit(client_for(manager), f"/engagements/{engagement.id}/decision", data)
    assert response.status_code == 200
    assert error_summary(response) == [problem]
    if data.get("decision_message"):
        assert data["decision_message"] in html(response)
    db.session.refresh(engagement)
    assert engagement.state == S.APPLIED
    assert notes(db) == []


def test_cancelling_needs_a_reason(db, client_for, make, project, staff, manager):
    engagement = make.engagement(project, staff, state="active")
    browser = client_for(manager)
    assert browser.get(f"/engagements/{engagement.id}/cancel").status_code == 200
    response = submit(browser, f"/engagements/{engagement.id}/cancel", {"reason": ""})
    assert response.status_code == 200
    assert error_summary(response) == ["Enter why you are cancelling"]
    db.session.refresh(engagement)
    assert engagement.state == S.ACTIVE
    submit(browser, f"/engagements/{engagement.id}/cancel", {"reason": "The ward closed"})
    db.session.refresh(engagement)
    assert (engagement.state, engagement.end_reason) == (S.CANCELLED, "The ward closed")
    assert "The ward closed" in html(client_for(staff).get(f"/engagements/{engagement.id}"))


# The applicants page ------------------------------------------------------------------------------


def test_applicants_are_shown_as_their_privacy_allows(
    db, client_for, make, new_profile, project, manager
):
    open_profile = new_profile(
        make.user(roles=["staff"], name="Open Person", email="open@example.org"),
        visibility="verified_organisations",
        specialty="Neonatology",
    )
    private = new_profile(
        make.user(roles=["staff"], name="Private Person", email="private@example.org"),
        visibility="private",
        specialty="Secret specialty",
    )
    make.engagement(project, open_profile.user, state="applied", message="Open message")
    accepted = make.engagement(project, private.user, state="accepted", message="Private message")
    page = html(client_for(manager).get(f"/opportunities/{project.id}/applicants"))
    assert "Open Person" in page and "Open message" in page and "Neonatology" in page
    assert "Private Person" in page and "Private message" in page
    assert "Secret specialty" not in page
    assert "privacy settings do not let your organisation see it" in page
    # Contact details only once a place is offered.
    assert "open@example.org" not in page
    assert "private@example.org" in page
    detail = html(client_for(manager).get(f"/engagements/{accepted.id}"))
    assert "private@example.org" in detail and "Secret specialty" not in detail


def test_the_applicants_page_costs_the_same_for_2_or_8_applicants(
    db, client_for, make, new_profile, organisation, manager, queries
):
    browser = client_for(manager)

    def run(count: int) -> int:
        opportunity = make.opportunity(organisation)
        for i in range(count):
            visibility = ["private", "verified_organisations"][i % 2]
            state = ["applied", "accepted", "interested"][i % 3]
            make.engagement(opportunity, new_profile(visibility=visibility).user, state=state)
        url = f"/opportunities/{opportunity.id}/applicants"
        browser.get(url)  # warm up (first request of the session loads more)
        with queries.count():
            response = browser.get(url)
        assert response.status_code == 200
        assert html(response).count('class="nhsuk-heading-m" id="applicant-') == count
        return len(queries)

    few, many = run(2), run(8)
    assert few == many, queries.statements
    assert many <= 14, queries.statements


# The staff member's engagements -------------------------------------------------------------------


def test_my_engagements_current_and_past_including_bookings(
    db, client_for, make, organisation, staff
):
    project = make.opportunity(organisation, title="Current project")
    old = make.opportunity(organisation, title="Old project")
    teaching = make.opportunity(organisation, kind="teaching", title="Teaching nurses")
    make.engagement(project, staff, state="accepted")
    make.engagement(old, staff, state="completed")
    make.engagement(teaching, staff, state="waiting", session=teaching.sessions[0])
    make.engagement(make.opportunity(organisation, title="Not mine"), make.profile().user)
    page = html(client_for(staff).get("/engagements"))
    current, past = page.split("<caption", 2)[1:]
    assert "Current project" in current and "Teaching nurses" in current
    assert "On the waiting list" in current and "Accepted" in current
    assert "Old project" in past and "Completed" in past and "Current project" not in past
    assert "Not mine" not in page
    assert "Sylhet Health Trust" in page


def test_the_owners_page_of_a_booking_points_to_the_session(client_for, make, organisation, staff):
    teaching = make.opportunity(organisation, kind="teaching")
    booking = make.engagement(teaching, staff, state="accepted", session=teaching.sessions[0])
    page = html(client_for(staff).get(f"/engagements/{booking.id}"))
    assert "Manage your booking on the opportunity" in page
    assert "/withdraw" not in page


# Employer release, end to end -----------------------------------------------------------------


@pytest.fixture
def offered(db, client_for, make, placement, staff):
    """An application to a placement, accepted through the organisation's page."""
    engagement = make.engagement(placement, staff, state="applied")
    manager = placement.organisation.memberships[0].user
    submit(client_for(manager), f"/engagements/{engagement.id}/decision", {"decision": "accept"})
    db.session.refresh(engagement)
    assert engagement.release_status == ReleaseStatus.NEEDED
    return engagement


def _link(smtp, count: int) -> str:
    """The link in the `count`-th email to a line manager (the outbox also holds the emails
    about the engagement to its people)."""
    smtp.delivered(count)
    message = [m for m in smtp.messages if m["To"].endswith("@nhs.net")][count - 1]
    return urlsplit(smtp.link(message)).path


def test_release_end_to_end(db, app, client, client_for, offered, staff, smtp):
    mine = client_for(staff)
    page = html(mine.get(f"/engagements/{offered.id}"))
    assert "Name your line manager" in page
    form = mine.get(f"/engagements/{offered.id}/release")
    assert form.status_code == 200

    bad = submit(mine, f"/engagements/{offered.id}/release", {"manager_email": "boss at nhs"})
    assert bad.status_code == 200
    assert error_summary(bad) == ["Enter an email address in the correct format, like name@nhs.net"]
    assert 'value="boss at nhs"' in html(bad)
    db.session.refresh(offered)
    assert offered.release_status == ReleaseStatus.NEEDED and offered.release_manager_email is None

    sent = submit(mine, f"/engagements/{offered.id}/release", {"manager_email": "Boss@NHS.net"})
    assert sent.status_code == 302
    link = _link(smtp, 1)
    assert len(smtp.to("boss@nhs.net")) == 1
    assert "boss@nhs.net" not in link and "Boss" not in link

    # The manager has no account: the page is public, and a GET changes nothing.
    response = client.get(link)
    assert response.status_code == 200
    page = html(response)
    for shown in ("Sadia Rahman", "Placement", "Sylhet Health Trust", "Return placement"):
        assert shown in page
    assert "boss@nhs.net" not in page
    client.get(link)
    db.session.refresh(offered)
    assert offered.release_status == ReleaseStatus.REQUESTED
    assert notes(db, recipient_id=staff.id)[-1].subject.startswith("You have a place")

    missing = submit(client, link, {"note": "x" * 1001}, page=link)
    assert missing.status_code == 200
    assert error_summary(missing) == [
        "Select whether you confirm or decline the release",
        "Your note must be 1000 characters or fewer",
    ]
    db.session.refresh(offered)
    assert offered.release_status == ReleaseStatus.REQUESTED

    token = csrf_token(client, link)
    answered = submit(client, link, {"decision": "confirm", "note": "Fine by me"}, page=link)
    assert answered.status_code == 302
    after = html(client.get(link))
    assert "You have confirmed the release of Sadia Rahman" in after
    assert "This request has been answered" in after
    db.session.refresh(offered)
    assert (offered.release_status, offered.release_note) == (ReleaseStatus.CONFIRMED, "Fine by me")
    recipients = {n.recipient_id for n in notes(db) if "release" in n.subject.lower()}
    members = {m.user_id for m in offered.opportunity.organisation.memberships}
    assert recipients == {staff.id} | members

    # Answering again does nothing.
    again = client.post(link, data={"decision": "decline", "csrf_token": token})
    assert "This request has been answered" in html(again)
    db.session.refresh(offered)
    assert offered.release_status == ReleaseStatus.CONFIRMED
    # And now the organisation can start it.
    manager = offered.opportunity.organisation.memberships[0].user
    submit(client_for(manager), f"/engagements/{offered.id}/start")
    db.session.refresh(offered)
    assert offered.state == S.ACTIVE


def test_a_new_manager_email_stops_the_old_link(db, client, client_for, offered, staff, smtp):
    mine = client_for(staff)
    submit(mine, f"/engagements/{offered.id}/release", {"manager_email": "first@nhs.net"})
    old = _link(smtp, 1)
    page = html(mine.get(f"/engagements/{offered.id}/release"))
    assert 'value="first@nhs.net"' in page
    submit(mine, f"/engagements/{offered.id}/release", {"manager_email": "second@nhs.net"})
    new = _link(smtp, 2)
    assert old != new
    assert "This link does not work" in html(client.get(old))
    token = csrf_token(client, new)
    refused = client.post(old, data={"decision": "confirm", "csrf_token": token})
    assert "This link does not work" in html(refused)
    db.session.refresh(offered)
    assert offered.release_status == ReleaseStatus.REQUESTED
    assert "Release Sadia Rahman to take part" in html(client.get(new))


def test_a_wrong_or_expired_link_shows_a_clear_page(db, client, client_for, offered, staff, smtp):
    submit(client_for(staff), f"/engagements/{offered.id}/release", {"manager_email": "b@nhs.net"})
    link = _link(smtp, 1)
    for wrong in ("/release/nonsense", link[:-3] + "abc"):
        response = client.get(wrong)
        assert response.status_code == 200
        assert "This link does not work" in html(response)
    with time_machine.travel(utcnow() + timedelta(days=31), tick=False):
        assert "This link does not work" in html(client.get(link))
    assert "Release Sadia Rahman" in html(client.get(link))


def test_the_release_page_is_rate_limited(db, client):
    statuses = [client.get(f"/release/guess{n}").status_code for n in range(30)]
    assert set(statuses) == {200}
    assert client.get("/release/one-more-guess").status_code == 429


def test_release_is_not_asked_for_a_remote_project(db, client_for, make, project, staff):
    engagement = make.engagement(project, staff, state="accepted")
    browser = client_for(staff)
    assert "line manager" not in html(browser.get(f"/engagements/{engagement.id}"))
    response = browser.get(f"/engagements/{engagement.id}/release")
    assert response.status_code == 302
    sent = submit(browser, f"/engagements/{engagement.id}/release", {"manager_email": "b@nhs.net"})
    assert sent.status_code == 302
    db.session.refresh(engagement)
    assert engagement.release_manager_email is None


# The panel on the opportunity's page -----------------------------------------------------------


def _panel(app, db, user, opportunity, queries=None) -> tuple[str, int]:
    db.session.refresh(user)
    _ = user.roles
    db.session.refresh(opportunity)
    _ = opportunity.organisation.verification
    with app.test_request_context("/"):
        login_user(user)
        if queries is None:
            return render_template("engagements/_panel.html", opportunity=opportunity), 0
        with queries.count():
            text = render_template("engagements/_panel.html", opportunity=opportunity)
        return text, len(queries)


def test_the_panel_offers_staff_the_buttons(app, db, make, project, staff, queries):
    text, count = _panel(app, db, staff, project, queries)
    assert f'action="/opportunities/{project.id}/interest"' in text
    assert f'href="/opportunities/{project.id}/apply"' in text
    assert count <= 2, queries.statements


def test_the_panel_shows_staff_where_they_stand(app, db, make, project, staff, queries):
    engagement = make.engagement(project, staff, state="accepted")
    text, count = _panel(app, db, staff, project, queries)
    assert "Accepted" in text and f'href="/engagements/{engagement.id}"' in text
    assert "/apply" not in text and "/interest" not in text
    assert count <= 2, queries.statements


def test_the_panel_sends_an_incomplete_profile_to_finish_it(app, db, make, project):
    text, _ = _panel(app, db, make.user(roles=["staff"]), project)
    assert 'href="/profile"' in text and "/interest" not in text


def test_the_panel_shows_managers_the_counts(app, db, make, new_profile, project, manager, queries):
    for state in ("applied", "applied", "interested", "accepted"):
        make.engagement(project, new_profile().user, state=state)
    text, count = _panel(app, db, manager, project, queries)
    flat = re.sub(r"\s+", " ", text)
    assert re.search(r"Applied </dt> <dd[^>]*> 2 ", flat), flat
    assert re.search(r"Interested </dt> <dd[^>]*> 1 ", flat)
    assert f'href="/opportunities/{project.id}/applicants"' in text
    assert count <= 2, queries.statements


def test_the_panel_shows_nothing_to_others(app, db, make, organisation, project, staff):
    teaching = make.opportunity(organisation, kind="teaching")
    outsider = make.user(roles=["partner"])
    assert _panel(app, db, outsider, project)[0].strip() == ""
    assert _panel(app, db, make.user(roles=["admin"]), project)[0].strip() == ""
    assert _panel(app, db, staff, teaching)[0].strip() == ""
    manager = organisation.memberships[0].user
    assert "People taking part" in _panel(app, db, manager, teaching)[0]


def test_the_panel_on_the_opportunity_page(client_for, project, staff):
    page = client_for(staff).get(f"/opportunities/{project.id}")
    assert page.status_code == 200
    assert f'action="/opportunities/{project.id}/interest"' in html(page)
