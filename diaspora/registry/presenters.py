"""A profile as the nhsuk macros take it: summary list rows and list items. No rules here."""

from collections.abc import Callable
from datetime import date
from typing import Any

from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from diaspora.languages import current_language, format_local, translated
from diaspora.reference import catalogue
from diaspora.reference.places import country_name
from diaspora.registry import services
from diaspora.registry.models import (
    MODALITY_LABELS,
    PROFICIENCY_LABELS,
    SKILL_LEVEL_LABELS,
    TIE_LABELS,
    TIE_NAMES,
    VISIBILITY_LABELS,
    CountryTie,
    LanguageSkill,
    ProfileSkill,
    StaffProfile,
)

SECTION_TITLES = {
    "work": _l("Work in the NHS"),
    "countries": _l("Country ties"),
    "languages": _l("Languages"),
    "skills": _l("Skills"),
    "availability": _l("Availability"),
    "privacy": _l("Privacy"),
}


def who_tag() -> Markup:
    return Markup('<strong class="nhsuk-tag nhsuk-tag--orange app-who-tag">{}</strong>').format(
        gettext("WHO safeguards list")
    )


def _country(code: str) -> str:
    return country_name(code, current_language())


def country_html(code: str) -> Markup:
    """The country's name, with the WHO safeguards list tag when the country is on it."""
    name = escape(_country(code))
    return Markup("{} {}").format(name, who_tag()) if catalogue.on_safeguards_list(code) else name


def tie_name(country: str, kind: str) -> str:
    """For example "Bangladesh (born there)"."""
    return gettext(
        "%(country)s (%(tie)s)",
        country=_country(country),
        tie=translated(TIE_NAMES.get(kind, kind)),
    )


def language_name(code: str) -> str:
    return catalogue.language_names(current_language()).get(code, code)


def item_name(item) -> str:
    """How a tie, language, skill or window is named in messages."""
    if isinstance(item, CountryTie):
        return tie_name(item.country, item.kind)
    if isinstance(item, LanguageSkill):
        return language_name(item.language)
    if isinstance(item, ProfileSkill):
        return services.skill_label(item.code, item.tag)
    return date_range(item.starts_on, item.ends_on)


def long_date(value: date | None) -> str:
    return format_local(value, "%-d %B %Y") if value else ""


def date_range(starts_on: date, ends_on: date) -> str:
    return gettext("%(starts)s to %(ends)s", starts=long_date(starts_on), ends=long_date(ends_on))


def tie_items(profile: StaffProfile) -> list[dict[str, Any]]:
    return [
        {
            "id": tie.id,
            "html": country_html(tie.country),
            "text": translated(TIE_LABELS.get(tie.kind, tie.kind)),
            "name": tie_name(tie.country, tie.kind),
        }
        for tie in profile.ties
    ]


def language_items(profile: StaffProfile) -> list[dict[str, Any]]:
    return [
        {
            "id": item.id,
            "name": language_name(item.language),
            "text": translated(PROFICIENCY_LABELS.get(item.proficiency, "")),
        }
        for item in profile.languages
    ]


def skill_items(profile: StaffProfile) -> list[dict[str, Any]]:
    return [
        {
            "id": item.id,
            "name": services.skill_label(item.code, item.tag),
            "text": translated(SKILL_LEVEL_LABELS.get(item.level, "")),
        }
        for item in profile.skills
    ]


def window_items(profile: StaffProfile) -> list[dict[str, Any]]:
    return [
        {"id": window.id, "name": date_range(window.starts_on, window.ends_on)}
        for window in profile.windows
    ]


def _row(key: str, value: str | Markup, change: str | None, hidden: str | None = None) -> dict:
    key, value = str(key), value if isinstance(value, Markup) else str(value)
    row: dict[str, Any] = {"key": {"text": key}}
    row["value"] = {"html": value} if isinstance(value, Markup) else {"text": value}
    if change:
        row["actions"] = {
            "items": [
                {
                    "href": change,
                    "text": gettext("Change"),
                    "visuallyHiddenText": str(hidden or key.lower()),
                }
            ]
        }
    return row


def _list_html(lines: list[Markup | str]) -> Markup:
    if len(lines) == 1:
        return escape(lines[0])
    items = Markup("").join(Markup("<li>{}</li>").format(line) for line in lines)
    return Markup('<ul class="nhsuk-list">{}</ul>').format(items)


