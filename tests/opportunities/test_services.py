"""The opportunity rules: posting, every validation rule, schedules across clock changes, edits
that move sessions, the lifecycle, the listing's filters."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from diaspora.audit.models import AuditEvent
from diaspora.opportunities import services
from diaspora.opportunities.models import Opportunity, TeachingSession
from diaspora.opportunities.services import (
    NotAllowed,
    OpportunityError,
    add_months,
    occurrence_dates,
    schedule,
)
from diaspora.postings import services as postings
from tests.opportunities.conftest import (
    NOW,
    form_errors,
    placement_input,
    project_input,
    teaching_input,
)


@pytest.fixture(autouse=True)
def _forms_need_the_app(app):
    """`_errors` asks the forms, which read the application's settings."""


def _errors(data, **kwargs) -> dict[str, str]:
    return form_errors(data, now=kwargs.pop("now", NOW), editing=kwargs.pop("opportunity", None))


def _count(db) -> int:
    return db.session.scalar(select(func.count(Opportunity.id)))


# Posting --------------------------------------------------------------------------------------


def test_a_member_posts_a_project_as_a_draft(db, member):
    someone = member()
    opportunity = services.create(
        db.session, someone.organisation, someone.user, project_input(), now=NOW
    )
    db.session.commit()
    assert opportunity.status == "draft"
    assert opportunity.organisation_id == someone.organisation.id
    assert opportunity.created_by_id == someone.user.id
    assert (opportunity.starts_on, opportunity.ends_on) == (date(2027, 3, 1), date(2027, 8, 31))
    assert sorted(p.profession for p in opportunity.professions) == ["childrens_nurse", "midwife"]
    assert [(s.code, s.min_level) for s in opportunity.skills] == [("neonatal_resuscitation", 3)]
    assert [(lang.language, lang.min_proficiency) for lang in opportunity.languages] == [("ben", 2)]
    assert opportunity.sessions == []


def test_a_member_posts_a_placement(db, member):
    someone = member()
    opportunity = services.create(
        db.session, someone.organisation, someone.user, placement_input(), now=NOW
    )
    assert opportunity.host_institution == "Lagos University Teaching Hospital"
    assert (opportunity.support_travel, opportunity.support_housing) == (True, True)
    assert opportunity.support_stipend is False
    assert (opportunity.starts_on, opportunity.ends_on) == (date(2027, 6, 1), date(2027, 9, 30))


def test_members_of_an_unverified_organisation_cannot_post(db, member):
    someone = member(verified=False)
    with pytest.raises(NotAllowed):
        services.create(db.session, someone.organisation, someone.user, project_input(), now=NOW)
    assert _count(db) == 0


def test_nobody_posts_for_an_organisation_they_do_not_belong_to(db, member, make):
    someone, other = member(), member()
    with pytest.raises(NotAllowed):
        services.create(db.session, other.organisation, someone.user, project_input(), now=NOW)
    assert services.posting_organisations(db.session, make.user(roles=["staff"])) == []


def test_a_member_of_several_organisations_may_post_for_each(db, member):
    first = member(name="Alpha Hospital")
    second = member(user=first.user, name="Beta Hospital")
    unverified = member(user=first.user, name="Gamma Hospital", verified=False)
    names = [o.name for o in services.posting_organisations(db.session, first.user)]
    assert names == ["Alpha Hospital", "Beta Hospital"]
    assert unverified.organisation.name not in names
    assert second.organisation.id != first.organisation.id


