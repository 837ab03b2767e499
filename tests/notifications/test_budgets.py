"""Monthly text budgets per organisation: what is charged, what goes by email instead, the
warning at 80 %, the pages, and exact counting when several workers queue at once."""

import threading
from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import func, select

from diaspora.audit.models import AuditEvent
from diaspora.auth.models import User
from diaspora.extensions import db as _db
from diaspora.notifications import budgets, services
from diaspora.notifications.models import Channel, Notification, TextUsage
from diaspora.organisations.jobs import warn_text_budgets
from diaspora.organisations.models import MemberRole, Membership, Organisation, Verification
from diaspora.phones.models import MobileNumber
from tests.helpers import sign_in, sign_out, submit

T0 = datetime(2027, 5, 4, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def texter(db, make, notify, mobile):
    """texter() -> a person with a confirmed number who chose texts for engagement news."""

    def _texter(**fields) -> User:
        user = make.user(**fields)
        mobile(user, f"+4479111{user.id:05d}")
        services.set_preferences(db.session, user, {"engagement_update": "sms"})
        db.session.commit()
        return user

    return _texter


def _tell(db, user, organisation_id, *, message="Your application was accepted.", key=None):
    rows = services.notify(
        db.session,
        user,
        "engagement_update",
        subject="Answered",
        template="notifications_message",
        dedupe_key=key,
        organisation_id=organisation_id,
        message=message,
    )
    db.session.commit()
    return {row.channel: row for row in rows}


def _used(db, organisation) -> int:
    return budgets.usage(db.session, organisation.id).used


def _set(db, make, organisation, value):
    admin = make.user(roles=["admin"])
    budgets.set_budget(db.session, admin, organisation, value)
    db.session.commit()


def test_a_text_an_organisation_causes_is_charged_its_segments(db, make, texter):
    organisation = make.organisation()
    user = texter()
    short = _tell(db, user, organisation.id)
    assert set(short) == {Channel.INBOX, Channel.SMS}
    assert (short[Channel.SMS].organisation_id, short[Channel.SMS].segments) == (organisation.id, 1)
    long = _tell(db, user, organisation.id, message="A long message. " * 30, key="long")
    assert long[Channel.SMS].segments == 2
    assert _used(db, organisation) == 3
    assert budgets.usage(db.session, organisation.id).month == "2027-05"
    assert short[Channel.INBOX].organisation_id is None  # only texts are charged


def test_a_bengali_text_is_charged_as_ucs2(db, make, texter):
    """Bengali is sent as UCS-2, 70 characters a segment: 100 of them take two."""
    organisation = make.organisation()
    user = texter()
    row = _tell(db, user, organisation.id, message="ক" * 60)[Channel.SMS]
    assert row.segments == 2


def test_texts_no_organisation_caused_are_never_counted(db, make, texter):
    organisation = make.organisation()
    user = texter()
    row = _tell(db, user, None)[Channel.SMS]
    services.queue_account_text(
        db.session, user, "+447911123999", "Your code", "notifications/mobile_code.txt", code="1"
    )
    db.session.commit()
    assert (row.organisation_id, row.segments) == (None, None)
    assert db.session.scalar(select(func.count()).select_from(TextUsage)) == 0
    assert _used(db, organisation) == 0


def test_once_the_budget_is_spent_texts_go_by_email_and_the_inbox_keeps_its_copy(db, make, texter):
    organisation = make.organisation()
    _set(db, make, organisation, 3)
    first, second, third = texter(), texter(), texter()
    assert Channel.SMS in _tell(db, first, organisation.id, message="x " * 100)  # 2 segments
    assert Channel.SMS in _tell(db, second, organisation.id)  # the last segment
    rows = _tell(db, third, organisation.id)
    assert set(rows) == {Channel.INBOX, Channel.EMAIL}
    assert rows[Channel.EMAIL].organisation_id is None
    assert _used(db, organisation) == 3
    # A two-segment text never takes a last single segment.
    _set(db, make, organisation, 4)
    assert set(_tell(db, third, organisation.id, message="y " * 100, key="b")) == {
        Channel.INBOX,
        Channel.EMAIL,
    }
    assert Channel.SMS in _tell(db, third, organisation.id, key="c")
    assert _used(db, organisation) == 4


def test_a_message_told_by_email_is_not_texted_when_queued_again(db, make, texter):
    organisation = make.organisation()
    _set(db, make, organisation, 0)
    user = texter()
    assert Channel.EMAIL in _tell(db, user, organisation.id, key="once")
    _set(db, make, organisation, 10)
    assert _tell(db, user, organisation.id, key="once") == {}
    assert _used(db, organisation) == 0


def test_a_budget_of_zero_turns_texts_off_and_none_gives_the_default(db, app, make, texter):
    organisation = make.organisation()
    user = texter()
    _set(db, make, organisation, 0)
    assert Channel.EMAIL in _tell(db, user, organisation.id)
    _set(db, make, organisation, None)
    app.config["TEXT_BUDGET_DEFAULT"] = 1
    usage = budgets.usage(db.session, organisation.id)
    assert (usage.budget, usage.is_default) == (1, True)
    assert Channel.SMS in _tell(db, user, organisation.id, key="a")
    assert Channel.EMAIL in _tell(db, user, organisation.id, key="b")


def test_the_budget_starts_again_each_month_in_utc(db, make, texter):
    organisation = make.organisation()
    _set(db, make, organisation, 1)
    user = texter()
    with time_machine.travel(datetime(2027, 5, 31, 23, 59, tzinfo=UTC), tick=False):
        assert Channel.SMS in _tell(db, user, organisation.id, key="a")
        assert Channel.EMAIL in _tell(db, user, organisation.id, key="b")
    with time_machine.travel(datetime(2027, 6, 1, 0, 0, tzinfo=UTC), tick=False):
        assert Channel.SMS in _tell(db, user, organisation.id, key="c")
        assert budgets.usage(db.session, organisation.id).month == "2027-06"
        assert _used(db, organisation) == 1


def test_setting_a_budget_is_audited_and_unchanged_is_not(db, make):
    organisation = make.organisation()
    admin = make.user(roles=["admin"])
    assert budgets.set_budget(db.session, admin, organisation, 50)
    assert not budgets.set_budget(db.session, admin, organisation, 50)
    assert budgets.set_budget(db.session, admin, organisation, None)
    db.session.commit()
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "organisation.text_budget_set")
    ).all()
    assert [(e.subject_type, e.subject_id, e.details["segments"]) for e in events] == [
        ("Organisation", organisation.id, 50),
        ("Organisation", organisation.id, None),
    ]


