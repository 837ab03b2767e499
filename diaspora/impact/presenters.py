"""Figures and rows as the templates and the CSV need them: labels, hours, table rows."""

import csv
import io
from collections.abc import Callable, Iterable
from datetime import date

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from flask_babel import gettext, ngettext
from markupsafe import Markup

from diaspora.core.spreadsheet import cell
from diaspora.core.words import N_
from diaspora.engagements.models import STATE_LABELS
from diaspora.impact import charts, services
from diaspora.languages import DEFAULT_LANGUAGE, current_language, format_number, translated
from diaspora.opportunities.models import KIND_LABELS
from diaspora.reference.catalogue import on_safeguards_list, professions
from diaspora.reference.places import country_name
from diaspora.registry import privacy
from diaspora.registry.models import StaffProfile


def hours(minutes: int) -> str:
    """Minutes as hours with at most one decimal, e.g. 90 → "1.5" ("1,5" in French)."""
    return format_decimal(round(minutes / 60, 1), "#,##0.#", locale=current_language())


def month_label(month: date) -> str:
    """The month and year, short ("Mar 2026"), in the reader's language."""
    language = current_language()
    if language == DEFAULT_LANGUAGE:
        return month.strftime("%b %Y")
    return format_date(month, "LLL y", locale=language)


def profession_label(code: str) -> str:
    if not code:
        return gettext("Not recorded")
    found = professions().get(code)
    return translated(found.name) if found else code


def _country(code: str) -> str:
    return country_name(code, current_language())


def _yes_no(value: bool) -> str:
    return gettext("Yes") if value else gettext("No")


def _hours_across(
    rows: list[tuple[str, int, int]], label: Callable[[str], str], caption_id: str
) -> Markup | None:
    """A bar a row of (code, approved minutes, count), top to bottom in the rows' order."""
    if not rows:
        return None
    return charts.bars(
        [label(code) for code, _, _ in rows],
        gettext("Approved hours"),
        [round(m / 60, 1) for _, m, _ in rows],
        labelled_by=caption_id,
        horizontal=True,
        height=max(200, 40 * len(rows) + 80),
    )


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
        {"label": gettext("Approved hours"), "value": hours(figures.approved_minutes)},
        {
            "label": gettext("Tele-teaching sessions delivered"),
            "value": format_number(figures.sessions),
        },
        {"label": gettext("Learners reached"), "value": format_number(figures.learners)},
        {
            "label": gettext("Engagements completed"),
            "value": format_number(figures.engagements_completed),
        },
        {
            "label": gettext("Return placements completed"),
            "value": format_number(figures.placements_completed),
        },
        {"label": gettext("People active"), "value": format_number(figures.people_active)},
        {"label": gettext("Countries served"), "value": format_number(figures.countries_served)},
        {
            "label": gettext("Approved hours in WHO safeguards list countries"),
            "value": gettext("No approved hours")
            if share is None
            else format_percent(share, locale=current_language()),
        },
    ]


def sections(figures: services.Figures) -> list[dict]:
    """The three breakdowns, each a chart with its caption and data table."""
    months = figures.by_month
    countries = figures.by_country
    people = figures.by_profession
    months_with_hours = sum(1 for _, m, _ in months if m)
    with_hours = ngettext(
        "%(num)d month with approved hours", "%(num)d months with approved hours", months_with_hours
    )
    return [
        {
            "id": "by-month",
            "title": gettext("Approved hours by month"),
            "caption": ngettext(
                "Bar chart of approved hours in each of the %(num)d month of the range, in "
                "order, %(with_hours)s. The table below gives each figure.",
                "Bar chart of approved hours in each of the %(num)d months of the range, in "
                "order, %(with_hours)s. The table below gives each figure.",
                len(months),
                with_hours=with_hours,
            ),
            "chart": charts.bars(
                [month_label(m) for m, _, _ in months],
                gettext("Approved hours"),
                [round(m / 60, 1) for _, m, _ in months],
                labelled_by="by-month-caption",
            )
            if figures.approved_minutes
            else None,
            "table": _table(
                [gettext("Month"), gettext("Approved hours"), gettext("Learners reached")],
                ([month_label(m), hours(mins), format_number(n)] for m, mins, n in months),
            ),
        },
        {
            "id": "by-country",
            "title": gettext("Approved hours by country"),
            "caption": ngettext(
                "Horizontal bar chart of approved hours given to each of %(num)d country, "
                "largest first. The table below gives each figure.",
                "Horizontal bar chart of approved hours given to each of %(num)d countries, "
                "largest first. The table below gives each figure.",
                len(countries),
            ),
            "chart": _hours_across(countries, _country, "by-country-caption"),
            "table": _table(
                [
                    gettext("Country"),
                    gettext("On the WHO safeguards list"),
                    gettext("Approved hours"),
                    gettext("Learners reached"),
                ],
                (
                    [
                        _country(code),
                        _yes_no(on_safeguards_list(code)),
                        hours(mins),
                        format_number(n),
                    ]
                    for code, mins, n in countries
                ),
            ),
        },
        {
            "id": "by-profession",
            "title": gettext("Approved hours by profession"),
            "caption": ngettext(
                "Horizontal bar chart of approved hours by the profession of the people who "
                "gave them, %(num)d profession, largest first. The table below gives each "
                "figure.",
                "Horizontal bar chart of approved hours by the profession of the people who "
                "gave them, %(num)d professions, largest first. The table below gives each "
                "figure.",
                len(people),
            ),
            "chart": _hours_across(people, profession_label, "by-profession-caption"),
            "table": _table(
                [gettext("Profession"), gettext("Approved hours"), gettext("People")],
                (
                    [profession_label(code), hours(mins), format_number(n)]
                    for code, mins, n in people
                ),
            ),
        },
    ]


