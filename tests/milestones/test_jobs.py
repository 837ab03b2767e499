"""The reminder jobs against a controlled clock: each reminder at its time, once."""

from datetime import date, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from diaspora.core.time import as_utc
from diaspora.credentials.models import Credential
from diaspora.milestones import jobs, services
from diaspora.milestones.models import Milestone
from diaspora.notifications.models import Notification, NotificationPreference
from diaspora.organisations.models import Membership
from tests.milestones.conftest import utc


def at(instant):
    return time_machine.travel(instant, tick=False)


def _person(make, db, zone: str, role: str = "staff"):
    person = make.user(roles=[role])
    person.time_zone = zone
    db.session.commit()
    return person


@pytest.fixture
def plan_for(make, db, make_plan):
    """A custom plan (no milestones of its own) for a person in `zone`, made on 1 January 2027."""

    def _plan(zone: str = "Europe/London", coordinator=None):
        person = _person(make, db, zone)
        with at(utc(2027, 1, 1, 12)):
            return make_plan(
                person,
                template=None,
                starts_on=date(2027, 1, 4),
                ends_on=date(2029, 1, 4),
                coordinator=coordinator,
            )

    return _plan


def _keys(outbox, milestone) -> list[str]:
    return [row.dedupe_key for row in outbox(f"milestone:{milestone.id}:")]


# Before the due date -------------------------------------------------------------------------


def test_each_lead_time_at_nine_in_dhaka(plan_for, add_milestone, outbox):
    plan = plan_for("Asia/Dhaka")
    milestone = add_milestone(plan, date(2027, 5, 10))
    for lead, day in ((30, date(2027, 4, 10)), (7, date(2027, 5, 3)), (1, date(2027, 5, 9))):
        nine = utc(day.year, day.month, day.day, 3, 0)  # 09:00 in Dhaka, UTC+6
        with at(nine - timedelta(minutes=1)):
            assert jobs.milestone_reminders() == 0, lead
        with at(nine):
            assert jobs.milestone_reminders() == 1, lead
        row = outbox(f"milestone:{milestone.id}:")[-1]
        assert row.dedupe_key == f"milestone:{milestone.id}:due:2027-05-10:lead:{lead}"
        assert as_utc(row.due_at) == nine
        assert (row.recipient_id, row.kind) == (plan.owner_id, "milestone_reminder")
        assert row.link == f"/plans/{plan.id}"
    assert len(_keys(outbox, milestone)) == 3
    assert outbox()[-1].subject == "Due tomorrow: Own milestone"


def test_each_lead_time_at_nine_in_london_across_the_clock_change(plan_for, add_milestone, outbox):
    plan = plan_for("Europe/London")
    milestone = add_milestone(plan, date(2027, 4, 4))
    # Clocks go forward at 01:00 UTC on 28 March 2027: 09:00 is 09:00 UTC before, 08:00 after.
    for lead, nine in (
        (30, utc(2027, 3, 5, 9)),
        (7, utc(2027, 3, 28, 8)),
        (1, utc(2027, 4, 3, 8)),
    ):
        with at(nine - timedelta(minutes=1)):
            assert jobs.milestone_reminders() == 0, lead
        with at(nine):
            assert jobs.milestone_reminders() == 1, lead
        row = outbox(f"milestone:{milestone.id}:")[-1]
        assert row.dedupe_key.endswith(f":lead:{lead}")
        assert as_utc(row.due_at) == nine
    assert plan.owner_id == outbox()[0].recipient_id


def test_a_persons_own_lead_times(db, plan_for, add_milestone, outbox):
    plan = plan_for()
    services.set_lead_days(db.session, plan, plan.owner, (14, 0))
    db.session.commit()
    milestone = add_milestone(plan, date(2027, 6, 15))
    with at(utc(2027, 6, 15, 8)):  # 09:00 BST on the day
        for day in range(61):
            jobs.milestone_reminders(utc(2027, 4, 16, 8) + timedelta(days=day))
    assert _keys(outbox, milestone) == [
        f"milestone:{milestone.id}:due:2027-06-15:lead:14",
        f"milestone:{milestone.id}:due:2027-06-15:lead:0",
    ]
    assert outbox()[-1].subject == "Due today: Own milestone"


