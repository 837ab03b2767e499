"""Staff profiles: the registry's rules. Functions never commit; the caller does.

Each rule is a `*_problem(value)` function answering the message to show, or None. Forms run
them as validators, so a page shows every problem at once; the functions that change a
profile run them again and raise ProfileError, so no caller (a view, the API, a job) can
store what a form would refuse.
"""

import re
import unicodedata
from collections.abc import Callable
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from diaspora.auth.models import User
from diaspora.core.errors import DomainError
from diaspora.core.time import utcnow
from diaspora.core.words import N_, CountryName, LanguageName
from diaspora.reference import catalogue
from diaspora.reference.catalogue import skills as skill_catalogue
from diaspora.reference.places import country_name, country_names
from diaspora.registry.models import (
    MODALITY_LABELS,
    PROFICIENCY_LABELS,
    SKILL_LEVEL_LABELS,
    TIE_LABELS,
    TIE_NAMES,
    VISIBILITY_LABELS,
    AvailabilityWindow,
    CountryTie,
    LanguageSkill,
    Modality,
    ProfileSkill,
    StaffProfile,
)

YEARS_MAX = 70
HOURS_MAX = 200
NOTICE_MAX = 52
SPECIALTY_MAX = 120
EMPLOYER_MAX = 200
BIO_MAX = 1000
TAG_MAX = 60
TAG_PREFIX = "tag:"


class ProfileError(DomainError):
    """Rules the change broke: `errors` maps a form field's name to its message."""


def _raise_problems(problems: dict[str, str | None]) -> None:
    found = {name: message for name, message in problems.items() if message}
    if found:
        raise ProfileError(found)


# Loading ------------------------------------------------------------------------------------


def profile_for(session: Session, user: User, *, create: bool = False) -> StaffProfile | None:
    """The user's profile; with create=True an empty private one is made when missing."""
    profile = session.scalar(select(StaffProfile).where(StaffProfile.user_id == user.id))
    if profile is None and create:
        profile = StaffProfile(user=user)
        session.add(profile)
        session.flush()
    return profile


def load_profile(session: Session, user: User) -> StaffProfile | None:
    """The user's profile with its ties, languages, skills and windows: five queries in all,
    however many of each it has."""
    return session.scalar(
        select(StaffProfile)
        .where(StaffProfile.user_id == user.id)
        .options(
            selectinload(StaffProfile.ties),
            selectinload(StaffProfile.languages),
            selectinload(StaffProfile.skills),
            selectinload(StaffProfile.windows),
        )
    )


# Search text and activity -------------------------------------------------------------------


def skill_label(code: str, tag: str | None = None) -> str:
    if tag:
        return tag
    entry = skill_catalogue().get(code)
    return entry["name"] if entry else code


def refresh_search_text(profile: StaffProfile) -> None:
    """Rebuild the text free-text search looks in: name, specialty, bio and skills."""
    parts = [profile.user.display_name, profile.specialty, profile.bio]
    parts += [skill_label(skill.code, skill.tag) for skill in profile.skills]
    profile.search_text = " ".join(part for part in parts if part).lower()


def touch(profile: StaffProfile) -> None:
    """Mark the profile as active now (directory search can sort by it)."""
    profile.last_active_at = utcnow()


def clean_text(value: str | None) -> str:
    """Free text as stored: trimmed and in Unicode normal form C, so that a name typed with
    combining accents (Yorùbá, Tiếng Việt) matches the same name typed precomposed."""
    return unicodedata.normalize("NFC", (value or "").strip())


# Rules ----------------------------------------------------------------------------------------


def _too_long(message: str, value: str | None, limit: int) -> str | None:
    """`message` names the field and the limit, as in "Specialty must be %(max)s characters or
    fewer", so each field's message is translated whole."""
    if len(clean_text(value)) > limit:
        return N_(message, max=limit)
    return None


def profession_problem(code: str | None) -> str | None:
    if not code:
        return N_("Select your profession")
    if code not in catalogue.professions():
        return N_("Select a profession from the list")
    return None


def grade_problem(code: str | None) -> str | None:
    if not code:
        return N_("Select your grade or band")
    if code not in catalogue.grades():
        return N_("Select a grade or band from the list")
    return None


