from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from diaspora.audit.models import AuditEvent
from diaspora.auth.models import User
from diaspora.cohorts import services
from diaspora.cohorts.models import CohortMember, CohortMessage
from diaspora.contributions.models import HoursLog
from diaspora.core.time import utcnow
from diaspora.milestones.models import Milestone, Plan
from diaspora.notifications.models import Notification


def _notifications(db, user, kind):
    return list(
        db.session.scalars(
            select(Notification).where(
                Notification.recipient_id == user.id, Notification.kind == kind
            )
        )
    )


def _actions(db) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


# Who coordinates -----------------------------------------------------------------------------


def test_a_coordinator_coordinates_their_charity_only(db, make, coordinator, charity):
    assert services.coordinating_organisations(db.session, coordinator) == [charity]
    role_alone = make.user(roles=["coordinator"])
    partner = make.user(roles=["partner"])
    make.organisation(kind="partner_institution", members=(partner,))
    assert services.coordinating_organisations(db.session, role_alone) == []
    assert services.coordinating_organisations(db.session, partner) == []


def test_a_coordinator_creates_cohorts_only_for_their_organisations(db, make, coordinator, charity):
    cohort = services.create_cohort(
        db.session,
        coordinator,
        services.CohortInput(charity.id, "  Maternal health 2027 ", "Midwives", "BD"),
    )
    assert (cohort.name, cohort.country, cohort.created_by_id) == (
        "Maternal health 2027",
        "BD",
        coordinator.id,
    )
    other = make.organisation(kind="charity")
    with pytest.raises(services.CohortError):
        services.create_cohort(db.session, coordinator, services.CohortInput(other.id, "Not mine"))
    assert "cohort.created" in _actions(db)


def test_cohorts_for_lists_the_organisations_cohorts_with_member_counts(
    db, make, coordinator, charity
):
    disabled = make.user(active=False)
    one = make.cohort(charity, name="B cohort", members=(make.user(), make.user(), disabled))
    two = make.cohort(charity, name="A cohort", archived_at=utcnow())
    make.cohort(name="Someone else's")
    rows = services.cohorts_for(db.session, services.viewer_of(db.session, coordinator))
    assert [(row.cohort.id, row.members) for row in rows] == [(one.id, 2), (two.id, 0)]
    admin = make.user(roles=["admin"])
    assert len(services.cohorts_for(db.session, services.viewer_of(db.session, admin))) == 3


# Adding, joining, leaving --------------------------------------------------------------------


def test_adding_a_listable_person_tells_them(app, db, make, coordinator, charity, person):
    cohort = make.cohort(charity)
    amara = person("Amara Obi")
    services.add_member(db.session, cohort, coordinator, amara.profile.id)
    db.session.commit()
    assert [m.user_id for m in cohort.members] == [amara.id]
    sent = _notifications(db, amara, "cohort_update")
    assert {n.channel for n in sent} == {"inbox", "email"}
    assert cohort.name in sent[0].subject
    with pytest.raises(services.CohortError, match="already in this cohort"):
        services.add_member(db.session, cohort, coordinator, amara.profile.id)
    assert "cohort.member_added" in _actions(db)


@pytest.mark.parametrize(
    "profile",
    [
        {"visibility": "private"},
        {"consent": False},
    ],
)
def test_people_the_coordinator_may_not_list_or_contact_cannot_be_added(
    db, make, coordinator, charity, person, profile
):
    cohort = make.cohort(charity)
    hidden = person("Hidden Person", **profile)
    with pytest.raises(services.CohortError):
        services.add_member(db.session, cohort, coordinator, hidden.profile.id)
    assert cohort.members == []
    assert _notifications(db, hidden, "cohort_update") == []


def test_a_disabled_account_or_unfinished_profile_cannot_be_added(
    db, make, coordinator, charity, person
):
    cohort = make.cohort(charity)
    disabled = person("Disabled Person")
    disabled.active = False
    unfinished = person("Unfinished Person")
    unfinished.profile.completed_at = None
    db.session.commit()
    for user in (disabled, unfinished):
        with pytest.raises(services.CohortError):
            services.add_member(db.session, cohort, coordinator, user.profile.id)


def test_nobody_is_added_to_an_archived_cohort(db, make, coordinator, charity, person):
    cohort = make.cohort(charity, archived_at=utcnow())
    with pytest.raises(services.CohortError, match="archived"):
        services.add_member(db.session, cohort, coordinator, person("Amara Obi").profile.id)


def test_find_people_is_the_directory_search_marked_with_who_can_be_added(
    db, make, coordinator, charity, person
):
    cohort = make.cohort(charity)
    inside = person("Rahim Inside")
    cohort.members.append(CohortMember(user=inside))
    db.session.commit()
    person("Rahim Open")
    person("Rahim Closed", consent=False)
    person("Rahim Private", visibility="private")
    page, found = services.find_people(
        db.session, coordinator, cohort, services.PersonFilters(text="rahim")
    )
    marks = {f.profile.user.display_name: (f.member, f.addable) for f in found}
    assert marks == {
        "Rahim Inside": (True, False),
        "Rahim Open": (False, True),
        "Rahim Closed": (False, False),
    }
    assert page.total == 3


