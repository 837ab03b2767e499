from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from diaspora.core.time import utcnow
from diaspora.engagements import services
from diaspora.engagements.models import Engagement, EngagementState, ReleaseStatus
from diaspora.engagements.services import EngagementError, ProfileIncomplete
from diaspora.engagements.states import TRANSITIONS, IllegalTransition
from diaspora.notifications.models import Notification
from diaspora.organisations.models import Membership
from diaspora.registry.privacy import access_of, can_view
from tests.engagements.conftest import notes

S = EngagementState

# What each action of a person or an organisation asks for.
ACTIONS = {
    "apply": S.APPLIED,
    "withdraw": S.WITHDRAWN,
    "accept": S.ACCEPTED,
    "decline": S.DECLINED,
    "start": S.ACTIVE,
    "complete": S.COMPLETED,
    "no_show": S.NO_SHOW,
    "cancel": S.CANCELLED,
}
# Which actions each state allows, for a project or placement. Keyed by every state: adding one
# to the state machine fails test_every_state_is_covered until it is thought about here.
ALLOWED = {
    S.INTERESTED: {"apply", "withdraw"},
    S.APPLIED: {"withdraw", "accept", "decline"},
    S.WAITING: set(),  # only teaching bookings wait, and they are changed by booking
    S.ACCEPTED: {"withdraw", "start", "no_show", "cancel"},
    S.ACTIVE: {"complete", "cancel"},
    S.DECLINED: set(),
    S.WITHDRAWN: set(),
    S.EXPIRED: set(),
    S.COMPLETED: set(),
    S.NO_SHOW: set(),
    S.CANCELLED: set(),
}
CASES = [(state, action) for state in S for action in ACTIONS]


def act(db, engagement: Engagement, action: str, manager) -> None:
    session = db.session
    if action == "apply":
        services.apply(session, engagement.user, engagement.opportunity, "I can help.")
    elif action == "withdraw":
        services.withdraw(session, engagement, engagement.user)
    elif action in ("accept", "decline"):
        services.decide(session, engagement, manager, accept=action == "accept", message="")
    elif action == "cancel":
        services.cancel(session, engagement, manager, reason="The funding ended.")
    else:
        services.change(session, engagement, manager, ACTIONS[action])


def test_every_state_is_covered():
    assert set(ALLOWED) == set(TRANSITIONS)
    for state, actions in ALLOWED.items():
        # An action a state allows is a move the state machine allows.
        assert {ACTIONS[a] for a in actions} <= TRANSITIONS[state], state


@pytest.mark.parametrize(("state", "action"), CASES, ids=[f"{s}-{a}" for s, a in CASES])
def test_every_action_from_every_state(db, make, staff, manager, project, state, action):
    fields = {}
    if state == S.WAITING:  # a waiting list place is on a teaching session
        teaching = make.opportunity(project.organisation, kind="teaching")
        fields = {"opportunity": teaching, "session": teaching.sessions[0]}
    engagement = make.engagement(fields.pop("opportunity", project), staff, state=state, **fields)
    if action in ALLOWED[state]:
        act(db, engagement, action, manager)
        db.session.commit()
        db.session.refresh(engagement)
        assert engagement.state == ACTIONS[action]
        told = notes(db, kind="engagement_update")
        assert told, "the other side is told"
    else:
        with pytest.raises(IllegalTransition):
            act(db, engagement, action, manager)
        db.session.rollback()
        db.session.refresh(engagement)
        assert engagement.state == state
        assert notes(db) == []


# Interest and applications ---------------------------------------------------------------------


def test_interest_tells_every_active_member_of_the_organisation(
    db, make, staff, manager, colleague, project
):
    stranger = make.user(roles=["partner"])
    asked = make.user(roles=["partner"])
    disabled = make.user(roles=["partner"], active=False)
    db.session.add_all(
        [
            Membership(user=asked, organisation=project.organisation, status="requested"),
            Membership(user=disabled, organisation=project.organisation),
        ]
    )
    db.session.commit()
    engagement = services.express_interest(db.session, staff, project)
    db.session.commit()
    assert engagement.state == S.INTERESTED and engagement.applied_at is None
    told = notes(db)
    assert {n.recipient_id for n in told} == {manager.id, colleague.id}
    assert stranger.id not in {n.recipient_id for n in told}
    for note in told:
        assert note.kind == "engagement_update"
        assert note.link == f"/engagements/{engagement.id}"
        assert note.subject == "Sadia Rahman is interested in Neonatal course"
    # Both channels are queued for each member.
    emails = db.session.scalars(select(Notification).where(Notification.channel == "email"))
    assert sorted(n.recipient_id for n in emails) == sorted([manager.id, colleague.id])


