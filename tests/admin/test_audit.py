"""The audit log as administrators read it: labels, names, filters, pages."""

import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from diaspora.audit.models import AuditEvent
from tests.helpers import error_summary, sign_in, submit


def _html(response) -> str:
    return response.get_data(as_text=True)


def _rows(response) -> list[str]:
    body = re.search(r"<tbody[^>]*>(.*?)</tbody>", _html(response), re.S)
    rows = re.findall(r"<tr [^>]*>(.*?)</tr>", body.group(1), re.S) if body else []
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]


def _event(db, action: str, *, at: datetime, actor=None, subject=None, **details) -> AuditEvent:
    event = AuditEvent(
        action=action,
        at=at,
        actor_id=actor.id if actor else None,
        subject_type=type(subject).__name__ if subject is not None else None,
        subject_id=subject.id if subject is not None else None,
        details=details,
    )
    db.session.add(event)
    db.session.commit()
    return event


def _admin(make, client, **kwargs):
    admin = make.user(roles=["admin"], name="Ada Admin", **kwargs)
    sign_in(client, admin.email)
    return admin


def test_events_show_labels_and_names_with_links(client, db, make):
    admin = _admin(make, client)
    person = make.user(name="Shirin Akter", email="shirin@example.org")
    organisation = make.organisation(name="Sylhet Health Link", verified=False)
    _event(db, "role.granted", at=datetime.now(UTC), actor=admin, subject=person, role="admin")
    _event(db, "organisation.verified", at=datetime.now(UTC), actor=admin, subject=organisation)
    _event(db, "engagement.expired", at=datetime.now(UTC))
    page = client.get("/admin/audit?action=")
    html = _html(page)
    assert page.status_code == 200
    rows = _rows(page)
    assert not any("role.granted" in row or f"User {person.id}" in row for row in rows)
    expired, verified, granted = rows[0], rows[1], rows[2]
    assert "Role given" in granted and "Person Shirin Akter" in granted
    assert "Role: admin" in granted and "Ada Admin" in granted
    assert f'href="/admin/users/{person.id}">Shirin Akter</a>' in html
    assert f'href="/admin/users/{admin.id}">Ada Admin</a>' in html
    assert "Organisation verified" in verified and "Sylhet Health Link" in verified
    assert f'href="/admin/organisations/{organisation.id}">Sylhet Health Link</a>' in html
    assert "Application expired unanswered" in expired and "The service" in expired
    assert re.search(r'<option value="role.granted"\s*>\s*Role given\s*</option>', html)


def test_filter_by_action(client, db, make):
    admin = _admin(make, client)
    _event(db, "role.granted", at=datetime.now(UTC), actor=admin, subject=admin, role="admin")
    _event(db, "cohort.created", at=datetime.now(UTC), actor=admin)
    response = client.get("/admin/audit?action=cohort.created")
    rows = _rows(response)
    assert len(rows) == 1 and "Cohort created" in rows[0]
    assert re.search(
        r'<option value="cohort.created"\s+selected\s*>\s*Cohort created', _html(response)
    )
    response = client.get("/admin/audit?action=no.such.code")
    assert error_summary(response) == ["Select an action from the list"]