def test_running_twice_writes_each_reminder_once(plan_for, add_milestone, outbox):
    plan = plan_for()
    milestone = add_milestone(plan, date(2027, 6, 8))
    with at(utc(2027, 6, 1, 8, 30)):
        assert jobs.milestone_reminders() == 1
        assert jobs.milestone_reminders() == 0
    assert len(outbox(f"milestone:{milestone.id}:")) == 1


def test_no_reminder_whose_day_had_passed_when_the_plan_was_made(make, db, make_plan, outbox):
    person = _person(make, db, "Europe/London")
    with at(utc(2027, 1, 4, 12)):  # a plan made on its start date: the report is due in 5 days
        plan = make_plan(person, starts_on=date(2027, 1, 4))
    report = next(m for m in plan.milestones if m.title == "Starters report sent")
    with at(utc(2027, 1, 8, 9, 5)):
        jobs.milestone_reminders()
    # 30 and 7 days before (5 and 28 December) were before the plan existed: only "1 day before".
    assert _keys(outbox, report) == [f"milestone:{report.id}:due:2027-01-09:lead:1"]


# Overdue -------------------------------------------------------------------------------------


def test_overdue_the_day_after_then_weekly_and_the_coordinator_at_14_days(
    make, db, plan_for, add_milestone, outbox, coordinator
):
    coordinator.time_zone = "Asia/Dhaka"
    db.session.commit()
    plan = plan_for("Europe/London", coordinator=coordinator)
    milestone = add_milestone(plan, date(2027, 6, 1), scheduled_at=utc(2027, 7, 1))  # no "before"
    prefix = f"milestone:{milestone.id}:due:2027-06-01"
    with at(utc(2027, 6, 2, 7, 59)):
        assert jobs.milestone_reminders() == 0
    with at(utc(2027, 6, 2, 8)):  # 09:00 BST the day after
        assert jobs.milestone_reminders() == 1
    with at(utc(2027, 6, 8, 12)):
        assert jobs.milestone_reminders() == 0
    with at(utc(2027, 6, 9, 8)):
        assert jobs.milestone_reminders() == 1
    with at(utc(2027, 6, 15, 2, 59)):
        assert jobs.milestone_reminders() == 0
    with at(utc(2027, 6, 15, 3)):  # 09:00 in Dhaka, the coordinator's zone, 14 days after
        assert jobs.milestone_reminders() == 1
    with at(utc(2027, 6, 16, 8)):
        assert jobs.milestone_reminders() == 1
    rows = outbox(f"milestone:{milestone.id}:")
    assert [(r.dedupe_key, r.recipient_id) for r in rows] == [
        (f"{prefix}:overdue:0", plan.owner_id),
        (f"{prefix}:overdue:1", plan.owner_id),
        (f"{prefix}:coordinator", coordinator.id),
        (f"{prefix}:overdue:2", plan.owner_id),
    ]
    assert {r.kind for r in rows} == {"milestone_overdue"}
    assert rows[2].subject.startswith("Overdue for 14 days: Own milestone")
    assert plan.owner.display_name in rows[2].body


def test_a_former_coordinator_is_not_told(db, plan_for, add_milestone, outbox, coordinator):
    plan = plan_for("Europe/London", coordinator=coordinator)
    milestone = add_milestone(plan, date(2027, 6, 1), scheduled_at=utc(2027, 7, 1))
    for membership in db.session.scalars(select(Membership).filter_by(user_id=coordinator.id)):
        db.session.delete(membership)  # being a coordinator follows from the membership
    db.session.commit()
    _run_days(date(2027, 6, 14), date(2027, 6, 16))
    assert [r.recipient_id for r in outbox(f"milestone:{milestone.id}:")] == [plan.owner_id]
    assert outbox()[-1].dedupe_key.endswith(":overdue:2")


