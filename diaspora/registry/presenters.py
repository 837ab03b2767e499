"""A profile as the nhsuk macros take it: summary list rows and list items. No rules here."""

from collections.abc import Callable
from typing import Any

from markupsafe import Markup, escape

from diaspora.reference import catalogue
from diaspora.reference.places import country_name
from diaspora.registry import services
from diaspora.registry.models import (
    MODALITY_LABELS,
    PROFICIENCY_LABELS,
    SKILL_LEVEL_LABELS,
    TIE_LABELS,
    VISIBILITY_LABELS,
    CountryTie,
    LanguageSkill,
    ProfileSkill,
    StaffProfile,
)

SECTION_TITLES = {
    "work": "Work in the NHS",
    "countries": "Country ties",
    "languages": "Languages",
    "skills": "Skills",
    "availability": "Availability",
    "privacy": "Privacy",
}
WHO_TAG = Markup(
    '<strong class="nhsuk-tag nhsuk-tag--orange app-who-tag">WHO safeguards list</strong>'
)


def country_html(code: str) -> Markup:
    """The country's name, with the WHO safeguards list tag when the country is on it."""
    name = escape(country_name(code))
    return Markup("{} {}").format(name, WHO_TAG) if catalogue.on_safeguards_list(code) else name


def tie_name(country: str, kind: str) -> str:
    """For example "Bangladesh (born there)"."""
    return f"{country_name(country)} ({TIE_LABELS.get(kind, kind).lower()})"


def language_name(code: str) -> str:
    return catalogue.language_names().get(code, code)


def item_name(item) -> str:
    """How a tie, language, skill or window is named in messages."""
    if isinstance(item, CountryTie):
        return tie_name(item.country, item.kind)
    if isinstance(item, LanguageSkill):
        return language_name(item.language)
    if isinstance(item, ProfileSkill):
        return services.skill_label(item.code, item.tag)
    return services.date_range(item.starts_on, item.ends_on)


def tie_items(profile: StaffProfile) -> list[dict[str, Any]]:
    return [
        {
            "id": tie.id,
            "html": country_html(tie.country),
            "text": TIE_LABELS.get(tie.kind, tie.kind),
            "name": tie_name(tie.country, tie.kind),
        }
        for tie in profile.ties
    ]


def language_items(profile: StaffProfile) -> list[dict[str, Any]]:
    return [
        {
            "id": item.id,
            "name": language_name(item.language),
            "text": PROFICIENCY_LABELS.get(item.proficiency, ""),
        }
        for item in profile.languages
    ]


def skill_items(profile: StaffProfile) -> list[dict[str, Any]]:
    return [
        {
            "id": item.id,
            "name": services.skill_label(item.code, item.tag),
            "text": SKILL_LEVEL_LABELS.get(item.level, ""),
        }
        for item in profile.skills
    ]


def window_items(profile: StaffProfile) -> list[dict[str, Any]]:
    return [
        {"id": window.id, "name": services.date_range(window.starts_on, window.ends_on)}
        for window in profile.windows
    ]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _row(key: str, value: str | Markup, change: str | None, hidden: str | None = None) -> dict:
    row: dict[str, Any] = {"key": {"text": key}}
    row["value"] = {"html": value} if isinstance(value, Markup) else {"text": value}
    if change:
        row["actions"] = {
            "items": [
                {"href": change, "text": "Change", "visuallyHiddenText": hidden or key.lower()}
            ]
        }
    return row


def _list_html(lines: list[Markup | str]) -> Markup:
    if len(lines) == 1:
        return escape(lines[0])
    items = Markup("").join(Markup("<li>{}</li>").format(line) for line in lines)
    return Markup('<ul class="nhsuk-list">{}</ul>').format(items)


def _given(value: str | None) -> str:
    return value or "Not given"


def summary_sections(
    profile: StaffProfile, change_url: Callable[[str], str] | None
) -> list[dict[str, Any]]:
    """Each section's heading and summary list rows; `change_url(section)` links the rows."""
    professions, grades = catalogue.professions(), catalogue.grades()

    def change(section: str) -> str | None:
        return change_url(section) if change_url else None

    profession = professions.get(profile.profession or "")
    grade = grades.get(profile.grade or "")
    years = profile.years_experience
    work = [
        _row("Profession", profession.name if profession else "Not given", change("work")),
        _row("Grade or band", grade["name"] if grade else "Not given", change("work")),
        _row("Specialty", _given(profile.specialty), change("work")),
        _row("NHS employer", _given(profile.nhs_employer), change("work"), "NHS employer"),
        _row(
            "Years of experience",
            _plural(years, "year") if years is not None else "Not given",
            change("work"),
        ),
        _row("About you", _given(profile.bio), change("work")),
    ]

    countries = _grouped_ties(profile, change("countries"))
    languages = [
        _row(item["name"], item["text"], change("languages"), item["name"])
        for item in language_items(profile)
    ] or [_row("Languages", "None added", change("languages"))]
    skills = [
        _row(item["name"], item["text"], change("skills"), item["name"])
        for item in skill_items(profile)
    ] or [_row("Skills", "None added", change("skills"))]

    hours = profile.hours_per_month
    availability = [
        _row(
            "Hours a month",
            _plural(hours, "hour") if hours is not None else "Not given",
            change("availability"),
        ),
        _row(
            "How you could help",
            MODALITY_LABELS.get(profile.modality, "Not given") if profile.modality else "Not given",
            change("availability"),
        ),
    ]
    if services.travels(profile):
        windows = [item["name"] for item in window_items(profile)]
        availability.append(
            _row(
                "When you could travel",
                _list_html(windows) if windows else "No dates added",
                change("windows"),
            )
        )
    notice = profile.notice_weeks
    availability += [
        _row(
            "Notice needed",
            _plural(notice, "week") if notice is not None else "Not given",
            change("availability"),
        ),
        _row(
            "Not available until",
            services.long_date(profile.unavailable_until) or "Not given",
            change("availability"),
        ),
    ]

    privacy = [
        _row(
            "Who can see your profile",
            VISIBILITY_LABELS.get(profile.visibility, VISIBILITY_LABELS["private"]),
            change("privacy"),
        ),
        _row(
            "Contact about opportunities",
            "Yes" if profile.consent_to_contact else "No",
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
        {"id": section, "title": SECTION_TITLES[section], "rows": rows[section]}
        for section in services.SECTIONS
    ]


def _grouped_ties(profile: StaffProfile, change: str | None) -> list[dict[str, Any]]:
    """One row per country, with every kind of tie to it."""
    kinds: dict[str, list[str]] = {}
    for tie in profile.ties:
        kinds.setdefault(tie.country, []).append(TIE_LABELS.get(tie.kind, tie.kind))
    rows = []
    for code, labels in kinds.items():
        row = _row(country_name(code), ", ".join(labels), change, country_name(code))
        row["key"] = {"html": country_html(code)}
        rows.append(row)
    return rows or [_row("Countries", "None added", change)]
