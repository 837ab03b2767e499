"""The impact pages and exports: who sees them, every figure shown, the CSV against a hand
count, and a number of queries that does not grow with the data."""

import csv
import html
import io
import re
from datetime import date

from sqlalchemy import select

from diaspora.audit.models import AuditEvent
from diaspora.cohorts.models import CohortMember
from diaspora.contributions.models import HoursLog
from tests.fixtures.impact import RANGE_ARGS
from tests.helpers import error_summary, sign_in


def _text(response) -> str:
    """The page's text as a screen reader reads it: without the responsive tables' repeated
    column headings, which are aria-hidden."""
    body = re.sub(
        r'<span class="nhsuk-table__heading" aria-hidden="true">[^<]*</span>',
        "",
        response.get_data(as_text=True),
    )
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def _figures(response) -> dict[str, str]:
    """The summary cards: label → value."""
    body = response.get_data(as_text=True)
    cards = re.findall(
        r'app-impact-figure__value[^>]*>\s*(.*?)\s*</h3>.*?<p class="nhsuk-card__description">\s*'
        r"(.*?)\s*</p>",
        body,
        re.S,
    )
    return {html.unescape(label): html.unescape(value) for value, label in cards}


def _get(client, url, **args):
    return client.get(url, query_string={**RANGE_ARGS, **args})


def _export(client, url, what):
    page = _get(client, url)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    return client.post(f"{url}/export/{what}", data={**RANGE_ARGS, "csrf_token": token.group(1)})


def _rows(response) -> list[dict[str, str]]:
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def test_organisation_dashboard_shows_every_figure(client, world):
    sign_in(client, world.kemi.email)
    response = _get(client, f"/impact/organisations/{world.charity.id}")
    assert response.status_code == 200
    assert _figures(response) == {
        "Approved hours": "8.5",  # 510 minutes
        "Tele-teaching sessions delivered": "1",
        "Learners reached": "38",
        "Engagements completed": "2",
        "Return placements completed": "0",
        "People active": "3",
        "Countries served": "2",
        "Approved hours in WHO safeguards list countries": "53%",  # 270 of 510 minutes
    }
    text = _text(response)
    assert "1 January 2026 to 30 June 2026" in text
    assert "How we count" in text
    # Breakdowns as tables beside their charts.
    assert "Feb 2026 2 10" in text and "Mar 2026 5.5 25" in text
    assert "Nigeria Yes 4.5 18" in text and "India No 4 20" in text
    assert "Doctor 4 1" in text and "Adult nurse 3.5 1" in text
    # Nobody is named anywhere on the page.
    for person in (world.alice, world.bob, world.dave):
        assert person.display_name not in text
    assert "Nigeria nurses" in text and "Paramedics" in text and "Other cohort" not in text
    # Return pipeline: Alice, Bob and Dave.
    assert "People returning in the next 12 months" in text


def test_charts_are_inline_svg_the_csp_allows(client, world):
    sign_in(client, world.kemi.email)
    body = _get(client, f"/impact/organisations/{world.charity.id}").get_data(as_text=True)
    svgs = re.findall(r"<svg[^>]*class=\"pygal-chart[^>]*>.*?</svg>", body, re.S)
    assert len(svgs) == 4  # by month, by country, by profession, returns
    for svg in svgs:
        assert "style=" not in svg and "<style" not in svg and "<script" not in svg
        assert 'role="img"' in svg and "aria-labelledby=" in svg
    assert re.search(r"impact/impact\.[0-9a-f]{12}\.css", body)


def test_cohort_and_platform_dashboards(client, world, make):
    sign_in(client, world.kemi.email)
    figures = _figures(_get(client, f"/impact/cohorts/{world.nurses.id}"))
    assert figures["Approved hours"] == "7.5"
    assert figures["Learners reached"] == "35"
    assert figures["People active"] == "2"
    assert figures["Approved hours in WHO safeguards list countries"] == "47%"

    admin = make.user(roles=["admin"])
    client.post("/account/sign-out")
    sign_in(client, admin.email)
    figures = _figures(_get(client, "/impact/"))
    assert figures["Approved hours"] == "16.5"
    assert figures["Learners reached"] == "45"
    assert figures["Engagements completed"] == "5"
    assert figures["People active"] == "5"
    assert figures["Approved hours in WHO safeguards list countries"] == "58%"
    returns = client.get("/impact/returns")
    assert returns.status_code == 200
    assert "Nigeria" in _text(returns)


