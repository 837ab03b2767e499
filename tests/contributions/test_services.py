from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from diaspora.audit.models import AuditEvent
from diaspora.contributions import codes, services
from diaspora.contributions.forms import HoursForm
from diaspora.contributions.models import Certificate, HoursLog
from diaspora.contributions.services import (
    CertificateUnavailable,
    ContributionError,
    add_months,
)
from diaspora.core.time import utcnow
from diaspora.notifications.models import Notification
from diaspora.organisations.models import Membership, MembershipStatus
from tests.contributions.conftest import last_month, this_month


@pytest.fixture(autouse=True)
def _request(app):
    """Services build links to pages, as they do when a view calls them."""
    with app.test_request_context():
        yield


def _month(value: date) -> str:
    return f"{value:%Y-%m}"


def _form(engagement, today=None, **data) -> HoursForm:
    """What a person types, through the page's form: where the field rules live."""
    values = {"month": _month(this_month()), "hours": "2", "learners": "", "note": ""} | data
    return HoursForm(
        formdata=MultiDict(values),
        engagement=engagement,
        today=today or date.today(),
        meta={"csrf": False},
    )


def _log(db, engagement, hours="2.5", month=None, learners="", note="", today=None):
    month = _month(month or this_month())
    form = _form(engagement, today, month=month, hours=hours, learners=learners, note=note)
    assert form.validate(), form.errors
    return services.log_hours(db.session, engagement, form.details(), today or date.today())


def _errors(db, engagement, **data) -> dict[str, str]:
    """The first message on each field, from the form or else from the service."""
    form = _form(engagement, **data)
    if not form.validate():
        return {name: messages[0] for name, messages in form.errors.items()}
    with pytest.raises(ContributionError) as caught:
        services.log_hours(db.session, engagement, form.details(), date.today())
    return caught.value.errors


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _inbox(db, kind="hours_update") -> list[Notification]:
    query = select(Notification).where(Notification.kind == kind, Notification.channel == "inbox")
    return list(db.session.scalars(query.order_by(Notification.id)))


# Codes ----------------------------------------------------------------------------------------


def test_a_code_reads_back_however_it_is_typed():
    code = codes.new_code()
    assert len(code) == 19 and code.count("-") == 3
    assert codes.normalise(code) == code
    assert codes.normalise(code.lower().replace("-", " ")) == code
    assert codes.normalise(code.replace("0", "o").replace("1", "l")) == code


def test_a_mistyped_code_is_refused_before_the_database_is_asked():
    code = codes.new_code()
    symbols = code.replace("-", "")
    position = 3
    wrong = "A" if symbols[position] != "A" else "B"
    assert codes.normalise(symbols[:position] + wrong + symbols[position + 1 :]) is None
    assert codes.normalise(symbols[:-1]) is None
    assert codes.normalise("") is None
    assert codes.normalise("<script>") is None


def test_codes_are_not_repeated():
    assert len({codes.new_code() for _ in range(2000)}) == 2000


# Who may log, and when --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "allowed"),
    [
        ("interested", False),
        ("applied", False),
        ("accepted", True),
        ("active", True),
        ("completed", True),
        ("withdrawn", False),
        ("declined", False),
        ("cancelled", False),
        ("no_show", False),
    ],
)
def test_hours_are_logged_against_accepted_active_or_completed_engagements(
    make, world, state, allowed
):
    engagement = make.engagement(world.opportunity, make.user(), state=state)
    assert services.can_log(engagement) is allowed


@pytest.mark.parametrize(("state", "allowed"), [("accepted", False), ("completed", True)])
def test_a_teaching_booking_takes_hours_once_attended(make, world, state, allowed):
    teaching = make.opportunity(world.organisation, kind="teaching")
    booking = make.engagement(
        teaching, make.user(), state=state, session_id=teaching.sessions[0].id
    )
    assert services.can_log(booking) is allowed


def test_logging_on_an_application_is_refused_and_saves_nothing(db, make, world):
    applied = make.engagement(world.opportunity, make.user(), state="applied")
    errors = _errors(db, applied)
    assert "accepted you" in errors["month"]
    assert _count(db, HoursLog) == 0


