import re
from datetime import timedelta

import pytest
from flask import render_template_string
from sqlalchemy import func, select

from diaspora.contributions import codes, pdf, presenters
from diaspora.contributions.models import Certificate, HoursLog
from diaspora.contributions.services import add_months
from diaspora.core.time import utcnow
from diaspora.organisations.models import Membership
from tests.contributions.conftest import last_month, this_month
from tests.contributions.pdftext import text_lines
from tests.helpers import csrf_token, error_summary, sign_in, submit


def _html(response) -> str:
    return response.get_data(as_text=True)


def _title(response) -> str:
    return re.search(r"<title>(.*?)</title>", _html(response), re.S).group(1).strip()


def _h1s(response) -> list[str]:
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", h)).strip()
        for h in re.findall(r"<h1[^>]*>(.*?)</h1>", _html(response), re.S)
    ]


def _options(response) -> list[tuple[str, bool, str]]:
    found = re.findall(r'<option value="([^"]*)"(\s+selected)?\s*>([^<]*)', _html(response))
    return [(value, bool(selected), text.strip()) for value, selected, text in found]


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _log_url(engagement) -> str:
    return f"/engagements/{engagement.id}/hours"


def _review_url(opportunity) -> str:
    return f"/opportunities/{opportunity.id}/hours"


def _certificate_url(engagement) -> str:
    return f"/engagements/{engagement.id}/certificate"


def _issue(client, engagement):
    """Issue the certificate as its owner does: the button on the hours page."""
    token = csrf_token(client, _log_url(engagement))
    return client.post(_certificate_url(engagement), data={"csrf_token": token})


@pytest.fixture
def certified(db, world, add_log, complete, client):
    """A completed engagement with 12.5 approved hours, its owner signed in, its certificate
    issued."""
    complete(world.engagement)
    add_log(world.engagement, minutes=600, status="approved", learners=40)
    add_log(world.engagement, minutes=150, status="approved", month=last_month())
    sign_in(client, world.staff.email)
    assert _issue(client, world.engagement).status_code == 302
    certificate = db.session.scalar(select(Certificate))
    return certificate


# Logging hours --------------------------------------------------------------------------------