def test_find_a_person_puts_only_their_id_in_the_address(client, db, make):
    admin = _admin(make, client)
    shirin = make.user(name="Shirin Akter", email="shirin@example.org")
    kofi = make.user(name="Kofi Asante", email="kofi@example.org")
    _event(db, "account.password_changed", at=datetime.now(UTC), actor=shirin, subject=shirin)
    _event(db, "account.disabled", at=datetime.now(UTC), actor=admin, subject=shirin)
    _event(db, "account.password_changed", at=datetime.now(UTC), actor=kofi, subject=kofi)

    response = submit(
        client, "/admin/audit?action=account.password_changed", {"q": "SHIRIN@example"}
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "shirin" not in location.lower() and "example" not in location
    assert parse_qs(urlsplit(location).query) == {
        "action": ["account.password_changed"],
        "person": [str(shirin.id)],
    }
    rows = _rows(client.get(location))
    assert len(rows) == 1 and "Shirin Akter" in rows[0]

    # Without the action: what she did and what was done to her account, not Kofi's.
    rows = _rows(client.get(f"/admin/audit?person={shirin.id}"))
    assert len(rows) == 2 and all("Kofi" not in row for row in rows)
    assert any("Account disabled" in row and "Ada Admin" in row for row in rows)


def test_find_a_person_offers_a_choice_or_says_nobody(client, db, make):
    _admin(make, client)
    first = make.user(name="Nadia Rahman", email="nadia.r@example.org")
    make.user(name="Nadia Begum", email="nadia.b@example.org")
    response = submit(client, "/admin/audit", {"q": "nadia"})
    assert response.status_code == 200
    html = _html(response)
    assert "Choose a person" in html
    assert f'href="/admin/audit?person={first.id}"' in html
    assert "nadia.b@example.org" in html  # on the page, never in an address
    assert "Nobody found" in _html(submit(client, "/admin/audit", {"q": "zzz-nobody"}))
    assert error_summary(submit(client, "/admin/audit", {"q": " "})) == [
        "Enter a name or email address"
    ]


def test_the_person_search_needs_a_csrf_token(client, make):
    _admin(make, client)
    assert client.post("/admin/audit", data={"q": "nadia"}).status_code == 400


def test_dates_are_the_viewers_local_days(client, db, make):
    admin = make.user(roles=["admin"], name="Ada Admin")
    admin.time_zone = "Asia/Dhaka"  # UTC+6
    db.session.commit()
    sign_in(client, admin.email)
    # 1 March in Dhaka runs from 28 February 18:00 to 1 March 18:00 UTC.
    _event(db, "cohort.created", at=datetime(2026, 2, 28, 17, 59, tzinfo=UTC), note="before")
    _event(db, "cohort.created", at=datetime(2026, 2, 28, 18, 0, tzinfo=UTC), note="first")
    _event(db, "cohort.created", at=datetime(2026, 3, 1, 17, 59, tzinfo=UTC), note="last")
    _event(db, "cohort.created", at=datetime(2026, 3, 1, 18, 0, tzinfo=UTC), note="after")
    day = "since-day=1&since-month=3&since-year=2026&until-day=1&until-month=3&until-year=2026"
    rows = _rows(client.get(f"/admin/audit?action=cohort.created&{day}"))
    assert [row.split("Note: ")[1].split()[0] for row in rows] == ["last", "first"]
    assert "1 Mar 2026 00:00:00" in rows[1]  # shown in the viewer's zone too

    response = client.get(
        "/admin/audit?since-day=2&since-month=3&since-year=2026&until-day=1&until-month=3"
        "&until-year=2026"
    )
    assert error_summary(response) == ["To date must be the same as or after the From date"]
    assert error_summary(client.get("/admin/audit?since-day=31&since-month=2&since-year=2026")) == [
        "From date must be a real date"
    ]


def test_the_log_comes_a_page_at_a_time(client, db, make):
    admin = _admin(make, client)
    for n in range(30):
        _event(db, "cohort.created", at=datetime(2026, 1, 1, 0, n, tzinfo=UTC), actor=admin, n=n)
    first = client.get("/admin/audit?action=cohort.created")
    assert len(_rows(first)) == 25
    assert "30 events matching the filters, newest first: 1 to 25" in re.sub(
        r"\s+", " ", _html(first)
    )
    assert 'href="/admin/audit?action=cohort.created&amp;page=2"' in _html(first)
    second = client.get("/admin/audit?action=cohort.created&page=2")
    assert [row.split("N: ")[1].split()[0] for row in _rows(second)] == ["4", "3", "2", "1", "0"]
    assert len(_rows(client.get("/admin/audit?action=cohort.created&page=99"))) == 5


def test_a_page_of_the_log_runs_a_fixed_number_of_queries(client, db, make, queries):
    admin = _admin(make, client)

    def add(count: int) -> None:
        for _ in range(count):
            person = make.user()
            organisation = make.organisation(verified=False)
            _event(db, "role.granted", at=datetime.now(UTC), actor=person, subject=person)
            _event(
                db, "organisation.created", at=datetime.now(UTC), actor=admin, subject=organisation
            )

    def run() -> int:
        with queries.count():
            response = client.get(f"/admin/audit?person={admin.id}")
        assert response.status_code == 200
        return len(queries)

    add(2)
    few = run()
    add(10)
    many = run()
    assert few == many, queries.statements


def test_the_users_list_shows_role_labels(client, make):
    _admin(make, client)
    partner = make.user(roles=["staff"], name="Pat Partner")
    make.organisation(owner=partner)
    html = _html(client.get("/admin/users?q=pat"))
    assert "NHS staff member, Partner organisation member" in html
    assert ">staff<" not in html and "partner," not in html
    assert "Partner organisation member" in _html(client.get(f"/admin/users/{partner.id}"))


def test_only_administrators_read_the_log(client, make, login_as):
    login_as("staff")
    assert client.get("/admin/audit").status_code == 403
    other = make.user()
    assert client.get(f"/admin/audit?person={other.id}").status_code == 403
