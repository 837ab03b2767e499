"""Figures and rows as the templates and the CSV need them: labels, hours, table rows."""

import csv
import io
from collections.abc import Iterable
from datetime import date

from diaspora.core.spreadsheet import cell
from diaspora.engagements.models import STATE_LABELS
from diaspora.impact import charts, services
from diaspora.opportunities.models import KIND_LABELS
from diaspora.reference.catalogue import on_safeguards_list, professions
from diaspora.reference.places import country_name
from diaspora.registry import privacy
from diaspora.registry.models import StaffProfile

NOT_RECORDED_LABEL = "Not recorded"


def hours(minutes: int) -> str:
    """Minutes as hours with at most one decimal, e.g. 90 → "1.5"."""
    value = round(minutes / 60, 1)
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def month_label(month: date) -> str:
    return month.strftime("%b %Y")


def profession_label(code: str) -> str:
    if not code:
        return NOT_RECORDED_LABEL
    found = professions().get(code)
    return found.name if found else code


def _number(value: int) -> str:
    return f"{value:,}"


def _count(value: int, one: str, many: str) -> str:
    return f"{value:,} {one if value == 1 else many}"


def _table(head: list[str], rows: Iterable[list[str]]) -> dict:
    return {
        "head": [
            {"text": text, "format": "numeric"} if index else {"text": text}
            for index, text in enumerate(head)
        ],
        "rows": [
            [
                {"text": text, "format": "numeric"} if index else {"text": text}
                for index, text in enumerate(row)
            ]
            for row in rows
        ],
    }


def headline(figures: services.Figures) -> list[dict]:
    share = figures.safeguards_share
    return [
        {"label": "Approved hours", "value": hours(figures.approved_minutes)},
        {"label": "Tele-teaching sessions delivered", "value": _number(figures.sessions)},
        {"label": "Learners reached", "value": _number(figures.learners)},
        {"label": "Engagements completed", "value": _number(figures.engagements_completed)},
        {"label": "Return placements completed", "value": _number(figures.placements_completed)},
        {"label": "People active", "value": _number(figures.people_active)},
        {"label": "Countries served", "value": _number(figures.countries_served)},
        {
            "label": "Approved hours in WHO safeguards list countries",
            "value": "No approved hours" if share is None else f"{share:.0%}",
        },
    ]


def sections(figures: services.Figures) -> list[dict]:
    """The three breakdowns, each a chart with its caption and data table."""
    months = figures.by_month
    countries = figures.by_country
    people = figures.by_profession
    return [
        {
            "id": "by-month",
            "title": "Approved hours by month",
            "caption": (
                "Bar chart of approved hours in each of the "
                f"{_count(len(months), 'month', 'months')} of the range, in order, "
                f"{_count(sum(1 for _, m, _ in months if m), 'month', 'months')} with "
                "approved hours. The table below gives each figure."
            ),
            "chart": charts.bars(
                [month_label(m) for m, _, _ in months],
                "Approved hours",
                [round(m / 60, 1) for _, m, _ in months],
                labelled_by="by-month-caption",
            )
            if figures.approved_minutes
            else None,
            "table": _table(
                ["Month", "Approved hours", "Learners reached"],
                ([month_label(m), hours(mins), _number(n)] for m, mins, n in months),
            ),
        },
        {
            "id": "by-country",
            "title": "Approved hours by country",
            "caption": (
                "Horizontal bar chart of approved hours given to each of "
                f"{_count(len(countries), 'country', 'countries')}, largest first. "
                "The table below gives each figure."
            ),
            "chart": charts.bars(
                [country_name(code) for code, _, _ in countries],
                "Approved hours",
                [round(m / 60, 1) for _, m, _ in countries],
                labelled_by="by-country-caption",
                horizontal=True,
                height=max(200, 40 * len(countries) + 80),
            )
            if countries
            else None,
            "table": _table(
                ["Country", "On the WHO safeguards list", "Approved hours", "Learners reached"],
                (
                    [
                        country_name(code),
                        "Yes" if on_safeguards_list(code) else "No",
                        hours(mins),
                        _number(n),
                    ]
                    for code, mins, n in countries
                ),
            ),
        },
        {
            "id": "by-profession",
            "title": "Approved hours by profession",
            "caption": (
                "Horizontal bar chart of approved hours by the profession of the people who "
                f"gave them, {_count(len(people), 'profession', 'professions')}, largest first. "
                "The table below gives each figure."
            ),
            "chart": charts.bars(
                [profession_label(code) for code, _, _ in people],
                "Approved hours",
                [round(m / 60, 1) for _, m, _ in people],
                labelled_by="by-profession-caption",
                horizontal=True,
                height=max(200, 40 * len(people) + 80),
            )
            if people
            else None,
            "table": _table(
                ["Profession", "Approved hours", "People"],
                ([profession_label(code), hours(mins), _number(n)] for code, mins, n in people),
            ),
        },
    ]


