"""The bookings API: places on tele-teaching sessions, the waiting list, cancelling, the
organisation's list of a session's bookings; and capacity under concurrency, through HTTP."""

import json
import threading
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from diaspora.api import tokens
from diaspora.auth.models import User, UserRole
from diaspora.core.time import utcnow
from diaspora.engagements.models import Engagement
from diaspora.extensions import db as _db
from diaspora.notifications.models import Notification
from diaspora.opportunities.models import TeachingSession
from diaspora.registry.models import StaffProfile
from tests.bookings import conftest as bookings_fixtures

committed_database = bookings_fixtures.committed_database  # a database of its own, committed


@pytest.fixture
def partner(make):
    return make.user(roles=["partner"], name="Hana Host")


@pytest.fixture
def teaching(make, partner):
    organisation = make.organisation(owner=partner, name="Sylhet Nursing College")
    return make.opportunity(
        organisation,
        kind="teaching",
        capacity=2,
        title="Neonatal resuscitation",
        join_link="https://meet.example.org/secret-room",
    )


@pytest.fixture
def staff(make):
    def _staff(name: str | None = None) -> User:
        return make.profile(make.user(name=name)).user

    return _staff


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.get_json()


def _book(call, user, session_id: int, **body):
    return call(user, "POST", f"/sessions/{session_id}/bookings", body)


def test_book_a_place_then_full_then_waiting_list(call, teaching, staff, db):
    session_id = teaching.sessions[0].id
    first, second, third = staff("First"), staff("Second"), staff("Third")
    booked = _book(call, first, session_id)
    assert booked.status_code == 201, booked.get_data(as_text=True)
    body = booked.get_json()
    assert body["state"] == "accepted" and body["waiting_position"] is None
    assert body["join_link"] == "https://meet.example.org/secret-room"
    assert body["starts_at"].endswith("+00:00") and body["host_time_zone"] == "Asia/Dhaka"
    assert body["person"] is None
    assert _book(call, second, session_id).status_code == 201

    full = _problem(_book(call, third, session_id), 409)
    assert full["detail"] == "This session is full. You can join the waiting list instead."
    waiting = _book(call, third, session_id, join_waiting_list=True)
    assert waiting.status_code == 201
    assert waiting.get_json()["state"] == "waiting"
    assert waiting.get_json()["waiting_position"] == 1
    assert waiting.get_json()["join_link"] is None  # only people with a place see it
    assert db.session.get(TeachingSession, session_id).booked == 2

    again = _problem(_book(call, first, session_id), 409)
    assert again["detail"] == "You have already booked this session."
    again = _problem(_book(call, third, session_id, join_waiting_list=True), 409)
    assert again["detail"] == "You are already on the waiting list for this session."


def test_cancelling_promotes_the_first_waiting(call, teaching, staff, db):
    session_id = teaching.sessions[0].id
    holder, other, waiting = staff(), staff(), staff("Wanda Waiting")
    booking = _book(call, holder, session_id).get_json()
    _book(call, other, session_id)
    queued = _book(call, waiting, session_id, join_waiting_list=True).get_json()

    assert call(holder, "DELETE", f"/bookings/{booking['id']}").status_code == 204
    assert db.session.get(Engagement, booking["id"]).state == "withdrawn"
    assert db.session.get(Engagement, queued["id"]).state == "accepted"
    subjects = db.session.scalars(
        select(Notification.subject).where(Notification.recipient_id == waiting.id)
    ).all()
    assert "You have a place: Neonatal resuscitation" in subjects
    again = _problem(call(holder, "DELETE", f"/bookings/{booking['id']}"), 409)
    assert "nothing to cancel" in again["detail"]
    # a cancelled booking may be taken again: to the end of the waiting list now
    rebooked = _book(call, holder, session_id, join_waiting_list=True)
    assert rebooked.status_code == 201 and rebooked.get_json()["id"] == booking["id"]
    assert rebooked.get_json()["state"] == "waiting"


def test_only_the_booker_cancels(call, teaching, staff, partner, make):
    session_id = teaching.sessions[0].id
    booking = _book(call, staff(), session_id).get_json()
    assert _problem(call(partner, "DELETE", f"/bookings/{booking['id']}"), 403)
    _problem(call(staff(), "DELETE", f"/bookings/{booking['id']}"), 404)
    _problem(call(staff(), "DELETE", "/bookings/999999"), 404)
    project = make.opportunity(teaching.organisation)
    owner = staff()
    not_a_booking = make.engagement(project, owner)
    _problem(call(owner, "DELETE", f"/bookings/{not_a_booking.id}"), 404)