def pipeline(result: services.Pipeline) -> dict:
    labels = [month_label(m) for m in result.months]
    return {
        "total": result.total,
        "caption": gettext(
            "Bar chart of how many people are expected to return in each of the next 12 "
            "months, all countries together. The tables below give each country and profession."
        ),
        "chart": charts.bars(
            labels,
            gettext("People returning"),
            result.per_month(),
            labelled_by="returns-caption",
            whole=True,
        )
        if result.total
        else None,
        "countries": _table(
            [gettext("Country"), *labels, gettext("Total")],
            (
                [_country(code), *(format_number(n) for n in counts), format_number(total)]
                for code, counts, total in result.by_country()
            ),
        ),
        "professions": _table(
            [gettext("Profession"), gettext("People returning")],
            ([profession_label(code), format_number(n)] for code, n in result.by_profession()),
        ),
    }


def received(result: services.Received) -> dict:
    labels = [month_label(m) for m in result.months]
    return {
        "caption": gettext(
            "Bar chart of approved hours received in each month of the range. The table below "
            "gives sessions, learners, hours and placements for each month."
        ),
        "chart": charts.bars(
            labels,
            gettext("Approved hours"),
            [round(m / 60, 1) for m in result.minutes],
            labelled_by="received-caption",
        )
        if any(result.minutes)
        else None,
        "table": _table(
            [
                gettext("Month"),
                gettext("Tele-teaching sessions delivered"),
                gettext("Learners reached"),
                gettext("Approved hours"),
                gettext("Return placements completed"),
            ],
            (
                [label, format_number(s), format_number(n), hours(m), format_number(p)]
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
            "sessions": format_number(sum(result.sessions)),
            "learners": format_number(sum(result.learners)),
            "hours": hours(sum(result.minutes)),
            "placements": format_number(sum(result.placements)),
        },
    }


# CSV -------------------------------------------------------------------------------------------

NOT_SHOWN = "Not shown"  # in an export, in the reader's language (`_name_cell`)


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
    N_("Person reference"),
    N_("Name"),
    N_("Profession"),
    N_("Opportunity"),
    N_("Kind"),
    N_("Organisation"),
    N_("Country"),
    N_("On the WHO safeguards list"),
    N_("State"),
    N_("Started"),
    N_("Ended"),
    N_("Approved hours in range"),
    N_("Learners reached in range"),
]

HOURS_HEADER = [
    N_("Person reference"),
    N_("Name"),
    N_("Opportunity"),
    N_("Organisation"),
    N_("Country"),
    N_("On the WHO safeguards list"),
    N_("Month"),
    N_("Approved hours"),
    N_("Learners reached"),
]


def _name_cell(name: str) -> str:
    return gettext("Not shown") if name == NOT_SHOWN else name


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
    writer.writerow(translated(heading) for heading in ENGAGEMENT_HEADER)
    count = 0
    for row in rows:
        name = people.name(row.user_id, row.profile)
        writer.writerow(
            cell(value)
            for value in (
                people.reference(row.user_id),
                _name_cell(name),
                _profession(row.profile, name != NOT_SHOWN),
                row.opportunity,
                translated(KIND_LABELS.get(row.kind, row.kind)),
                row.organisation,
                _country(row.country),
                _yes_no(on_safeguards_list(row.country)),
                translated(STATE_LABELS.get(row.state, row.state)),
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
    writer.writerow(translated(heading) for heading in HOURS_HEADER)
    count = 0
    for row in rows:
        writer.writerow(
            cell(value)
            for value in (
                people.reference(row.user_id),
                _name_cell(people.name(row.user_id, row.profile)),
                row.opportunity,
                row.organisation,
                _country(row.country),
                _yes_no(on_safeguards_list(row.country)),
                row.month.strftime("%Y-%m"),
                hours(row.minutes),
                row.learners,
            )
        )
        count += 1
    return buffer.getvalue(), count
