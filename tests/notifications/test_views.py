"""The inbox, the header's unread count, preferences and the administrators' outbox page."""

import re
from datetime import timedelta

from diaspora.audit.models import AuditEvent
from diaspora.core.time import utcnow
from diaspora.notifications.models import Channel, DeliveryState, Notification
from tests.helpers import csrf_token, error_summary, submit

INBOX = "/notifications"
PREFERENCES = "/notifications/preferences"
OUTBOX = "/admin/outbox"


def _html(response) -> str:
    return response.get_data(as_text=True)


def _reload(db, row) -> Notification:
    db.session.expire_all()
    return db.session.get(Notification, row.id)


# The inbox -----------------------------------------------------------------------------------


def test_the_inbox_needs_signing_in(client, db):
    assert client.get(INBOX).status_code == 302


def test_the_inbox_lists_my_due_messages_newest_first_unread_tagged(client, login_as, queue):
    me = login_as("staff")
    now = utcnow()
    queue(me, Channel.INBOX, subject="Older and read", due_at=now - timedelta(days=2), read_at=now)
    queue(me, Channel.INBOX, subject="Newer and unread", due_at=now - timedelta(hours=1))
    queue(me, Channel.INBOX, subject="Not due yet", due_at=now + timedelta(hours=1))
    queue(me, Channel.EMAIL, subject="Only an email")
    queue(me, Channel.INBOX, subject="Cancelled one", state=DeliveryState.CANCELLED)

    html = _html(client.get(INBOX))
    assert "<title>Your messages \u2013 " in html
    assert html.count("<h1") == 1
    assert html.index("Newer and unread") < html.index("Older and read")
    for hidden in ("Not due yet", "Only an email", "Cancelled one"):
        assert hidden not in html
    unread = re.search(r"Unread\s*</strong>\s*<strong>Newer and unread</strong>", html)
    assert unread, "the unread message is tagged and in bold"
    assert "You have 1 unread message." in html
    assert re.search(r'Open<span class="nhsuk-u-visually-hidden">: Newer and unread</span>', html)
    assert "Mark all as read" in html


def test_opening_a_message_marks_it_read_and_goes_to_its_link(client, login_as, queue, db):
    me = login_as("staff")
    row = queue(me, Channel.INBOX, link="/engagements/7")
    assert client.get(f"/notifications/{row.id}/open").status_code == 405  # a GET changes nothing
    response = submit(client, f"/notifications/{row.id}/open", {}, page=INBOX)
    assert response.status_code == 302
    assert response.location == "/engagements/7"
    assert _reload(db, row).read_at is not None


def test_a_message_without_a_safe_link_returns_to_the_inbox(client, login_as, queue, db):
    me = login_as("staff")
    row = queue(me, Channel.INBOX, link="https://elsewhere.example/phish")
    response = submit(client, f"/notifications/{row.id}/open", {}, page=INBOX)
    assert response.location == INBOX
    assert _reload(db, row).read_at is not None


def test_nobody_opens_someone_elses_message(client, login_as, make, queue, db):
    theirs = queue(make.user(), Channel.INBOX)
    login_as("staff")
    response = submit(client, f"/notifications/{theirs.id}/open", {}, page=INBOX)
    assert response.status_code == 404
    assert _reload(db, theirs).read_at is None
    assert theirs.subject not in _html(client.get(INBOX))


def test_mark_all_as_read(client, login_as, make, queue, db):
    me = login_as("staff")
    mine = [queue(me, Channel.INBOX) for _ in range(3)]
    theirs = queue(make.user(), Channel.INBOX)
    response = submit(client, "/notifications/read-all", {}, page=INBOX)
    assert response.status_code == 302
    assert all(_reload(db, row).read_at is not None for row in mine)
    assert _reload(db, theirs).read_at is None
    assert "3 messages marked as read." in _html(client.get(INBOX))


def test_the_inbox_is_paginated(client, login_as, queue):
    me = login_as("staff")
    now = utcnow()
    for n in range(25):
        due = now - timedelta(minutes=n)
        queue(me, Channel.INBOX, subject=f"Message number {n:02d}", due_at=due)
    first = _html(client.get(INBOX))
    assert "Message number 00" in first and "Message number 19" in first
    assert "Message number 20" not in first
    second = _html(client.get(f"{INBOX}?page=2"))
    assert "Message number 24" in second and "Message number 00" not in second


def test_the_inbox_runs_as_many_queries_for_3_messages_as_for_20(client, login_as, queue, queries):
    me = login_as("staff")
    counts = []
    for total in (3, 20):
        while len(list(Notification.query.filter_by(recipient_id=me.id))) < total:
            queue(me, Channel.INBOX)
        with queries.count():
            assert client.get(INBOX).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# The header ----------------------------------------------------------------------------------


def test_the_header_shows_the_unread_count_in_words(client, login_as, queue):
    me = login_as("staff")
    assert re.search(r">\s*Inbox\s*<", _html(client.get("/account")))
    queue(me, Channel.INBOX)
    queue(me, Channel.INBOX)
    queue(me, Channel.INBOX, due_at=utcnow() + timedelta(days=1))  # not due: not counted
    html = _html(client.get("/account"))
    assert "Inbox (2 unread)" in html
    assert 'href="/notifications"' in html


def test_the_unread_count_costs_one_query_and_none_for_visitors(client, login_as, db, queries):
    with queries.count():
        client.get("/")
    assert not any("notifications" in s for s in queries.statements)
    login_as("staff")
    with queries.count():
        client.get("/account")
    assert sum("FROM notifications" in s for s in queries.statements) == 1


