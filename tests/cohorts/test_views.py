import re

import pytest
from flask import render_template_string
from flask_login import login_user
from sqlalchemy import select

from diaspora.cohorts import services
from diaspora.cohorts.models import Cohort, CohortMessage
from diaspora.core.time import utcnow
from diaspora.directory import services as directory
from diaspora.matching.models import Invitation
from diaspora.notifications.models import Notification
from tests.helpers import error_summary, sign_in, submit


def _html(response) -> str:
    return response.get_data(as_text=True)


def _cohorts(db) -> list[Cohort]:
    return list(db.session.scalars(select(Cohort).order_by(Cohort.id)))


@pytest.fixture
def signed_in(client, coordinator):
    sign_in(client, coordinator.email)
    return coordinator


def test_pages_need_sign_in(client, make, charity):
    cohort = make.cohort(charity)
    for url in ("/cohorts", "/cohorts/new", f"/cohorts/{cohort.id}", "/cohorts/mine"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/account/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("role", ["staff", "partner", "other coordinator"])
def test_others_do_not_find_a_cohort(client, make, login_as, charity, role):
    cohort = make.cohort(charity, members=(make.user(),))
    member_id = cohort.members[0].id
    if role == "other coordinator":
        sign_in(client, make.coordinator().email)
    else:
        login_as(role)
    for url in (
        f"/cohorts/{cohort.id}",
        f"/cohorts/{cohort.id}/edit",
        f"/cohorts/{cohort.id}/archive",
        f"/cohorts/{cohort.id}/add",
        f"/cohorts/{cohort.id}/link",
        f"/cohorts/{cohort.id}/message",
        f"/cohorts/{cohort.id}/propose",
        f"/cohorts/{cohort.id}/members/{member_id}/remove",
    ):
        assert client.get(url).status_code == 404, url
    expected = 403 if role != "other coordinator" else 200
    assert client.get("/cohorts").status_code == expected
    if role == "other coordinator":
        assert cohort.name not in _html(client.get("/cohorts"))


def test_an_administrator_may_look_but_not_change(client, make, login_as, charity):
    cohort = make.cohort(charity, name="Watched cohort")
    login_as("admin")
    assert "Watched cohort" in _html(client.get("/cohorts"))
    page = client.get(f"/cohorts/{cohort.id}")
    assert page.status_code == 200
    assert "Message the cohort" not in _html(page)
    assert client.get(f"/cohorts/{cohort.id}/edit").status_code == 403
    assert client.get("/cohorts/new").status_code == 403


def test_a_coordinator_creates_a_cohort(client, db, signed_in, charity):
    page = client.get("/cohorts/new")
    assert "Create a cohort" in _html(page)
    response = submit(
        client,
        "/cohorts/new",
        {
            "organisation_id": str(charity.id),
            "name": "Bangladesh maternal health volunteers 2027",
            "description": "Midwives and obstetricians",
            "country": "BD",
        },
    )
    (cohort,) = _cohorts(db)
    assert response.headers["Location"] == f"/cohorts/{cohort.id}"
    assert (cohort.organisation_id, cohort.country) == (charity.id, "BD")
    shown = _html(client.get(f"/cohorts/{cohort.id}"))
    assert "Bangladesh maternal health volunteers 2027" in shown
    assert "Nobody is in the cohort yet." in shown


def test_a_bad_cohort_form_shows_the_errors_and_keeps_the_input(client, db, signed_in, make):
    other = make.organisation(kind="charity")
    response = submit(
        client,
        "/cohorts/new",
        {"organisation_id": str(other.id), "name": "", "description": "Kept text"},
    )
    assert response.status_code == 200
    assert error_summary(response) == [
        "Select the organisation the cohort belongs to",
        "Enter a name for the cohort",
    ]
    assert "Kept text" in _html(response)
    assert _cohorts(db) == []


def test_posts_need_the_csrf_token(client, db, signed_in, charity, make):
    cohort = make.cohort(charity, members=(make.user(),))
    for url in (
        "/cohorts/new",
        f"/cohorts/{cohort.id}/edit",
        f"/cohorts/{cohort.id}/archive",
        f"/cohorts/{cohort.id}/message",
        f"/cohorts/{cohort.id}/link",
        f"/cohorts/{cohort.id}/members",
        f"/cohorts/{cohort.id}/leave",
    ):
        response = client.post(url, data={"name": "X", "subject": "X", "body": "X"})
        assert response.status_code == 400, url
    assert db.session.scalars(select(CohortMessage)).all() == []
    assert cohort.archived_at is None


def test_a_coordinator_edits_archives_and_restores(client, db, signed_in, charity, make):
    cohort = make.cohort(charity, name="Old name")
    response = submit(
        client,
        f"/cohorts/{cohort.id}/edit",
        {"organisation_id": str(charity.id), "name": "New name", "country": ""},
    )
    assert response.status_code == 302
    assert cohort.name == "New name"
    assert "This cohort is archived" not in _html(client.get(f"/cohorts/{cohort.id}"))
    confirm = client.get(f"/cohorts/{cohort.id}/archive")
    assert "Archive New name" in _html(confirm)
    submit(client, f"/cohorts/{cohort.id}/archive", {})
    assert cohort.archived_at is not None
    page = _html(client.get(f"/cohorts/{cohort.id}"))
    assert "This cohort was archived" in page
    assert client.get(f"/cohorts/{cohort.id}/message").status_code == 302
    submit(client, f"/cohorts/{cohort.id}/restore", {}, page=f"/cohorts/{cohort.id}")
    assert cohort.archived_at is None


def test_a_coordinator_finds_and_adds_a_person(client, db, signed_in, charity, make, person):
    cohort = make.cohort(charity)
    amara = person("Amara Obi", profession="midwife")
    person("Amara Private", visibility="private", profession="midwife")
    person("Amara Closed", consent=False, profession="midwife")
    url = f"/cohorts/{cohort.id}/add"
    page = client.get(url, query_string={"q": "amara", "profession": "midwife"})
    html = _html(page)
    assert "2 people found" in html
    assert "Amara Private" not in html
    assert "Not open to contact" in html
    response = submit(
        client,
        f"/cohorts/{cohort.id}/members",
        {"profile_id": amara.profile.id, "q": "amara"},
        page=f"{url}?q=amara",
    )
    assert response.headers["Location"] == f"{url}?q=amara"
    assert [m.user_id for m in cohort.members] == [amara.id]
    notes = db.session.scalars(
        select(Notification).where(
            Notification.recipient_id == amara.id, Notification.kind == "cohort_update"
        )
    ).all()
    assert notes
    assert "In the cohort" in _html(client.get(url, query_string={"q": "amara"}))


def test_a_person_who_cannot_be_listed_is_not_added(client, db, signed_in, charity, make, person):
    cohort = make.cohort(charity)
    private = person("Amara Private", visibility="private")
    response = submit(
        client,
        f"/cohorts/{cohort.id}/members",
        {"profile_id": private.profile.id},
        page=f"/cohorts/{cohort.id}/add",
    )
    assert response.status_code == 302
    assert cohort.members == []


def test_removing_a_member_asks_first(client, db, signed_in, charity, make, person):
    amara = person("Amara Obi")
    cohort = make.cohort(charity, members=(amara,))
    url = f"/cohorts/{cohort.id}/members/{cohort.members[0].id}/remove"
    assert "Remove Amara Obi from" in _html(client.get(url))
    assert cohort.members  # a GET changes nothing
    submit(client, url, {})
    db.session.expire_all()
    assert db.session.get(Cohort, cohort.id).members == []


def test_a_private_member_is_counted_never_named(client, db, signed_in, charity, make, person):
    private = person("Secret Sadia", visibility="private")
    shown = person("Open Omar")
    cohort = make.cohort(charity, members=(private, shown))
    html = _html(client.get(f"/cohorts/{cohort.id}"))
    assert "Open Omar" in html
    assert "Secret Sadia" not in html
    assert "And 1 member who keeps their profile private." in html
    hidden_id = next(m.id for m in cohort.members if m.user_id == private.id)
    url = f"/cohorts/{cohort.id}/members/{hidden_id}/remove"
    assert client.get(url).status_code == 404


def test_the_link_page_makes_and_replaces_the_link(client, db, signed_in, charity, make):
    cohort = make.cohort(charity)
    url = f"/cohorts/{cohort.id}/link"
    assert "The cohort has no invitation link." in _html(client.get(url))
    submit(client, url, {})
    first = re.search(r'id="invite-url" type="text" value="([^"]+)"', _html(client.get(url)))[1]
    assert "/cohorts/join/" in first
    submit(client, url, {})
    second = re.search(r'id="invite-url" type="text" value="([^"]+)"', _html(client.get(url)))[1]
    assert first != second
    submit(client, url, {"action": "off"})
    assert cohort.invite_nonce is None


def test_a_staff_member_joins_through_the_link_and_leaves(client, db, make, charity, coordinator):
    cohort = make.cohort(charity, name="Sylhet midwives", description="For midwives")
    token = services.new_link(db.session, cohort, coordinator)
    db.session.commit()
    staff = make.user(roles=["staff"])
    sign_in(client, staff.email)
    url = f"/cohorts/join/{token}"
    page = _html(client.get(url))
    assert "Join Sylhet midwives" in page
    assert "Sylhet Health Link" in page
    response = submit(client, url, {})
    assert response.headers["Location"] == "/cohorts/mine"
    mine = _html(client.get("/cohorts/mine"))
    assert "Sylhet midwives" in mine
    assert "You are already in this cohort." in _html(client.get(url))
    submit(client, f"/cohorts/{cohort.id}/leave", {}, page="/cohorts/mine")
    assert "You are not in any cohort." in _html(client.get("/cohorts/mine"))


def test_a_bad_or_replaced_link_is_not_found(client, db, make, login_as, charity, coordinator):
    cohort = make.cohort(charity)
    old = services.new_link(db.session, cohort, coordinator)
    services.new_link(db.session, cohort, coordinator)
    db.session.commit()
    login_as("staff")
    assert client.get(f"/cohorts/join/{old}").status_code == 404
    assert client.get("/cohorts/join/nonsense").status_code == 404


def test_only_staff_join(client, db, make, login_as, charity, coordinator):
    cohort = make.cohort(charity)
    token = services.new_link(db.session, cohort, coordinator)
    db.session.commit()
    login_as("partner")
    assert client.get(f"/cohorts/join/{token}").status_code == 403


def test_a_coordinator_messages_the_cohort(client, db, signed_in, charity, make, person):
    members = [person("Amara Obi"), person("Secret Sadia", visibility="private")]
    cohort = make.cohort(charity, members=tuple(members))
    url = f"/cohorts/{cohort.id}/message"
    empty = submit(client, url, {"subject": "", "body": ""})
    assert error_summary(empty) == ["Enter a subject", "Enter a message"]
    kept = submit(client, url, {"subject": "Kept subject", "body": ""})
    assert 'value="Kept subject"' in _html(kept)
    response = submit(client, url, {"subject": "Training day", "body": "Saturday at 10."})
    assert response.headers["Location"] == f"/cohorts/{cohort.id}"
    (message,) = db.session.scalars(select(CohortMessage)).all()
    assert message.recipients == 2
    inbox = db.session.scalars(
        select(Notification.recipient_id).where(
            Notification.kind == "cohort_message", Notification.channel == "inbox"
        )
    ).all()
    assert sorted(inbox) == sorted(m.id for m in members)
    page = _html(client.get(f"/cohorts/{cohort.id}"))
    assert "Training day" in page
    assert "Saturday at 10." in page


def test_a_member_sees_the_message_in_their_inbox(client, db, make, charity, coordinator, person):
    amara = person("Amara Obi")
    cohort = make.cohort(charity, name="Sylhet midwives", members=(amara,))
    services.send_message(db.session, cohort, coordinator, "Training day", "Saturday at 10.")
    db.session.commit()
    sign_in(client, amara.email)
    inbox = _html(client.get("/notifications"))
    assert "Sylhet midwives: Training day" in inbox


def test_proposing_a_member_sends_an_invitation(client, db, signed_in, charity, make, person):
    amara = person("Amara Obi")
    cohort = make.cohort(charity, members=(amara,))
    opportunity = make.opportunity(title="Neonatal care training")
    make.opportunity(title="A draft", status="draft")
    url = f"/cohorts/{cohort.id}/propose"
    page = _html(client.get(url))
    assert "Neonatal care training" in page
    assert "A draft" not in page
    missing = submit(client, url, {"user_id": "", "opportunity_id": ""})
    assert error_summary(missing) == ["Select a member", "Select an opportunity"]
    response = submit(
        client, url, {"user_id": str(amara.id), "opportunity_id": str(opportunity.id)}
    )
    assert response.status_code == 302
    (invitation,) = db.session.scalars(select(Invitation)).all()
    assert (invitation.user_id, invitation.cohort_id) == (amara.id, cohort.id)
    again = submit(client, url, {"user_id": str(amara.id), "opportunity_id": str(opportunity.id)})
    assert error_summary(again) == ["Amara Obi has already been invited to this opportunity."]


def test_a_proposals_message_is_limited_as_the_invitation_counts_it(
    client, db, signed_in, charity, make, person
):
    amara = person("Amara Obi")
    cohort = make.cohort(charity, members=(amara,))
    opportunity = make.opportunity()
    url = f"/cohorts/{cohort.id}/propose"
    chosen = {"user_id": str(amara.id), "opportunity_id": str(opportunity.id)}
    # A browser sends each line break as two characters; the invitation counts one.
    fits = "a" * 499 + "\r\n" + "b" * 500
    too_long = submit(client, url, chosen | {"message": fits + "c"})
    assert error_summary(too_long) == ["Your message must be 1000 characters or fewer"]
    assert submit(client, url, chosen | {"message": fits}).status_code == 302
    (invitation,) = db.session.scalars(select(Invitation)).all()
    assert len(invitation.message) == 1000


def test_a_hidden_member_cannot_be_proposed(client, db, signed_in, charity, make, person):
    private = person("Secret Sadia", visibility="private")
    cohort = make.cohort(charity, members=(private,))
    opportunity = make.opportunity()
    url = f"/cohorts/{cohort.id}/propose"
    assert "Secret Sadia" not in _html(client.get(url))
    response = submit(
        client, url, {"user_id": str(private.id), "opportunity_id": str(opportunity.id)}
    )
    assert error_summary(response) == ["Select a member"]
    assert db.session.scalars(select(Invitation)).all() == []


def _busy_cohort(make, charity, person, size: int) -> Cohort:
    members = []
    for n in range(size):
        user = person(f"Member {n}")
        make.engagement(make.opportunity(), user, state="active")
        members.append(user)
    cohort = make.cohort(charity, members=tuple(members))
    make.opportunity(charity, kind="teaching", sessions=2)
    return cohort


def test_the_cohort_page_costs_the_same_queries_for_3_or_15_members(
    client, db, signed_in, charity, make, person, queries
):
    small = _busy_cohort(make, charity, person, 3)
    large = _busy_cohort(make, charity, person, 15)
    counts = []
    for cohort in (small, large):
        db.session.expire_all()
        with queries.count():
            response = client.get(f"/cohorts/{cohort.id}")
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    # The viewer, their second factor (the gate) and page layout, then one query per figure.
    assert counts[1] <= 17, counts
    assert "Member 14" in _html(response)


def test_pages_have_one_h1_and_unique_titles(client, db, signed_in, charity, make):
    cohort = make.cohort(charity, name="Title cohort", archived_at=None)
    titles = set()
    for url in (
        "/cohorts",
        "/cohorts/new",
        f"/cohorts/{cohort.id}",
        f"/cohorts/{cohort.id}/edit",
        f"/cohorts/{cohort.id}/add",
        f"/cohorts/{cohort.id}/link",
        f"/cohorts/{cohort.id}/message",
        f"/cohorts/{cohort.id}/propose",
        f"/cohorts/{cohort.id}/archive",
        "/cohorts/mine",
    ):
        html = _html(client.get(url))
        assert len(re.findall(r"<h1[ >]", html)) == 1, url
        titles.add(re.search(r"<title>(.*?)</title>", html, re.S)[1].strip())
    assert len(titles) == 10


def test_archived_cohorts_are_listed_apart(client, db, signed_in, charity, make):
    make.cohort(charity, name="Current one")
    make.cohort(charity, name="Old one", archived_at=utcnow())
    html = _html(client.get("/cohorts"))
    assert html.index("Current one") < html.index("Archived cohorts") < html.index("Old one")


def test_many_people_found_come_in_pages(client, db, signed_in, charity, make, person):
    cohort = make.cohort(charity)
    for n in range(22):
        person(f"Paged Person {n}")
    url = f"/cohorts/{cohort.id}/add"
    first = _html(client.get(url, query_string={"q": "paged"}))
    assert "22 people found" in first
    assert f"{url}?q=paged&amp;page=2" in first
    second = _html(client.get(url, query_string={"q": "paged", "page": "2"}))
    assert second.count("Add Paged Person") == 2  # 20 on the first page, 2 on the second


def test_past_the_directorys_count_limit_it_says_more_than(
    client, db, signed_in, charity, make, person, monkeypatch
):
    cohort = make.cohort(charity)
    for n in range(22):
        person(f"Midwife {n}", profession="midwife")
    monkeypatch.setattr(directory, "COUNT_LIMIT", 3)  # it counts the first page and one more
    url = f"/cohorts/{cohort.id}/add"
    html = _html(client.get(url, query_string={"profession": "midwife"}))
    assert "More than 20 people found" in html
    assert html.count("Add Midwife") == 20


@pytest.mark.parametrize(
    ("role", "shown"), [("coordinator", "True"), ("staff", "False"), ("admin", "False")]
)
def test_the_header_link_helper_knows_who_coordinates(app, make, coordinator, role, shown):
    user = coordinator if role == "coordinator" else make.user(roles=[role])
    with app.test_request_context():
        login_user(user)
        assert render_template_string("{{ coordinates_cohorts() }}") == shown