def test_pages_need_sign_in(client, world, add_log, complete):
    for url in (
        _log_url(world.engagement),
        _review_url(world.opportunity),
        _certificate_url(world.engagement),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/account/sign-in" in response.headers["Location"]


def test_the_owner_logs_hours(client, db, world):
    sign_in(client, world.staff.email)
    page = client.get(_log_url(world.engagement))
    assert page.status_code == 200
    assert _title(page).startswith("Your hours for Neonatal resuscitation training")
    assert _h1s(page) == ["Your hours and learners reached"]
    assert (f"{this_month():%Y-%m}", False, f"{this_month():%B %Y}") in _options(page)

    response = submit(
        client,
        _log_url(world.engagement),
        {"month": f"{this_month():%Y-%m}", "hours": "2.5", "learners": "30", "note": "Taught"},
    )
    assert response.status_code == 302
    log = db.session.scalar(select(HoursLog))
    assert (log.minutes, log.learners_reached, log.status) == (150, 30, "pending")
    page = _html(client.get(response.headers["Location"]))
    assert "Your hours have been logged" in page
    assert "2.5 hours" in page and "Waiting for review" in page


def test_bad_hours_keep_the_input_and_save_nothing(client, db, world, add_log):
    add_log(world.engagement, minutes=195 * 60)
    sign_in(client, world.staff.email)
    response = submit(
        client,
        _log_url(world.engagement),
        {"month": f"{this_month():%Y-%m}", "hours": "7.5", "learners": "12", "note": "Ward"},
    )
    assert response.status_code == 200
    assert _title(response).startswith("Error: ")
    [message] = error_summary(response)
    assert message.startswith("You have already logged 195 hours")
    html = _html(response)
    assert 'value="7.5"' in html and 'value="12"' in html and ">Ward</textarea>" in html
    assert (f"{this_month():%Y-%m}", True, f"{this_month():%B %Y}") in _options(response)
    assert _count(db, HoursLog) == 1


def test_a_future_month_posted_is_refused(client, db, world):
    sign_in(client, world.staff.email)
    future = f"{this_month().year + 1}-01"
    response = submit(client, _log_url(world.engagement), {"month": future, "hours": "1"})
    assert error_summary(response) == ["The month cannot be in the future"]
    assert _count(db, HoursLog) == 0


def test_another_persons_engagement_is_not_found(client, make, world):
    sign_in(client, make.user(roles=["staff"]).email)
    assert client.get(_log_url(world.engagement)).status_code == 404
    token = csrf_token(client, "/account/sign-in")
    response = client.post(
        _log_url(world.engagement),
        data={"csrf_token": token, "month": f"{this_month():%Y-%m}", "hours": "1"},
    )
    assert response.status_code == 404
    assert client.get(_certificate_url(world.engagement)).status_code == 404


def test_the_organisation_cannot_log_for_the_person(client, world):
    sign_in(client, world.manager.email)
    assert client.get(_log_url(world.engagement)).status_code == 404


def test_an_application_shows_why_hours_cannot_be_logged_yet(client, make, world):
    applied = make.engagement(make.opportunity(world.organisation), world.staff, state="applied")
    sign_in(client, world.staff.email)
    html = _html(client.get(_log_url(applied)))
    assert "once the organisation has accepted you" in html
    assert 'name="hours"' not in html


# Review ---------------------------------------------------------------------------------------


def test_the_organisation_reviews_pending_hours(client, db, world, add_log):
    log = add_log(world.engagement, minutes=90, learners=12, note="Simulation drills")
    sign_in(client, world.manager.email)
    page = client.get(_review_url(world.opportunity))
    assert page.status_code == 200
    html = _html(page)
    assert _h1s(page) == ["Review hours"]
    assert "Nadia Rahman" in html and "1.5 hours" in html and "Simulation drills" in html
    assert "nadia@example.org" not in html
    assert f'id="log-{log.id}-decision"' in html

    response = submit(
        client, _review_url(world.opportunity), {"log_id": log.id, "decision": "approve"}
    )
    assert response.status_code == 302
    db.session.refresh(log)
    assert (log.status, log.decided_by_id) == ("approved", world.manager.id)
    page = _html(client.get(_review_url(world.opportunity)))
    assert "The hours of Nadia Rahman have been approved" in page
    assert "No hours are waiting for review" in page


def test_declining_without_a_reason_shows_the_error_on_that_row(client, db, world, add_log):
    first = add_log(world.engagement)
    second = add_log(world.engagement, month=last_month())
    sign_in(client, world.manager.email)
    response = submit(
        client, _review_url(world.opportunity), {"log_id": second.id, "decision": "decline"}
    )
    assert response.status_code == 200
    assert error_summary(response) == ["Enter the reason for declining these hours"]
    assert f'href="#log-{second.id}-reason"' in _html(response)
    db.session.refresh(second)
    assert (first.status, second.status) == ("pending", "pending")

    response = submit(
        client,
        _review_url(world.opportunity),
        {"log_id": second.id, "decision": "decline", "reason": "Not our project"},
    )
    assert response.status_code == 302
    db.session.refresh(second)
    assert (second.status, second.decline_reason) == ("declined", "Not our project")


def test_a_decided_log_is_not_decided_again(client, db, world, add_log):
    log = add_log(world.engagement, status="approved")
    sign_in(client, world.manager.email)
    response = submit(
        client,
        _review_url(world.opportunity),
        {"log_id": log.id, "decision": "decline", "reason": "x"},
        follow_redirects=True,
    )
    assert "already been reviewed" in _html(response)
    db.session.refresh(log)
    assert log.status == "approved"


def test_another_organisation_cannot_review(client, db, make, world, add_log):
    log = add_log(world.engagement)
    outsider = make.user(roles=["partner"])
    make.organisation(owner=outsider)
    sign_in(client, outsider.email)
    assert client.get(_review_url(world.opportunity)).status_code == 403
    token = csrf_token(client, "/account/sign-in")
    response = client.post(
        _review_url(world.opportunity),
        data={"csrf_token": token, "log_id": log.id, "decision": "approve"},
    )
    assert response.status_code == 403
    db.session.refresh(log)
    assert log.status == "pending"


def test_a_draft_is_not_found_by_another_organisation(client, make, world):
    draft = make.opportunity(world.organisation, status="draft")
    outsider = make.user(roles=["partner"])
    make.organisation(owner=outsider)
    sign_in(client, outsider.email)
    assert client.get(_review_url(draft)).status_code == 404


def test_the_staff_member_cannot_review_their_own_hours(client, world):
    sign_in(client, world.staff.email)
    assert client.get(_review_url(world.opportunity)).status_code == 403


def test_a_log_of_another_opportunity_cannot_be_decided_here(client, db, make, world, add_log):
    theirs = make.opportunity()
    log = add_log(make.engagement(theirs, make.user(), state="active"))
    sign_in(client, world.manager.email)
    response = submit(
        client, _review_url(world.opportunity), {"log_id": log.id, "decision": "approve"}
    )
    assert response.status_code == 404
    db.session.refresh(log)
    assert log.status == "pending"


def test_the_review_page_runs_as_many_queries_for_2_logs_as_for_20(
    client, db, make, world, add_log, queries
):
    sign_in(client, world.manager.email)

    def add(count: int) -> None:
        for n in range(count):
            engagement = make.engagement(world.opportunity, make.user(), state="active")
            add_log(engagement, minutes=60 + n)
            add_log(engagement, minutes=30, status="approved", decided_by_id=world.manager.id)

    def run() -> int:
        with queries.count():
            response = client.get(_review_url(world.opportunity))
        assert response.status_code == 200
        return len(queries)

    add(1)
    few = run()
    add(9)
    many = run()
    assert _html(client.get(_review_url(world.opportunity))).count("Save decision") == 10
    assert few == many, queries.statements


# Certificates ---------------------------------------------------------------------------------


def test_the_owner_downloads_the_certificate(client, db, world, certified):
    response = client.get(_certificate_url(world.engagement))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="certificate-{certified.code}.pdf"'
    assert "Nadia" not in disposition
    assert certified.minutes == 750 and certified.learners_reached == 40

    # A second request issues nothing new.
    assert _issue(client, world.engagement).status_code == 302
    assert _count(db, Certificate) == 1


def test_the_pdf_shows_the_facts_and_the_code(app, certified):
    with app.test_request_context():
        facts = presenters.certificate_facts(certified)
    assert facts.hours == "12.5 hours" and facts.learners == "40"
    assert facts.country == "Bangladesh"
    assert facts.verify_url == f"http://localhost/certificates/{certified.code}"
    body = pdf.render(facts, compress=False)
    assert body.startswith(b"%PDF-")
    text = "\n".join(text_lines(body))
    for expected in (
        f"Certificate code {certified.code}",
        "Certificate of contribution",
        "Nadia Rahman",
        "Approved hours 12.5 hours",
        "Organisation Sylhet MAG Osmani Medical College",
        "supporting information for their appraisal",
        facts.verify_url,
    ):
        assert expected in text, expected
    assert body.count(b"/Type /Page\n") == 1  # one page


def test_the_qr_code_leads_to_the_verification_page(client, world, certified, monkeypatch):
    seen = []
    real = pdf.qr_png
    monkeypatch.setattr(pdf, "qr_png", lambda url: seen.append(url) or real(url))
    assert client.get(_certificate_url(world.engagement)).status_code == 200
    assert seen == [f"http://localhost/certificates/{certified.code}"]


def test_no_certificate_before_the_engagement_is_completed(client, db, world, add_log):
    add_log(world.engagement, status="approved")
    sign_in(client, world.staff.email)
    response = client.get(_certificate_url(world.engagement))
    assert response.status_code == 403
    assert "once the engagement is completed" in _html(response)
    assert _issue(client, world.engagement).status_code == 302
    assert _count(db, Certificate) == 0


def test_no_certificate_without_approved_hours(client, db, world, add_log, complete):
    complete(world.engagement)
    add_log(world.engagement, status="pending")
    sign_in(client, world.staff.email)
    response = client.get(_certificate_url(world.engagement))
    assert response.status_code == 403
    assert "approved some of your hours" in _html(response)


def test_an_eligible_engagement_offers_the_certificate_without_issuing_it(
    client, db, world, add_log, complete
):
    complete(world.engagement)
    add_log(world.engagement, status="approved")
    sign_in(client, world.staff.email)
    response = client.get(_certificate_url(world.engagement))
    assert response.status_code == 200
    assert "Get your certificate (PDF)" in _html(response)
    assert _count(db, Certificate) == 0


def test_more_hours_offer_an_updated_certificate(client, db, world, certified, add_log):
    add_log(world.engagement, minutes=60, status="approved", month=add_months_back(2))
    html = _html(client.get(_log_url(world.engagement)))
    assert "Get an updated certificate" in html
    assert _issue(client, world.engagement).status_code == 302
    db.session.refresh(certified)
    assert certified.superseded_at is not None
    current = db.session.scalar(select(Certificate).where(Certificate.superseded_at.is_(None)))
    assert current.minutes == 810
    response = client.get(_certificate_url(world.engagement))
    assert current.code in response.headers["Content-Disposition"]
    old = client.get(f"/certificates/{certified.code}")
    assert _h1s(old) == ["This certificate has been replaced"]


def add_months_back(count: int):
    from diaspora.contributions.services import add_months

    return add_months(this_month(), -count)


# Verification ---------------------------------------------------------------------------------


def test_the_verification_page_shows_a_genuine_certificate_to_anyone(client, certified):
    client.post("/account/sign-out", data={"csrf_token": csrf_token(client, "/")})
    response = client.get(f"/certificates/{certified.code}")
    assert response.status_code == 200
    html = _html(response)
    assert _h1s(response) == ["This certificate is genuine"]
    for fact in (
        "Nadia Rahman",
        "Sylhet MAG Osmani Medical College",
        "Bangladesh",
        "Capacity-building project: Neonatal resuscitation training",
        "12.5 hours",
        "40",
    ):
        assert fact in html, fact
    assert "nadia@example.org" not in html
    assert "/directory/" not in html and "/engagements/" not in html
    assert 'name="robots" content="noindex"' in html
    assert "Revoke this certificate" not in html


def test_a_typed_code_leads_to_its_page(client, certified):
    typed = certified.code.lower().replace("-", "")
    response = client.get(f"/certificates/verify?code={typed}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/certificates/{certified.code}"
    response = client.get(f"/certificates/{typed}")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/certificates/{certified.code}"


def test_the_check_form_explains_bad_codes(client):
    page = client.get("/certificates/verify")
    assert page.status_code == 200
    assert _h1s(page) == ["Check a certificate of contribution"]
    assert error_summary(client.get("/certificates/verify?code=")) == ["Enter the certificate code"]
    [message] = error_summary(client.get("/certificates/verify?code=ABC"))
    assert message.startswith("Enter the code exactly as it is printed")


def test_an_unknown_code_is_a_friendly_404(client, db):
    response = client.get(f"/certificates/{codes.new_code()}")
    assert response.status_code == 404
    assert _h1s(response) == ["No certificate has this code"]
    assert client.get("/certificates/not-a-code").status_code == 404


def test_verification_is_rate_limited(client):
    code = codes.new_code()
    statuses = [client.get(f"/certificates/{code}").status_code for _ in range(30)]
    assert set(statuses) == {404}
    assert client.get("/certificates/verify?code=x").status_code == 429


# Revocation -----------------------------------------------------------------------------------


def test_the_organisation_revokes_a_certificate(client, db, world, certified):
    sign_in(client, world.manager.email)
    review = _html(client.get(_review_url(world.opportunity)))
    assert certified.code in review
    url = f"/certificates/{certified.id}/revoke"
    assert f'href="{url}"' in review
    assert f'href="{url}"' in _html(client.get(f"/certificates/{certified.code}"))

    page = client.get(url)
    assert page.status_code == 200
    assert _h1s(page) == [f"Revoke certificate {certified.code}"]
    response = submit(client, url, {"reason": ""})
    assert error_summary(response) == ["Enter the reason for revoking this certificate"]
    db.session.refresh(certified)
    assert certified.revoked_at is None

    response = submit(client, url, {"reason": "Hours were logged twice"})
    assert response.status_code == 302
    db.session.refresh(certified)
    assert certified.revoked_reason == "Hours were logged twice"

    public = client.get(f"/certificates/{certified.code}")
    assert _h1s(public) == ["This certificate has been revoked"]
    html = _html(public)
    assert "Hours were logged twice" not in html and "Nadia Rahman" not in html

    sign_in(client, world.staff.email)
    download = client.get(_certificate_url(world.engagement))
    assert download.status_code == 410
    assert "Your certificate has been revoked" in _html(download)
    assert _issue(client, world.engagement).status_code == 302
    assert _count(db, Certificate) == 1


def test_an_administrator_may_revoke(client, db, make, certified):
    sign_in(client, make.user(roles=["admin"]).email)
    response = submit(client, f"/certificates/{certified.id}/revoke", {"reason": "Fraud"})
    assert response.status_code == 302
    db.session.refresh(certified)
    assert certified.revoked_at is not None


@pytest.mark.parametrize("who", ["owner", "outsider", "colleague_elsewhere"])
def test_others_cannot_revoke(client, db, make, world, certified, who):
    if who == "owner":
        user = world.staff
    else:
        user = make.user(roles=["partner"])
        make.organisation(owner=user)
    sign_in(client, user.email)
    url = f"/certificates/{certified.id}/revoke"
    assert client.get(url).status_code == 404
    token = csrf_token(client, "/account/sign-in")
    assert client.post(url, data={"csrf_token": token, "reason": "x"}).status_code == 404
    db.session.refresh(certified)
    assert certified.revoked_at is None


# The engagement page's panel ------------------------------------------------------------------


PANEL = '{% include "contributions/_engagement.html" %}'


def test_the_panel_shows_the_owner_the_log_and_certificate_links(app, client, world, certified):
    with app.test_request_context():
        from flask_login import login_user

        login_user(world.staff)
        html = render_template_string(PANEL, engagement=world.engagement)
    assert f'href="/engagements/{world.engagement.id}/hours"' in html
    assert f'href="/engagements/{world.engagement.id}/certificate"' in html
    assert "12.5 hours" in html


def test_the_panel_shows_a_manager_the_review_link_and_others_nothing(app, db, make, world):
    member = make.user(roles=["partner"])
    db.session.add(Membership(user=member, organisation=world.organisation))
    db.session.commit()
    stranger = make.user(roles=["staff"])
    from flask_login import login_user

    with app.test_request_context():
        login_user(member)
        html = render_template_string(PANEL, engagement=world.engagement)
    assert f'href="/opportunities/{world.opportunity.id}/hours"' in html
    assert "/certificate" not in html
    with app.test_request_context():
        login_user(stranger)
        assert render_template_string(PANEL, engagement=world.engagement).strip() == ""


def test_a_notification_links_to_the_review_page(client, db, world):
    from diaspora.notifications.models import Notification

    sign_in(client, world.staff.email)
    submit(
        client,
        _log_url(world.engagement),
        {"month": f"{this_month():%Y-%m}", "hours": "1", "learners": "", "note": ""},
    )
    rows = db.session.scalars(
        select(Notification).where(Notification.recipient_id == world.manager.id)
    ).all()
    assert rows and all(r.link == _review_url(world.opportunity) for r in rows)
    assert all(r.kind == "hours_update" for r in rows)
    assert utcnow() - timedelta(minutes=5) < rows[0].created_at.replace(tzinfo=utcnow().tzinfo)


# Safety ---------------------------------------------------------------------------------------


def test_no_get_changes_anything(client, db, world, add_log, complete):
    """Opening the certificate page of an eligible engagement does not issue it, and so on."""
    from tests.core.support import snapshot

    complete(world.engagement)
    log = add_log(world.engagement, status="approved")
    add_log(world.engagement, month=last_month())
    sign_in(client, world.staff.email)
    before = snapshot()
    for path in (
        _log_url(world.engagement),
        _certificate_url(world.engagement),
        "/certificates/verify",
        f"/certificates/{codes.new_code()}",
    ):
        assert client.get(path).status_code in (200, 404), path
    assert snapshot() == before
    sign_in(client, world.manager.email)
    before = snapshot()
    assert client.get(_review_url(world.opportunity)).status_code == 200
    assert client.get(f"{_review_url(world.opportunity)}?log_id={log.id}").status_code == 200
    assert snapshot() == before


def test_posts_need_the_csrf_token(client, db, world, add_log, complete):
    complete(world.engagement)
    log = add_log(world.engagement)
    sign_in(client, world.staff.email)
    data = {"month": f"{this_month():%Y-%m}", "hours": "1"}
    assert client.post(_log_url(world.engagement), data=data).status_code == 400
    assert client.post(_certificate_url(world.engagement)).status_code == 400
    sign_in(client, world.manager.email)
    response = client.post(
        _review_url(world.opportunity), data={"log_id": log.id, "decision": "approve"}
    )
    assert response.status_code == 400
    db.session.refresh(log)
    assert log.status == "pending"
    assert _count(db, HoursLog) == 1


# Approving several at once --------------------------------------------------------------------


def _approve_url(opportunity) -> str:
    return f"/opportunities/{opportunity.id}/hours/approve"


def _approve_selected(client, opportunity, ids, **kwargs):
    token = csrf_token(client, _review_url(opportunity))
    return client.post(
        _approve_url(opportunity),
        data={"csrf_token": token, "selected": [str(i) for i in ids]},
        **kwargs,
    )


def _second_person(make, world, name="Kwame Mensah"):
    return make.engagement(world.opportunity, make.user(name=name), state="active")


def test_the_organisation_approves_selected_hours_as_one_at_a_time_would(
    client, db, make, world, add_log
):
    from diaspora.audit.models import AuditEvent
    from diaspora.notifications.models import Notification

    other = _second_person(make, world)
    first = add_log(world.engagement, minutes=90)
    second = add_log(world.engagement, minutes=30, month=last_month())
    third = add_log(other, minutes=60)
    left = add_log(other, minutes=45, month=last_month())
    sign_in(client, world.manager.email)
    page = _html(client.get(_review_url(world.opportunity)))
    assert page.count('form="approve-selected"') == 4
    assert "Select the hours of Kwame Mensah for " in page

    response = _approve_selected(client, world.opportunity, [first.id, second.id, third.id])
    assert response.status_code == 302
    for log in (first, second, third, left):
        db.session.refresh(log)
    assert [log.status for log in (first, second, third, left)] == [
        "approved",
        "approved",
        "approved",
        "pending",
    ]
    assert {log.decided_by_id for log in (first, second, third)} == {world.manager.id}
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "hours.approved"))
    assert sorted((e.subject_id, e.actor_id) for e in events) == sorted(
        (log.id, world.manager.id) for log in (first, second, third)
    )
    told = db.session.scalars(
        select(Notification).where(Notification.dedupe_key.like("hours:%:approved"))
    )
    assert {n.dedupe_key for n in told} == {
        f"hours:{log.id}:approved" for log in (first, second, third)
    }
    assert "3 hours entries approved." in _html(client.get(_review_url(world.opportunity)))