def test_a_valid_log_is_saved_pending_in_minutes(db, world):
    log = _log(db, world.engagement, hours="2.5", learners="1,200", note="  Two sessions ")
    db.session.commit()
    assert (log.minutes, log.learners_reached, log.note, log.status) == (
        150,
        1200,
        "Two sessions",
        "pending",
    )
    assert log.month == this_month()


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("", "Enter the number of hours"),
        ("two", "Hours must be a number"),
        ("2.333", "at most 2 decimal places"),
        ("0", "Hours must be more than 0"),
        ("-1", "Hours must be more than 0"),
        ("0.001", "at most 2 decimal places"),
        ("NaN", "Hours must be a number"),
        ("Infinity", "Hours must be a number"),
        ("201", "Hours must be 200 or fewer"),
    ],
)
def test_hours_must_be_a_positive_number(db, world, hours, message):
    assert message in _errors(db, world.engagement, hours=hours)["hours"]
    assert _count(db, HoursLog) == 0


@pytest.mark.parametrize(
    ("learners", "message"),
    [
        ("-1", "whole number"),
        ("4.5", "whole number"),
        ("many", "whole number"),
        ("100001", "100,000 or fewer"),
    ],
)
def test_learners_reached_are_0_to_100000(db, world, learners, message):
    assert message in _errors(db, world.engagement, learners=learners)["learners"]


def test_100000_learners_and_none_are_accepted(db, world):
    assert _log(db, world.engagement, learners="100000").learners_reached == 100_000
    assert _log(db, world.engagement, learners="").learners_reached == 0


def test_a_long_note_is_refused(db, world):
    assert "2000 characters" in _errors(db, world.engagement, note="x" * 2001)["note"]


def test_the_month_cannot_be_in_the_future(db, world):
    errors = _errors(db, world.engagement, month=_month(add_months(this_month(), 1)))
    assert errors["month"] == "The month cannot be in the future"


def test_the_month_may_be_one_month_before_the_work_began_but_not_earlier(db, world):
    start = world.opportunity.starts_on  # two months ago
    earliest = add_months(start, -1)
    assert _log(db, world.engagement, month=earliest).month == earliest
    errors = _errors(db, world.engagement, month=_month(add_months(start, -2)))
    assert errors["month"] == f"The month must be {earliest:%B %Y} or later"


def test_the_month_cannot_be_after_the_engagement_ended(db, world, complete):
    complete(world.engagement)
    ended = last_month()
    world.engagement.ended_at = datetime.combine(ended + timedelta(days=4), time(12), UTC)
    db.session.commit()
    errors = _errors(db, world.engagement, month=_month(this_month()))
    assert errors["month"] == (
        f"The month must be {ended:%B %Y} or earlier, when this engagement ended"
    )
    assert _log(db, world.engagement, month=ended).month == ended


@pytest.mark.parametrize("month", ["", "2026", "2026-13", "March", "2026-3-1"])
def test_a_month_that_is_not_one_is_refused(db, world, month):
    assert _errors(db, world.engagement, month=month)["month"]


def test_the_months_offered_are_the_loggable_ones_newest_first(world):
    months = services.loggable_months(world.engagement, date.today())
    assert months[0] == this_month()
    assert months[-1] == add_months(world.opportunity.starts_on, -1)
    assert months == sorted(months, reverse=True)


def test_a_teaching_session_months_come_from_the_session_date(make, world):
    teaching = make.opportunity(
        world.organisation, kind="teaching", starts_at=utcnow() - timedelta(days=70)
    )
    booking = make.engagement(
        teaching, make.user(), state="completed", session_id=teaching.sessions[0].id
    )
    months = services.loggable_months(booking, date.today())
    session_month = services.month_start((utcnow() - timedelta(days=70)).date())
    assert months[-1] == add_months(session_month, -1)


# The 200 hours a month limit ------------------------------------------------------------------