def test_a_started_session_cannot_be_cancelled_or_booked(call, make, partner, staff, db):
    organisation = make.organisation(owner=partner)
    teaching = make.opportunity(organisation, kind="teaching")
    teaching_session = teaching.sessions[0]
    person = staff()
    booking = _book(call, person, teaching_session.id).get_json()
    teaching_session.starts_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    refused = _problem(call(person, "DELETE", f"/bookings/{booking['id']}"), 409)
    assert "already started" in refused["detail"]
    late = _problem(_book(call, staff(), teaching_session.id), 409)
    assert "already started" in late["detail"]


def test_who_may_book(call, teaching, partner, make, staff):
    session_id = teaching.sessions[0].id
    assert "Only NHS staff" in _problem(_book(call, partner, session_id), 403)["detail"]
    newcomer = make.user(roles=["staff"])
    assert "Complete your profile" in _problem(_book(call, newcomer, session_id), 409)["detail"]
    _problem(_book(call, staff(), 999999), 404)
    draft = make.opportunity(teaching.organisation, kind="teaching", status="draft")
    _problem(_book(call, staff(), draft.sessions[0].id), 404)
    read_only = call(staff(), "POST", f"/sessions/{session_id}/bookings", {}, scope="read")
    assert _problem(read_only, 403)["detail"] == "This token is read only."
    bad = _problem(_book(call, staff(), session_id, join_waiting_list="perhaps"), 422)
    assert [e["pointer"] for e in bad["errors"]] == ["#/join_waiting_list"]


def test_my_bookings(call, teaching, staff, make):
    person = staff()
    later = make.opportunity(teaching.organisation, kind="teaching", sessions=2)
    _book(call, person, later.sessions[1].id)
    _book(call, person, teaching.sessions[0].id)
    first = _book(call, person, later.sessions[0].id).get_json()
    call(person, "DELETE", f"/bookings/{first['id']}")

    listing = call(person, "GET", "/bookings").get_json()
    assert listing["total"] == 3
    starts = [item["starts_at"] for item in listing["items"]]
    assert starts == sorted(starts)
    live = call(person, "GET", "/bookings?state=accepted").get_json()
    assert {item["session_id"] for item in live["items"]} == {
        later.sessions[1].id,
        teaching.sessions[0].id,
    }
    assert call(person, "GET", "/bookings?upcoming=false").get_json()["total"] == 0
    assert call(staff(), "GET", "/bookings").get_json()["total"] == 0
    bad = _problem(call(person, "GET", "/bookings?state=booked"), 422)
    assert bad["errors"][0]["parameter"] == "state"
    assert call(person, "GET", "/engagements?kind=teaching").get_json()["total"] == 3


def test_the_organisation_lists_a_sessions_bookings(call, teaching, staff, partner, make):
    session_id = teaching.sessions[0].id
    people = [staff(f"Person {n}") for n in range(4)]
    for person in people:
        _book(call, person, session_id, join_waiting_list=True)
    listing = call(partner, "GET", f"/sessions/{session_id}/bookings").get_json()
    assert listing["total"] == 4
    assert [(i["state"], i["person"], i["waiting_position"]) for i in listing["items"]] == [
        ("accepted", "Person 0", None),
        ("accepted", "Person 1", None),
        ("waiting", None, 1),  # the attendance page names only people with a place
        ("waiting", None, 2),
    ]
    assert all(item["join_link"] is None for item in listing["items"])
    waiting = call(partner, "GET", f"/sessions/{session_id}/bookings?state=waiting").get_json()
    assert waiting["total"] == 2

    other_partner = make.user(roles=["partner"])
    make.organisation(owner=other_partner)
    _problem(call(other_partner, "GET", f"/sessions/{session_id}/bookings"), 403)
    _problem(call(people[0], "GET", f"/sessions/{session_id}/bookings"), 403)
    _problem(call(partner, "GET", "/sessions/999999/bookings"), 404)
    draft = make.opportunity(teaching.organisation, kind="teaching", status="draft")
    _problem(call(other_partner, "GET", f"/sessions/{draft.sessions[0].id}/bookings"), 404)
    assert call(partner, "GET", f"/sessions/{draft.sessions[0].id}/bookings").status_code == 200