def test_each_reminder_goes_in_its_recipients_language_by_the_channel_they_chose(
    db, plan_for, add_milestone, coordinator
):
    """The owner reads French and chose the inbox only; the coordinator reads Bengali and chose
    WhatsApp, which is not set up here, so theirs goes by email at once."""
    coordinator.language = "bn"
    db.session.add(
        NotificationPreference(
            user_id=coordinator.id, kind="milestone_overdue", channel="whatsapp", digest=False
        )
    )
    plan = plan_for("Europe/London", coordinator=coordinator)
    plan.owner.language = "fr"
    db.session.add(
        NotificationPreference(user_id=plan.owner_id, kind="milestone_reminder", channel="inbox")
    )
    db.session.commit()
    milestone = add_milestone(plan, date(2027, 6, 8))
    overdue = add_milestone(plan, date(2027, 5, 18), scheduled_at=utc(2027, 6, 1))
    assert jobs.milestone_reminders(utc(2027, 6, 1, 8, 30)) == 2  # due in 7 days; 14 days late
    rows = db.session.scalars(
        select(Notification).where(Notification.dedupe_key.like("milestone:%"))
    ).all()
    by = {(r.dedupe_key.split(":")[1], r.channel): r for r in rows}
    assert set(by) == {
        (str(milestone.id), "inbox"),
        (str(overdue.id), "inbox"),
        (str(overdue.id), "email"),
    }
    assert by[(str(milestone.id), "inbox")].subject == "Échéance dans 7 jours : Own milestone"
    coordinator_email = by[(str(overdue.id), "email")]
    assert coordinator_email.recipient_id == coordinator.id
    assert coordinator_email.subject.startswith("14 দিন পেরিয়ে গেছে: Own milestone")
    assert (coordinator_email.digest, as_utc(coordinator_email.due_at)) == (
        False,
        utc(2027, 6, 1, 8, 0),
    )


# Dates that move, milestones done -----------------------------------------------------------


def _move(db, milestone, day, when):
    with at(when):
        services.update_milestone(
            db.session, milestone, milestone.plan.owner, services.MilestoneInput("Own", day)
        )
        db.session.commit()


def _run_days(first, last, hour=8, minute=30):
    day = first
    while day <= last:
        jobs.milestone_reminders(utc(day.year, day.month, day.day, hour, minute))
        day += timedelta(days=1)


def test_a_date_moved_later_gets_new_reminders_and_the_old_ones_never_come(
    db, plan_for, add_milestone, outbox
):
    plan = plan_for()
    milestone = add_milestone(plan, date(2027, 6, 1))
    _run_days(date(2027, 5, 20), date(2027, 5, 26))
    _move(db, milestone, date(2027, 7, 1), utc(2027, 5, 26, 12))
    _run_days(date(2027, 5, 27), date(2027, 7, 1))
    assert _keys(outbox, milestone) == [
        f"milestone:{milestone.id}:due:2027-06-01:lead:7",
        f"milestone:{milestone.id}:due:2027-07-01:lead:30",
        f"milestone:{milestone.id}:due:2027-07-01:lead:7",
        f"milestone:{milestone.id}:due:2027-07-01:lead:1",
    ]


def test_a_date_moved_earlier_skips_lead_days_already_past(db, plan_for, add_milestone, outbox):
    plan = plan_for()
    milestone = add_milestone(plan, date(2027, 6, 1))
    _move(db, milestone, date(2027, 5, 15), utc(2027, 5, 10, 12))
    _run_days(date(2027, 5, 10), date(2027, 5, 15))
    assert _keys(outbox, milestone) == [f"milestone:{milestone.id}:due:2027-05-15:lead:1"]


