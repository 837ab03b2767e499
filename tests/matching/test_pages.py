"""The matching pages: recommendations, hidden opportunities, alert settings, the home page's
short list, suggested candidates, invitations, and the opportunity page's parts."""

import re

import pytest
from sqlalchemy import select

from diaspora.extensions import db
from diaspora.matching.invitations import invite
from diaspora.matching.models import AlertSetting, Dismissal, Invitation
from diaspora.notifications.jobs import deliver_due
from diaspora.notifications.models import Notification
from tests.helpers import csrf_token, error_summary, sign_in, submit


@pytest.fixture
def staff(login_as, make):
    user = login_as("staff", name="Rahima Begum")
    make.profile(user, modality="both", hours_per_month=10)
    return user


@pytest.fixture
def organisation(make):
    poster = make.user(roles=["partner"], name="Farid Uddin")
    return make.organisation(owner=poster, name="Sylhet Neonatal Trust")


def _owner(organisation):
    return organisation.memberships[0].user


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


# Recommendations --------------------------------------------------------------------------------


def test_recommendations_show_the_match_in_words_with_reasons_and_gaps(client, staff, make):
    opportunity = make.opportunity(title="Newborn resuscitation training", languages=(("urd", 3),))
    html = _page(client, "/recommendations")
    assert "Newborn resuscitation training" in html
    assert re.search(r"(Strong|Good|Partial) match", html)
    assert "Why it matches" in html
    assert "What you may not meet" in html  # Urdu is not among their languages
    assert "WHO safeguards list priority" in html  # Bangladesh is on the list
    assert f'/recommendations/{opportunity.id}/dismiss"' in html


def test_a_strong_match_is_called_one(client, staff, make):
    make.opportunity(title="Neonatal skills", languages=(("ben", 3),))
    assert "Strong match" in _page(client, "/recommendations")


def test_without_a_completed_profile_staff_are_asked_to_complete_it(client, login_as):
    login_as("staff")
    html = _page(client, "/recommendations")
    assert "Complete your profile" in html
    assert "Filters" not in html


def test_only_staff_have_recommendations(client, login_as):
    login_as("partner")
    assert client.get("/recommendations").status_code == 403


def test_opportunities_they_take_part_in_are_left_out(client, staff, make):
    applied = make.opportunity(title="Already applied")
    make.opportunity(title="Still to consider")
    make.engagement(applied, staff, state="applied")
    html = _page(client, "/recommendations")
    assert "Already applied" not in html
    assert "Still to consider" in html


def test_filters_narrow_the_list(client, staff, make):
    make.opportunity(title="A project in Bangladesh")
    make.opportunity(title="A placement in Bangladesh", kind="placement", modality="on_site")
    html = _page(client, "/recommendations?kind=placement")
    assert "A placement in Bangladesh" in html
    assert "A project in Bangladesh" not in html
    assert "No recommendations with these filters" in _page(client, "/recommendations?country=GH")


def test_a_bad_filter_shows_the_error_summary(client, staff):
    response = client.get("/recommendations?kind=nonsense")
    assert error_summary(response) == ["Select a kind from the list"]


def test_not_interested_hides_one_until_shown_again(client, staff, make, db):
    opportunity = make.opportunity(title="Not for me")
    response = submit(
        client, f"/recommendations/{opportunity.id}/dismiss", {}, page="/recommendations"
    )
    assert response.status_code == 302
    html = _page(client, "/recommendations")
    assert "Not for me" not in html.split("is hidden from")[-1]
    assert "Opportunities you hid (1)" in html
    assert "Not for me" in _page(client, "/recommendations/hidden")
    # Twice is the same as once.
    submit(client, f"/recommendations/{opportunity.id}/dismiss", {}, page="/recommendations")
    assert len(db.session.scalars(select(Dismissal)).all()) == 1

    response = submit(
        client, f"/recommendations/{opportunity.id}/restore", {}, page="/recommendations/hidden"
    )
    assert response.status_code == 302
    assert "Not for me" in _page(client, "/recommendations")
    assert db.session.scalars(select(Dismissal)).all() == []


