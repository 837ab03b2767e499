"""The engagements API: staff apply and withdraw, organisations see their applicants as the
pages show them and decide, the state machine refuses what it does not allow."""

import pytest
from sqlalchemy import select

from diaspora.engagements.models import Engagement
from diaspora.notifications.models import Notification

API = "/api/v1"


@pytest.fixture
def partner(make):
    return make.user(roles=["partner"], name="Pat Partner")


@pytest.fixture
def project(make, partner):
    organisation = make.organisation(owner=partner, name="Sylhet Hospital")
    return make.opportunity(organisation, title="Neonatal resuscitation project")


@pytest.fixture
def staff(make):
    return make.profile(make.user(name="Sam Staff", email="sam@nhs.example")).user


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.get_json()


# The staff member's side -----------------------------------------------------------------------


def test_staff_apply_and_see_it_in_their_list(call, staff, project, partner, db):
    response = call(
        staff, "POST", f"/opportunities/{project.id}/applications", {"message": "I can help."}
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["state"] == "applied"
    assert body["your_part"] == "owner" and body["person"] is None
    assert body["message"] == "I can help."
    assert body["opportunity_title"] == "Neonatal resuscitation project"
    assert body["applied_at"].endswith("+00:00")
    told = db.session.scalars(select(Notification.recipient_id)).all()
    assert partner.id in told  # the organisation hears of it, as from the page

    listing = call(staff, "GET", "/engagements").get_json()
    assert listing["total"] == 1 and listing["items"][0]["id"] == body["id"]
    assert call(staff, "GET", "/engagements?state=withdrawn").get_json()["total"] == 0
    assert call(staff, "GET", "/engagements?kind=teaching").get_json()["total"] == 0
    assert call(staff, "GET", f"/engagements/{body['id']}").get_json()["state"] == "applied"


def test_interest_then_apply(call, staff, project):
    response = call(staff, "POST", f"/opportunities/{project.id}/interest")
    assert response.status_code == 201 and response.get_json()["state"] == "interested"
    again = call(staff, "POST", f"/opportunities/{project.id}/interest")
    assert "already said you are interested" in _problem(again, 409)["detail"]
    applied = call(staff, "POST", f"/opportunities/{project.id}/applications", {"message": "Yes"})
    assert applied.status_code == 201
    assert applied.get_json()["id"] == response.get_json()["id"]


def test_applying_twice_or_to_a_closed_opportunity_is_a_conflict(call, staff, project, make):
    path = f"/opportunities/{project.id}/applications"
    assert call(staff, "POST", path, {"message": "Hello"}).status_code == 201
    assert (
        "already applied" in _problem(call(staff, "POST", path, {"message": "Hi"}), 409)["detail"]
    )
    closed = make.opportunity(project.organisation, status="closed")
    response = call(staff, "POST", f"/opportunities/{closed.id}/applications", {"message": "Hi"})
    assert "not taking applications" in _problem(response, 409)["detail"]


def test_a_teaching_opportunity_is_booked_not_applied_for(call, staff, project, make):
    teaching = make.opportunity(project.organisation, kind="teaching")
    response = call(staff, "POST", f"/opportunities/{teaching.id}/interest")
    assert "booked, not applied for" in _problem(response, 409)["detail"]


def test_an_incomplete_profile_cannot_apply(call, make, project):
    newcomer = make.user(roles=["staff"])
    response = call(newcomer, "POST", f"/opportunities/{project.id}/interest")
    assert "Complete your profile" in _problem(response, 409)["detail"]


def test_application_input_is_checked_field_by_field(call, staff, project):
    path = f"/opportunities/{project.id}/applications"
    blank = _problem(call(staff, "POST", path, {"message": "   "}), 422)
    assert blank["errors"] == [
        {"pointer": "#/message", "detail": "Enter your message to the organisation"}
    ]
    long = _problem(call(staff, "POST", path, {"message": "x" * 1001}), 422)
    assert long["errors"][0]["detail"] == "Your message must be 1000 characters or fewer"
    nul = _problem(call(staff, "POST", path, {"message": "Hi\x00"}), 422)
    # The page's form judges it, in the page's words.
    assert nul["errors"] == [
        {
            "pointer": "#/message",
            "detail": "Your message to the organisation must not contain control characters",
        }
    ]
    missing = _problem(call(staff, "POST", path, {}), 422)
    assert [e["pointer"] for e in missing["errors"]] == ["#/message"]
    unknown = _problem(call(staff, "POST", path, {"message": "Hi", "state": "accepted"}), 422)
    assert [e["pointer"] for e in unknown["errors"]] == ["#/state"]


def test_only_staff_apply_and_drafts_are_unknown(call, partner, project, make, staff):
    response = call(partner, "POST", f"/opportunities/{project.id}/interest")
    assert _problem(response, 403)
    draft = make.opportunity(project.organisation, status="draft")
    _problem(call(staff, "POST", f"/opportunities/{draft.id}/interest"), 404)
    _problem(call(staff, "POST", "/opportunities/999999/interest"), 404)


def test_a_read_only_token_cannot_apply(call, staff, project, db):
    response = call(staff, "POST", f"/opportunities/{project.id}/interest", scope="read")
    assert _problem(response, 403)["detail"] == "This token is read only."
    assert db.session.scalars(select(Engagement)).all() == []
    assert call(staff, "GET", "/engagements", scope="read").status_code == 200


def test_non_staff_have_no_engagements_list(call, partner):
    _problem(call(partner, "GET", "/engagements"), 403)


def test_the_owner_withdraws_and_cannot_withdraw_twice(call, staff, project, make, partner):
    engagement = make.engagement(project, staff)
    assert call(partner, "POST", f"/engagements/{engagement.id}/withdraw").status_code == 403
    response = call(staff, "POST", f"/engagements/{engagement.id}/withdraw")
    assert response.status_code == 200 and response.get_json()["state"] == "withdrawn"
    again = _problem(call(staff, "POST", f"/engagements/{engagement.id}/withdraw"), 409)
    assert again["detail"] == "An engagement that is withdrawn cannot become withdrawn."


def test_a_booking_is_not_withdrawn_here(call, staff, project, make):
    teaching = make.opportunity(project.organisation, kind="teaching")
    booking = make.engagement(teaching, staff, state="accepted", session_id=teaching.sessions[0].id)
    response = call(staff, "POST", f"/engagements/{booking.id}/withdraw")
    assert "change it from the session" in _problem(response, 409)["detail"]


# Who may see an engagement ---------------------------------------------------------------------


def test_others_are_not_told_an_engagement_exists(call, staff, project, make):
    engagement = make.engagement(project, staff)
    stranger = make.profile().user
    other_partner = make.user(roles=["partner"])
    make.organisation(owner=other_partner)
    admin = make.user(roles=["admin"])
    for caller in (stranger, other_partner, admin):
        detail = _problem(call(caller, "GET", f"/engagements/{engagement.id}"), 404)["detail"]
        assert detail == "There is no such engagement, or you may not see it."
    _problem(call(staff, "GET", "/engagements/999999"), 404)


def test_the_organisation_sees_applicants_as_the_page_shows_them(
    call, staff, project, make, partner
):
    hidden = make.profile(make.user(name="Hidden Person"), visibility="private").user
    applied = make.engagement(project, staff, message="Pick me")
    private = make.engagement(project, hidden)
    accepted_one = make.profile(make.user(name="Ada Accepted", email="ada@nhs.example")).user
    accepted = make.engagement(project, accepted_one, state="accepted")

    listing = call(partner, "GET", f"/opportunities/{project.id}/engagements").get_json()
    assert listing["total"] == 3
    by_id = {item["id"]: item for item in listing["items"]}
    assert listing["items"][-1]["id"] == accepted.id  # what needs an answer comes first
    shown = by_id[applied.id]
    assert shown["your_part"] == "organisation"
    assert shown["message"] == "Pick me"
    assert shown["person"]["name"] == "Sam Staff"
    assert shown["person"]["profile_id"] is not None
    assert shown["person"]["profession"] == "doctor"
    assert shown["person"]["email"] is None  # not before a place is offered
    assert by_id[private.id]["person"]["profile_id"] is None  # their privacy hides the profile
    assert by_id[private.id]["person"]["profession"] is None
    assert by_id[accepted.id]["person"]["email"] == "ada@nhs.example"

    only = call(partner, "GET", f"/opportunities/{project.id}/engagements?state=accepted")
    assert [item["id"] for item in only.get_json()["items"]] == [accepted.id]
    one = call(partner, "GET", f"/engagements/{applied.id}").get_json()
    assert one["person"]["name"] == "Sam Staff" and one["your_part"] == "organisation"
    paged = call(partner, "GET", f"/opportunities/{project.id}/engagements?per_page=2&page=2")
    assert paged.get_json()["total"] == 3 and len(paged.get_json()["items"]) == 1


def test_only_the_organisation_lists_applicants(call, staff, project, make):
    other_partner = make.user(roles=["partner"])
    make.organisation(owner=other_partner)
    _problem(call(other_partner, "GET", f"/opportunities/{project.id}/engagements"), 403)
    _problem(call(staff, "GET", f"/opportunities/{project.id}/engagements"), 403)
    draft = make.opportunity(project.organisation, status="draft")
    _problem(call(other_partner, "GET", f"/opportunities/{draft.id}/engagements"), 404)
    bad = _problem(call(staff, "GET", f"/opportunities/{project.id}/engagements?state=x"), 422)
    assert bad["errors"][0]["parameter"] == "state"


# The organisation decides ----------------------------------------------------------------------


def test_the_organisation_accepts_and_the_person_is_told(call, staff, project, make, partner, db):
    engagement = make.engagement(project, staff)
    path = f"/engagements/{engagement.id}/decision"
    assert call(staff, "POST", path, {"decision": "accept"}).status_code == 403
    response = call(partner, "POST", path, {"decision": "accept", "decision_message": "Welcome"})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["state"] == "accepted" and body["decision_message"] == "Welcome"
    assert body["person"]["email"] == "sam@nhs.example"
    subjects = db.session.scalars(
        select(Notification.subject).where(Notification.recipient_id == staff.id)
    ).all()
    assert "You have a place: Neonatal resuscitation project" in subjects
    again = _problem(call(partner, "POST", path, {"decision": "decline"}), 409)
    assert again["detail"] == "An engagement that is accepted cannot become declined."


def test_a_decision_is_checked(call, staff, project, make, partner):
    engagement = make.engagement(project, staff)
    path = f"/engagements/{engagement.id}/decision"
    bad = _problem(call(partner, "POST", path, {"decision": "maybe"}), 422)
    assert [e["pointer"] for e in bad["errors"]] == ["#/decision"]
    long = _problem(
        call(partner, "POST", path, {"decision": "decline", "decision_message": "x" * 1001}), 422
    )
    assert [e["pointer"] for e in long["errors"]] == ["#/decision_message"]
    declined = call(partner, "POST", path, {"decision": "decline"})
    assert declined.get_json()["state"] == "declined"


def test_start_complete_and_illegal_moves(call, staff, project, make, partner):
    engagement = make.engagement(project, staff, state="accepted")
    path = f"/engagements/{engagement.id}/progress"
    refused = _problem(call(partner, "POST", path, {"state": "completed"}), 409)
    assert refused["detail"] == "An engagement that is accepted cannot become completed."
    assert call(staff, "POST", path, {"state": "active"}).status_code == 403
    started = call(partner, "POST", path, {"state": "active"}).get_json()
    assert started["state"] == "active" and started["started_at"]
    done = call(partner, "POST", path, {"state": "completed"}).get_json()
    assert done["state"] == "completed" and done["ended_at"]
    bad = _problem(call(partner, "POST", path, {"state": "accepted"}), 422)
    assert [e["pointer"] for e in bad["errors"]] == ["#/state"]


def test_an_unreleased_placement_cannot_start(call, staff, project, make, partner):
    placement = make.opportunity(project.organisation, kind="placement")
    engagement = make.engagement(placement, staff, state="accepted", release_status="needed")
    response = call(partner, "POST", f"/engagements/{engagement.id}/progress", {"state": "active"})
    assert "line manager confirms release" in _problem(response, 409)["detail"]


def test_the_organisation_cancels_a_place_with_a_reason(call, staff, project, make, partner):
    engagement = make.engagement(project, staff, state="accepted")
    path = f"/engagements/{engagement.id}/cancel"
    missing = _problem(call(partner, "POST", path, {"reason": " "}), 422)
    assert missing["errors"] == [{"pointer": "#/reason", "detail": "Enter why you are cancelling"}]
    response = call(partner, "POST", path, {"reason": "The project was postponed."})
    assert response.get_json()["state"] == "cancelled"
    assert response.get_json()["end_reason"] == "The project was postponed."
    applied = make.engagement(project, make.profile().user)
    refused = call(partner, "POST", f"/engagements/{applied.id}/cancel", {"reason": "No"})
    assert "decline it instead" in _problem(refused, 409)["detail"]


def test_the_state_machine_holds_whatever_is_asked(call, staff, project, make, partner):
    """Every change the API offers, from every state: a 409 exactly when states.TRANSITIONS
    (and the services' own rules) do not allow it, and never an error."""
    from diaspora.engagements.states import TRANSITIONS

    asks = {
        "accepted": ("decision", {"decision": "accept"}),
        "declined": ("decision", {"decision": "decline"}),
        "active": ("progress", {"state": "active"}),
        "completed": ("progress", {"state": "completed"}),
        "no_show": ("progress", {"state": "no_show"}),
        "cancelled": ("cancel", {"reason": "Because"}),
    }
    for state in ("interested", "applied", "accepted", "active", "declined", "withdrawn"):
        for to, (action, body) in asks.items():
            person = make.profile().user
            engagement = make.engagement(project, person, state=state)
            response = call(partner, "POST", f"/engagements/{engagement.id}/{action}", body)
            allowed = to in TRANSITIONS[state] and not (
                to == "cancelled" and state in ("interested", "applied")
            )
            assert response.status_code == (200 if allowed else 409), (state, to)