def test_a_date_moved_into_the_past_is_overdue_not_due(db, plan_for, add_milestone, outbox):
    plan = plan_for()
    milestone = add_milestone(plan, date(2027, 6, 1))
    _move(db, milestone, date(2027, 5, 1), utc(2027, 5, 10, 12))
    with at(utc(2027, 5, 10, 12, 1)):
        assert jobs.milestone_reminders() == 1
    _run_days(date(2027, 5, 11), date(2027, 5, 17))
    assert _keys(outbox, milestone) == [
        f"milestone:{milestone.id}:due:2027-05-01:overdue:1",  # 9 May, within the catch-up
        f"milestone:{milestone.id}:due:2027-05-01:overdue:2",
    ]


def test_moving_the_plan_cancels_unsent_reminders_of_the_milestones_it_moves(
    db, plan_for, add_milestone, outbox
):
    plan = plan_for()
    milestone = Milestone(
        plan=plan, title="Induction", due_on=date(2027, 1, 11), anchor="start", offset_days=7,
        scheduled_at=utc(2026, 12, 1),
    )  # fmt: skip
    db.session.add(milestone)
    db.session.commit()
    with at(utc(2027, 1, 10, 9)):
        assert jobs.milestone_reminders() == 1
    email = db.session.scalar(
        select(Notification).where(
            Notification.channel == "email", Notification.dedupe_key.like("milestone:%")
        )
    )
    assert email.state == "pending"
    with at(utc(2027, 1, 10, 9, 1)):
        services.update_plan(
            db.session,
            plan,
            plan.owner,
            services.PlanInput(date(2027, 2, 1), date(2029, 2, 1), scheme="Custom"),
        )
        db.session.commit()
    db.session.refresh(email)
    assert email.state == "cancelled"
    assert milestone.due_on == date(2027, 2, 8)


def test_a_done_milestone_is_never_reminded(db, plan_for, add_milestone, outbox):
    plan = plan_for()
    done = add_milestone(plan, date(2027, 6, 1), title="Done early")
    pending = add_milestone(plan, date(2027, 6, 1), title="Done after a reminder")
    services.mark_done(db.session, done, plan.owner)
    db.session.commit()
    with at(utc(2027, 5, 25, 8, 30)):
        assert jobs.milestone_reminders() == 1
    email = db.session.scalar(
        select(Notification).where(
            Notification.channel == "email",
            Notification.dedupe_key.like(f"milestone:{pending.id}:%"),
        )
    )
    assert email.state == "pending"
    with at(utc(2027, 5, 25, 9)):
        services.mark_done(db.session, pending, plan.owner, "Sent it")
        db.session.commit()
    db.session.refresh(email)
    assert email.state == "cancelled"  # the unsent email about it never goes
    _run_days(date(2027, 5, 26), date(2027, 7, 1))
    assert _keys(outbox, done) == []
    assert len(_keys(outbox, pending)) == 1


def test_a_deleted_plan_is_never_reminded(db, plan_for, add_milestone, outbox):
    plan = plan_for()
    milestone_id = add_milestone(plan, date(2027, 6, 1)).id
    services.delete_plan(db.session, plan, plan.owner)
    db.session.commit()
    _run_days(date(2027, 4, 30), date(2027, 6, 20))
    assert outbox(f"milestone:{milestone_id}:") == []


# Downtime ------------------------------------------------------------------------------------