def specialty_problem(value: str | None) -> str | None:
    return _too_long(N_("Specialty must be %(max)s characters or fewer"), value, SPECIALTY_MAX)


def employer_problem(value: str | None) -> str | None:
    return _too_long(N_("NHS employer must be %(max)s characters or fewer"), value, EMPLOYER_MAX)


def bio_problem(value: str | None) -> str | None:
    return _too_long(N_("About you must be %(max)s characters or fewer"), value, BIO_MAX)


def years_problem(years: int | None) -> str | None:
    if years is None:
        return N_("Enter your years of experience")
    if not 0 <= years <= YEARS_MAX:
        return N_("Years of experience must be between 0 and %(max)s", max=YEARS_MAX)
    return None


def country_problem(code: str | None) -> str | None:
    if not code:
        return N_("Select a country")
    if code not in country_names():
        return N_("Select a country from the list")
    return None


def tie_kind_problem(kind: str | None) -> str | None:
    if kind not in TIE_LABELS:
        return N_("Select how you are tied to the country")
    return None


def language_problem(code: str | None) -> str | None:
    if not code:
        return N_("Select a language")
    if code not in catalogue.language_names():
        return N_("Select a language from the list")
    return None


def _level(value: int | str | None, labels: dict[int, str]) -> int | None:
    """The level as a number, when it is one of the labelled levels."""
    try:
        level = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return level if level in labels and str(level) == str(value).strip() else None


def proficiency_problem(value: int | str | None) -> str | None:
    if _level(value, PROFICIENCY_LABELS) is None:
        return N_("Select how well you speak the language")
    return None


def skill_level_problem(value: int | str | None) -> str | None:
    if _level(value, SKILL_LEVEL_LABELS) is None:
        return N_("Select your level in this skill")
    return None


def skill_problem(code: str | None, tag: str | None) -> str | None:
    """A skill is either one from the list or the person's own words, not both."""
    tag = clean_text(tag)
    if code and tag:
        return N_("Select a skill from the list or type your own, not both")
    if not code and not tag:
        return N_("Select a skill from the list or type your own")
    if code and code not in skill_catalogue():
        return N_("Select a skill from the list")
    if tag and len(tag) > TAG_MAX:
        return N_("Your own skill must be %(max)s characters or fewer", max=TAG_MAX)
    if tag and not tag_slug(tag):
        return N_("Your own skill must include letters or numbers")
    return None


def hours_problem(hours: int | None) -> str | None:
    if hours is None:
        return N_("Enter how many hours a month you could give")
    if not 0 <= hours <= HOURS_MAX:
        return N_("Hours a month must be between 0 and %(max)s", max=HOURS_MAX)
    return None


def modality_problem(value: str | None) -> str | None:
    if value not in MODALITY_LABELS:
        return N_("Select whether you can help remotely, on site or both")
    return None


def notice_problem(weeks: int | None) -> str | None:
    if weeks is not None and not 0 <= weeks <= NOTICE_MAX:
        return N_("Notice must be between 0 and %(max)s weeks", max=NOTICE_MAX)
    return None


def window_start_problem(starts_on: date | None) -> str | None:
    return N_("Enter the date the window starts") if starts_on is None else None


def window_end_problem(ends_on: date | None) -> str | None:
    return N_("Enter the date the window ends") if ends_on is None else None


def window_problems(
    profile: StaffProfile, starts_on: date | None, ends_on: date | None, *, today: date
) -> dict[str, str]:
    """Both dates given, in order, not over already and not overlapping another window."""
    problems = {
        "starts_on": window_start_problem(starts_on),
        "ends_on": window_end_problem(ends_on),
    }
    if starts_on is None or ends_on is None:
        return {name: message for name, message in problems.items() if message}
    if ends_on < starts_on:
        return {"ends_on": N_("Window end must be the same as or after its start")}
    if ends_on < today:
        return {"ends_on": N_("Window end must be today or in the future")}
    for window in profile.windows:
        if window.starts_on <= ends_on and starts_on <= window.ends_on:
            return {
                "starts_on": N_(
                    "These dates overlap a window you have already added (%(starts)s to %(ends)s)",
                    starts=window.starts_on,
                    ends=window.ends_on,
                )
            }
    return {}