def pipeline(result: services.Pipeline) -> dict:
    labels = [month_label(m) for m in result.months]
    return {
        "total": result.total,
        "caption": (
            "Bar chart of how many people are expected to return in each of the next 12 "
            "months, all countries together. The tables below give each country and profession."
        ),
        "chart": charts.bars(
            labels,
            "People returning",
            result.per_month(),
            labelled_by="returns-caption",
            whole=True,
        )
        if result.total
        else None,
        "countries": _table(
            ["Country", *labels, "Total"],
            (
                [country_name(code), *(_number(n) for n in counts), _number(total)]
                for code, counts, total in result.by_country()
            ),
        ),
        "professions": _table(
            ["Profession", "People returning"],
            ([profession_label(code), _number(n)] for code, n in result.by_profession()),
        ),
    }


def received(result: services.Received) -> dict:
    labels = [month_label(m) for m in result.months]
    return {
        "caption": (
            "Bar chart of approved hours received in each month of the range. The table below "
            "gives sessions, learners, hours and placements for each month."
        ),
        "chart": charts.bars(
            labels,
            "Approved hours",
            [round(m / 60, 1) for m in result.minutes],
            labelled_by="received-caption",
        )
        if any(result.minutes)
        else None,
        "table": _table(
            [
                "Month",
                "Tele-teaching sessions delivered",
                "Learners reached",
                "Approved hours",
                "Return placements completed",
            ],
            (
                [label, _number(s), _number(n), hours(m), _number(p)]
                for label, s, n, m, p in zip(
                    labels,
                    result.sessions,
                    result.learners,
                    result.minutes,
                    result.placements,
                    strict=True,
                )
            ),
        ),
        "totals": {
            "sessions": _number(sum(result.sessions)),
            "learners": _number(sum(result.learners)),
            "hours": hours(sum(result.minutes)),
            "placements": _number(sum(result.placements)),
        },
    }


# CSV -------------------------------------------------------------------------------------------

NOT_SHOWN = "Not shown"


class People:
    """Names a person in an export only when the viewer may list their profile (privacy's
    rule, as a coordinator sees it even for an administrator: "only me" profiles are never
    listed) and the person agreed to be contacted; everyone gets a reference that is the same
    on every row of one export and means nothing outside it."""

    def __init__(self, access: privacy.ViewerAccess, viewer) -> None:
        self.access = privacy.ViewerAccess(access.audiences, access.coordinator, admin=False)
        self.viewer = viewer
        self.references: dict[int, str] = {}
        self.named: set[int] = set()

    def reference(self, user_id: int) -> str:
        if user_id not in self.references:
            self.references[user_id] = f"P{len(self.references) + 1:04d}"
        return self.references[user_id]

    def name(self, user_id: int, profile: StaffProfile | None) -> str:
        if (
            profile is not None
            and profile.consent_to_contact
            and privacy.visible_with(self.access, self.viewer, profile)
        ):
            self.named.add(user_id)
            return profile.user.display_name
        return NOT_SHOWN


ENGAGEMENT_HEADER = [
    "Person reference",
    "Name",
    "Profession",
    "Opportunity",
    "Kind",
    "Organisation",
    "Country",
    "On the WHO safeguards list",
    "State",
    "Started",
    "Ended",
    "Approved hours in range",
    "Learners reached in range",
]

HOURS_HEADER = [
    "Person reference",
    "Name",
    "Opportunity",
    "Organisation",
    "Country",
    "On the WHO safeguards list",
    "Month",
    "Approved hours",
    "Learners reached",
]


def _day(value) -> str:
    return value.date().isoformat() if value is not None else ""


def _profession(profile: StaffProfile | None, shown: bool) -> str:
    if not shown or profile is None or not profile.profession:
        return ""
    return profession_label(profile.profession)


def engagement_csv(rows: Iterable[services.EngagementRow], people: People) -> tuple[str, int]:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so spreadsheets read names in any script as UTF-8
    writer = csv.writer(buffer)
    writer.writerow(ENGAGEMENT_HEADER)
    count = 0
    for row in rows:
        name = people.name(row.user_id, row.profile)
        writer.writerow(
            cell(value)
            for value in (
                people.reference(row.user_id),
                name,
                _profession(row.profile, name != NOT_SHOWN),
                row.opportunity,
                KIND_LABELS.get(row.kind, row.kind),
                row.organisation,
                country_name(row.country),
                "Yes" if on_safeguards_list(row.country) else "No",
                STATE_LABELS.get(row.state, row.state),
                _day(row.started_at),
                _day(row.ended_at),
                hours(row.minutes),
                row.learners,
            )
        )
        count += 1
    return buffer.getvalue(), count


def hours_csv(rows: Iterable[services.HoursRow], people: People) -> tuple[str, int]:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(HOURS_HEADER)
    count = 0
    for row in rows:
        writer.writerow(
            cell(value)
            for value in (
                people.reference(row.user_id),
                people.name(row.user_id, row.profile),
                row.opportunity,
                row.organisation,
                country_name(row.country),
                "Yes" if on_safeguards_list(row.country) else "No",
                row.month.strftime("%Y-%m"),
                hours(row.minutes),
                row.learners,
            )
        )
        count += 1
    return buffer.getvalue(), count