def test_approving_selected_is_all_or_nothing(client, db, make, world, add_log):
    first = add_log(world.engagement)
    decided = add_log(world.engagement, month=last_month())
    other = add_log(_second_person(make, world))
    sign_in(client, world.manager.email)
    token = csrf_token(client, _review_url(world.opportunity))
    decided.status = "approved"  # someone else approved it since the page was shown
    db.session.commit()

    response = client.post(
        _approve_url(world.opportunity),
        data={"csrf_token": token, "selected": [str(first.id), str(decided.id), str(other.id)]},
    )
    assert response.status_code == 200
    month = presenters.present_log(decided)["month"]
    assert error_summary(response) == [
        f"Nadia Rahman, {month}: These hours have already been reviewed. "
        "Nothing was approved: check your selection and try again"
    ]
    html = _html(response)
    for log in (first, other):  # the ticks are kept
        db.session.refresh(log)
        assert log.status == "pending"
        assert re.search(rf'id="select-{log.id}" name="selected" [^>]* checked\s', html)
    assert 'href="#pending"' in html


def test_approving_selected_names_a_pending_entry_that_cannot_be_approved(
    app, client, db, make, world, add_log, monkeypatch
):
    from diaspora.contributions import services

    first = add_log(world.engagement)
    second = add_log(world.engagement, month=last_month())
    sign_in(client, world.manager.email)
    real = services.decide

    def decided_elsewhere(session, log, *args, **kwargs):
        if log.id == second.id:  # a reviewer in another tab won the race for this one
            raise services.ContributionError({"decision": "These hours have already been reviewed"})
        return real(session, log, *args, **kwargs)

    monkeypatch.setattr(services, "decide", decided_elsewhere)
    response = _approve_selected(client, world.opportunity, [first.id, second.id])
    assert response.status_code == 200
    assert f'href="#select-{second.id}"' in _html(response)
    db.session.refresh(first)
    assert first.status == "pending"  # approved before the refusal, then rolled back