def visibility_problem(value: str | None) -> str | None:
    if value not in VISIBILITY_LABELS:
        return N_("Select who can see your profile")
    return None


# Changing a profile ---------------------------------------------------------------------------


def update_work(
    profile: StaffProfile,
    *,
    profession: str | None,
    grade: str | None,
    specialty: str | None,
    nhs_employer: str | None,
    years_experience: int | None,
    bio: str | None,
) -> None:
    _raise_problems(
        {
            "profession": profession_problem(profession),
            "grade": grade_problem(grade),
            "specialty": specialty_problem(specialty),
            "nhs_employer": employer_problem(nhs_employer),
            "years_experience": years_problem(years_experience),
            "bio": bio_problem(bio),
        }
    )
    profile.profession = profession
    profile.grade = grade
    profile.specialty = clean_text(specialty)
    profile.nhs_employer = clean_text(nhs_employer)
    profile.years_experience = years_experience
    profile.bio = clean_text(bio)
    refresh_search_text(profile)
    touch(profile)


def _add(session: Session, profile: StaffProfile, collection: str, item, duplicate: ProfileError):
    """Insert the item in a savepoint: should another request have added the same thing since
    the caller looked, the unique constraint refuses it, only the savepoint is undone and the
    caller hears why. The profile's collection gains the item once it is stored."""
    try:
        with session.begin_nested():
            session.add(item)
    except IntegrityError as error:
        raise duplicate from error
    getattr(profile, collection).append(item)
    touch(profile)
    return item


def add_tie(session: Session, profile: StaffProfile, *, country: str, kind: str) -> CountryTie:
    _raise_problems({"country": country_problem(country), "kind": tie_kind_problem(kind)})
    duplicate = ProfileError(
        {
            "country": N_(
                "You have already added %(country)s (%(tie)s)",
                country=CountryName(country, country_name(country)),
                tie=TIE_NAMES[kind],
            )
        }
    )
    if any(tie.country == country and tie.kind == kind for tie in profile.ties):
        raise duplicate
    tie = CountryTie(profile_id=profile.id, country=country, kind=kind)
    return _add(session, profile, "ties", tie, duplicate)


def add_language(
    session: Session, profile: StaffProfile, *, language: str, proficiency: int | str
) -> LanguageSkill:
    _raise_problems(
        {"language": language_problem(language), "proficiency": proficiency_problem(proficiency)}
    )
    name = LanguageName(language, catalogue.language_names()[language])
    duplicate = ProfileError(
        {
            "language": N_(
                "You have already added %(name)s. Remove it first to change the level", name=name
            )
        }
    )
    if any(item.language == language for item in profile.languages):
        raise duplicate
    item = LanguageSkill(profile_id=profile.id, language=language, proficiency=int(proficiency))
    return _add(session, profile, "languages", item, duplicate)


def tag_slug(words: str) -> str:
    """A free tag's words as a code part: lower case, letters and digits of any script."""
    folded = unicodedata.normalize("NFKC", words).casefold()
    return re.sub(r"[\W_]+", "-", folded).strip("-")[: 64 - len(TAG_PREFIX)]


def _curated_by_name() -> dict[str, str]:
    return {entry["name"].casefold(): code for code, entry in skill_catalogue().items()}


def add_skill(
    session: Session,
    profile: StaffProfile,
    *,
    code: str | None = None,
    tag: str | None = None,
    level: int | str,
) -> ProfileSkill:
    """A skill from the taxonomy (`code`) or in the person's own words (`tag`).

    Words that name a curated skill are stored as that skill, so searches find it.
    """
    _raise_problems({"skill": skill_problem(code, tag), "level": skill_level_problem(level)})
    tag = clean_text(tag) or None
    if tag is not None:
        curated = _curated_by_name().get(tag.casefold())
        code, tag = (curated, None) if curated else (TAG_PREFIX + tag_slug(tag), tag)
    existing = next((item for item in profile.skills if item.code == code), None)
    name = skill_label(existing.code, existing.tag) if existing else skill_label(code, tag)
    duplicate = ProfileError(
        {
            "skill": N_(
                "You have already added %(name)s. Remove it first to change the level", name=name
            )
        }
    )
    if existing:
        raise duplicate
    item = ProfileSkill(profile_id=profile.id, code=code, tag=tag, level=int(level))
    _add(session, profile, "skills", item, duplicate)
    refresh_search_text(profile)
    return item


