"""The cohort's messages: the latest on the cohort page, and every one in pages."""

import re
from datetime import timedelta

import pytest

from diaspora.cohorts import services
from diaspora.cohorts.models import CohortMessage
from diaspora.core.time import utcnow
from tests.helpers import sign_in


def _html(response) -> str:
    return response.get_data(as_text=True)


def _subjects(html: str) -> list[str]:
    return re.findall(r'class="nhsuk-card__heading[^"]*">(.*?)</h', html)


def _link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]*)"[^>]*rel="{rel}"', html)
    return found[1] if found else None


def _send(db, make, cohort, count: int, *, senders: bool = False) -> None:
    """`count` messages, "Message 01" the oldest, each a minute apart; with `senders`, each
    from a different coordinator (so a query per sender would show)."""
    start = utcnow() - timedelta(days=1)
    for n in range(1, count + 1):
        sender = make.user(roles=["coordinator"], name=f"Sender {n:02}") if senders else None
        db.session.add(
            CohortMessage(
                cohort_id=cohort.id,
                sender_id=sender.id if sender else None,
                subject=f"Message {n:02}",
                body=f"Body {n:02}",
                sent_at=start + timedelta(minutes=n),
                recipients=3,
            )
        )
    db.session.commit()


def _expected(newest: int, oldest: int) -> list[str]:
    return [f"Message {n:02}" for n in range(newest, oldest - 1, -1)]


@pytest.fixture
def signed_in(client, coordinator):
    sign_in(client, coordinator.email)
    return coordinator


# Services ------------------------------------------------------------------------------------


def test_45_messages_make_3_pages_newest_first(db, make, charity):
    cohort = make.cohort(charity)
    _send(db, make, cohort, 45)
    first = services.message_page(db.session, cohort, 1)
    assert (first.total, first.pages, first.has_prev, first.has_next) == (45, 3, False, True)
    assert [m.subject for m in first.items] == _expected(45, 26)
    second = services.message_page(db.session, cohort, 2)
    assert [m.subject for m in second.items] == _expected(25, 6)
    last = services.message_page(db.session, cohort, 3)
    assert [m.subject for m in last.items] == _expected(5, 1)
    assert (last.first_number, last.last_number, last.has_next) == (41, 45, False)
    assert services.message_page(db.session, cohort, 4) is None
    assert services.message_page(db.session, cohort, 0) is None


def test_messages_sent_at_the_same_moment_keep_their_order(db, make, charity):
    cohort = make.cohort(charity)
    at = utcnow()
    for n in range(1, 4):
        db.session.add(
            CohortMessage(cohort_id=cohort.id, subject=f"Same {n}", body="x", sent_at=at)
        )
    db.session.commit()
    page = services.message_page(db.session, cohort, 1, per_page=2)
    assert [m.subject for m in page.items] == ["Same 3", "Same 2"]
    assert [m.subject for m in services.message_page(db.session, cohort, 2, 2).items] == ["Same 1"]


def test_a_cohort_without_messages_has_one_empty_page(db, make, charity):
    cohort = make.cohort(charity)
    page = services.message_page(db.session, cohort, 1)
    assert (page.items, page.total, page.pages) == ([], 0, 1)
    assert services.message_page(db.session, cohort, 2) is None


def test_the_overview_counts_messages_beyond_those_shown(db, make, charity, coordinator):
    viewer = services.viewer_of(db.session, coordinator)
    few, many = make.cohort(charity), make.cohort(charity)
    _send(db, make, few, 3)
    _send(db, make, many, 45)
    assert services.overview(db.session, few, viewer).message_total == 3
    overview = services.overview(db.session, many, viewer)
    assert (len(overview.messages), overview.message_total) == (services.MESSAGES_SHOWN, 45)


# Pages ---------------------------------------------------------------------------------------


def test_the_cohort_page_links_to_every_message(client, db, make, charity, signed_in):
    cohort = make.cohort(charity)
    _send(db, make, cohort, 45)
    html = _html(client.get(f"/cohorts/{cohort.id}"))
    assert _subjects(html) == _expected(45, 26)
    assert f'<a href="/cohorts/{cohort.id}/messages">See all 45 messages</a>' in html


@pytest.mark.parametrize("count", [0, 1, 20])
def test_no_link_when_the_cohort_page_shows_every_message(
    client, db, make, charity, signed_in, count
):
    cohort = make.cohort(charity)
    _send(db, make, cohort, count)
    html = _html(client.get(f"/cohorts/{cohort.id}"))
    assert len(_subjects(html)) == count
    assert "See all" not in html


def test_the_link_appears_from_21_messages(client, db, make, charity, signed_in):
    cohort = make.cohort(charity)
    _send(db, make, cohort, 21)
    assert "See all 21 messages" in _html(client.get(f"/cohorts/{cohort.id}"))


def test_every_message_in_pages(client, db, make, charity, signed_in):
    cohort = make.cohort(charity, name="Paged cohort")
    _send(db, make, cohort, 45)
    url = f"/cohorts/{cohort.id}/messages"
    pages = [client.get(url, query_string={"page": n}) for n in (1, 2, 3)]
    assert [p.status_code for p in pages] == [200, 200, 200]
    html = [_html(p) for p in pages]
    assert _subjects(html[0]) == _expected(45, 26)
    assert _subjects(html[1]) == _expected(25, 6)
    assert _subjects(html[2]) == _expected(5, 1)
    assert _subjects(_html(client.get(url))) == _subjects(html[0])
    assert "45 messages, newest first. Showing 21 to 40." in html[1]
    assert "Body 25" in html[1]
    for text in html:
        assert len(re.findall(r"<h1[ >]", text)) == 1
        assert 'class="nhsuk-pagination nhsuk-pagination--numbered"' in text
    titles = [re.search(r"<title>(.*?)</title>", text, re.S)[1].strip() for text in html]
    assert titles[1].startswith("Messages to Paged cohort (page 2 of 3)")
    assert len(set(titles)) == 3
    assert _link(html[2], "prev") == f"{url}?page=2"
    assert _link(html[2], "next") is None
    assert _link(html[0], "next") == f"{url}?page=2"
    assert _link(html[0], "prev") is None
    assert 'aria-current="page"' in html[1]