def test_buttons_need_the_csrf_token(client, staff, make):
    opportunity = make.opportunity()
    assert client.post(f"/recommendations/{opportunity.id}/dismiss").status_code == 400


def test_drafts_cannot_be_dismissed(client, staff, make):
    draft = make.opportunity(status="draft")
    response = submit(client, f"/recommendations/{draft.id}/dismiss", {}, page="/recommendations")
    assert response.status_code == 404


def test_restoring_what_was_never_hidden_is_not_found(client, staff, make):
    opportunity = make.opportunity()
    response = submit(
        client, f"/recommendations/{opportunity.id}/restore", {}, page="/recommendations"
    )
    assert response.status_code == 404


def test_alert_setting_opts_in_changes_and_opts_out(client, staff, db):
    def setting():
        db.session.expire_all()
        return db.session.scalar(select(AlertSetting).where(AlertSetting.user_id == staff.id))

    assert 'value="off" checked' in _page(client, "/recommendations")
    submit(client, "/recommendations/alerts", {"alerts": "weekly"}, page="/recommendations")
    assert setting().frequency == "weekly"
    assert 'value="weekly" checked' in _page(client, "/recommendations")
    submit(client, "/recommendations/alerts", {"alerts": "immediate"}, page="/recommendations")
    assert setting().frequency == "immediate"
    submit(client, "/recommendations/alerts", {"alerts": "off"}, page="/recommendations")
    assert setting() is None


def test_a_bad_alert_choice_is_refused_with_the_error_summary(client, staff, db):
    response = submit(
        client, "/recommendations/alerts", {"alerts": "hourly"}, page="/recommendations"
    )
    assert response.status_code == 400
    assert error_summary(response) == ["Select whether you want alerts"]
    assert db.session.scalars(select(AlertSetting)).all() == []


def test_the_home_page_shows_the_top_three(client, staff, make):
    for n in range(5):
        make.opportunity(title=f"Home pick {n}")
    html = _page(client, "/")
    assert html.count("Home pick") == 3
    assert "See all your recommendations" in html


def test_the_home_page_asks_for_a_profile_first(client, login_as):
    login_as("staff")
    assert "to see opportunities recommended for you" in _page(client, "/")


# Suggested candidates ----------------------------------------------------------------------------


def test_the_organisation_sees_suggested_candidates_and_invites_one(client, make, organisation, db):
    person = make.profile(make.user(name="Rahima Begum"), grade="st3").user
    opportunity = make.opportunity(organisation, title="Newborn care")
    sign_in(client, _owner(organisation).email)
    detail = _page(client, f"/opportunities/{opportunity.id}")
    assert f"/opportunities/{opportunity.id}/candidates" in detail

    url = f"/opportunities/{opportunity.id}/candidates"
    html = _page(client, url)
    assert "Rahima Begum" in html
    assert "1 person suggested" in html
    assert "Why it matches" in html
    assert person.email not in html
    invite_url = f"{url}/invite?person={person.id}"
    assert f'href="{invite_url}"' in html

    page = _page(client, invite_url)
    assert "Invite Rahima Begum to apply" in page
    assert "Message (optional)" in page
    assert 'data-module="nhsuk-character-count"' in page
    assert 'data-maxlength="1000"' in page
    assert f'name="person" value="{person.id}"' in page
    assert db.session.scalar(select(Invitation)) is None  # showing the form sends nothing

    response = submit(client, f"{url}/invite", {"person": person.id}, page=invite_url)
    assert response.status_code == 302
    invitation = db.session.scalar(select(Invitation))
    assert (invitation.user_id, invitation.state, invitation.message) == (person.id, "pending", "")
    html = _page(client, url)
    assert "Rahima Begum is invited to apply." in html
    assert "Invited" in html
    assert invite_url not in html

    again = submit(client, f"{url}/invite", {"person": person.id}, page=url)
    assert again.status_code == 302
    assert "Rahima Begum has already been invited" in _page(client, url)
    assert len(db.session.scalars(select(Invitation)).all()) == 1
    shown = client.get(invite_url)
    assert shown.status_code == 302 and shown.headers["Location"].endswith(url)
    assert "Rahima Begum has already been invited" in _page(client, url)


