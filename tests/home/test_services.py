"""Each queue of the home page: the viewer's own items only, oldest first, capped, counted."""

from datetime import timedelta

import pytest

from diaspora.core.time import utcnow
from diaspora.home import services
from diaspora.home.services import CAP
from diaspora.matching.models import Invitation
from diaspora.registry.privacy import access_of

N = CAP + 2


def _ids(items) -> list[int]:
    return [(item[0] if isinstance(item, tuple) else item).id for item in items]


def _home(db, person):
    return services.home_of(db.session, person, access_of(db.session, person))


STAFF_QUEUES = ("invitations", "sessions", "milestones", "applications", "hours", "registrations")


def test_each_staff_queue_lists_the_oldest_first_capped_and_counted(db, fill_staff):
    filled = fill_staff(N)
    home = _home(db, filled.person)
    assert set(home.staff) == set(STAFF_QUEUES)
    for name in STAFF_QUEUES:
        queue = home.staff[name]
        assert queue.total == N, name
        assert queue.more, name
        assert _ids(queue.items) == _ids(filled.items[name][:CAP]), name
    assert home.profile_incomplete is False
    assert home.organisation == home.coordinator == home.admin == {}


def test_another_persons_items_never_appear_in_a_staff_queue(db, fill_staff):
    mine = fill_staff(2)
    fill_staff(N)  # someone else's, with the same organisations' kinds of records
    home = _home(db, mine.person)
    for name in STAFF_QUEUES:
        assert home.staff[name].total == 2, name
        assert _ids(home.staff[name].items) == _ids(mine.items[name]), name


def test_answered_and_closed_invitations_and_done_milestones_leave_the_queues(db, fill_staff):
    filled = fill_staff(3)
    first, second, _ = filled.items["invitations"]
    first.state = "declined"
    second.opportunity.status = "closed"
    filled.items["milestones"][0].done_at = utcnow()
    filled.items["registrations"][0].status = "rejected"
    filled.items["hours"][0].status = "approved"
    filled.items["hours"][1].status = "declined"
    filled.items["hours"][1].decline_reason = "Not this month"
    filled.items["hours"][1].decided_at = utcnow() - services.DECLINED_HOURS_SHOWN - timedelta(1)
    db.session.commit()
    home = _home(db, filled.person)
    assert home.staff["invitations"].total == 1
    assert home.staff["milestones"].total == 2
    assert home.staff["registrations"].total == 2
    assert home.staff["hours"].total == 1  # the decline is older than the home page keeps
    counts = services.counts_of(db.session, filled.person, access_of(db.session, filled.person))
    assert counts.invitations == 1


def test_a_recent_decline_shows_with_its_reason(db, fill_staff):
    filled = fill_staff(1)
    log = filled.items["hours"][0]
    log.status, log.decline_reason, log.decided_at = "declined", "Wrong month", utcnow()
    db.session.commit()
    assert _home(db, filled.person).staff["hours"].items == [log]


def test_milestones_far_ahead_and_sessions_long_past_are_not_listed(db, fill_staff):
    filled = fill_staff(2)
    filled.items["milestones"][0].due_on = utcnow().date() + timedelta(
        days=services.DUE_SOON_DAYS + 1
    )
    session = filled.items["sessions"][0].session
    session.starts_at = utcnow() - services.SESSION_SHOWN_AFTER_START - timedelta(minutes=1)
    db.session.commit()
    home = _home(db, filled.person)
    assert home.staff["milestones"].total == 1
    assert home.staff["sessions"].total == 1


def test_a_staff_member_without_a_completed_profile_is_asked_to_finish_it(db, make):
    person = make.user(roles=["staff"])
    home = _home(db, person)
    assert home.profile_incomplete is True
    assert all(queue.total == 0 for queue in home.staff.values())


PARTNER_QUEUES = ("applications", "hours", "attendance", "releases", "opportunities")


def test_each_organisation_queue_lists_the_oldest_first_capped_and_counted(db, fill_partner):
    filled = fill_partner(N)
    home = _home(db, filled.person)
    assert set(home.organisation) == set(PARTNER_QUEUES)
    for name in PARTNER_QUEUES:
        queue = home.organisation[name]
        assert queue.total == N, name
        assert _ids(queue.items) == _ids(filled.items[name][:CAP]), name
    assert home.staff == home.coordinator == home.admin == {}
    counts = services.counts_of(db.session, filled.person, access_of(db.session, filled.person))
    assert counts == services.Counts(organisation=2 * N)


def test_another_organisations_items_never_appear(db, fill_partner):
    mine = fill_partner(2)
    fill_partner(N)
    home = _home(db, mine.person)
    for name in PARTNER_QUEUES:
        assert _ids(home.organisation[name].items) == _ids(mine.items[name]), name


def test_an_organisation_waiting_for_verification_has_no_queues(db, make, fill_partner):
    filled = fill_partner(2)
    organisation = filled.items["opportunities"][0].organisation
    organisation.verification = "pending"
    db.session.commit()
    assert _home(db, filled.person).organisation == {}