def test_the_default_range_is_the_last_12_months(client, world):
    sign_in(client, world.kemi.email)
    response = client.get(f"/impact/organisations/{world.charity.id}")
    assert response.status_code == 200
    assert 'name="start-year"' in response.get_data(as_text=True)


def test_a_bad_range_shows_the_errors(client, world):
    sign_in(client, world.kemi.email)
    response = _get(
        client,
        f"/impact/organisations/{world.charity.id}",
        **{"end-day": "1", "end-year": "2025", "start-month": "13"},
    )
    assert response.status_code == 400
    assert error_summary(response) == ["Start date must be a real date"]
    response = _get(client, f"/impact/organisations/{world.charity.id}", **{"end-year": "2025"})
    assert error_summary(response) == ["End date must be the same as or after the start date"]
    assert "Summary" not in _text(response)


def test_who_sees_what(client, world, make):
    charity_pages = [
        f"/impact/organisations/{world.charity.id}",
        f"/impact/cohorts/{world.nurses.id}",
        f"/impact/cohorts/{world.paramedics.id}",
    ]
    sign_in(client, world.olu.email)  # another charity's coordinator
    for url in charity_pages:
        assert client.get(url).status_code == 404
    assert client.get(f"/impact/organisations/{world.other_charity.id}").status_code == 200
    assert client.get(f"/impact/partners/{world.lagos.id}").status_code == 404
    assert client.get("/impact/returns").status_code == 404
    # / takes a coordinator to their own organisation, never the platform's figures.
    assert (
        client.get("/impact/")
        .headers["Location"]
        .endswith(f"/impact/organisations/{world.other_charity.id}")
    )
    token = re.search(
        r'name="csrf_token" value="([^"]+)"',
        client.get(f"/impact/organisations/{world.other_charity.id}").get_data(as_text=True),
    ).group(1)
    for url in charity_pages[:2]:
        for what in ("engagements", "hours"):
            posted = client.post(f"{url}/export/{what}", data={**RANGE_ARGS, "csrf_token": token})
            assert posted.status_code == 404

    client.post("/account/sign-out")
    sign_in(client, world.lagos_member.email)  # a partner: its own page only
    assert client.get(f"/impact/partners/{world.lagos.id}").status_code == 200
    assert client.get(f"/impact/partners/{world.delhi.id}").status_code == 404
    assert client.get(f"/impact/organisations/{world.charity.id}").status_code == 404
    assert client.get("/impact/").status_code == 404

    client.post("/account/sign-out")
    sign_in(client, make.user(roles=["coordinator"]).email)  # the role without a membership
    assert client.get("/impact/").status_code == 404
    assert client.get(f"/impact/organisations/{world.charity.id}").status_code == 404


def test_signed_out_people_are_sent_to_sign_in(client, world):
    assert client.get(f"/impact/organisations/{world.charity.id}").status_code == 302


def test_partner_page_shows_what_it_received(client, world):
    sign_in(client, world.lagos_member.email)
    response = _get(client, f"/impact/partners/{world.lagos.id}")
    text = _text(response)
    assert "Tele-teaching sessions delivered 1" in text
    assert "Learners reached 18" in text
    assert "Approved hours 9.5" in text
    assert "Return placements completed 1" in text
    assert "Feb 2026 1 10 2 0" in text and "May 2026 0 0 5 1" in text