def test_after_two_hours_down_one_run_writes_all_500_due_reminders_once(
    db, make, make_plan, outbox
):
    """Nothing ran from 06:59 to 09:00 UTC while 500 reminders fell due (09:00 in Paris,
    Lagos and London is 07:00, 08:00 and 08:00 UTC in June); 20 more milestones were marked
    done meanwhile."""
    plans = []
    for zone in ["Europe/Paris", "Africa/Lagos", "Europe/London"] * 4:
        person = _person(make, db, zone)
        with at(utc(2027, 1, 1, 12)):
            plans.append(make_plan(person, template=None, ends_on=date(2029, 1, 1)))
    milestones = [
        Milestone(
            plan=plans[n % len(plans)],
            title=f"Milestone {n}",
            due_on=date(2027, 6, 8),
            anchor="fixed",
            created_by_user=True,
            scheduled_at=utc(2027, 1, 1),
        )
        for n in range(520)
    ]
    db.session.add_all(milestones)
    db.session.commit()
    with at(utc(2027, 6, 1, 6, 59)):
        assert jobs.milestone_reminders() == 0
    with at(utc(2027, 6, 1, 8, 30)):
        for milestone in milestones[:20]:
            services.mark_done(db.session, milestone, milestone.plan.owner)
        db.session.commit()
    with at(utc(2027, 6, 1, 9)):
        assert jobs.milestone_reminders() == 500
        assert jobs.milestone_reminders() == 0
    rows = outbox("milestone:")
    assert len(rows) == 500
    assert len({(r.recipient_id, r.dedupe_key) for r in rows}) == 500
    done_ids = {m.id for m in milestones[:20]}
    assert not [r for r in rows if int(r.dedupe_key.split(":")[1]) in done_ids]
    assert {as_utc(r.due_at).hour for r in rows} == {7, 8}


# Runs after runs ----------------------------------------------------------------------------


def test_nines_between_names_the_zones_whose_nine_oclock_came():
    nines = jobs.nines_between(utc(2027, 6, 1, 7, 59), utc(2027, 6, 1, 8, 0))  # 09:00 BST
    assert nines["Europe/London"] == [date(2027, 6, 1)]
    assert nines["Africa/Lagos"] == [date(2027, 6, 1)]  # UTC+1 all year
    assert "Asia/Dhaka" not in nines and "Europe/Paris" not in nines
    assert jobs.nines_between(utc(2027, 6, 1, 8, 0), utc(2027, 6, 1, 8, 0)) == {}
    # One instant is 09:00 on 2 June in Kiritimati (UTC+14) and on 1 June in Honolulu (UTC-10).
    nines = jobs.nines_between(utc(2027, 6, 1, 18, 59), utc(2027, 6, 1, 19, 0))
    assert nines["Pacific/Kiritimati"] == [date(2027, 6, 2)]
    assert nines["Pacific/Honolulu"] == [date(2027, 6, 1)]
    assert "Europe/London" not in nines


def test_a_run_reads_the_milestones_only_of_the_zones_whose_nine_oclock_came(
    plan_for, add_milestone, outbox, queries
):
    london = add_milestone(plan_for("Europe/London"), date(2027, 6, 8))
    dhaka = add_milestone(plan_for("Asia/Dhaka"), date(2027, 6, 8))
    assert jobs.milestone_reminders(utc(2027, 6, 1, 2, 0)) == 0
    with queries.count():
        assert jobs.milestone_reminders(utc(2027, 6, 1, 2, 1)) == 0  # no zone's 09:00
    assert not [s for s in queries.statements if "milestones.due_on BETWEEN" in s]
    assert len(queries) <= 4, queries.statements  # the last run, changes, zones, this run
    with queries.count():
        assert jobs.milestone_reminders(utc(2027, 6, 1, 2, 59)) == 0  # 09:00 in Kabul: nobody
    assert not [s for s in queries.statements if "milestones.due_on BETWEEN" in s]
    assert jobs.milestone_reminders(utc(2027, 6, 1, 3, 0)) == 1  # 09:00 in Dhaka
    assert [r.dedupe_key for r in outbox("milestone:")] == [
        f"milestone:{dhaka.id}:due:2027-06-08:lead:7"
    ]
    assert jobs.milestone_reminders(utc(2027, 6, 1, 8, 0)) == 1  # 09:00 in London
    assert outbox("milestone:")[-1].dedupe_key.startswith(f"milestone:{london.id}:")