# Validation: each rule, its message, nothing saved ---------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (project_input(ends_on=date(2027, 2, 1)), "ends_on", "must be the same as or after"),
        (project_input(hours_per_month=201), "hours_per_month", "between 1 and 200"),
        (project_input(hours_per_month=0), "hours_per_month", "between 1 and 200"),
        (project_input(hours_per_month=None), "hours_per_month", "Enter the hours a month"),
        (project_input(places=0), "places", "at least 1"),
        (project_input(title="  "), "title", "Enter a title"),
        (project_input(description=""), "description", "Enter a description"),
        (project_input(country="XX"), "country", "Select a country"),
        (project_input(modality="teleport"), "modality", "Select how people will take part"),
        (project_input(professions=[]), "professions", "at least one profession"),
        (project_input(starts_on=None), "starts_on", "Enter the start date"),
        (project_input(ends_on=None), "ends_on", "Enter the end date"),
        (
            project_input(skills=[("leadership", 2), ("leadership", 3)]),
            "skill_2",
            "chosen this skill twice",
        ),
        (project_input(skills=[("juggling", 2)]), "skill_1", "Select a skill"),
        (project_input(languages=[("xxx", 2)]), "language_1", "Select a language"),
        (teaching_input(capacity=0), "capacity", "at least 1"),
        (teaching_input(capacity=None), "capacity", "Enter the number of places"),
        (teaching_input(join_link="http://meet.example.org/x"), "join_link", "https://"),
        (teaching_input(join_link="meet.example.org/x"), "join_link", "https://"),
        (teaching_input(join_link=""), "join_link", "Enter the link"),
        (teaching_input(host_time_zone="Mars/Olympus_Mons"), "host_time_zone", "time zone"),
        (teaching_input(host_time_zone=""), "host_time_zone", "time zone"),
        (teaching_input(duration_minutes=14), "duration_minutes", "between 15 and 480"),
        (teaching_input(duration_minutes=481), "duration_minutes", "between 15 and 480"),
        (teaching_input(start_time=None), "start_time", "Enter the start time"),
        (teaching_input(starts_on=None), "starts_on", "Enter the date of the first session"),
        (
            teaching_input(recurrence="weekly", occurrences=1),
            "occurrences",
            "between 2 and 52",
        ),
        (
            teaching_input(recurrence="monthly", occurrences=53),
            "occurrences",
            "between 2 and 52",
        ),
        (placement_input(host_institution=""), "host_institution", "Enter the host institution"),
        (placement_input(duration_months=0), "duration_months", "between 1 and 36"),
        (
            placement_input(ends_on=date(2027, 5, 1)),
            "ends_on",
            "latest start must be the same as or after the earliest start",
        ),
        (placement_input(places=None), "places", "Enter the number of places"),
    ],
)
def test_each_rule_has_a_clear_message(db, data, field, message):
    assert message in _errors(data).get(field, ""), _errors(data)


def test_valid_input_has_no_problems():
    for data in (project_input(), teaching_input(), placement_input()):
        assert _errors(data) == {}


def test_a_session_in_the_past_is_refused():
    errors = _errors(teaching_input(starts_on=date(2027, 1, 10), start_time=time(8, 0)))
    assert errors == {"starts_on": "The first session must be in the future"}
    # 10 January 2027 at 16:00 in Dhaka is 10:00 UTC: an hour after NOW, so it is allowed
    assert _errors(teaching_input(starts_on=date(2027, 1, 10), start_time=time(16, 0))) == {}


def test_a_time_the_clocks_skip_is_refused():
    # Clocks go forward in London at 01:00 on Sunday 28 March 2027: 01:30 never happens
    errors = _errors(
        teaching_input(
            host_time_zone="Europe/London", starts_on=date(2027, 3, 28), start_time=time(1, 30)
        )
    )
    assert "does not exist" in errors["start_time"]
    assert "clocks go forward" in errors["start_time"]


def test_a_series_whose_later_session_falls_in_the_skipped_hour_is_refused():
    errors = _errors(
        teaching_input(
            host_time_zone="Europe/London",
            starts_on=date(2027, 3, 14),
            start_time=time(1, 30),
            recurrence="weekly",
            occurrences=3,
        )
    )
    assert "28 March 2027" in errors["start_time"]


# Schedules ------------------------------------------------------------------------------------


def test_a_weekly_london_series_keeps_14_00_london_across_the_clock_change(db, member):
    someone = member()
    data = teaching_input(
        host_time_zone="Europe/London",
        starts_on=date(2027, 3, 22),  # the Monday before the last Sunday of March
        recurrence="weekly",
        occurrences=3,
    )
    opportunity = services.create(db.session, someone.organisation, someone.user, data, now=NOW)
    db.session.commit()
    db.session.expire_all()
    starts = [s.starts_at.replace(tzinfo=UTC) for s in opportunity.sessions]
    assert starts == [
        datetime(2027, 3, 22, 14, 0, tzinfo=UTC),  # GMT
        datetime(2027, 3, 29, 13, 0, tzinfo=UTC),  # BST: still 14:00 in London
        datetime(2027, 4, 5, 13, 0, tzinfo=UTC),
    ]
    assert [s.number for s in opportunity.sessions] == [1, 2, 3]
    assert all(s.capacity == 20 and s.duration_minutes == 60 for s in opportunity.sessions)
    assert (opportunity.starts_on, opportunity.ends_on) == (date(2027, 3, 22), date(2027, 4, 5))


def test_a_weekly_dhaka_series_keeps_14_00_dhaka_across_the_uk_clock_change():
    planned = schedule(date(2027, 3, 22), time(14, 0), "Asia/Dhaka", "weekly", 3)
    assert [instant for _, instant in planned] == [
        datetime(2027, 3, 22, 8, 0, tzinfo=UTC),
        datetime(2027, 3, 29, 8, 0, tzinfo=UTC),
        datetime(2027, 4, 5, 8, 0, tzinfo=UTC),
    ]