def test_one_page_of_messages_has_no_pagination(client, db, make, charity, signed_in):
    cohort = make.cohort(charity, name="Quiet cohort")
    _send(db, make, cohort, 2)
    html = _html(client.get(f"/cohorts/{cohort.id}/messages"))
    assert _subjects(html) == _expected(2, 1)
    assert "nhsuk-pagination" not in html
    assert re.search(r"<title>\s*Messages to Quiet cohort \S", html)
    assert "A former coordinator" in html  # the sender's account is gone


def test_an_empty_list_says_so(client, db, make, charity, signed_in):
    cohort = make.cohort(charity)
    html = _html(client.get(f"/cohorts/{cohort.id}/messages"))
    assert "No messages have been sent to the cohort yet." in html


@pytest.mark.parametrize(("page", "status"), [("4", 404), ("99999999999999999999", 404)])
def test_a_page_past_the_last_is_not_found(client, db, make, charity, signed_in, page, status):
    cohort = make.cohort(charity)
    _send(db, make, cohort, 45)
    response = client.get(f"/cohorts/{cohort.id}/messages", query_string={"page": page})
    assert response.status_code == status


def test_without_messages_only_the_first_page_exists(client, db, make, charity, signed_in):
    cohort = make.cohort(charity)
    url = f"/cohorts/{cohort.id}/messages"
    assert client.get(url, query_string={"page": "1"}).status_code == 200
    assert client.get(url, query_string={"page": "2"}).status_code == 404


@pytest.mark.parametrize("page", ["0", "-1", "two", ""])
def test_a_page_number_that_is_not_one_shows_the_first_page(
    client, db, make, charity, signed_in, page
):
    """As on every other paged list here: anything but a positive whole number is page 1."""
    cohort = make.cohort(charity)
    _send(db, make, cohort, 25)
    response = client.get(f"/cohorts/{cohort.id}/messages", query_string={"page": page})
    assert response.status_code == 200
    assert _subjects(_html(response)) == _expected(25, 6)


def test_an_archived_cohort_keeps_its_messages_readable(client, db, make, charity, signed_in):
    cohort = make.cohort(charity, archived_at=utcnow())
    _send(db, make, cohort, 25)
    assert "See all 25 messages" in _html(client.get(f"/cohorts/{cohort.id}"))
    second = client.get(f"/cohorts/{cohort.id}/messages", query_string={"page": "2"})
    assert _subjects(_html(second)) == _expected(5, 1)


@pytest.mark.parametrize("who", ["member", "staff", "partner", "other coordinator"])
def test_others_do_not_find_the_messages(client, db, make, login_as, charity, person, who):
    member = person("Amara Obi")
    cohort = make.cohort(charity, members=(member,))
    _send(db, make, cohort, 25)
    if who == "member":
        sign_in(client, member.email)
    elif who == "other coordinator":
        sign_in(client, make.coordinator().email)
    else:
        login_as(who)
    for page in ("1", "2", "3"):
        response = client.get(f"/cohorts/{cohort.id}/messages", query_string={"page": page})
        assert response.status_code == 404
        assert "Message 01" not in _html(response)


def test_the_messages_need_sign_in(client, db, make, charity):
    cohort = make.cohort(charity)
    response = client.get(f"/cohorts/{cohort.id}/messages")
    assert response.status_code == 302
    assert "/account/sign-in" in response.headers["Location"]


def test_an_administrator_reads_the_messages(client, db, make, login_as, charity):
    cohort = make.cohort(charity)
    _send(db, make, cohort, 25)
    login_as("admin")
    response = client.get(f"/cohorts/{cohort.id}/messages", query_string={"page": "2"})
    assert _subjects(_html(response)) == _expected(5, 1)


def test_a_page_of_messages_costs_the_same_queries_for_5_or_45(
    client, db, make, charity, signed_in, queries
):
    small, large = make.cohort(charity), make.cohort(charity)
    _send(db, make, small, 5, senders=True)
    _send(db, make, large, 45, senders=True)
    counts = []
    for cohort, page in ((small, 1), (large, 2), (large, 3)):
        db.session.expire_all()
        with queries.count():
            response = client.get(f"/cohorts/{cohort.id}/messages", query_string={"page": page})
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2], counts
    assert "Sender 25" in _html(client.get(f"/cohorts/{large.id}/messages?page=2"))


def test_the_cohort_page_counts_messages_in_one_more_query_at_most(
    client, db, make, charity, signed_in, queries
):
    few, many = make.cohort(charity), make.cohort(charity)
    _send(db, make, few, 3, senders=True)
    _send(db, make, many, 45, senders=True)
    counts = []
    for cohort in (few, many):
        db.session.expire_all()
        with queries.count():
            response = client.get(f"/cohorts/{cohort.id}")
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[1] <= counts[0] + 1, counts  # the count, needed only when 20 are shown