# The warning at 80 % ------------------------------------------------------------------------


def _warnings(db, user) -> dict[str, Notification]:
    rows = db.session.scalars(
        select(Notification).where(
            Notification.recipient_id == user.id, Notification.kind == "text_budget"
        )
    ).all()
    return {row.channel: row for row in rows}


def test_owners_are_warned_once_a_month_at_80_percent(db, make, texter):
    owner = make.user(roles=[])
    member = make.user(roles=[])
    organisation = make.organisation(owner=owner, members=(member,))
    _set(db, make, organisation, 5)
    user = texter()
    for n in range(3):
        _tell(db, user, organisation.id, key=f"a{n}")
    assert warn_text_budgets(T0) == 0  # 60 %
    _tell(db, user, organisation.id, key="a3")
    assert warn_text_budgets(T0) == 1  # 80 %
    warning = _warnings(db, owner)
    assert set(warning) == {Channel.INBOX, Channel.EMAIL}
    assert warning[Channel.EMAIL].subject == (
        f"{organisation.name} has used most of its text messages for this month"
    )
    assert "have used 4 of the 5 segments they may use this month (80%)" in (
        warning[Channel.EMAIL].body
    )
    assert warning[Channel.EMAIL].link == f"/organisations/{organisation.id}"
    assert _warnings(db, member) == {}  # owners only
    _tell(db, user, organisation.id, key="a4")
    assert warn_text_budgets(T0) == 0  # once a month
    with time_machine.travel(datetime(2027, 6, 2, tzinfo=UTC), tick=False):
        for n in range(4):
            _tell(db, user, organisation.id, key=f"june{n}")
        assert warn_text_budgets() == 1
    assert len(_warnings(db, owner)) == 2  # June's inbox and email rows replaced none of May's


def test_the_warning_is_written_in_the_owner_language(db, make, texter):
    owner = make.user(roles=[])
    owner.language = "fr"
    organisation = make.organisation(owner=owner, name="Hôpital Exemple")
    _set(db, make, organisation, 1)
    _tell(db, texter(), organisation.id)
    assert warn_text_budgets(T0) == 1
    email = _warnings(db, owner)[Channel.EMAIL]
    assert email.subject.startswith("Hôpital Exemple a utilisé")
    assert email.body.startswith(f"Bonjour {owner.display_name},")


def test_no_warning_for_a_budget_of_zero(db, make, texter):
    owner = make.user(roles=[])
    organisation = make.organisation(owner=owner)
    _set(db, make, organisation, 0)
    _tell(db, texter(), organisation.id)
    assert warn_text_budgets(T0) == 0


# The pages ----------------------------------------------------------------------------------


