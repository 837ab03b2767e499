from datetime import date, timedelta

import icalendar
import pytest
from sqlalchemy import select
from wtforms.validators import ValidationError

from diaspora.bookings.services import calendar_for
from diaspora.milestones import services
from diaspora.milestones.forms import PlanForm, parse_lead_days
from diaspora.milestones.models import Milestone, PlanTemplate
from diaspora.notifications.models import Notification
from tests.milestones.conftest import utc


def _due(plan) -> dict[str, date]:
    return {m.title: m.due_on for m in plan.milestones}


# Templates -----------------------------------------------------------------------------------


def test_the_shipped_templates_load_once(db, templates):
    assert set(templates) == {"mti", "nursing_elr", "custom"}
    mti = templates["mti"]
    assert (mti.status, mti.months, mti.scheme) == ("closing", 24, "MTI")
    assert "31 March 2026" in mti.status_note
    assert len(mti.milestones) == 13
    assert templates["nursing_elr"].months == 36
    assert templates["custom"].milestones == []
    assert services.load_templates(db.session) == 0
    assert db.session.query(PlanTemplate).count() == 3


def test_loading_again_never_overwrites_an_edited_template(db, templates):
    templates["mti"].name = "MTI (edited)"
    db.session.commit()
    services.load_templates(db.session)
    assert db.session.get(PlanTemplate, templates["mti"].id).name == "MTI (edited)"


# Plans ---------------------------------------------------------------------------------------


def test_an_mti_plan_dates_its_milestones_from_the_start_and_the_end(staff, make_plan):
    plan = make_plan(staff, starts_on=date(2027, 1, 4))
    assert plan.expected_end_on == date(2029, 1, 4)  # 24 months, from the template
    due = _due(plan)
    assert due["Arrive and start work"] == date(2027, 1, 4)
    assert due["Starters report sent"] == date(2027, 1, 9)
    assert due["Six-month review"] == date(2027, 1, 4) + timedelta(days=182)
    assert due["Eighteen-month review"] == date(2027, 1, 4) + timedelta(days=547)
    assert due["Final review and exit interview"] == date(2028, 12, 5)
    assert due["End of placement report"] == date(2029, 1, 4)
    assert due["Check-in 3 months after returning"] == date(2029, 1, 4) + timedelta(days=91)
    assert due["Check-in 12 months after returning"] == date(2030, 1, 4)
    assert len(due) == 13


def test_a_shorter_plan_leaves_out_reviews_that_fall_at_or_after_its_end(staff, make_plan):
    plan = make_plan(staff, starts_on=date(2027, 1, 4), ends_on=date(2028, 1, 4))
    titles = set(_due(plan))
    assert "Six-month review" in titles
    assert "Twelve-month review" not in titles
    assert "Eighteen-month review" not in titles
    assert "Final review and exit interview" in titles


def test_a_retired_template_starts_no_plan_but_its_plans_carry_on(db, staff, templates, make_plan):
    plan = make_plan(staff)
    templates["mti"].status = "retired"
    db.session.commit()
    with pytest.raises(services.PlanError):
        services.start_plan(
            db.session, staff, templates["mti"], services.PlanInput(starts_on=date(2027, 1, 1))
        )
    assert services.template_to_start(db.session, templates["mti"].id) is None
    assert templates["mti"] not in services.startable_templates(db.session)
    assert services.viewable_plan(db.session, staff, plan.id) is plan
    assert len(plan.milestones) == 13


def test_plan_input_is_checked(app, db, staff, templates, make):
    partner = make.user(roles=["coordinator"])  # the role alone: no verified charity or trust
    custom = templates["custom"]
    start = {"starts_on": date(2027, 1, 1)}
    year = start | {"expected_end_on": date(2028, 1, 1)}
    cases = [
        ({}, "starts_on"),
        (start, "expected_end_on"),  # custom: no months
        (start | {"expected_end_on": date(2026, 1, 1)}, "expected_end_on"),
        (year | {"return_country": "XX"}, "return_country"),
        (year | {"coordinator_id": str(partner.id)}, "coordinator_id"),
    ]
    with app.test_request_context():
        for values, field in cases:
            form = PlanForm(
                formdata=None,
                data=values,
                meta={"csrf": False},
                session=db.session,
                owner=staff,
                template=custom,
            )
            assert not form.validate()
            assert field in form.errors, values


def test_moving_the_dates_moves_open_milestones_that_hang_on_them(
    db, staff, make_plan, add_milestone
):
    plan = make_plan(staff, starts_on=date(2027, 1, 4))
    by_title = {m.title: m for m in plan.milestones}
    services.mark_done(db.session, by_title["Arrive and start work"], staff)
    own = add_milestone(plan, date(2027, 6, 1))
    db.session.commit()
    moved = services.update_plan(
        db.session,
        plan,
        staff,
        services.PlanInput(
            starts_on=date(2027, 2, 1), expected_end_on=date(2029, 3, 1), scheme="MTI"
        ),
    )
    db.session.commit()
    due = _due(plan)
    assert due["Arrive and start work"] == date(2027, 1, 4)  # done: stays
    assert due["Starters report sent"] == date(2027, 2, 6)  # start-anchored: moved
    assert due["End of placement report"] == date(2029, 3, 1)  # end-anchored: moved
    assert own.due_on == date(2027, 6, 1)  # fixed: stays
    assert moved == 12