def test_approving_selected_needs_a_selection_and_a_token(client, db, world, add_log):
    add_log(world.engagement)
    add_log(world.engagement, month=last_month())
    sign_in(client, world.manager.email)
    response = _approve_selected(client, world.opportunity, [])
    assert error_summary(response) == ["Select the hours you want to approve"]
    log = add_log(world.engagement, month=add_months(this_month(), -2))
    response = client.post(_approve_url(world.opportunity), data={"selected": [str(log.id)]})
    assert response.status_code == 400
    db.session.refresh(log)
    assert log.status == "pending"


def test_approving_selected_refuses_another_organisations_hours(client, db, make, world, add_log):
    ours = add_log(world.engagement)
    theirs = add_log(make.engagement(make.opportunity(), make.user(), state="active"))
    sign_in(client, world.manager.email)
    response = _approve_selected(client, world.opportunity, [ours.id, theirs.id])
    assert response.status_code == 404
    assert _approve_selected(client, world.opportunity, ["1x"]).status_code == 404
    for log in (ours, theirs):
        db.session.refresh(log)
        assert log.status == "pending"


def test_another_organisation_cannot_approve_selected(client, db, make, world, add_log):
    log = add_log(world.engagement)
    outsider = make.user(roles=["partner"])
    make.organisation(owner=outsider)
    sign_in(client, outsider.email)
    token = csrf_token(client, "/account/sign-in")
    response = client.post(
        _approve_url(world.opportunity), data={"csrf_token": token, "selected": [str(log.id)]}
    )
    assert response.status_code == 403
    db.session.refresh(log)
    assert log.status == "pending"