# Preferences ---------------------------------------------------------------------------------


def test_the_preferences_page_shows_every_kind_with_its_choice(client, login_as):
    login_as("staff")
    html = _html(client.get(PREFERENCES))
    assert "<title>Message preferences \u2013 " in html
    assert "Teaching session reminders" in html
    assert "Plan milestone reminders" in html
    # a session reminder cannot wait for the summary: two choices, not three
    assert 'name="booking_reminder" type="radio" value="digest"' not in html
    assert re.search(r'name="milestone_reminder" type="radio" value="digest" checked', html)


def test_saving_preferences(client, login_as, make, db):
    me = login_as("staff")
    response = submit(
        client,
        PREFERENCES,
        {
            "engagement_update": "off",
            "booking_update": "digest",
            "booking_reminder": "immediate",
            "hours_update": "digest",
            "milestone_reminder": "immediate",
            "milestone_overdue": "immediate",
            "credential_expiry": "immediate",
        },
    )
    assert response.status_code == 302
    assert "Your message preferences have been saved." in _html(client.get(PREFERENCES))
    from diaspora.notifications.services import preference_for

    assert preference_for(db.session, me.id, "engagement_update") == ("inbox", False)
    assert preference_for(db.session, me.id, "booking_update") == ("email", True)
    assert preference_for(db.session, me.id, "milestone_reminder") == ("email", False)


def test_a_bad_choice_shows_the_error_summary_and_saves_nothing(client, login_as, db):
    me = login_as("staff")
    response = submit(client, PREFERENCES, {"booking_reminder": "digest"})
    assert response.status_code == 200
    wanted = "Select how you want messages about teaching session reminders"
    assert wanted in error_summary(response)
    from diaspora.notifications.models import NotificationPreference

    assert db.session.scalar(db.select(NotificationPreference).filter_by(user_id=me.id)) is None


# The outbox ----------------------------------------------------------------------------------


def test_the_outbox_is_for_administrators_only(client, login_as):
    login_as("coordinator")
    assert client.get(OUTBOX).status_code == 403
    token = csrf_token(client, "/account")
    assert client.post("/admin/outbox/retry-all", data={"csrf_token": token}).status_code == 403


def test_the_outbox_counts_and_lists_failed_emails_without_addresses(client, login_as, make, queue):
    login_as("admin")
    person = make.user(name="Farida Begum", email="farida@example.org")
    queue(person)
    queue(person, state=DeliveryState.SENDING, claimed_at=utcnow())
    queue(person, state=DeliveryState.SENT, sent_at=utcnow())
    failed = queue(
        person, state=DeliveryState.FAILED, attempts=6, last_error="SMTPDataError 451: later"
    )
    html = _html(client.get(OUTBOX))
    assert "<title>Outbox \u2013 " in html
    by_channel = html.split('id="receipts"')[0]
    counts = {
        channel: re.findall(r'--numeric" role="cell">(\d+)</td>', cells)
        for channel, cells in re.findall(
            r'<th scope="row"[^>]*>([^<]+)</th>(.*?)</tr>', by_channel, re.S
        )
    }
    # waiting, being sent, sent today, failed
    assert counts == {
        "Email": ["1", "1", "1", "1"],
        "Text message": ["0", "0", "0", "0"],
        "WhatsApp": ["0", "0", "0", "0"],
    }
    assert f"Farida Begum (user {person.id})" in html
    assert "SMTPDataError 451: later" in html
    assert "farida@example.org" not in html
    assert f"/admin/outbox/{failed.id}/retry" in html


def test_the_outbox_gives_the_services_own_reasons_in_the_readers_language(
    client, login_as, make, queue
):
    """A reason the service wrote is translated; a gateway's own words are shown as given."""
    admin = login_as("admin")
    admin.language = "fr"
    person = make.user()
    queue(person, state=DeliveryState.FAILED, last_error="Not sent: WhatsApp is not configured")
    queue(person, state=DeliveryState.FAILED, last_error="SMTPDataError 451: later")
    html = _html(client.get(OUTBOX))
    assert "Non envoyé : WhatsApp n\u2019est pas configuré" in html
    assert "Not sent:" not in html
    assert "SMTPDataError 451: later" in html


def test_an_administrator_retries_one_failed_email_and_it_is_audited(
    client, login_as, make, queue, db
):
    admin = login_as("admin")
    failed = queue(make.user(), state=DeliveryState.FAILED, attempts=6, last_error="x")
    response = submit(client, f"/admin/outbox/{failed.id}/retry", {}, page=OUTBOX)
    assert response.status_code == 302
    row = _reload(db, failed)
    assert (row.state, row.attempts) == (DeliveryState.PENDING, 0)
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="notification.retried"))
    assert (event.actor_id, event.subject_type, event.subject_id) == (
        admin.id,
        "Notification",
        failed.id,
    )
    # a row that is not failed cannot be retried
    assert submit(client, f"/admin/outbox/{failed.id}/retry", {}, page=OUTBOX).status_code == 404


def test_an_administrator_retries_all_failed_emails(client, login_as, make, queue, db):
    login_as("admin")
    rows = [queue(make.user(), state=DeliveryState.FAILED, attempts=6) for _ in range(3)]
    sent = queue(make.user(), state=DeliveryState.SENT)
    response = submit(client, "/admin/outbox/retry-all", {}, page=OUTBOX)
    assert response.status_code == 302
    assert {_reload(db, r).state for r in rows} == {DeliveryState.PENDING}
    assert _reload(db, sent).state == DeliveryState.SENT
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="notification.retried_all"))
    assert event.details == {"count": 3}