def test_more_than_200_hours_in_a_month_across_two_engagements_is_refused(db, make, world, add_log):
    other = make.opportunity(world.organisation, starts_on=world.opportunity.starts_on)
    second = make.engagement(other, world.staff, state="active")
    add_log(world.engagement, minutes=150 * 60, status="approved")
    add_log(second, minutes=40 * 60, status="pending")
    add_log(second, minutes=100 * 60, status="declined")  # declined time does not count

    errors = _errors(db, second, hours="10.5")
    assert errors["hours"] == (
        f"You have already logged 190 hours for {this_month():%B %Y}. No more than 200 hours "
        "can be logged for one month, so you can log up to 10 hours more"
    )
    assert _count(db, HoursLog) == 3
    assert _log(db, second, hours="10").minutes == 600  # exactly 200 is plausible


def test_the_limit_is_per_person_and_per_month(db, make, world, add_log):
    add_log(world.engagement, minutes=200 * 60, month=last_month())
    someone_else = make.engagement(world.opportunity, make.user(), state="active")
    add_log(someone_else, minutes=200 * 60)
    assert _log(db, world.engagement, hours="200").minutes == 200 * 60
    errors = _errors(db, world.engagement, hours="1")
    assert "so you cannot log more for that month" in errors["hours"]


# Telling the organisation --------------------------------------------------------------------


def test_logging_tells_the_organisations_active_members_only(db, make, world):
    colleague = make.user(roles=["partner"])
    asking = make.user(roles=["partner"])
    db.session.add(Membership(user=colleague, organisation=world.organisation))
    db.session.add(
        Membership(user=asking, organisation=world.organisation, status=MembershipStatus.REQUESTED)
    )
    outsider = make.user(roles=["partner"])
    make.organisation(owner=outsider)
    db.session.commit()

    log = _log(db, world.engagement, hours="3", learners="25")
    db.session.commit()

    messages = _inbox(db)
    assert {m.recipient_id for m in messages} == {world.manager.id, colleague.id}
    message = messages[0]
    assert message.subject == "Hours to review: Neonatal resuscitation training"
    assert message.link == f"/opportunities/{world.opportunity.id}/hours"
    assert "Nadia Rahman logged 3 hours" in message.body
    assert message.dedupe_key == f"hours:{log.id}:logged"


# Review ---------------------------------------------------------------------------------------


def test_approving_tells_the_person(db, world, add_log):
    log = add_log(world.engagement, minutes=90)
    services.decide(db.session, log, world.manager, approve=True)
    db.session.commit()
    assert (log.status, log.decided_by_id) == ("approved", world.manager.id)
    assert log.decided_at is not None
    [message] = _inbox(db)
    assert message.recipient_id == world.staff.id
    assert message.subject == "Your hours for Neonatal resuscitation training were approved"
    assert message.link == f"/engagements/{world.engagement.id}/hours"
    assert "approved the 1.5 hours" in message.body


def test_declining_needs_a_reason_which_the_person_sees(db, world, add_log):
    log = add_log(world.engagement)
    with pytest.raises(ContributionError) as caught:
        services.decide(db.session, log, world.manager, approve=False, reason="  ")
    assert caught.value.errors == {"reason": "Enter the reason for declining these hours"}
    assert log.status == "pending"

    services.decide(db.session, log, world.manager, approve=False, reason="We met once only")
    db.session.commit()
    assert (log.status, log.decline_reason) == ("declined", "We met once only")
    [message] = _inbox(db)
    assert "were not approved" in message.subject
    assert "Their reason: We met once only" in message.body


def test_a_log_is_decided_once(db, world, add_log):
    log = add_log(world.engagement)
    services.decide(db.session, log, world.manager, approve=True)
    with pytest.raises(ContributionError) as caught:
        services.decide(db.session, log, world.manager, approve=False, reason="Changed my mind")
    assert "already been reviewed" in str(caught.value)
    assert log.status == "approved"


def test_decisions_are_audited(db, world, add_log):
    log = add_log(world.engagement)
    services.decide(db.session, log, world.manager, approve=True)
    db.session.commit()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "hours.approved"))
    assert (event.actor_id, event.subject_type, event.subject_id) == (
        world.manager.id,
        "HoursLog",
        log.id,
    )