def test_a_change_after_a_run_is_read_by_the_next_one_after_nine_oclock(
    db, plan_for, add_milestone, outbox
):
    plan = plan_for("Europe/London")
    assert jobs.milestone_reminders(utc(2027, 6, 1, 8, 30)) == 0
    with at(utc(2027, 6, 1, 12)):  # due tomorrow: its 1 day reminder's 09:00 has gone
        added = add_milestone(plan, date(2027, 6, 2), scheduled_at=utc(2027, 6, 1, 12))
    assert jobs.milestone_reminders(utc(2027, 6, 1, 12, 1)) == 1
    # Set a little before the last run, committed after it read: the next run reads it.
    late = add_milestone(plan, date(2027, 6, 2), scheduled_at=utc(2027, 6, 1, 11, 58))
    assert jobs.milestone_reminders(utc(2027, 6, 1, 12, 2)) == 1
    assert jobs.milestone_reminders(utc(2027, 6, 1, 12, 3)) == 0
    assert _keys(outbox, added) == [f"milestone:{added.id}:due:2027-06-02:lead:1"]
    assert _keys(outbox, late) == [f"milestone:{late.id}:due:2027-06-02:lead:1"]


def test_a_plan_changed_after_a_run_is_read_by_the_next_one(db, plan_for, add_milestone, outbox):
    plan = plan_for("Europe/London")
    milestone = add_milestone(plan, date(2027, 6, 15))
    assert jobs.milestone_reminders(utc(2027, 6, 1, 8, 30)) == 0
    with at(utc(2027, 6, 1, 12)):  # 14 days before: that reminder's 09:00 was this morning
        services.set_lead_days(db.session, plan, plan.owner, (14, 1))
        db.session.commit()
    assert jobs.milestone_reminders(utc(2027, 6, 1, 12, 1)) == 1
    assert _keys(outbox, milestone) == [f"milestone:{milestone.id}:due:2027-06-15:lead:14"]


def test_a_runs_statements_do_not_grow_with_its_reminders(
    db, plan_for, add_milestone, outbox, queries
):
    plan = plan_for("Europe/London")
    for n in range(3):
        add_milestone(plan, date(2027, 6, 8), title=f"Small {n}")
    for n in range(60):
        add_milestone(plan, date(2027, 6, 9), title=f"Large {n}")
    jobs.milestone_reminders(utc(2027, 5, 31, 8, 30))
    counts = []
    for day, written in ((1, 3), (2, 60)):
        with queries.count():
            assert jobs.milestone_reminders(utc(2027, 6, day, 8, 30)) == written
        counts.append(len(queries))
    assert counts[0] == counts[1], queries.statements
    assert len(outbox("milestone:")) == 63


# Tele-teaching sessions ----------------------------------------------------------------------


@pytest.fixture
def booking(make, db):
    person = _person(make, db, "Europe/London")
    with at(utc(2027, 6, 1)):
        opportunity = make.opportunity(kind="teaching", starts_at=utc(2027, 6, 10, 14))
    occurrence = opportunity.sessions[0]
    return make.engagement(opportunity, person, state="accepted", session=occurrence)


def test_session_reminders_24_hours_and_1_hour_before(db, booking, outbox):
    occurrence = booking.session
    prefix = f"session:{occurrence.id}:0"
    with at(utc(2027, 6, 9, 13, 59)):
        assert jobs.session_reminders() == 0
    with at(utc(2027, 6, 9, 14)):
        assert jobs.session_reminders() == 1
        assert jobs.session_reminders() == 0
    with at(utc(2027, 6, 10, 12, 59)):
        assert jobs.session_reminders() == 0
    with at(utc(2027, 6, 10, 13)):
        assert jobs.session_reminders() == 1
    with at(utc(2027, 6, 10, 14)):
        assert jobs.session_reminders() == 0  # started
    rows = outbox("session:")
    assert [(r.dedupe_key, as_utc(r.due_at)) for r in rows] == [
        (f"{prefix}:24h", utc(2027, 6, 9, 14)),
        (f"{prefix}:1h", utc(2027, 6, 10, 13)),
    ]
    assert {(r.kind, r.recipient_id) for r in rows} == {("booking_reminder", booking.user_id)}
    assert "20:00 in Dhaka, 15:00 in London" in rows[0].body