def test_remove_member_tells_them(db, make, coordinator, charity, person):
    amara = person("Amara Obi")
    cohort = make.cohort(charity, members=(amara,))
    member = services.listed_member(
        db.session, cohort, services.viewer_of(db.session, coordinator), cohort.members[0].id
    )
    services.remove_member(db.session, member, coordinator)
    db.session.commit()
    assert cohort.members == []
    assert "no longer" in _notifications(db, amara, "cohort_update")[0].subject


def test_a_hidden_member_cannot_be_picked_for_removal(db, make, coordinator, charity, person):
    hidden = person("Hidden", visibility="private")
    cohort = make.cohort(charity, members=(hidden,))
    assert (
        services.listed_member(
            db.session, cohort, services.viewer_of(db.session, coordinator), cohort.members[0].id
        )
        is None
    )
    other = make.cohort(charity)
    assert (
        services.listed_member(
            db.session, other, services.viewer_of(db.session, coordinator), cohort.members[0].id
        )
        is None
    )


def test_the_invitation_link_works_until_it_is_replaced_or_turned_off(
    app, db, make, coordinator, charity
):
    cohort = make.cohort(charity)
    assert services.invitation_token(cohort) is None
    first = services.new_link(db.session, cohort, coordinator)
    assert services.cohort_for_link(db.session, first) == cohort
    assert services.cohort_for_link(db.session, first[:-2] + "xx") is None
    second = services.new_link(db.session, cohort, coordinator)
    assert services.cohort_for_link(db.session, first) is None
    assert services.cohort_for_link(db.session, second) == cohort
    services.turn_off_link(db.session, cohort, coordinator)
    assert services.cohort_for_link(db.session, second) is None
    third = services.new_link(db.session, cohort, coordinator)
    services.archive_cohort(db.session, cohort, coordinator)
    assert services.cohort_for_link(db.session, third) is None
    assert cohort.invite_nonce is None  # the nonce is the only secret kept


def test_staff_join_once_and_leave(db, make, charity):
    cohort = make.cohort(charity)
    staff = make.user(roles=["staff"])
    first = services.join(db.session, cohort, staff)
    again = services.join(db.session, cohort, staff)
    db.session.commit()
    assert first.id == again.id
    assert services.cohorts_of(db.session, staff) == [cohort]
    partner = make.user(roles=["partner"])
    with pytest.raises(services.CohortError):
        services.join(db.session, cohort, partner)
    assert services.leave(db.session, cohort, staff) is True
    assert services.leave(db.session, cohort, staff) is False
    db.session.commit()
    assert services.cohorts_of(db.session, staff) == []
    assert {"cohort.joined", "cohort.left"} <= set(_actions(db))


# The cohort page -----------------------------------------------------------------------------


def test_the_overview_lists_visible_members_and_only_counts_the_others(
    db, make, coordinator, charity, person
):
    shown = person("Shown Person", visibility="coordinators")
    private = person("Private Person", visibility="private")
    no_consent = person("Closed Person", consent=False)
    no_profile = make.user(roles=["staff"], name="No Profile")
    disabled = person("Disabled Person")
    disabled.active = False
    cohort = make.cohort(charity, members=(shown, private, no_consent, no_profile, disabled))
    overview = services.overview(db.session, cohort, services.viewer_of(db.session, coordinator))
    assert [row.user.display_name for row in overview.rows] == ["Shown Person"]
    assert overview.hidden == 3  # the disabled account is not even counted
    partner_viewer = make.user(roles=["partner"])
    make.organisation(kind="partner_institution", members=(partner_viewer,))
    # an audience the viewer is not in: "coordinators" is hidden from other organisations
    assert (
        services.overview(db.session, cohort, services.viewer_of(db.session, partner_viewer)).rows
        == []
    )


def test_an_administrator_sees_what_a_coordinator_sees(db, make, charity, person):
    private = person("Private Person", visibility="private")
    cohort = make.cohort(charity, members=(private,))
    overview = services.overview(
        db.session, cohort, services.viewer_of(db.session, make.user(roles=["admin"]))
    )
    assert (overview.rows, overview.hidden) == ([], 1)