# Only approved time counts --------------------------------------------------------------------


def test_only_approved_minutes_count(db, make, world, add_log, queries):
    other = make.engagement(world.opportunity, make.user(), state="active")
    nothing = make.engagement(world.opportunity, make.user(), state="active")
    add_log(world.engagement, minutes=60, status="approved", learners=10)
    add_log(world.engagement, minutes=30, status="approved", learners=5, month=last_month())
    add_log(world.engagement, minutes=600, status="pending", learners=100)
    add_log(world.engagement, minutes=600, status="declined", learners=100)
    add_log(other, minutes=45, status="approved")

    ids = [world.engagement.id, other.id, nothing.id]
    with queries.count():
        minutes = services.approved_minutes(db.session, ids)
    assert len(queries) == 1
    assert minutes == {world.engagement.id: 90, other.id: 45, nothing.id: 0}
    totals = services.approved_totals(db.session, ids)
    assert totals[world.engagement.id] == services.Totals(minutes=90, learners=15, logs=2)
    assert services.approved_minutes(db.session, []) == {}


# Certificates ---------------------------------------------------------------------------------


def test_no_certificate_before_the_engagement_is_completed(db, world, add_log):
    add_log(world.engagement, status="approved")
    with pytest.raises(CertificateUnavailable, match="once the engagement is completed"):
        services.issue_certificate(db.session, world.engagement)


def test_no_certificate_without_approved_hours(db, world, add_log, complete):
    complete(world.engagement)
    add_log(world.engagement, status="pending")
    add_log(world.engagement, status="declined", decline_reason="No")
    with pytest.raises(CertificateUnavailable, match="approved some of your hours"):
        services.issue_certificate(db.session, world.engagement)
    assert _count(db, Certificate) == 0


def test_a_certificate_copies_the_facts_once(db, world, add_log, complete):
    complete(world.engagement)
    add_log(world.engagement, minutes=150, status="approved", learners=40)
    certificate = services.issue_certificate(db.session, world.engagement)
    db.session.commit()
    assert codes.normalise(certificate.code) == certificate.code
    assert (
        certificate.person_name,
        certificate.organisation_name,
        certificate.country,
        certificate.activity,
        certificate.minutes,
        certificate.learners_reached,
    ) == (
        "Nadia Rahman",
        "Sylhet MAG Osmani Medical College",
        "BD",
        "Capacity-building project: Neonatal resuscitation training",
        150,
        40,
    )
    assert certificate.starts_on == world.engagement.started_at.date()
    assert certificate.ends_on == world.engagement.ended_at.date()

    world.staff.display_name = "Nadia R. Chowdhury"
    db.session.commit()
    again = services.issue_certificate(db.session, world.engagement)
    assert again.id == certificate.id
    assert again.person_name == "Nadia Rahman"
    assert _count(db, Certificate) == 1


def test_more_approved_hours_replace_the_certificate_under_a_new_code(db, world, add_log, complete):
    complete(world.engagement)
    add_log(world.engagement, minutes=60, status="approved")
    first = services.issue_certificate(db.session, world.engagement)
    db.session.commit()
    add_log(world.engagement, minutes=30, status="approved", month=last_month())

    second = services.issue_certificate(db.session, world.engagement)
    db.session.commit()
    assert second.id != first.id and second.code != first.code
    assert (first.superseded_at is not None, second.superseded_at) == (True, None)
    assert second.minutes == 90
    assert services.standing_certificate(db.session, world.engagement.id).id == second.id


def test_a_teaching_certificate_names_the_session_date(db, make, world, add_log):
    teaching = make.opportunity(
        world.organisation, kind="teaching", starts_at=utcnow() - timedelta(days=10)
    )
    booking = make.engagement(
        teaching, world.staff, state="completed", session_id=teaching.sessions[0].id
    )
    add_log(booking, minutes=60, status="approved")
    certificate = services.issue_certificate(db.session, booking)
    day = services.work_began(booking)
    assert (certificate.starts_on, certificate.ends_on) == (day, day)
    assert certificate.activity.startswith("Tele-teaching session: ")


