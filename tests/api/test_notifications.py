"""The notifications API: the caller's own inbox, newest first, read one by one or all at once;
nobody else's message is ever found."""

from datetime import timedelta

import pytest

from diaspora.core.time import utcnow
from diaspora.notifications.models import Channel, DeliveryState, Notification

API = "/api/v1"


@pytest.fixture
def message(db):
    """message(user, subject, minutes_ago=..., **fields): an in-app message, shown by default."""

    def _message(user, subject: str, *, minutes_ago: int = 10, **fields) -> Notification:
        row = Notification(
            recipient_id=user.id,
            kind=fields.pop("kind", "milestone_reminder"),
            channel=fields.pop("channel", Channel.INBOX),
            subject=subject,
            body=f"About {subject}.",
            link="/plans/1",
            due_at=utcnow() - timedelta(minutes=minutes_ago),
            state=fields.pop("state", DeliveryState.SENT),
            **fields,
        )
        db.session.add(row)
        db.session.commit()
        return row

    return _message


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.get_json()


def test_the_inbox_lists_shown_messages_newest_first(call, make, message):
    me = make.user()
    older = message(me, "Older", minutes_ago=60)
    newer = message(me, "Newer", minutes_ago=5)
    message(me, "Not yet due", minutes_ago=-60)
    message(me, "Cancelled", state=DeliveryState.CANCELLED)
    message(me, "An email", channel=Channel.EMAIL)
    message(make.user(), "Someone else's")

    response = call(me, "GET", "/notifications")
    assert response.status_code == 200
    page = response.get_json()
    assert (page["total"], page["page"], page["per_page"]) == (2, 1, 20)
    assert [item["id"] for item in page["items"]] == [newer.id, older.id]
    first = page["items"][0]
    assert first["subject"] == "Newer" and first["body"] == "About Newer."
    assert first["kind"] == "milestone_reminder" and first["kind_label"]
    assert first["link"] == "/plans/1" and first["read_at"] is None
    assert first["at"].endswith("+00:00")


def test_the_inbox_pages_and_filters_unread(call, make, message):
    me = make.user()
    rows = [message(me, f"Message {n}", minutes_ago=n) for n in range(1, 6)]
    rows[0].read_at = utcnow()
    message(me, "Read long ago", minutes_ago=100, read_at=utcnow())

    page = call(me, "GET", "/notifications?per_page=2&page=2").get_json()
    assert page["total"] == 6 and [i["subject"] for i in page["items"]] == [
        "Message 3",
        "Message 4",
    ]
    unread = call(me, "GET", "/notifications?unread=true").get_json()
    assert [i["subject"] for i in unread["items"]] == [f"Message {n}" for n in range(2, 6)]
    read = call(me, "GET", "/notifications?unread=false").get_json()
    assert [i["subject"] for i in read["items"]] == ["Message 1", "Read long ago"]

    problem = _problem(call(me, "GET", "/notifications?unread=maybe&per_page=0"), 422)
    assert {e["parameter"] for e in problem["errors"]} == {"unread", "per_page"}


def test_reading_one_does_not_mark_it_and_marking_does(call, make, message, db):
    me = make.user()
    row = message(me, "Hello")
    assert call(me, "GET", f"/notifications/{row.id}").get_json()["read_at"] is None
    db.session.refresh(row)
    assert row.read_at is None

    response = call(me, "POST", f"/notifications/{row.id}/read")
    assert response.status_code == 200
    first = response.get_json()["read_at"]
    assert first is not None
    db.session.refresh(row)
    assert row.read_at is not None
    again = call(me, "POST", f"/notifications/{row.id}/read").get_json()
    assert again["read_at"] == first  # no change


def test_someone_elses_message_is_not_found(call, make, message, db):
    me, other = make.user(), make.user()
    theirs = message(other, "Private")
    hidden = message(me, "Not yet due", minutes_ago=-60)
    for row in (theirs, hidden):
        _problem(call(me, "GET", f"/notifications/{row.id}"), 404)
        _problem(call(me, "POST", f"/notifications/{row.id}/read"), 404)
    db.session.refresh(theirs)
    assert theirs.read_at is None


def test_mark_all_read_counts_what_it_marked(call, make, message, db):
    me, other = make.user(), make.user()
    mine = [message(me, "One"), message(me, "Two"), message(me, "Read", read_at=utcnow())]
    later = message(me, "Later", minutes_ago=-60)
    theirs = message(other, "Theirs")

    response = call(me, "POST", "/notifications/read-all")
    assert response.status_code == 200
    assert response.get_json() == {"marked": 2, "unread": 0}
    for row in [*mine, later, theirs]:
        db.session.refresh(row)
    assert all(row.read_at is not None for row in mine)
    assert later.read_at is None and theirs.read_at is None
    assert call(me, "POST", "/notifications/read-all").get_json() == {"marked": 0, "unread": 0}


def test_a_read_only_token_may_read_but_not_mark(call, make, message, db):
    me = make.user()
    row = message(me, "Hello")
    assert call(me, "GET", "/notifications", scope="read").status_code == 200
    _problem(call(me, "POST", f"/notifications/{row.id}/read", scope="read"), 403)
    _problem(call(me, "POST", "/notifications/read-all", scope="read"), 403)
    db.session.refresh(row)
    assert row.read_at is None


def test_the_inbox_needs_a_token(client, db):
    assert client.get(f"{API}/notifications").status_code == 401