def test_recorded_sessions_and_filled_places_leave_the_queues(db, make, fill_partner):
    filled = fill_partner(2)
    filled.items["attendance"][0].attendance_recorded_at = utcnow()
    full = filled.items["opportunities"][0]
    full.places = 1
    make.engagement(full, state="accepted")
    db.session.commit()
    home = _home(db, filled.person)
    assert home.organisation["attendance"].total == 1
    assert _ids(home.organisation["opportunities"].items) == [filled.items["opportunities"][1].id]


COORDINATOR_QUEUES = ("registrations", "milestones", "volunteers")


def test_each_coordinator_queue_lists_the_oldest_first_capped_and_counted(db, fill_coordinator):
    filled = fill_coordinator(N)
    home = _home(db, filled.person)
    assert set(home.coordinator) == set(COORDINATOR_QUEUES)
    for name in COORDINATOR_QUEUES:
        queue = home.coordinator[name]
        assert queue.total == N, name
        assert _ids(queue.items) == _ids(filled.items[name][:CAP]), name
    counts = services.counts_of(db.session, filled.person, access_of(db.session, filled.person))
    assert counts.registrations == N


def test_a_coordinator_sees_neither_others_plans_nor_private_people(db, make, fill_coordinator):
    mine = fill_coordinator(2)
    other = fill_coordinator(3)
    for profile in other.items["volunteers"]:
        profile.visibility = "private"
    for credential in other.items["registrations"]:
        credential.profile.visibility = "private"
    db.session.commit()
    home = _home(db, mine.person)
    assert _ids(home.coordinator["milestones"].items) == _ids(mine.items["milestones"])
    assert home.coordinator["registrations"].total == 2
    volunteers = _ids(home.coordinator["volunteers"].items)
    assert set(volunteers) == {p.id for p in mine.items["volunteers"]}


def test_volunteers_already_in_the_cohort_or_unwilling_to_be_contacted_are_left_out(
    db, make, fill_coordinator
):
    filled = fill_coordinator(3)
    first, second, _ = filled.items["volunteers"]
    second.consent_to_contact = False
    cohort = db.session.scalar(
        services.select(services.Cohort).where(
            services.Cohort.organisation_id.in_(
                services.verified_memberships(
                    services.Membership.organisation_id, user_id=filled.person.id
                )
            )
        )
    )
    cohort.members.append(services.CohortMember(user=first.user))
    db.session.commit()
    home = _home(db, filled.person)
    assert _ids(home.coordinator["volunteers"].items) == [filled.items["volunteers"][2].id]


ADMIN_QUEUES = ("organisations", "emails", "accounts", "registrations")


def test_each_administrator_queue_lists_the_oldest_first_capped_and_counted(db, fill_admin):
    filled = fill_admin(N)
    home = _home(db, filled.person)
    assert set(home.admin) == set(ADMIN_QUEUES)
    for name in ("organisations", "emails", "accounts"):
        queue = home.admin[name]
        assert queue.total == N, name
        assert _ids(queue.items) == _ids(filled.items[name][:CAP]), name
    counts = services.counts_of(db.session, filled.person, access_of(db.session, filled.person))
    assert counts.admin == 2 * N


def test_a_new_unconfirmed_account_is_not_yet_a_concern(db, make, fill_admin):
    filled = fill_admin(1)
    make.user(roles=["staff"], verified=False)  # made just now
    assert _home(db, filled.person).admin["accounts"].total == 1


def test_a_person_with_several_roles_gets_each_roles_queues(db, make, fill_staff, fill_partner):
    person = make.user(roles=["staff"])
    fill_staff(1, person)
    fill_partner(1, person)
    home = _home(db, person)
    assert home.staff["invitations"].total == 1
    assert home.organisation["applications"].total == 1
    counts = services.counts_of(db.session, person, access_of(db.session, person))
    assert counts.invitations == 1 and counts.organisation == 2


@pytest.mark.parametrize("cap", [1, 3])
def test_capped_returns_the_first_rows_and_the_full_count(db, fill_staff, cap):
    filled = fill_staff(4)
    query = (
        services.select(Invitation)
        .where(Invitation.user_id == filled.person.id)
        .order_by(Invitation.created_at)
    )
    queue = services.capped(db.session, query, cap)
    assert queue.total == 4 and len(queue.items) == cap
    assert services.capped(db.session, query.where(Invitation.id < 0)).total == 0


def test_the_header_counts_take_one_statement_and_none_without_a_role(db, make, queries):
    nobody = make.user(roles=[])
    access = access_of(db.session, nobody)
    with queries.count():
        assert services.counts_of(db.session, nobody, access, unread=False) == services.Counts()
    assert len(queries) == 0  # nothing to count
    with queries.count():
        assert services.counts_of(db.session, nobody, access) == services.Counts()
    assert len(queries) == 1  # the unread messages
    admin = make.user(roles=["admin", "staff"])
    access = access_of(db.session, admin)
    with queries.count():
        services.counts_of(db.session, admin, access)
    assert len(queries) == 1