def test_an_administrator_sets_the_budget_on_the_organisation_page(app, client, db, make):
    organisation = make.organisation()
    admin = make.user(roles=["admin"])
    sign_in(client, admin.email)
    page = f"/admin/organisations/{organisation.id}"
    url = f"{page}/text-budget"
    text = client.get(page).get_data(as_text=True)
    assert "have used 0 of its 500 segments" in text
    assert "It has the service's default budget." in text
    response = submit(client, url, {"segments": "120"}, page=page)
    assert response.status_code == 302
    assert budgets.usage(db.session, organisation.id).budget == 120
    refused = submit(client, url, {"segments": "twelve"}, page=page)
    assert refused.status_code == 200
    assert "Enter the budget as a whole number of segments" in refused.get_data(as_text=True)
    assert submit(client, url, {"segments": ""}, page=page).status_code == 302
    assert budgets.usage(db.session, organisation.id).is_default
    assert client.post(url, data={"segments": "5"}).status_code == 400  # no CSRF token


def test_only_administrators_may_set_a_budget(app, client, db, make):
    owner = make.user(roles=[])
    organisation = make.organisation(owner=owner)
    sign_in(client, owner.email)
    page = f"/organisations/{organisation.id}"
    response = submit(
        client,
        f"/admin/organisations/{organisation.id}/text-budget",
        {"segments": "9999"},
        page=page,
    )
    assert response.status_code == 403
    assert budgets.usage(db.session, organisation.id).is_default


def test_members_see_this_month_usage_and_outsiders_do_not(app, client, db, make, texter):
    owner = make.user(roles=[])
    organisation = make.organisation(owner=owner)
    _set(db, make, organisation, 10)
    _tell(db, texter(), organisation.id)
    sign_in(client, owner.email)
    text = client.get(f"/organisations/{organisation.id}").get_data(as_text=True)
    assert "have used 1 of the 10 segments they may use this month" in text
    sign_out(client)
    outsider = make.user()
    sign_in(client, outsider.email)
    text = client.get(f"/organisations/{organisation.id}").get_data(as_text=True)
    assert organisation.name in text
    assert "segments" not in text


def test_a_coordinator_sees_their_organisation_usage_but_cannot_set_it(app, client, db, make):
    charity = make.organisation(kind="charity", country="GB")
    coordinator = make.coordinator(charity)
    sign_in(client, coordinator.email)
    text = client.get(f"/organisations/{charity.id}").get_data(as_text=True)
    assert "have used 0 of the 500 segments they may use this month" in text
    assert "A platform administrator sets the budget." in text
    assert f"/admin/organisations/{charity.id}" not in text


# Several workers at once --------------------------------------------------------------------


def test_two_workers_never_both_take_the_last_segments(committed, database_url, notify):
    """Eight workers queue a text each at the same moment against a budget of three: exactly
    three are texted and five go by email, with the count at three."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite lets one writer in at a time: the race is PostgreSQL's")
    app = committed.app
    app.config.update(notify.settings())
    workers = 8
    with app.app_context():
        session = _db.session
        organisation = Organisation(
            name="Busy trust", kind="nhs_trust", country="GB", verification=Verification.VERIFIED
        )
        admin = User(email="budget-admin@example.org", display_name="Admin", password_hash="x")
        people = [
            User(email=f"racer{n}@example.org", display_name=f"Racer {n}", password_hash="x")
            for n in range(workers)
        ]
        session.add_all([organisation, admin, *people])
        session.flush()
        session.add(Membership(user=admin, organisation=organisation, role=MemberRole.OWNER))
        for n, person in enumerate(people):
            session.add(
                MobileNumber(
                    user_id=person.id,
                    number=f"+4479000000{n:02d}",
                    confirmed_at=T0,
                    code_attempts=0,
                    codes_sent=0,
                )
            )
            services.set_preferences(session, person, {"engagement_update": "sms"}, {"sms"})
        budgets.set_budget(session, admin, organisation, 3)
        session.commit()
        organisation_id = organisation.id
        ids = [person.id for person in people]
        session.remove()

    start = threading.Barrier(workers)
    errors: list[BaseException] = []

    def worker(user_id: int) -> None:
        try:
            with app.app_context():
                session = _db.session
                person = session.get(User, user_id)
                start.wait(timeout=10)
                services.notify(
                    session,
                    person,
                    "engagement_update",
                    subject="Answered",
                    template="notifications_message",
                    organisation_id=organisation_id,
                    message="Your application was accepted.",
                )
                session.commit()
                session.remove()
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(user_id,)) for user_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    with app.app_context():
        session = _db.session
        channels = dict(
            session.execute(
                select(Notification.channel, func.count())
                .where(Notification.channel != Channel.INBOX)
                .group_by(Notification.channel)
            ).all()
        )
        assert channels == {Channel.SMS: 3, Channel.EMAIL: 5}
        assert budgets.usage(session, organisation_id).used == 3
        session.remove()
