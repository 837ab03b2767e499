"""Directory results as the plain values the templates and the CSV export show.

What is shown is what the profile's audience may see: never an email address or other contact
detail, never a registration number. Labels come from the reference catalogue.
"""

from collections.abc import Callable
from datetime import date

from flask_babel import gettext, ngettext

from diaspora.core.spreadsheet import cell
from diaspora.core.words import N_
from diaspora.credentials import services as credentials
from diaspora.credentials.models import CredentialStatus
from diaspora.directory.services import Result
from diaspora.languages import current_language, format_local, translated
from diaspora.reference.catalogue import grades, language_names, on_safeguards_list, professions
from diaspora.reference.places import country_name
from diaspora.registry.models import (
    MODALITY_LABELS,
    PROFICIENCY_LABELS,
    SKILL_LEVEL_LABELS,
    TIE_LABELS,
    StaffProfile,
)
from diaspora.registry.services import skill_label

TOP_SKILLS = 3
DATE = "%-d %B %Y"
CSV_HEADER = [
    N_("Profile link"),
    N_("Name"),
    N_("Profession"),
    N_("Grade or band"),
    N_("Specialty"),
    N_("Country ties"),
    N_("Countries on the WHO safeguards list"),
    N_("Languages"),
    N_("Skills"),
    N_("Hours a month"),
    N_("Can help"),
    N_("Not available until"),
    N_("Travel windows"),
    N_("Verified registration"),
    N_("Last active"),
]


def profession_label(code: str | None) -> str:
    entry = professions().get(code or "")
    return entry.name if entry else ""


def grade_label(code: str | None) -> str:
    entry = grades().get(code or "")
    return entry["name"] if entry else ""


def ties(profile: StaffProfile) -> list[dict]:
    return [
        {
            "country": country_name(tie.country, current_language()),
            "kind": translated(TIE_LABELS.get(tie.kind, tie.kind)),
            "safeguards": on_safeguards_list(tie.country),
        }
        for tie in profile.ties
    ]


def languages(profile: StaffProfile) -> list[str]:
    names = language_names(current_language())
    ranked = sorted(profile.languages, key=lambda item: -item.proficiency)
    level = {n: translated(label).lower() for n, label in PROFICIENCY_LABELS.items()}
    return [
        gettext(
            "%(name)s (%(level)s)",
            name=names.get(i.language, i.language),
            level=level[i.proficiency],
        )
        for i in ranked
    ]


def skills(profile: StaffProfile, limit: int | None = None) -> list[str]:
    """Strongest first; `limit` keeps the top few for a result card."""
    ranked = sorted(profile.skills, key=lambda skill: (-skill.level, skill_label(skill.code)))
    return [
        gettext(
            "%(name)s (%(level)s)",
            name=translated(skill_label(skill.code, skill.tag)),
            level=translated(SKILL_LEVEL_LABELS[skill.level]).lower(),
        )
        for skill in ranked[:limit]
    ]


def _day(value: date | None) -> str:
    return format_local(value, DATE) if value else ""


def _span(start: date, end: date) -> str:
    if start == end:
        return _day(start)
    return gettext("%(starts)s to %(ends)s", starts=_day(start), ends=_day(end))


def upcoming_windows(profile: StaffProfile, today: date) -> list[str]:
    return [_span(w.starts_on, w.ends_on) for w in profile.windows if w.ends_on >= today]


def availability(profile: StaffProfile, today: date) -> str:
    """One line: hours, how, and when (a later start or the next travel window)."""
    parts = []
    if profile.hours_per_month:
        parts.append(
            ngettext("%(num)d hour a month", "%(num)d hours a month", profile.hours_per_month)
        )
    how = MODALITY_LABELS.get(profile.modality or "")
    if how:
        parts.append(translated(how) if not parts else translated(how).lower())
    if profile.unavailable_until and profile.unavailable_until > today:
        parts.append(gettext("not available until %(day)s", day=_day(profile.unavailable_until)))
    windows = upcoming_windows(profile, today)
    if len(windows) > 1:
        parts.append(
            ngettext(
                "can travel %(dates)s (and %(num)d more)",
                "can travel %(dates)s (and %(num)d more)",
                len(windows) - 1,
                dates=windows[0],
            )
        )
    elif windows:
        parts.append(gettext("can travel %(dates)s", dates=windows[0]))
    if not parts:
        return gettext("Not given")
    text = gettext(", ").join(parts)
    return text[0].upper() + text[1:]


def card(result: Result, today: date) -> dict:
    """What a result in the list shows."""
    profile = result.profile
    return {
        "id": profile.id,
        "name": profile.user.display_name,
        "profession": profession_label(profile.profession),
        "grade": grade_label(profile.grade),
        "specialty": profile.specialty,
        "ties": ties(profile),
        "languages": languages(profile),
        "skills": skills(profile, TOP_SKILLS),
        "availability": availability(profile, today),
        "verified": result.verified,
    }


def details(result: Result, today: date) -> dict:
    """What the profile page shows: the card, and the rest of the profile but contact details."""
    profile = result.profile
    verified = [
        credentials.regulator_label(credential.regulator, credential.regulator_name)
        for credential in profile.credentials
        if credential.status == CredentialStatus.VERIFIED
        and (credentials.days_to_expiry(credential, today) or 0) >= 0
    ]
    return {
        **card(result, today),
        "skills": skills(profile),
        "employer": profile.nhs_employer,
        "years": profile.years_experience,
        "bio": profile.bio,
        "windows": upcoming_windows(profile, today),
        "verified_with": verified,
    }


def csv_header() -> list[str]:
    """The export's headings in the reader's language, as the impact exports' are."""
    return [translated(heading) for heading in CSV_HEADER]


def csv_row(result: Result, today: date, link: Callable[[int], str]) -> list[str]:
    """One volunteer, in the reader's language (names of professions, grades, countries...)."""
    profile = result.profile
    listed_ties = ties(profile)
    row = [
        link(profile.id),
        profile.user.display_name,
        translated(profession_label(profile.profession)),
        translated(grade_label(profile.grade)),
        profile.specialty,
        "; ".join(
            gettext("%(name)s (%(level)s)", name=tie["country"], level=tie["kind"].lower())
            for tie in listed_ties
        ),
        "; ".join(sorted({tie["country"] for tie in listed_ties if tie["safeguards"]})),
        "; ".join(languages(profile)),
        "; ".join(skills(profile)),
        profile.hours_per_month,
        translated(MODALITY_LABELS.get(profile.modality or "", "")),
        _day(profile.unavailable_until),
        "; ".join(upcoming_windows(profile, today)),
        gettext("Yes") if result.verified else gettext("No"),
        _day(profile.last_active_at.date()),
    ]
    return [cell(value) for value in row]


def pagination(page, link: Callable[[int], str]) -> dict | None:
    """Parameters for the nhsuk numbered pagination: first, last, and two either side."""
    if page.pages <= 1:
        return None
    shown = sorted(
        {1, page.pages} | set(range(max(page.page - 2, 1), min(page.page + 2, page.pages) + 1))
    )
    items: list[dict] = []
    for previous, number in zip([0, *shown], shown, strict=False):
        if number - previous > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": link(number), "current": number == page.page})
    params: dict = {"items": items}
    if page.has_prev:
        params["previous"] = {"href": link(page.prev_num)}
    if page.has_next:
        params["next"] = {"href": link(page.next_num)}
    return params