def test_revoking_needs_a_reason_is_audited_and_tells_the_person(db, world, add_log, complete):
    complete(world.engagement)
    add_log(world.engagement, status="approved")
    certificate = services.issue_certificate(db.session, world.engagement)
    db.session.commit()
    with pytest.raises(ContributionError):
        services.revoke(db.session, certificate, world.manager, " ")
    services.revoke(db.session, certificate, world.manager, "Hours were logged twice")
    db.session.commit()
    assert certificate.revoked_at is not None
    assert certificate.revoked_by_id == world.manager.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.revoked"))
    assert event.subject_id == certificate.id
    assert event.details["reason"] == "Hours were logged twice"
    [message] = [m for m in _inbox(db) if m.recipient_id == world.staff.id]
    assert "has been revoked" in message.subject
    assert "Hours were logged twice" in message.body

    with pytest.raises(CertificateUnavailable, match="revoked"):
        services.issue_certificate(db.session, world.engagement)
    with pytest.raises(ContributionError, match="already been revoked"):
        services.revoke(db.session, certificate, world.manager, "Again")


def test_who_may_revoke(db, make, world, add_log, complete):
    complete(world.engagement)
    add_log(world.engagement, status="approved")
    certificate = services.issue_certificate(db.session, world.engagement)
    db.session.commit()
    outsider = make.user(roles=["partner"])
    make.organisation(owner=outsider)
    admin = make.user(roles=["admin"])
    assert services.can_revoke(db.session, world.manager, certificate)
    assert services.can_revoke(db.session, admin, certificate)
    assert not services.can_revoke(db.session, outsider, certificate)
    assert not services.can_revoke(db.session, world.staff, certificate)


def test_certificate_by_code_accepts_typed_variants(db, world, add_log, complete):
    complete(world.engagement)
    add_log(world.engagement, status="approved")
    certificate = services.issue_certificate(db.session, world.engagement)
    db.session.commit()
    typed = certificate.code.lower().replace("-", " ")
    assert services.certificate_by_code(db.session, typed).id == certificate.id
    assert services.certificate_by_code(db.session, codes.new_code()) is None


@pytest.mark.parametrize(
    ("typed", "minutes"), [("2", 120), ("2.5", 150), ("2,5", 150), ("0.25", 15)]
)
def test_hours_as_people_type_them(typed, minutes):
    assert services.parse_hours(typed) == minutes


# A person's data ------------------------------------------------------------------------------


def test_a_persons_hours_and_certificates_are_exported(db, world, add_log, complete):
    complete(world.engagement)
    add_log(world.engagement, minutes=90, status="approved", note="Ward teaching")
    certificate = services.issue_certificate(db.session, world.engagement)
    db.session.commit()
    data = services.export_for(db.session, world.staff)
    assert [(log["minutes"], log["note"]) for log in data["hours_logged"]] == [
        (90, "Ward teaching")
    ]
    assert [(c["code"], c["name"]) for c in data["certificates"]] == [
        (certificate.code, "Nadia Rahman")
    ]
    assert services.export_for(db.session, world.manager) == {
        "hours_logged": [],
        "certificates": [],
    }


def test_forgetting_a_person_withdraws_their_certificates_and_removes_notes(
    db, make, world, add_log, complete
):
    complete(world.engagement)
    log = add_log(world.engagement, minutes=90, status="approved", note="Met Dr Ahmed")
    certificate = services.issue_certificate(db.session, world.engagement)
    other = make.engagement(world.opportunity, make.user(), state="active")
    kept = add_log(other, note="Kept")
    db.session.commit()
    code = certificate.code

    assert services.forget(db.session, world.staff) == 1
    db.session.commit()
    withdrawn = services.certificate_by_code(db.session, code)
    assert withdrawn.withdrawn_at is not None and withdrawn.person_name == ""
    db.session.refresh(log)
    db.session.refresh(kept)
    assert (log.note, log.minutes, kept.note) == ("", 90, "Kept")
