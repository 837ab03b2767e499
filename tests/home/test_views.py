"""The home page of each role, the account menu, and the counts in the header."""

import re

import pytest

from diaspora.home.services import CAP
from tests.helpers import sign_in


def _html(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _statements(client, queries) -> int:
    client.get("/")  # the in-memory copies behind recommendations catch up first
    with queries.count():
        _html(client.get("/"))
    return len(queries)


ROLES = ("staff", "partner", "coordinator", "admin")


@pytest.mark.parametrize("role", ROLES)
def test_each_roles_home_page_runs_the_same_statements_with_1_or_30_items(
    client, db, make, queries, fill_staff, fill_partner, fill_coordinator, fill_admin, role
):
    fill = {
        "staff": fill_staff,
        "partner": fill_partner,
        "coordinator": fill_coordinator,
        "admin": fill_admin,
    }[role]
    for _ in range(3):  # open opportunities every staff member here is recommended
        make.opportunity()
    few = fill(1)
    sign_in(client, few.person.email)
    with_one = _statements(client, queries)
    many = fill(30)
    sign_in(client, many.person.email)
    with_thirty = _statements(client, queries)
    assert with_one == with_thirty
    page = _html(client.get("/"))
    assert re.search(r"See all 3[01]\b", page)


def test_the_staff_home_page_links_each_item_to_where_it_is_done(client, fill_staff):
    filled = fill_staff(2)
    sign_in(client, filled.person.email)
    page = _html(client.get("/"))
    invitation = filled.items["invitations"][0]
    assert f'href="/opportunities/{invitation.opportunity_id}"' in page
    milestone = filled.items["milestones"][0]
    assert f'href="/plans/{milestone.plan_id}/milestones/{milestone.id}/done"' in page
    application = filled.items["applications"][0]
    assert f'href="/engagements/{application.id}"' in page
    credential = filled.items["registrations"][0]
    assert f'href="/credentials/{credential.id}/edit"' in page
    assert "Invitations to answer (2)" in page
    assert "See all" not in page  # nothing beyond what is shown
    # The session starting in a week shows in both zones, without its join link yet.
    assert "in Dhaka" in page
    assert "Join the session" not in page


def test_a_session_about_to_start_shows_its_join_link(client, db, fill_staff):
    from datetime import timedelta

    from diaspora.core.time import utcnow

    filled = fill_staff(1)
    session = filled.items["sessions"][0].session
    session.starts_at = utcnow() + timedelta(minutes=10)
    db.session.commit()
    sign_in(client, filled.person.email)
    page = _html(client.get("/"))
    assert "Join the session" in page
    assert session.opportunity.join_link in page


def test_the_partner_home_page_shows_the_age_of_applications(client, db, fill_partner):
    filled = fill_partner(1)
    sign_in(client, filled.person.email)
    page = _html(client.get("/"))
    assert "Applications waiting for an answer (1)" in page
    assert "Waiting 1 day" in page
    opportunity_id = filled.items["applications"][0].opportunity_id
    assert f'href="/opportunities/{opportunity_id}/applicants"' in page
    session_id = filled.items["attendance"][0].id
    assert f'href="/sessions/{session_id}/attendance"' in page


def test_an_empty_home_page_says_nothing_is_waiting(client, login_as):
    login_as("admin")
    assert "Nothing is waiting for you." in _html(client.get("/"))


def test_another_persons_items_are_not_on_my_home_page(client, make, fill_staff):
    other = fill_staff(2)
    me = make.user(roles=["staff"])
    make.profile(me)
    sign_in(client, me.email)
    page = _html(client.get("/"))
    milestone = other.items["milestones"][0]
    assert f"/milestones/{milestone.id}/done" not in page
    assert f'href="/engagements/{other.items["applications"][0].id}"' not in page
    assert f"/credentials/{other.items['registrations'][0].id}/edit" not in page
    assert "Invitations to answer" not in page
    assert "Nothing is waiting for you." in page


def test_the_header_counts_what_waits_and_changes_with_it(client, db, make, fill_staff):
    filled = fill_staff(3)
    sign_in(client, filled.person.email)
    assert "Invitations (3)" in _html(client.get("/account/menu"))
    filled.items["invitations"][0].state = "declined"
    db.session.commit()
    assert "Invitations (2)" in _html(client.get("/account/menu"))
    # Someone else, whose header is otherwise the same, never gets these counts.
    other = make.user(roles=["staff"], name=filled.person.display_name)
    sign_in(client, other.email)
    page = _html(client.get("/account/menu"))
    assert re.search(r">\s*Invitations\s*<", page)
    assert "Invitations (" not in page


def test_the_partner_and_admin_counts_are_in_the_header(client, fill_partner, fill_admin):
    partner = fill_partner(2)
    sign_in(client, partner.person.email)
    assert "Home (4)" in _html(client.get("/account/menu"))
    admin = fill_admin(2)
    sign_in(client, admin.person.email)
    page = _html(client.get("/account/menu"))
    assert "Administration (4)" in page


def test_the_header_counts_cost_one_statement_a_page(client, login_as, queries):
    """The unread messages and what waits are counted together: the header costs one
    statement, as it did for the unread messages alone."""
    login_as("staff")
    with queries.count():
        _html(client.get("/accessibility"))
    counting = [s for s in queries.statements if "invitations" in s]
    assert len(counting) == 1
    assert sum("FROM notifications" in s for s in queries.statements) == 1
    assert "FROM notifications" in counting[0]


def test_the_inbox_page_counts_unread_messages_once(client, login_as, queries):
    login_as("staff")
    with queries.count():
        _html(client.get("/notifications"))
    assert sum("read_at IS NULL" in s for s in queries.statements) == 1


def test_a_visitor_gets_the_introduction_and_no_counts(client, queries):
    with queries.count():
        page = _html(client.get("/"))
    assert "Create an account" in page
    assert len(queries) == 0


def test_the_account_menu_lists_only_what_the_roles_allow(client, login_as):
    login_as("staff")
    page = _html(client.get("/account/menu"))
    for path in (
        "/profile",
        "/credentials/",
        "/calendar",
        "/notifications",
        "/notifications/preferences",
        "/account/tokens",
        "/account/my-data",
    ):
        assert f'href="{path}"' in page, path
    assert 'action="/account/sign-out"' in page
    login_as("admin")
    page = _html(client.get("/account/menu"))
    assert 'href="/credentials/"' not in page
    assert 'href="/profile"' not in page
    assert 'href="/account/tokens"' in page


def test_the_account_menu_is_for_people_signed_in(client):
    response = client.get("/account/menu")
    assert response.status_code == 302
    assert "/account/sign-in" in response.location


def test_the_header_leads_to_the_account_menu_from_every_page(client, login_as):
    login_as("staff")
    page = _html(client.get("/opportunities"))
    assert 'href="/account/menu"' in page
    assert 'href="/invitations"' in page


def test_the_old_endpoint_name_still_builds_the_home_address(app):
    from flask import url_for

    with app.test_request_context():
        assert url_for("core.home") == url_for("home.index") == "/"


def test_the_home_page_stays_small(client, fill_staff, fill_partner):
    filled = fill_staff(30)
    fill_partner(30, filled.person)
    sign_in(client, filled.person.email)
    response = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert len(response.get_data()) < 20_000
    assert response.headers.get("Content-Encoding") == "gzip"
    assert _html(client.get("/")).count("<li>") <= 12 * CAP + 10


def test_the_links_on_one_partners_home_page_refuse_another_partner(client, make, fill_partner):
    filled = fill_partner(1)
    sign_in(client, filled.person.email)
    page = _html(client.get("/"))
    links = re.findall(r'href="(/(?:opportunities|engagements|sessions)/\d+[^"]*)"', page)
    assert links
    other = make.user(roles=[])
    make.organisation(owner=other)
    sign_in(client, other.email)
    for link in links:
        assert client.get(link).status_code in (403, 404), link