def _given(value: str | None) -> str:
    return value or gettext("Not given")


def summary_sections(
    profile: StaffProfile, change_url: Callable[[str], str] | None
) -> list[dict[str, Any]]:
    """Each section's heading and summary list rows; `change_url(section)` links the rows."""
    professions, grades = catalogue.professions(), catalogue.grades()
    not_given = gettext("Not given")
    none_added = gettext("None added")

    def change(section: str) -> str | None:
        return change_url(section) if change_url else None

    profession = professions.get(profile.profession or "")
    grade = grades.get(profile.grade or "")
    years = profile.years_experience
    work = [
        _row(gettext("Profession"), profession.name if profession else not_given, change("work")),
        _row(gettext("Grade or band"), grade["name"] if grade else not_given, change("work")),
        _row(gettext("Specialty"), _given(profile.specialty), change("work")),
        _row(
            gettext("NHS employer"),
            _given(profile.nhs_employer),
            change("work"),
            gettext("NHS employer"),
        ),
        _row(
            gettext("Years of experience"),
            ngettext("%(num)d year", "%(num)d years", years) if years is not None else not_given,
            change("work"),
        ),
        _row(gettext("About you"), _own_text(profile.bio), change("work")),
    ]

    countries = _grouped_ties(profile, change("countries"))
    languages = [
        _row(item["name"], item["text"], change("languages"), item["name"])
        for item in language_items(profile)
    ] or [_row(gettext("Languages"), none_added, change("languages"))]
    skills = [
        _row(item["name"], item["text"], change("skills"), item["name"])
        for item in skill_items(profile)
    ] or [_row(gettext("Skills"), none_added, change("skills"))]

    hours = profile.hours_per_month
    modality = MODALITY_LABELS.get(profile.modality) if profile.modality else None
    availability = [
        _row(
            gettext("Hours a month"),
            ngettext("%(num)d hour", "%(num)d hours", hours) if hours is not None else not_given,
            change("availability"),
        ),
        _row(
            gettext("How you could help"),
            translated(modality) if modality else not_given,
            change("availability"),
        ),
    ]
    if services.travels(profile):
        windows = [item["name"] for item in window_items(profile)]
        availability.append(
            _row(
                gettext("When you could travel"),
                _list_html(windows) if windows else gettext("No dates added"),
                change("windows"),
            )
        )
    notice = profile.notice_weeks
    availability += [
        _row(
            gettext("Notice needed"),
            ngettext("%(num)d week", "%(num)d weeks", notice) if notice is not None else not_given,
            change("availability"),
        ),
        _row(
            gettext("Not available until"),
            long_date(profile.unavailable_until) or not_given,
            change("availability"),
        ),
    ]

    privacy = [
        _row(
            gettext("Who can see your profile"),
            translated(VISIBILITY_LABELS.get(profile.visibility, VISIBILITY_LABELS["private"])),
            change("privacy"),
        ),
        _row(
            gettext("Contact about opportunities"),
            gettext("Yes") if profile.consent_to_contact else gettext("No"),
            change("privacy"),
        ),
    ]
    rows = {
        "work": work,
        "countries": countries,
        "languages": languages,
        "skills": skills,
        "availability": availability,
        "privacy": privacy,
    }
    return [
        {"id": section, "title": str(SECTION_TITLES[section]), "rows": rows[section]}
        for section in services.SECTIONS
    ]


def _own_text(value: str | None) -> str | Markup:
    """The person's own words, as typed, in their own direction (`dir="auto"`)."""
    if not value:
        return gettext("Not given")
    return Markup('<span dir="auto">{}</span>').format(value)


def _grouped_ties(profile: StaffProfile, change: str | None) -> list[dict[str, Any]]:
    """One row per country, with every kind of tie to it."""
    kinds: dict[str, list[str]] = {}
    for tie in profile.ties:
        kinds.setdefault(tie.country, []).append(translated(TIE_LABELS.get(tie.kind, tie.kind)))
    rows = []
    for code, labels in kinds.items():
        row = _row(_country(code), gettext(", ").join(labels), change, _country(code))
        row["key"] = {"html": country_html(code)}
        rows.append(row)
    return rows or [_row(gettext("Countries"), gettext("None added"), change)]
