import re

import pytest
from sqlalchemy import select

from diaspora.audit.models import AuditEvent
from tests.helpers import error_summary, sign_in, submit


def _admin_urls(app, organisation_id: int, user_id: int) -> list[tuple[str, str]]:
    """Every admin route with its methods, so a new admin page is checked without editing this."""
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("admin."):
            values = {"user_id": user_id, "organisation_id": organisation_id}
            url = rule.build({k: values[k] for k in rule.arguments})[1]
            urls += [(method, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return urls


@pytest.mark.parametrize("role", ["staff", "partner", "coordinator", None])
def test_non_admins_get_403_on_every_admin_page(app, client, login_as, make, role):
    user = login_as(role)
    organisation = make.organisation(verified=False)
    urls = _admin_urls(app, organisation.id, user.id)
    assert len(urls) >= 8
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").get_data(as_text=True))
    for method, url in urls:
        response = client.open(url, method=method, data={"csrf_token": token.group(1)})
        assert response.status_code == 403, (method, url)
        assert "You do not have permission" in response.get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_sign_in(app, client, make):
    for method, url in _admin_urls(app, make.organisation().id, 1):
        if method == "GET":
            response = client.get(url)
            assert response.status_code == 302
            assert "/account/sign-in" in response.headers["Location"]


def test_admin_verifies_an_organisation_and_the_owner_is_emailed(client, login_as, make, smtp):
    owner = make.user(roles=["partner"], email="owner@dhaka.example")
    organisation = make.organisation(owner=owner, verified=False, name="Dhaka Shishu Hospital")
    login_as("admin")
    assert "Dhaka Shishu Hospital" in client.get("/admin/organisations").get_data(as_text=True)
    response = submit(client, f"/admin/organisations/{organisation.id}", {"decision": "verify"})
    assert response.status_code == 302
    assert organisation.verification == "verified"
    message = smtp.delivered(1)[0]
    assert message["To"] == owner.email
    assert "Dhaka Shishu Hospital has been verified" in message["Subject"]
    queue = client.get("/admin/organisations").get_data(as_text=True)
    assert f'href="/admin/organisations/{organisation.id}"' not in queue


def test_rejecting_needs_a_reason(client, login_as, make, smtp):
    organisation = make.organisation(owner=make.user(roles=["partner"]), verified=False)
    login_as("admin")
    url = f"/admin/organisations/{organisation.id}"
    response = submit(client, url, {"decision": "reject", "reason": "   "})
    assert response.status_code == 200
    assert error_summary(response) == ["Enter the reason for rejecting this organisation"]
    assert organisation.verification == "pending"
    response = submit(client, url, {"decision": "reject", "reason": "Not a health organisation"})
    assert response.status_code == 302
    assert organisation.rejection_reason == "Not a health organisation"
    assert "Not a health organisation" in smtp.delivered(1)[0].get_body().get_content()


def test_admin_changes_roles_and_it_is_audited(client, login_as, make, db):
    admin = login_as("admin")
    person = make.user(roles=["staff"])
    response = submit(client, f"/admin/users/{person.id}", {"roles": ["staff", "admin"]})
    assert response.status_code == 302
    assert person.role_names == {"staff", "admin"}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "role.granted"))
    assert (event.actor_id, event.subject_id, event.details) == (
        admin.id,
        person.id,
        {"role": "admin", "before": ["staff"], "after": ["admin", "staff"]},
    )
    response = submit(client, f"/admin/users/{admin.id}", {"roles": ["staff"]})
    assert error_summary(response) == ["You cannot remove your own administrator role"]
    assert "admin" in admin.role_names


def test_disabling_an_account_signs_the_person_out_and_stops_sign_in(app, client, login_as, make):
    person = make.user(roles=["staff"])
    other = app.test_client()
    sign_in(other, person.email)
    assert other.get("/account").status_code == 200

    login_as("admin")
    submit(
        client,
        f"/admin/users/{person.id}/active",
        {"active": "0"},
        page=f"/admin/users/{person.id}",
    )
    assert person.active is False
    assert other.get("/account").status_code == 302
    response = submit(
        other, "/account/sign-in", {"email": person.email, "password": "correct horse battery"}
    )
    assert response.status_code == 200


def test_user_search_finds_by_name_or_email(client, login_as, make):
    login_as("admin")
    make.user(name="Shirin Akter", email="s.akter@example.org")
    make.user(name="Kofi Asante", email="kofi@example.org")
    page = client.get("/admin/users?q=akter").get_data(as_text=True)
    assert "Shirin Akter" in page
    assert "Kofi Asante" not in page
    assert "Kofi Asante" in client.get("/admin/users?q=KOFI@").get_data(as_text=True)


def test_users_page_runs_the_same_number_of_queries_for_5_and_50_people(
    client, login_as, make, queries
):
    login_as("admin")
    counts = []
    for total in (5, 50):
        while (
            len(client.get("/admin/users").get_data(as_text=True).split('class="nhsuk-table__row"'))
            < total
        ):
            make.user(roles=["staff", "partner"])
        with queries.count():
            assert client.get("/admin/users").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