def test_marking_done_cancels_unsent_reminders_and_undo_reopens(db, staff, make_plan):
    plan = make_plan(staff)
    milestone = plan.milestones[0]
    other = plan.milestones[1]
    later = utc(2099, 1, 1)
    rows = [
        Notification(
            recipient_id=staff.id,
            kind="milestone_reminder",
            channel=channel,
            subject="s",
            body="b",
            dedupe_key=f"milestone:{m.id}:due:x:lead:7",
            due_at=later if channel == "inbox" else utc(2020, 1, 1),
        )
        for m in (milestone, other)
        for channel in ("email", "inbox")
    ]
    db.session.add_all(rows)
    db.session.commit()
    services.mark_done(db.session, milestone, staff, "Done at the induction")
    db.session.commit()
    for row in rows:
        db.session.refresh(row)
    states = {(r.dedupe_key.split(":")[1], r.channel): r.state for r in rows}
    assert states[(str(milestone.id), "email")] == "cancelled"
    assert states[(str(milestone.id), "inbox")] == "cancelled"  # not showing yet
    assert states[(str(other.id), "email")] == "pending"
    assert milestone.done_note == "Done at the induction"
    services.undo_done(db.session, milestone, staff)
    assert milestone.done_at is None


def test_only_the_owner_changes_a_plan(db, staff, coordinator, make_plan):
    plan = make_plan(staff, coordinator=coordinator)
    with pytest.raises(services.NotAllowed):
        services.mark_done(db.session, plan.milestones[0], coordinator)
    with pytest.raises(services.NotAllowed):
        services.remove_milestone(db.session, plan.milestones[0], staff)  # the scheme's own


def test_the_coordinator_a_plan_names_may_see_it_others_not(
    db, make, staff, coordinator, make_plan
):
    plan = make_plan(staff, coordinator=coordinator)
    other_coordinator = make.user(roles=["coordinator"])
    make.organisation(kind="nhs_trust", members=(other_coordinator,))
    admin = make.user(roles=["admin"])
    assert services.viewable_plan(db.session, coordinator, plan.id) is plan
    for person in (other_coordinator, admin, make.user(roles=["staff"])):
        assert services.viewable_plan(db.session, person, plan.id) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [("30, 7, 1", (30, 7, 1)), ("1,7,30,7", (30, 7, 1)), ("0", (0,)), ("365; 90", (365, 90))],
)
def test_lead_days_parse(value, expected):
    assert parse_lead_days(value) == expected


@pytest.mark.parametrize("value", ["", "seven", "366", "-1", "1.5", "1,2,3,4,5,6"])
def test_lead_days_refuse(value):
    with pytest.raises(ValidationError):
        parse_lead_days(value)


def test_default_lead_days_are_stored_as_the_default(db, staff, make_plan):
    plan = make_plan(staff)
    services.set_lead_days(db.session, plan, staff, (14, 2))
    assert plan.lead_days == "14,2"
    assert services.lead_days_of(plan) == (14, 2)
    services.set_lead_days(db.session, plan, staff, (30, 7, 1))
    assert plan.lead_days is None


def test_milestones_are_all_day_calendar_events(db, staff, make_plan, make):
    plan = make_plan(staff)
    make_plan(make.user(roles=["staff"]))  # someone else's: not in this feed
    events = services.milestone_events(db.session, staff)
    assert len(events) == 13
    first = events[0]
    assert first["uid"] == f"milestone-{plan.milestones[0].id}@diaspora"
    assert first.decoded("dtstart") == date(2027, 1, 4)
    assert first.decoded("dtend") == date(2027, 1, 5)
    calendar = icalendar.Calendar()
    for event in events:
        calendar.add_component(event)
    assert b"DTSTART;VALUE=DATE:20270104" in calendar.to_ical()


def test_the_personal_calendar_feed_carries_the_plans_milestones(app, db, staff, make_plan):
    plan = make_plan(staff)
    with app.test_request_context():
        feed = icalendar.Calendar.from_ical(calendar_for(db.session, staff))
    uids = {str(event["UID"]) for event in feed.events}
    assert {f"milestone-{m.id}@diaspora" for m in plan.milestones} <= uids


def test_the_feed_says_a_milestone_is_done_in_its_owners_language(app, db, staff, make_plan):
    plan = make_plan(staff)
    done = plan.milestones[0]
    done.done_at = utc(2027, 1, 4)
    staff.language = "fr"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        feed = icalendar.Calendar.from_ical(calendar_for(db.session, staff))
    summaries = {str(e["UID"]): str(e["SUMMARY"]) for e in feed.events}
    assert summaries[f"milestone-{done.id}@diaspora"] == f"{done.title} (fait)"


def test_deleting_a_plan_deletes_its_milestones(db, staff, make_plan):
    plan = make_plan(staff)
    services.delete_plan(db.session, plan, staff)
    db.session.commit()
    assert db.session.scalars(select(Milestone)).all() == []