def test_apply_from_interest_keeps_the_same_engagement(db, staff, manager, project):
    interested = services.express_interest(db.session, staff, project)
    db.session.commit()
    applied = services.apply(db.session, staff, project, "  I ran this course in Leeds.\r\n ")
    db.session.commit()
    assert applied.id == interested.id
    assert applied.state == S.APPLIED
    assert applied.message == "I ran this course in Leeds."
    assert applied.applied_at is not None
    subjects = [n.subject for n in notes(db, recipient_id=manager.id)]
    assert subjects == [
        "Sadia Rahman is interested in Neonatal course",
        "Sadia Rahman applied for Neonatal course",
    ]
    assert "I ran this course in Leeds." in notes(db, recipient_id=manager.id)[1].body


@pytest.mark.parametrize(
    ("message", "problem"),
    [
        ("", "Enter your message"),
        ("   \r\n ", "Enter your message"),
        ("x" * 1001, "Your message must be 1000 characters or fewer"),
    ],
)
def test_a_bad_message_saves_nothing(db, staff, project, message, problem):
    with pytest.raises(EngagementError) as refused:
        services.apply(db.session, staff, project, message)
    assert refused.value.errors == {"message": problem}
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Engagement)) == 0
    assert notes(db) == []


def test_a_message_of_exactly_1000_characters_is_fine(db, staff, project):
    assert services.apply(db.session, staff, project, "x" * 1000).state == S.APPLIED


@pytest.mark.parametrize("status", ["draft", "closed", "cancelled", "completed"])
def test_only_open_opportunities_take_applications(db, make, staff, organisation, status):
    opportunity = make.opportunity(organisation, status=status)
    with pytest.raises(IllegalTransition, match="not taking applications"):
        services.apply(db.session, staff, opportunity, "Hello")
    with pytest.raises(IllegalTransition, match="not taking applications"):
        services.express_interest(db.session, staff, opportunity)


def test_teaching_sessions_are_booked_not_applied_for(db, make, staff, organisation):
    teaching = make.opportunity(organisation, kind="teaching")
    with pytest.raises(IllegalTransition, match="booked"):
        services.apply(db.session, staff, teaching, "Hello")
    with pytest.raises(IllegalTransition, match="booked"):
        services.express_interest(db.session, staff, teaching)


def test_a_profile_must_be_complete(db, make, project):
    nobody = make.user(roles=["staff"])
    with pytest.raises(ProfileIncomplete):
        services.apply(db.session, nobody, project, "Hello")
    with pytest.raises(ProfileIncomplete):
        services.express_interest(db.session, nobody, project)


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("interested", "already said you are interested"),
        ("applied", "already applied"),
        ("accepted", "already applied"),
        ("withdrawn", "withdrawn: you cannot apply again"),
        ("declined", "declined: you cannot apply again"),
    ],
)
def test_one_engagement_per_person_and_opportunity(db, make, staff, project, state, message):
    make.engagement(project, staff, state=state)
    with pytest.raises(IllegalTransition, match=message):
        services.express_interest(db.session, staff, project)
    if state != "interested":
        with pytest.raises(IllegalTransition, match=message):
            services.apply(db.session, staff, project, "Again")


def test_withdrawing_tells_the_organisation(db, make, staff, manager, colleague, project):
    engagement = make.engagement(project, staff, state="applied")
    services.withdraw(db.session, engagement, staff)
    db.session.commit()
    told = notes(db)
    assert {n.recipient_id for n in told} == {manager.id, colleague.id}
    assert told[0].subject == "Sadia Rahman withdrew from Neonatal course"
    assert engagement.ended_at is not None


# Decisions --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "modality", "release"),
    [
        ("project", "remote", ReleaseStatus.NOT_NEEDED),
        ("project", "on_site", ReleaseStatus.NEEDED),
        ("project", "hybrid", ReleaseStatus.NEEDED),
        ("placement", "on_site", ReleaseStatus.NEEDED),
        ("placement", "remote", ReleaseStatus.NEEDED),
    ],
)
def test_accepting_asks_for_release_when_it_takes_them_away(
    db, make, staff, manager, organisation, kind, modality, release
):
    opportunity = make.opportunity(organisation, kind=kind, modality=modality, title="Work")
    engagement = make.engagement(opportunity, staff, state="applied")
    services.decide(db.session, engagement, manager, accept=True, message="Welcome aboard")
    db.session.commit()
    assert engagement.state == S.ACCEPTED
    assert engagement.release_status == release
    assert engagement.decision_message == "Welcome aboard"
    (told,) = notes(db)
    assert told.recipient_id == staff.id
    assert told.subject == "You have a place: Work"
    assert told.link == f"/engagements/{engagement.id}"
    assert "Welcome aboard" in told.body
    assert ("line manager must confirm your release" in told.body) == (
        release == ReleaseStatus.NEEDED
    )