def update_availability(
    profile: StaffProfile,
    *,
    hours_per_month: int | None,
    modality: str | None,
    notice_weeks: int | None,
    unavailable_until: date | None,
) -> None:
    _raise_problems(
        {
            "hours_per_month": hours_problem(hours_per_month),
            "modality": modality_problem(modality),
            "notice_weeks": notice_problem(notice_weeks),
        }
    )
    profile.hours_per_month = hours_per_month
    profile.modality = modality
    profile.notice_weeks = notice_weeks
    profile.unavailable_until = unavailable_until
    touch(profile)


def travels(profile: StaffProfile) -> bool:
    """Whether the person could work on site, so their travel windows matter."""
    return profile.modality in (Modality.ON_SITE, Modality.BOTH)


def add_window(
    session: Session,
    profile: StaffProfile,
    *,
    starts_on: date | None,
    ends_on: date | None,
    today: date,
) -> AvailabilityWindow:
    """A window when the person could travel. `today` is the date where the person is."""
    problems = window_problems(profile, starts_on, ends_on, today=today)
    if problems:
        raise ProfileError(problems)
    window = AvailabilityWindow(starts_on=starts_on, ends_on=ends_on)
    profile.windows.append(window)
    session.flush()
    touch(profile)
    return window


_COLLECTIONS = {"tie": "ties", "language": "languages", "skill": "skills", "window": "windows"}


def remove_item(profile: StaffProfile, kind: str, item_id: int):
    """Remove one of the profile's ties, languages, skills or windows (`kind` names which) and
    answer it; None when the profile has no such item: it does not exist, or it is someone
    else's."""
    collection = getattr(profile, _COLLECTIONS[kind])
    item = next((item for item in collection if item.id == item_id), None)
    if item is None:
        return None
    collection.remove(item)  # delete-orphan: an item taken from its profile is deleted
    if kind == "skill":
        refresh_search_text(profile)
    touch(profile)
    return item


def update_privacy(profile: StaffProfile, *, visibility: str | None, consent: bool) -> None:
    _raise_problems({"visibility": visibility_problem(visibility)})
    profile.visibility = visibility
    profile.consent_to_contact = bool(consent)
    touch(profile)


# Completing the profile -----------------------------------------------------------------------

# The sections of the profile, in the order of the journey, with what each must hold.
SECTIONS = ("work", "countries", "languages", "skills", "availability", "privacy")
MISSING = {
    "work": N_("Add your profession, grade and years of experience"),
    "countries": N_("Add at least one country you have ties to"),
    "languages": N_("Add at least one language you speak"),
    "skills": N_("Add at least one skill"),
    "availability": N_("Add how many hours you could give and whether remotely or on site"),
}
_COMPLETE: dict[str, Callable[[StaffProfile], bool]] = {
    "work": lambda p: bool(p.profession and p.grade and p.years_experience is not None),
    "countries": lambda p: bool(p.ties),
    "languages": lambda p: bool(p.languages),
    "skills": lambda p: bool(p.skills),
    "availability": lambda p: p.hours_per_month is not None and bool(p.modality),
}


def missing_sections(profile: StaffProfile | None) -> dict[str, str]:
    """The sections still to fill in, each with the message saying what they need."""
    if profile is None:
        return dict(MISSING)
    return {name: MISSING[name] for name, done in _COMPLETE.items() if not done(profile)}


def complete_profile(profile: StaffProfile) -> None:
    """Save the profile as complete (the first time only); refused while a section is missing."""
    _raise_problems(missing_sections(profile))
    if profile.completed_at is None:
        profile.completed_at = utcnow()
    refresh_search_text(profile)
    touch(profile)
