from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from diaspora.reference.places import DEFAULT_TIME_ZONE


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso_utc(value: datetime | None) -> str | None:
    """An instant as ISO 8601 text in UTC, as the data download writes it; None stays None."""
    return as_utc(value).isoformat() if value is not None else None


def zone_of(name: str | None) -> ZoneInfo:
    """A person's time zone, or the service's default when they have none or it is unknown."""
    try:
        return ZoneInfo(name or DEFAULT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIME_ZONE)