def test_the_certificate_pdf_is_in_its_downloaders_language(client, db, world, certified):
    """The certificate's own words, its dates and its numbers follow the language of the
    person downloading it; the facts people typed stay as they are."""
    world.staff.language = "fr"
    db.session.commit()
    response = client.get(_certificate_url(world.engagement))
    assert response.mimetype == "application/pdf"
    text = "\n".join(text_lines(response.data))
    for expected in (
        "Certificat de contribution",
        "Nous certifions que",
        "Nadia Rahman",
        "a contribué aux travaux de Sylhet MAG Osmani Medical College",
        "Heures approuvées 12,5 heures",
        f"Code du certificat {certified.code}",
        "Vérifiez que ce certificat est authentique",
    ):
        assert expected in text, expected
    assert "Certificate of contribution" not in text
    assert "Approved hours" not in text


def test_the_hours_page_is_in_the_readers_language(client, db, world, add_log):
    add_log(world.engagement, minutes=150, status="approved", learners=3)
    world.staff.language = "fr"
    db.session.commit()
    sign_in(client, world.staff.email)
    page = _html(client.get(_log_url(world.engagement)))
    assert "Vos heures et vos apprenants" in page
    assert "Approuvées : 2,5 heures, 3 apprenants formés." in page
    assert "Hours you have logged" not in page
