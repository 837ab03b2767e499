"""Tele-teaching times: typed in the host's zone, stored in UTC, shown in both zones."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from diaspora.core.errors import DomainError
from diaspora.core.time import as_utc
from diaspora.core.words import N_, Words
from diaspora.languages import format_local, translated
from diaspora.reference.places import zone_city


class LocalTimeError(DomainError):
    """A local time that does not exist or an unknown zone; `str()` is fit to show a person."""


def zone(name: str | None) -> ZoneInfo:
    if not name or name not in available_timezones():
        raise LocalTimeError(N_("Select a time zone from the list"))
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError as error:  # pragma: no cover - listed zones load
        raise LocalTimeError(N_("Select a time zone from the list")) from error


def local_to_utc(day: date, at: time, zone_name: str) -> datetime:
    """The UTC instant of a wall-clock time in `zone_name`.

    A time skipped when clocks go forward does not exist, so it is refused rather than moved.
    A time that happens twice when clocks go back means its first occurrence.
    """
    local = datetime.combine(day, at, tzinfo=zone(zone_name))
    instant = local.astimezone(UTC)
    if instant.astimezone(local.tzinfo).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise LocalTimeError(
            N_(
                "%(time)s does not exist in %(place)s on %(day)s because the clocks go forward; "
                "choose another time",
                time=f"{at:%H:%M}",
                place=place(zone_name),
                day=day,
            )
        )
    return instant


def place(zone_name: str) -> str:
    """The city a zone is named after: "Asia/Dhaka" → "Dhaka"."""
    return zone_city(zone_name)


def in_zone(instant: datetime, zone_name: str) -> datetime:
    return as_utc(instant).astimezone(ZoneInfo(zone_name))


# The days and months of "08:00 on Tuesday 2 March in London", each translated where it is shown.
WEEKDAYS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)
MONTHS = (
    N_("January"),
    N_("February"),
    N_("March"),
    N_("April"),
    N_("May"),
    N_("June"),
    N_("July"),
    N_("August"),
    N_("September"),
    N_("October"),
    N_("November"),
    N_("December"),
)


def both_zones(instant: datetime, host_zone: str, viewer_zone: str) -> Words:
    """E.g. "14:00 in Dhaka, 08:00 in London"; the viewer's day is named when it differs."""
    host = in_zone(instant, host_zone)
    if viewer_zone == host_zone:
        return N_("%(time)s in %(place)s", time=f"{host:%H:%M}", place=place(host_zone))
    viewer = in_zone(instant, viewer_zone)
    if viewer.date() == host.date():
        return N_(
            "%(time)s in %(place)s, %(viewer_time)s in %(viewer_place)s",
            time=f"{host:%H:%M}",
            place=place(host_zone),
            viewer_time=f"{viewer:%H:%M}",
            viewer_place=place(viewer_zone),
        )
    return N_(
        "%(time)s in %(place)s, %(viewer_time)s on %(viewer_day)s in %(viewer_place)s",
        time=f"{host:%H:%M}",
        place=place(host_zone),
        viewer_time=f"{viewer:%H:%M}",
        viewer_day=N_(
            "%(weekday)s %(day)s %(month)s",
            weekday=WEEKDAYS[viewer.weekday()],
            day=viewer.day,
            month=MONTHS[viewer.month - 1],
        ),
        viewer_place=place(viewer_zone),
    )


def when(instant: datetime, host_zone: str, viewer_zone: str) -> str:
    """The host's day and the time in both zones, in the current language: "Tuesday 2 March
    2027, 14:00 in Dhaka, 08:00 in London"."""
    day = format_local(in_zone(instant, host_zone), "%A %-d %B %Y")
    times = both_zones(instant, host_zone, viewer_zone)
    return translated(N_("%(day)s, %(times)s", day=day, times=times))