def test_monthly_sessions_keep_the_day_of_the_month_or_the_months_last_day():
    assert occurrence_dates(date(2027, 1, 31), "monthly", 4) == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
    ]
    assert add_months(date(2027, 11, 15), 3) == date(2028, 2, 15)
    assert add_months(date(2028, 1, 29), 1) == date(2028, 2, 29)
    assert occurrence_dates(date(2027, 5, 4), "none", None) == [date(2027, 5, 4)]


# Editing --------------------------------------------------------------------------------------


def _teaching(db, member, **changes) -> Opportunity:
    someone = member()
    data = teaching_input(recurrence="weekly", occurrences=3, **changes)
    opportunity = services.create(db.session, someone.organisation, someone.user, data, now=NOW)
    postings.publish(db.session, opportunity, someone.user, now=NOW)
    db.session.commit()
    return opportunity


def _moves(monkeypatch) -> dict[str, list]:
    """Record what the bookings area is asked to do (it tells the people booked)."""
    from diaspora.bookings import services as bookings

    calls: dict[str, list] = {"moved": [], "cancelled": []}
    monkeypatch.setattr(
        bookings, "session_moved", lambda s, ts: calls["moved"].append(ts.number), raising=False
    )
    monkeypatch.setattr(
        bookings,
        "session_cancelled",
        lambda s, ts: (calls["cancelled"].append(ts.number), setattr(ts, "status", "cancelled")),
        raising=False,
    )
    return calls


def test_editing_the_time_moves_each_future_session_and_tells_the_bookings_area(
    db, member, monkeypatch
):
    opportunity = _teaching(db, member)
    calls = _moves(monkeypatch)
    data = services.OpportunityInput.from_opportunity(opportunity)
    data.start_time = time(15, 30)
    result = postings.update(db.session, opportunity, opportunity.created_by, data, now=NOW)
    assert [s.number for s in result.moved] == [1, 2, 3]
    assert calls["moved"] == [1, 2, 3]
    assert [s.starts_at.replace(tzinfo=UTC).hour for s in opportunity.sessions] == [9, 9, 9]


def test_editing_only_the_title_moves_nothing(db, member, monkeypatch):
    opportunity = _teaching(db, member)
    calls = _moves(monkeypatch)
    data = services.OpportunityInput.from_opportunity(opportunity)
    data.title = "A better title"
    result = postings.update(db.session, opportunity, opportunity.created_by, data, now=NOW)
    assert result.moved == [] and calls == {"moved": [], "cancelled": []}
    assert opportunity.title == "A better title"
    assert opportunity.join_link == "https://meet.example.org/sepsis"  # empty keeps it


def test_a_longer_duration_moves_sessions_and_a_shorter_series_cancels_the_rest(
    db, member, monkeypatch
):
    opportunity = _teaching(db, member)
    calls = _moves(monkeypatch)
    data = services.OpportunityInput.from_opportunity(opportunity)
    data.duration_minutes = 90
    data.occurrences = 2
    postings.update(db.session, opportunity, opportunity.created_by, data, now=NOW)
    assert calls == {"moved": [1, 2], "cancelled": [3]}


def test_a_longer_series_adds_sessions(db, member, monkeypatch):
    opportunity = _teaching(db, member)
    _moves(monkeypatch)
    data = services.OpportunityInput.from_opportunity(opportunity)
    data.occurrences = 5
    result = postings.update(db.session, opportunity, opportunity.created_by, data, now=NOW)
    db.session.commit()
    assert [s.number for s in result.added] == [4, 5]
    assert len(opportunity.sessions) == 5
    assert opportunity.ends_on == date(2027, 3, 29)


def test_sessions_already_held_keep_their_time(db, member, monkeypatch):
    opportunity = _teaching(db, member)
    calls = _moves(monkeypatch)
    later = datetime(2027, 3, 3, tzinfo=UTC)  # after the first session (1 March)
    data = services.OpportunityInput.from_opportunity(opportunity)
    data.start_time = time(10, 0)
    postings.update(db.session, opportunity, opportunity.created_by, data, now=later)
    assert calls["moved"] == [2, 3]
    assert opportunity.sessions[0].starts_at.replace(tzinfo=UTC).hour == 8


def test_capacity_cannot_go_below_the_places_booked(db, member):
    opportunity = _teaching(db, member)
    opportunity.sessions[1].booked = 12
    db.session.commit()
    data = services.OpportunityInput.from_opportunity(opportunity)
    data.capacity = 10
    with pytest.raises(OpportunityError) as raised:
        postings.update(db.session, opportunity, opportunity.created_by, data, now=NOW)
    assert "cannot be lower than 12" in raised.value.errors["capacity"]
    db.session.rollback()
    assert {s.capacity for s in db.session.get(Opportunity, opportunity.id).sessions} == {20}