def test_engagements_csv_respects_privacy_and_is_audited(client, world, db):
    sign_in(client, world.kemi.email)
    response = _export(client, f"/impact/organisations/{world.charity.id}", "engagements")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = _rows(response)
    # Alice's project and held booking (not the cancelled one), Bob's active project, Dave's
    # project (hours in June). Erin left the cohorts when she deleted her account.
    assert len(rows) == 4
    named = {row["Name"] for row in rows}
    assert named == {"Alice Adeyemi", "Not shown"}  # Bob: only me; Dave: no consent
    assert len({row["Person reference"] for row in rows}) == 3
    alice = [row for row in rows if row["Name"] == "Alice Adeyemi"]
    assert {row["Approved hours in range"] for row in alice} == {"3.5", "0"}
    assert alice[0]["Opportunity"].startswith("'=HYPERLINK")  # not a formula
    assert alice[0]["Profession"] == "Adult nurse"
    hidden = [row for row in rows if row["Name"] == "Not shown"]
    assert {row["Profession"] for row in hidden} == {""}
    assert sorted(row["Approved hours in range"] for row in hidden) == ["1", "4"]
    assert sum(int(row["Learners reached in range"]) for row in rows) == 38
    assert "Bob Bello" not in response.get_data(as_text=True)

    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "impact.exported")
    ).one()
    assert event.actor_id == world.kemi.id
    assert event.subject_type == "Organisation" and event.subject_id == world.charity.id
    assert event.details == {
        "export": "engagements",
        "start": "2026-01-01",
        "end": "2026-06-30",
        "rows": 4,
        "people": 3,
        "named": 1,
    }


def test_hours_csv_matches_the_hand_count(client, world, db):
    sign_in(client, world.kemi.email)
    response = _export(client, f"/impact/cohorts/{world.nurses.id}", "hours")
    rows = _rows(response)
    assert [(r["Month"], r["Approved hours"], r["Learners reached"]) for r in rows] == [
        ("2026-02", "2", "10"),
        ("2026-03", "1.5", "5"),
        ("2026-03", "4", "20"),
    ]
    assert [r["On the WHO safeguards list"] for r in rows] == ["Yes", "Yes", "No"]
    assert [r["Name"] for r in rows] == ["Alice Adeyemi", "Alice Adeyemi", "Not shown"]
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "impact.exported")
    ).one()
    assert event.subject_type == "Cohort" and event.details["rows"] == 3


def test_export_needs_a_csrf_token(client, world):
    sign_in(client, world.kemi.email)
    response = client.post(
        f"/impact/organisations/{world.charity.id}/export/hours", data=RANGE_ARGS
    )
    assert response.status_code == 400


def test_queries_do_not_grow_with_the_data(client, world, make, db, queries):
    pages = [
        (world.kemi, f"/impact/organisations/{world.charity.id}"),
        (world.kemi, f"/impact/cohorts/{world.nurses.id}"),
        (world.lagos_member, f"/impact/partners/{world.lagos.id}"),
    ]

    def measure() -> list[int]:
        counts = []
        for user, url in pages:
            client.post("/account/sign-out")
            sign_in(client, user.email)
            with queries.count():
                assert _get(client, url).status_code == 200
            counts.append(len(queries))
        return counts

    small = measure()
    project = make.opportunity(world.lagos, country="GH")
    for n in range(12):
        person = make.profile(make.user(), profession="doctor").user
        db.session.add(CohortMember(cohort_id=world.nurses.id, user_id=person.id))
        engagement = make.engagement(project, person, state="completed", ended_at=None)
        for month in (2, 3, 4):
            db.session.add(
                HoursLog(
                    engagement=engagement,
                    month=date(2026, month, 1),
                    minutes=60 + n,
                    learners_reached=n,
                    status="approved",
                )
            )
    db.session.commit()
    assert measure() == small


def test_the_dashboard_and_its_exports_are_in_the_readers_language(client, world, db):
    """Figures' labels, dates, decimals, chart captions and the CSV's headings follow the
    reader's language; names people typed stay as they are."""
    world.kemi.language = "fr"
    db.session.commit()
    sign_in(client, world.kemi.email)
    response = _get(client, f"/impact/organisations/{world.charity.id}")
    figures = _figures(response)
    assert figures["Heures approuvées"] == "8,5"
    share = figures["Heures approuvées dans les pays de la liste de sauvegarde de l'OMS"]
    assert share == "53\u00a0%"  # French puts a no-break space before the sign
    text = _text(response)
    assert "Du 1 janvier 2026 au 30 juin 2026" in text
    assert "Notre méthode de calcul" in text
    assert "Diagramme en barres des heures approuvées" in text
    assert "Nigeria Oui 4,5 18" in text and "Inde Non 4 20" in text
    assert "How we count" not in text and "Approved hours" not in text

    rows = _rows(_export(client, f"/impact/organisations/{world.charity.id}", "engagements"))
    assert "Référence de la personne" in rows[0] and "Person reference" not in rows[0]
    assert {row["Nom"] for row in rows} == {"Alice Adeyemi", "Non affiché"}