# 200 people, 20 places, all at once, through HTTP --------------------------------------------

ATTEMPTS = 200
CAPACITY = 20


def _bookers(count: int) -> list[str]:
    """`count` staff members with completed profiles, each with a read-write token."""
    now = utcnow()
    users = []
    for n in range(count):
        user = User(
            email=f"api-booker{n}@example.org",
            display_name=f"Booker {n}",
            password_hash="not-used",
            email_verified_at=now,
        )
        user.roles = [UserRole(role="staff")]
        _db.session.add(user)
        _db.session.add(
            StaffProfile(
                user=user, profession="adult_nurse", completed_at=now, visibility="private"
            )
        )
        users.append(user)
    _db.session.flush()
    secrets = [tokens.create(_db.session, user, "Rota", "read-write")[1] for user in users]
    _db.session.commit()
    return secrets


def _post(url: str, secret: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 (the test's own http:// server)
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _all_at_once(url: str, secrets: list[str], body: dict) -> list[tuple[int, dict]]:
    start = threading.Barrier(len(secrets))

    def run(secret: str) -> tuple[int, dict]:
        start.wait(timeout=60)
        return _post(url, secret, body)

    with ThreadPoolExecutor(max_workers=len(secrets)) as pool:
        return list(pool.map(run, secrets))


def test_200_people_booking_20_places_at_once_through_the_api(committed_database):
    """A real HTTP server (threaded, one database connection per request) and 200 clients
    released together, on two sessions: one asked for a place only (20 get one, 180 get 409),
    one with the waiting list (20 places, 180 waiting in order). Never oversold, never a 5xx."""
    app = committed_database.app
    secrets = _bookers(ATTEMPTS)
    opportunity = committed_database.factories().opportunity(
        kind="teaching",
        sessions=2,
        capacity=CAPACITY,
        starts_at=(utcnow() + timedelta(days=3)).replace(microsecond=0),
    )
    session_ids = [s.id for s in opportunity.sessions]
    _db.session.rollback()  # on SQLite an open read would block every commit
    server = make_server("127.0.0.1", 0, app, threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    base = f"http://127.0.0.1:{server.server_port}/api/v1"
    try:
        for session_id, waiting_list in zip(session_ids, (False, True), strict=True):
            url = f"{base}/sessions/{session_id}/bookings"
            answers = _all_at_once(url, secrets, {"join_waiting_list": waiting_list})

            statuses = Counter(status for status, _ in answers)
            assert statuses == (
                {201: ATTEMPTS} if waiting_list else {201: CAPACITY, 409: ATTEMPTS - CAPACITY}
            )
            states = Counter(body.get("state") for status, body in answers if status == 201)
            refused = {body["detail"] for status, body in answers if status == 409}
            if waiting_list:
                assert states == {"accepted": CAPACITY, "waiting": ATTEMPTS - CAPACITY}
                positions = sorted(
                    b["waiting_position"] for _, b in answers if b["state"] == "waiting"
                )
                assert positions == list(range(1, ATTEMPTS - CAPACITY + 1))
            else:
                assert states == {"accepted": CAPACITY}
                assert refused == {"This session is full. You can join the waiting list instead."}

            _db.session.expire_all()
            assert _db.session.get(TeachingSession, session_id).booked == CAPACITY
            rows = Counter(
                _db.session.scalars(
                    select(Engagement.state).where(Engagement.session_id == session_id)
                )
            )
            expected = {"accepted": CAPACITY}
            if waiting_list:
                expected["waiting"] = ATTEMPTS - CAPACITY
            assert rows == expected
            _db.session.rollback()
    finally:
        server.shutdown()
        serving.join(timeout=10)


def test_a_page_of_bookings_costs_the_same_whatever_its_length(
    call, teaching, staff, partner, queries
):
    session_id = teaching.sessions[0].id
    path = f"/sessions/{session_id}/bookings"
    counts = []
    for _ in range(2):
        for _ in range(3):
            _book(call, staff(), session_id, join_waiting_list=True)
        call(partner, "GET", path)  # the token's first use is noted once
        with queries.count():
            assert call(partner, "GET", path).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