def test_declining_tells_the_applicant(db, make, staff, manager, project):
    engagement = make.engagement(project, staff, state="applied")
    services.decide(db.session, engagement, manager, accept=False, message="All places are taken")
    db.session.commit()
    (told,) = notes(db)
    assert (told.recipient_id, told.subject) == (staff.id, "Your application: Neonatal course")
    assert "has declined your application" in told.body
    assert "All places are taken" in told.body


def test_a_decision_message_over_1000_characters_is_refused(db, make, staff, manager, project):
    engagement = make.engagement(project, staff, state="applied")
    with pytest.raises(EngagementError) as refused:
        services.decide(db.session, engagement, manager, accept=True, message="x" * 1001)
    assert refused.value.errors == {
        "decision_message": "Your message must be 1000 characters or fewer"
    }
    assert engagement.state == S.APPLIED


def test_starting_waits_for_the_line_managers_release(db, make, staff, manager, placement):
    engagement = make.engagement(placement, staff, state="applied")
    services.decide(db.session, engagement, manager, accept=True, message="")
    db.session.commit()
    with pytest.raises(IllegalTransition, match="line manager confirms release"):
        services.change(db.session, engagement, manager, S.ACTIVE)
    assert engagement.state == S.ACCEPTED
    engagement.release_status = ReleaseStatus.CONFIRMED
    services.change(db.session, engagement, manager, S.ACTIVE)
    assert engagement.state == S.ACTIVE


def test_cancelling_needs_a_reason_and_an_offered_place(db, make, staff, manager, project):
    applied = make.engagement(project, staff, state="applied")
    with pytest.raises(IllegalTransition, match="decline it instead"):
        services.cancel(db.session, applied, manager, reason="No longer needed")
    accepted = make.engagement(project, make.profile().user, state="accepted")
    with pytest.raises(EngagementError) as refused:
        services.cancel(db.session, accepted, manager, reason="  ")
    assert refused.value.errors == {"reason": "Enter the reason"}
    services.cancel(db.session, accepted, manager, reason="The ward closed.")
    db.session.commit()
    assert (accepted.state, accepted.end_reason) == (S.CANCELLED, "The ward closed.")
    (told,) = notes(db)
    assert told.recipient_id == accepted.user_id and "The ward closed." in told.body


def test_a_change_the_organisation_does_not_make_here_is_refused(db, make, staff, manager, project):
    engagement = make.engagement(project, staff, state="applied")
    with pytest.raises(IllegalTransition):
        services.change(db.session, engagement, manager, S.ACCEPTED)
    assert engagement.state == S.APPLIED


def test_teaching_bookings_are_not_changed_here(db, make, staff, manager, organisation):
    teaching = make.opportunity(organisation, kind="teaching")
    booking = make.engagement(teaching, staff, state="accepted", session=teaching.sessions[0])
    for action in ("withdraw", "start", "no_show", "cancel"):
        with pytest.raises(IllegalTransition, match="tele-teaching session"):
            act(db, booking, action, manager)
    assert booking.state == S.ACCEPTED


# Ending everything when an opportunity is cancelled --------------------------------------------


def test_end_all_cancels_every_live_engagement_and_tells_each_person(
    db, make, new_profile, manager, organisation
):
    opportunity = make.opportunity(organisation, title="Midwifery project")
    people = {state: new_profile().user for state in ("interested", "applied", "accepted")}
    people["active"] = new_profile().user
    people["declined"] = new_profile().user
    people["completed"] = new_profile().user
    engagements = {
        state: make.engagement(opportunity, user, state=state) for state, user in people.items()
    }
    teaching = make.opportunity(organisation, kind="teaching")
    booking = make.engagement(
        teaching, people["applied"], state="accepted", session=teaching.sessions[0]
    )
    other = make.engagement(make.opportunity(organisation), people["applied"], state="applied")

    ended = services.end_all(db.session, opportunity, reason="The hospital's funding ended.")
    db.session.commit()

    assert ended == 4
    for state in ("interested", "applied", "accepted", "active"):
        assert engagements[state].state == S.CANCELLED
        assert engagements[state].end_reason == "The hospital's funding ended."
    assert engagements["declined"].state == S.DECLINED
    assert engagements["completed"].state == S.COMPLETED
    assert booking.state == S.ACCEPTED and other.state == S.APPLIED
    told = notes(db)
    assert sorted(n.recipient_id for n in told) == sorted(
        people[s].id for s in ("interested", "applied", "accepted", "active")
    )
    assert all("The hospital's funding ended." in n.body for n in told)
    assert all(n.subject == "Cancelled: Midwifery project" for n in told)
    # Run again: nothing live is left.
    assert services.end_all(db.session, opportunity, reason="Again") == 0