def test_the_message_reaches_the_invitation_its_email_and_the_person(
    app, client, make, organisation, db, smtp
):
    person = make.profile(make.user(name="Rahima Begum", email="rahima@nhs.example.org")).user
    opportunity = make.opportunity(organisation, title="Newborn care")
    sign_in(client, _owner(organisation).email)
    url = f"/opportunities/{opportunity.id}/candidates/invite"
    message = "Your neonatal work fits our project.\r\n\r\nWe would <b>love</b> your help."
    response = submit(
        client, url, {"person": person.id, "message": message}, page=f"{url}?person={person.id}"
    )
    assert response.status_code == 302

    invitation = db.session.scalar(select(Invitation))
    assert invitation.message == (
        "Your neonatal work fits our project.\n\nWe would <b>love</b> your help."
    )
    deliver_due()
    (email,) = smtp.wait_for(1)
    assert email["To"] == "rahima@nhs.example.org"
    body = email.get_body(("plain",)).get_content()
    assert "Their message:" in body
    assert "We would <b>love</b> your help." in body

    theirs = app.test_client()
    sign_in(theirs, person.email)
    for page in (_page(theirs, "/invitations"), _page(theirs, f"/opportunities/{opportunity.id}")):
        assert "Their message" in page
        assert '<p dir="auto">Your neonatal work fits our project.</p>' in page
        assert '<p dir="auto">We would &lt;b&gt;love&lt;/b&gt; your help.</p>' in page


def test_a_message_of_the_full_length_with_line_breaks_is_sent(client, make, organisation, db):
    person = make.profile().user
    opportunity = make.opportunity(organisation)
    sign_in(client, _owner(organisation).email)
    url = f"/opportunities/{opportunity.id}/candidates/invite"
    message = "x" * 500 + "\r\n" + "x" * 499  # 1001 as posted, 1000 once the break is one
    response = submit(
        client, url, {"person": person.id, "message": message}, page=f"{url}?person={person.id}"
    )
    assert response.status_code == 302
    assert len(db.session.scalar(select(Invitation)).message) == 1000


def test_a_too_long_message_is_shown_again_with_the_error_and_nothing_is_sent(
    client, make, organisation, db
):
    person = make.profile(make.user(name="Rahima Begum")).user
    opportunity = make.opportunity(organisation)
    sign_in(client, _owner(organisation).email)
    url = f"/opportunities/{opportunity.id}/candidates/invite"
    message = "Please join us. " + "x" * 1000
    response = submit(
        client, url, {"person": person.id, "message": message}, page=f"{url}?person={person.id}"
    )
    assert response.status_code == 400
    assert error_summary(response) == ["Your message must be 1000 characters or fewer"]
    html = response.get_data(as_text=True)
    assert "<title>Error: Invite Rahima Begum to apply" in html
    assert 'href="#message"' in html
    assert f"Please join us. {'x' * 1000}</textarea>" in html
    assert f'name="person" value="{person.id}"' in html
    assert db.session.scalar(select(Invitation)) is None
    assert db.session.scalar(select(Notification)) is None


def test_nobody_else_can_open_the_invitation_form(client, make, organisation):
    person = make.profile().user
    opportunity = make.opportunity(organisation)
    url = f"/opportunities/{opportunity.id}/candidates/invite?person={person.id}"
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/account/sign-in" in anonymous.headers["Location"]
    outsider = make.user(roles=["partner"])
    make.organisation(owner=outsider)
    sign_in(client, outsider.email)
    assert client.get(url).status_code == 403