def test_closed_completed_and_cancelled_opportunities_cannot_be_edited(db, member, make):
    for status in ("closed", "completed", "cancelled"):
        opportunity = make.opportunity(status=status)
        with pytest.raises(NotAllowed):
            postings.update(
                db.session,
                opportunity,
                make.user(),
                services.OpportunityInput.from_opportunity(opportunity),
            )


# The lifecycle --------------------------------------------------------------------------------


def test_publish_close_complete_and_their_audit(db, member):
    someone = member()
    opportunity = services.create(
        db.session, someone.organisation, someone.user, project_input(), now=NOW
    )
    postings.publish(db.session, opportunity, someone.user, now=NOW)
    assert (opportunity.status, opportunity.published_at) == ("open", NOW)
    services.close(db.session, opportunity, someone.user, now=NOW)
    assert opportunity.status == "closed"
    services.complete(db.session, opportunity, someone.user, now=NOW)
    assert opportunity.status == "completed"
    db.session.commit()
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.subject_id == opportunity.id)
    ).all()
    assert {"opportunity.created", "opportunity.published"} <= set(actions)


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("open", "publish"),
        ("draft", "close"),
        ("draft", "complete"),
        ("completed", "cancel"),
        ("cancelled", "publish"),
        ("closed", "close"),
    ],
)
def test_illegal_moves_are_refused(db, make, status, action):
    opportunity = make.opportunity(status=status)
    move = getattr(services, action)
    kwargs = {"reason": "No longer needed"} if action == "cancel" else {}
    with pytest.raises(NotAllowed):
        move(db.session, opportunity, make.user(), **kwargs)
    assert opportunity.status == status


def test_a_series_whose_sessions_have_all_started_cannot_be_published(db, make):
    opportunity = make.opportunity(
        kind="teaching", status="draft", starts_at=datetime(2020, 1, 1, 9, tzinfo=UTC)
    )
    with pytest.raises(NotAllowed, match="already started"):
        postings.publish(db.session, opportunity, make.user())


def test_cancelling_a_project_ends_every_engagement_and_is_audited(db, make):
    opportunity = make.opportunity(kind="project")
    engagement = make.engagement(opportunity, state="accepted")
    postings.cancel(db.session, opportunity, make.user(), reason="Funding withdrawn")
    db.session.commit()
    assert opportunity.status == "cancelled"
    assert opportunity.cancel_reason == "Funding withdrawn"
    db.session.refresh(engagement)
    assert engagement.state == "cancelled"
    assert db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "opportunity.cancelled", AuditEvent.subject_id == opportunity.id
        )
    )


def test_cancelling_a_series_cancels_each_session_still_to_come(db, make):
    opportunity = make.opportunity(kind="teaching", sessions=3)
    postings.cancel(db.session, opportunity, make.user(), reason="The tutor is unwell")
    db.session.commit()
    statuses = db.session.scalars(
        select(TeachingSession.status).where(TeachingSession.opportunity_id == opportunity.id)
    ).all()
    assert statuses == ["cancelled"] * 3


def test_one_session_of_a_series_can_be_cancelled(db, make):
    opportunity = make.opportunity(kind="teaching", sessions=3)
    postings.cancel_session(db.session, opportunity.sessions[1], make.user())
    db.session.commit()
    assert [s.status for s in opportunity.sessions] == ["scheduled", "cancelled", "scheduled"]
    assert opportunity.status == "open"


def test_a_session_already_held_cannot_be_cancelled(db, make):
    opportunity = make.opportunity(kind="teaching", starts_at=datetime.now(UTC) - timedelta(days=1))
    with pytest.raises(NotAllowed, match="already started"):
        postings.cancel_session(db.session, opportunity.sessions[0], make.user())


# The listing ----------------------------------------------------------------------------------


def test_the_listing_holds_open_opportunities_only_soonest_first(db, make):
    organisation = make.organisation()
    make.opportunity(organisation, starts_on=date(2027, 5, 1), title="Later")
    make.opportunity(organisation, starts_on=date(2027, 4, 1), title="Sooner")
    for status in ("draft", "closed", "completed", "cancelled"):
        make.opportunity(organisation, status=status)
    page = services.listing(db.session, services.Filters())
    assert [o.title for o in page.items] == ["Sooner", "Later"]
    assert page.total == 2


def test_the_listing_gives_each_series_its_next_session(db, make):
    start = datetime(2099, 1, 5, 8, 0, tzinfo=UTC)
    opportunity = make.opportunity(kind="teaching", sessions=3, starts_at=start)
    opportunity.sessions[0].status = "cancelled"
    db.session.commit()
    page = services.listing(db.session, services.Filters(kind="teaching"))
    assert page.next_sessions == {opportunity.id: start + timedelta(weeks=1)}