# Employer release -------------------------------------------------------------------------------


@pytest.fixture
def accepted(db, make, staff, placement):
    return make.engagement(placement, staff, state="accepted", release_status="needed")


def _request(app, db, engagement, email="line.manager@nhs.net") -> str:
    with app.test_request_context():
        token = services.request_release(db.session, engagement, email)
    db.session.commit()
    return token


@pytest.mark.parametrize(
    ("email", "problem"),
    [
        ("", "Enter your line manager's email address"),
        ("not an email", services.EMAIL_FORMAT),
        ("someone@", services.EMAIL_FORMAT),
        ("a" * 250 + "@nhs.net", "Email address must be 254 characters or fewer"),
    ],
)
def test_a_bad_manager_email_is_refused(app, db, accepted, email, problem):
    with app.test_request_context(), pytest.raises(EngagementError) as refused:
        services.request_release(db.session, accepted, email)
    assert refused.value.errors == {"manager_email": problem}
    db.session.rollback()
    db.session.refresh(accepted)
    assert accepted.release_status == ReleaseStatus.NEEDED
    assert accepted.release_manager_email is None


@pytest.mark.parametrize(
    "email", ["Jo.Bloggs@NHS.NET", "jo@leedsth.nhs.uk", "jo@nhs.scot", "jo@setrust.hscni.net"]
)
def test_any_nhs_address_will_do(app, db, accepted, email):
    _request(app, db, accepted, email)
    assert accepted.release_manager_email == email.lower()
    assert accepted.release_status == ReleaseStatus.REQUESTED


def test_a_release_link_confirms_once(app, db, accepted, staff, manager, colleague):
    token = _request(app, db, accepted)
    link = services.release_link(db.session, token)
    assert link.problem is None and link.engagement.id == accepted.id
    services.decide_release(db.session, accepted, confirm=True, note="Agreed with the rota.")
    db.session.commit()
    assert accepted.release_status == ReleaseStatus.CONFIRMED
    assert accepted.release_note == "Agreed with the rota."
    told = notes(db)
    assert {n.recipient_id for n in told} == {staff.id, manager.id, colleague.id}
    mine = next(n for n in told if n.recipient_id == staff.id)
    assert mine.subject == "Your line manager confirmed your release: Placement"
    assert "Agreed with the rota." in mine.body
    theirs = next(n for n in told if n.recipient_id == manager.id)
    assert theirs.subject == "Release confirmed for Sadia Rahman"
    assert services.release_link(db.session, token).problem == "used"
    with pytest.raises(IllegalTransition):
        services.decide_release(db.session, accepted, confirm=False, note="")
    assert accepted.release_status == ReleaseStatus.CONFIRMED


def test_a_declined_release_lets_them_ask_again_with_a_new_link(app, db, accepted):
    first = _request(app, db, accepted)
    services.decide_release(db.session, accepted, confirm=False, note="Winter pressures")
    db.session.commit()
    assert accepted.release_status == ReleaseStatus.DECLINED
    assert services.can_request_release(accepted)
    second = _request(app, db, accepted)  # the same manager again
    assert services.release_link(db.session, first).problem == "invalid"
    assert services.release_link(db.session, second).problem is None


def test_changing_the_manager_stops_the_old_link(app, db, accepted):
    old = _request(app, db, accepted, "first@nhs.net")
    new = _request(app, db, accepted, "second@nhs.net")
    assert services.release_link(db.session, old).problem == "invalid"
    assert services.release_link(db.session, new).engagement.id == accepted.id


def test_a_release_link_expires_after_30_days(app, db, accepted):
    token = _request(app, db, accepted)
    with time_machine.travel(utcnow() + timedelta(days=29, hours=23), tick=False):
        assert services.release_link(db.session, token).problem is None
    with time_machine.travel(utcnow() + timedelta(days=30, minutes=1), tick=False):
        assert services.release_link(db.session, token).problem == "invalid"


@pytest.mark.parametrize("token", ["", "nonsense", "eyJlIjoxfQ.AAAA.BBBB"])
def test_a_made_up_link_is_invalid(db, token):
    assert services.release_link(db.session, token) == services.ReleaseLink(None, "invalid")