def test_a_person_who_cannot_be_invited_gets_no_form(client, make, organisation):
    hidden = make.profile(consent=False).user
    opportunity = make.opportunity(organisation)
    sign_in(client, _owner(organisation).email)
    candidates = f"/opportunities/{opportunity.id}/candidates"
    for person_id in (hidden.id, 0, "x"):
        response = client.get(f"{candidates}/invite?person={person_id}")
        assert response.status_code == 302
        assert response.headers["Location"].endswith(candidates)
        assert "You cannot invite this person." in _page(client, candidates)


def test_candidates_are_for_open_opportunities(client, make, organisation):
    make.profile()
    closed = make.opportunity(organisation, status="closed")
    sign_in(client, _owner(organisation).email)
    html = _page(client, f"/opportunities/{closed.id}/candidates")
    assert "Candidates are suggested for open opportunities only." in html


def test_other_organisations_cannot_see_or_invite_candidates(client, make, organisation, db):
    person = make.profile().user
    opportunity = make.opportunity(organisation)
    draft = make.opportunity(organisation, status="draft")
    outsider = make.user(roles=["partner"])
    make.organisation(owner=outsider)
    sign_in(client, outsider.email)
    assert client.get(f"/opportunities/{opportunity.id}/candidates").status_code == 403
    assert client.get(f"/opportunities/{draft.id}/candidates").status_code == 404
    token = csrf_token(client, "/opportunities")
    response = client.post(
        f"/opportunities/{opportunity.id}/candidates/invite",
        data={"person": person.id, "message": "Join us", "csrf_token": token},
    )
    assert response.status_code == 403
    assert db.session.scalar(select(Invitation)) is None


def test_staff_cannot_see_candidates_or_invite(client, make, login_as):
    person = make.profile().user
    opportunity = make.opportunity()
    login_as("staff")
    assert client.get(f"/opportunities/{opportunity.id}/candidates").status_code == 403
    url = f"/opportunities/{opportunity.id}/candidates/invite"
    assert client.get(f"{url}?person={person.id}").status_code == 403
    token = csrf_token(client, "/opportunities")
    response = client.post(url, data={"person": person.id, "csrf_token": token})
    assert response.status_code == 403


# Invitations -------------------------------------------------------------------------------------


def _invited(make, person_user, organisation, **fields):
    opportunity = make.opportunity(organisation, **fields)
    invitation = invite(make.session, opportunity, person_user, by=_owner(organisation))
    make.session.commit()
    return opportunity, invitation


def test_the_person_sees_and_accepts_an_invitation(client, staff, make, organisation, db):
    opportunity, invitation = _invited(make, staff, organisation, title="Invited project")
    html = _page(client, "/invitations")
    assert "Invited project" in html
    assert "Waiting for your answer" in html
    detail = _page(client, f"/opportunities/{opportunity.id}")
    assert "Your invitation" in detail

    response = submit(client, f"/invitations/{invitation.id}/accept", {}, page="/invitations")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/opportunities/{opportunity.id}/apply")
    db.session.refresh(invitation)
    assert invitation.state == "accepted"
    assert invitation.answered_at is not None


def test_a_coordinators_proposal_names_their_organisation_and_the_cohort(
    client, staff, make, organisation, db
):
    charity = make.organisation(kind="charity", country="GB", name="Hope Health")
    coordinator = make.coordinator(charity, name="Kemi Ade")
    cohort = make.cohort(charity, name="Nigeria nurses", members=(staff,))
    proposed = make.opportunity(organisation, title="Proposed project")
    invite(db.session, proposed, staff, by=coordinator, cohort=cohort)
    _invited(make, staff, organisation, title="Invited project")
    db.session.commit()

    # Names as their owners wrote them, each in whatever direction its script runs.
    html = _page(client, "/invitations").replace('<bdi dir="auto">', "").replace("</bdi>", "")
    assert "From Hope Health, for the cohort Nigeria nurses" in html
    assert "From Sylhet Neonatal Trust</p>" in html
    detail = _page(client, f"/opportunities/{proposed.id}")
    detail = detail.replace('<bdi dir="auto">', "").replace("</bdi>", "")
    assert "Hope Health invited you to take part, as a member of the cohort Nigeria nurses." in (
        detail
    )


