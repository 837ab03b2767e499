"""Staff profiles: the registry's rules. Functions never commit; the caller does."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora.auth.models import User
from diaspora.core.time import utcnow
from diaspora.reference.catalogue import skills as skill_catalogue
from diaspora.registry.models import StaffProfile


def profile_for(session: Session, user: User, *, create: bool = False) -> StaffProfile | None:
    """The user's profile; with create=True an empty private one is made when missing."""
    profile = session.scalar(select(StaffProfile).where(StaffProfile.user_id == user.id))
    if profile is None and create:
        profile = StaffProfile(user=user)
        session.add(profile)
        session.flush()
    return profile


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