def test_a_link_signed_for_another_purpose_is_invalid(app, db, accepted):
    from diaspora.auth.services import fingerprint, make_token

    _request(app, db, accepted, "boss@nhs.net")
    forged = make_token(
        "verify", {"e": accepted.id, "m": fingerprint("boss@nhs.net"), "n": accepted.release_nonce}
    )
    assert services.release_link(db.session, forged).problem == "invalid"


def test_a_link_for_an_engagement_that_ended_is_closed(app, db, accepted, staff):
    token = _request(app, db, accepted)
    services.withdraw(db.session, accepted, staff)
    db.session.commit()
    assert services.release_link(db.session, token).problem == "closed"
    with pytest.raises(IllegalTransition):
        services.decide_release(db.session, accepted, confirm=True, note="")


def test_release_is_asked_for_only_while_accepted_and_not_confirmed(app, db, make, staff, project):
    applied = make.engagement(project, staff, state="applied", release_status="needed")
    with app.test_request_context(), pytest.raises(IllegalTransition):
        services.request_release(db.session, applied, "boss@nhs.net")
    remote = make.engagement(make.opportunity(project.organisation), staff, state="accepted")
    with app.test_request_context(), pytest.raises(IllegalTransition):
        services.request_release(db.session, remote, "boss@nhs.net")


def test_the_manager_email_goes_out_after_commit_only(app, db, accepted, smtp):
    _request(app, db, accepted, "boss@nhs.net")
    (message,) = smtp.delivered(1)
    assert message["To"] == "boss@nhs.net"
    assert message["Subject"] == "Please confirm release for Sadia Rahman"
    body = message.get_body(("plain",)).get_content()
    assert "Placement" in body and "Sylhet Health Trust" in body
    assert "/release/" in smtp.link(message)
    assert "&#39;" not in body and "&amp;" not in body


# Privacy of applicants -------------------------------------------------------------------------


@pytest.mark.parametrize("visibility", ["private", "coordinators", "verified_organisations"])
@pytest.mark.parametrize("viewer_kind", ["partner", "coordinator", "admin", "outsider", "owner"])
def test_applicant_privacy_follows_the_registry(db, make, new_profile, visibility, viewer_kind):
    profile = new_profile(visibility=visibility)
    if viewer_kind == "owner":
        viewer = profile.user
    elif viewer_kind == "coordinator":
        viewer = make.user(roles=["coordinator"])
        make.organisation(kind="charity", members=(viewer,))
    elif viewer_kind == "partner":
        viewer = make.user(roles=["partner"])
        make.organisation(members=(viewer,))
    elif viewer_kind == "admin":
        viewer = make.user(roles=["admin"])
    else:
        viewer = make.user(roles=["partner"])
    access = access_of(db.session, viewer)
    assert services.may_view_profile(access, viewer, profile) == can_view(
        db.session, viewer, profile
    )


def test_applicants_show_profiles_and_contacts_only_as_allowed(
    db, make, new_profile, manager, project
):
    shown = new_profile(visibility="verified_organisations")
    private = new_profile(visibility="private")
    coordinators_only = new_profile(visibility="coordinators")
    make.engagement(project, shown.user, state="applied")
    make.engagement(project, private.user, state="accepted")
    make.engagement(project, coordinators_only.user, state="interested")
    people = services.applicants(db.session, project, manager, access_of(db.session, manager))
    by_user = {p.engagement.user_id: p for p in people}
    assert [p.engagement.state for p in people] == ["applied", "accepted", "interested"]
    assert by_user[shown.user_id].profile is shown
    assert by_user[shown.user_id].contact is None  # not before a place is offered
    assert by_user[private.user_id].profile is None
    assert by_user[private.user_id].contact == private.user.email
    assert by_user[coordinators_only.user_id].profile is None


def test_a_second_request_racing_the_first_is_refused(db, make, staff, project):
    """Both requests passed the check for an existing engagement; the database keeps one."""
    make.engagement(project, staff, state="applied")
    duplicate = Engagement(opportunity=project, user=staff, state=S.INTERESTED)
    with pytest.raises(IllegalTransition, match="already applied"):
        services._insert(db.session, staff, duplicate)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Engagement)) == 1


def test_they_cannot_name_themselves_as_their_manager(app, db, accepted, staff):
    staff.email = "sadia.rahman@nhs.net"
    db.session.commit()
    with app.test_request_context(), pytest.raises(EngagementError) as refused:
        services.request_release(db.session, accepted, staff.email.upper())
    assert refused.value.errors == {"manager_email": services.OWN_ADDRESS}