def test_the_overview_counts_engagements_plans_overdue_milestones_and_hours(
    db, make, coordinator, charity, person
):
    amara = person("Amara Obi")
    cohort = make.cohort(charity, members=(amara,))
    project = make.opportunity()
    live = make.engagement(project, amara, state="active")
    make.engagement(make.opportunity(), amara, state="applied")
    make.engagement(make.opportunity(), amara, state="completed")
    today = date.today()
    this_year = date(today.year, 1, 1)
    db.session.add_all(
        [
            HoursLog(engagement_id=live.id, month=this_year, minutes=90, status="approved"),
            HoursLog(engagement_id=live.id, month=this_year, minutes=60, status="pending"),
            HoursLog(
                engagement_id=live.id,
                month=date(today.year - 1, 12, 1),
                minutes=600,
                status="approved",
            ),
        ]
    )
    plan = Plan(
        owner_id=amara.id,
        scheme="MTI",
        starts_on=today - timedelta(days=100),
        expected_end_on=today + timedelta(days=300),
    )
    plan.milestones = [
        Milestone(title="Late", due_on=today - timedelta(days=5)),
        Milestone(title="Done", due_on=today - timedelta(days=9), done_at=utcnow()),
        Milestone(title="Later", due_on=today + timedelta(days=5)),
    ]
    db.session.add(plan)
    db.session.commit()
    (row,) = services.overview(db.session, cohort, services.viewer_of(db.session, coordinator)).rows
    assert (row.open_engagements, row.plans, row.overdue, row.minutes_this_year) == (2, 1, 1, 90)


def test_upcoming_sessions_are_the_organisations_with_members_booked(
    db, make, coordinator, charity, person
):
    amara = person("Amara Obi")
    cohort = make.cohort(charity, members=(amara,))
    ours = make.opportunity(charity, kind="teaching", sessions=2)
    make.opportunity(kind="teaching")  # another organisation's
    make.engagement(ours, amara, state="accepted", session_id=ours.sessions[0].id)
    rows = services.overview(
        db.session, cohort, services.viewer_of(db.session, coordinator)
    ).sessions
    assert [(r.teaching_session.id, r.members_booked) for r in rows] == [
        (ours.sessions[0].id, 1),
        (ours.sessions[1].id, 0),
    ]


# Messages ------------------------------------------------------------------------------------


def test_a_message_reaches_every_active_member_through_notify(
    app, db, make, coordinator, charity, person
):
    shown = person("Shown Person")
    private = person("Private Person", visibility="private")
    gone = person("Gone Person")
    gone.active = False
    cohort = make.cohort(charity, members=(shown, private, gone))
    message = services.send_message(db.session, cohort, coordinator, " Training day ", "Hello.")
    db.session.commit()
    assert (message.subject, message.recipients, message.sender_id) == (
        "Training day",
        2,
        coordinator.id,
    )
    for member in (shown, private):
        sent = _notifications(db, member, "cohort_message")
        assert {n.channel for n in sent} == {"inbox", "email"}
        assert "Hello." in sent[0].body
    assert _notifications(db, gone, "cohort_message") == []
    assert services.messages_of(db.session, cohort) == [message]
    assert "cohort.messaged" in _actions(db)


def test_no_message_to_an_archived_cohort(db, make, coordinator, charity):
    cohort = make.cohort(charity, archived_at=utcnow())
    with pytest.raises(services.CohortError):
        services.send_message(db.session, cohort, coordinator, "Hello", "There")


# Erasure -------------------------------------------------------------------------------------


def test_forget_takes_the_person_out_of_every_cohort(db, make, charity):
    staff = make.user()
    make.cohort(charity, members=(staff,))
    make.cohort(charity, members=(staff,))
    services.forget(db.session, staff)
    db.session.commit()
    assert services.cohorts_of(db.session, staff) == []


def test_deleting_accounts_removes_memberships_and_keeps_messages(
    app, db, make, coordinator, charity, person
):
    amara = person("Amara Obi")
    cohort = make.cohort(charity, members=(amara,))
    services.send_message(db.session, cohort, coordinator, "Hello", "There")
    db.session.commit()
    # The coordinator's actions are in the append-only audit log: their row cannot go (erasure
    # anonymises it instead, docs/adr/0004), as nulling the log's actor would change it.
    with pytest.raises(DBAPIError), db.session.begin_nested():
        db.session.execute(User.__table__.delete().where(User.id == coordinator.id))
    db.session.execute(User.__table__.delete().where(User.id == amara.id))
    db.session.commit()
    db.session.expire_all()
    assert db.session.scalars(select(CohortMember)).all() == []
    (message,) = db.session.scalars(select(CohortMessage)).all()
    assert message.sender_id == coordinator.id


def test_export_for_gives_the_persons_cohorts_and_sent_messages(
    app, db, make, coordinator, charity, person
):
    amara = person("Amara Obi")
    cohort = make.cohort(charity, name="Sylhet midwives", members=(amara, coordinator))
    services.send_message(db.session, cohort, coordinator, "Hello", "There")
    db.session.commit()
    mine = services.export_for(db.session, amara)
    assert [row["cohort"] for row in mine["cohorts"]] == ["Sylhet midwives"]
    assert mine["messages_sent"] == []
    theirs = services.export_for(db.session, coordinator)
    assert [row["subject"] for row in theirs["messages_sent"]] == ["Hello"]