def test_a_moved_session_is_reminded_again_under_its_new_sequence(db, booking, outbox):
    occurrence = booking.session
    with at(utc(2027, 6, 9, 14)):
        jobs.session_reminders()
    occurrence.starts_at = utc(2027, 6, 12, 14)
    occurrence.sequence += 1
    db.session.commit()
    with at(utc(2027, 6, 10, 13, 30)):
        assert jobs.session_reminders() == 0
    with at(utc(2027, 6, 11, 14)):
        assert jobs.session_reminders() == 1
    assert [r.dedupe_key for r in outbox("session:")] == [
        f"session:{occurrence.id}:0:24h",
        f"session:{occurrence.id}:1:24h",
    ]


def test_late_reminders_still_go_before_the_start_never_after(db, booking, outbox):
    with at(utc(2027, 6, 10, 13, 30)):  # down until half an hour before: the 1 hour reminder
        assert jobs.session_reminders() == 1
    with at(utc(2027, 6, 10, 14, 1)):
        assert jobs.session_reminders() == 0
    assert [r.dedupe_key.rsplit(":", 1)[1] for r in outbox("session:")] == ["1h"]


@pytest.mark.parametrize("change", ["session_cancelled", "booking_cancelled"])
def test_no_reminder_for_a_cancelled_session_or_booking(db, booking, outbox, change):
    if change == "session_cancelled":
        booking.session.status = "cancelled"
    else:
        booking.state = "cancelled"
    db.session.commit()
    with at(utc(2027, 6, 9, 14, 30)):
        assert jobs.session_reminders() == 0
    assert outbox("session:") == []


# Credentials ---------------------------------------------------------------------------------


def test_credential_expiry_60_and_14_days_before(db, make, outbox):
    person = _person(make, db, "Europe/London")
    db.session.refresh(person)
    profile = make.profile(person)
    credential = Credential(profile=profile, regulator="GMC", number="1234567")
    credential.expires_on = date(2027, 8, 1)
    rejected = Credential(profile=profile, regulator="NMC", number="71A2998E", status="rejected")
    rejected.expires_on = date(2027, 8, 1)
    db.session.add_all([credential, rejected])
    db.session.commit()
    with at(utc(2027, 6, 2, 7, 59)):
        assert jobs.credential_reminders() == 0
    with at(utc(2027, 6, 2, 8)):  # 09:00 BST, 60 days before
        assert jobs.credential_reminders() == 1
        assert jobs.credential_reminders() == 0
    with at(utc(2027, 7, 18, 8)):
        assert jobs.credential_reminders() == 1
    with at(utc(2027, 8, 2, 8)):
        assert jobs.credential_reminders() == 0
    rows = outbox("credential:")
    assert [r.dedupe_key for r in rows] == [
        f"credential:{credential.id}:expires:2027-08-01:60",
        f"credential:{credential.id}:expires:2027-08-01:14",
    ]
    assert {r.kind for r in rows} == {"credential_expiry"}
    assert rows[1].subject == "Your registration expires in 14 days"
    assert "General Medical Council" in rows[0].body


def test_the_milestone_scan_does_not_grow_with_open_milestones_far_away(
    db, plan_for, add_milestone, queries
):
    plan = plan_for()
    for n in range(30):
        add_milestone(plan, date(2028, 1, 1) + timedelta(days=n))  # far from any reminder
    with queries.count():
        assert jobs.milestone_reminders(utc(2027, 6, 1, 9)) == 0
    assert len(queries) <= 4, queries.statements
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