def test_the_invitations_page_takes_a_fixed_number_of_queries(
    client, staff, make, organisation, queries, db
):
    charity = make.organisation(kind="charity", country="GB")
    coordinator = make.coordinator(charity)
    cohort = make.cohort(charity, members=(staff,))

    def invite_twice() -> None:
        _invited(make, staff, organisation)
        invite(db.session, make.opportunity(organisation), staff, by=coordinator, cohort=cohort)
        db.session.commit()

    invite_twice()
    few = _statements(client, queries, "/invitations")
    for _ in range(3):
        invite_twice()
    assert _statements(client, queries, "/invitations") == few


def test_accepting_a_teaching_invitation_leads_to_booking(client, staff, make, organisation):
    opportunity, invitation = _invited(make, staff, organisation, kind="teaching")
    response = submit(client, f"/invitations/{invitation.id}/accept", {}, page="/invitations")
    assert response.headers["Location"].endswith(f"/opportunities/{opportunity.id}")


def test_the_person_declines_once(client, staff, make, organisation, db):
    _, invitation = _invited(make, staff, organisation)
    submit(client, f"/invitations/{invitation.id}/decline", {}, page="/invitations")
    db.session.refresh(invitation)
    assert invitation.state == "declined"
    submit(client, f"/invitations/{invitation.id}/accept", {}, page="/invitations")
    assert "You have already answered this invitation." in _page(client, "/invitations")
    db.session.refresh(invitation)
    assert invitation.state == "declined"


def test_nobody_else_sees_or_answers_someone_elses_invitation(
    client, make, organisation, login_as, db
):
    person = make.profile().user
    opportunity, invitation = _invited(make, person, organisation, title="Not yours")
    login_as("staff")
    assert "Not yours" not in _page(client, "/invitations")
    assert "Your invitation" not in _page(client, f"/opportunities/{opportunity.id}")
    token = csrf_token(client, "/invitations")
    response = client.post(f"/invitations/{invitation.id}/accept", data={"csrf_token": token})
    assert response.status_code == 404
    db.session.refresh(invitation)
    assert invitation.state == "pending"


# Query counts ------------------------------------------------------------------------------------


def _statements(client, queries, url: str) -> int:
    """Statements for one page view, from a cold session (as each request has)."""
    db.session.expire_all()
    with queries.count():
        assert client.get(url).status_code == 200
    return len(queries)


def test_recommendations_take_a_fixed_number_of_queries(client, staff, make, queries):
    organisation = make.organisation()
    for _ in range(5):
        make.opportunity(organisation)
    few = _statements(client, queries, "/recommendations")
    for _ in range(15):
        make.opportunity(make.organisation())
    assert _statements(client, queries, "/recommendations") == few


def test_candidates_take_a_fixed_number_of_queries(client, make, organisation, queries):
    opportunity = make.opportunity(organisation)
    people = [make.profile().user for _ in range(5)]
    for person in people[:2]:
        invite(make.session, opportunity, person, by=_owner(organisation))
    make.session.commit()
    sign_in(client, _owner(organisation).email)
    url = f"/opportunities/{opportunity.id}/candidates"
    few = _statements(client, queries, url)
    for _ in range(15):
        make.profile(visibility="coordinators" if _ % 2 else "verified_organisations")
    assert _statements(client, queries, url) == few
