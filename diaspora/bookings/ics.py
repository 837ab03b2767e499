"""Calendar files (RFC 5545), built with icalendar: one event per tele-teaching session, and the
calendars that carry them (a download, an email attachment, a personal feed).

Times are written in UTC (`DTSTART:20270328T080000Z`), so no VTIMEZONE is needed and every
client shows the same instant in its own zone. Each session keeps one UID for its life; its
SEQUENCE rises with every change people must see, so a client replaces what it had.

The words the service writes (not titles or names people typed) are in the current language:
the downloader's, or, for a feed or an emailed file, its owner's (`force_locale` around the call).
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from email.utils import parseaddr

from icalendar import Calendar, Event, vCalAddress, vDuration

from diaspora.core.time import as_utc, utcnow
from diaspora.core.words import N_
from diaspora.languages import translated
from diaspora.opportunities.models import Opportunity, SessionStatus, TeachingSession

PRODID = "-//Diaspora health partnerships//Bookings//EN"
PUBLISH = "PUBLISH"
CANCEL = "CANCEL"


def organiser(opportunity: Opportunity, sender: str) -> vCalAddress:
    """The organisation, named, at the service's own address (organisations' addresses are
    not published)."""
    address = parseaddr(sender)[1] or "no-reply@diaspora.localhost"
    organizer = vCalAddress(f"mailto:{address}")
    organizer.params["CN"] = opportunity.organisation.name
    return organizer


def session_event(
    teaching_session: TeachingSession,
    *,
    page_url: str,
    sender: str,
    join_link: str | None,
    stamp: datetime | None = None,
) -> Event:
    """The VEVENT of one session. `join_link` only for people who may join (booked people
    and the organisation): it goes in LOCATION and DESCRIPTION; URL is the opportunity page."""
    opportunity = teaching_session.opportunity
    starts = as_utc(teaching_session.starts_at)
    cancelled = teaching_session.status == SessionStatus.CANCELLED
    lines = [N_("Tele-teaching for %(organisation)s.", organisation=opportunity.organisation.name)]
    if opportunity.audience:
        lines.append(N_("Audience: %(audience)s.", audience=opportunity.audience))
    if join_link and not cancelled:
        lines.append(N_("Join: %(link)s", link=join_link))
    lines.append(N_("Details: %(link)s", link=page_url))
    event = Event.new(
        uid=teaching_session.uid,
        stamp=as_utc(stamp or utcnow()),
        start=starts,
        end=starts + timedelta(minutes=teaching_session.duration_minutes),
        summary=_summary(teaching_session),
        description="\n".join(translated(line) for line in lines),
        organizer=organiser(opportunity, sender),
        url=page_url,
        sequence=teaching_session.sequence,
        status="CANCELLED" if cancelled else "CONFIRMED",
        location=join_link if join_link and not cancelled else None,
    )
    return event


def _summary(teaching_session: TeachingSession) -> str:
    opportunity = teaching_session.opportunity
    title = opportunity.title
    if (opportunity.occurrences or 1) > 1:
        title = translated(
            N_("%(title)s (session %(number)s)", title=title, number=teaching_session.number)
        )
    if teaching_session.status == SessionStatus.CANCELLED:
        return translated(N_("Cancelled: %(title)s", title=title))
    return title


def all_day_event(
    uid: str,
    summary: str,
    first: date,
    last: date | None,
    *,
    page_url: str,
    description: str = "",
    stamp: datetime | None = None,
) -> Event:
    """An event over whole days, `first` to `last` inclusive (DTEND is the day after)."""
    return Event.new(
        uid=uid,
        stamp=as_utc(stamp or utcnow()),
        start=first,
        end=(last or first) + timedelta(days=1),
        summary=summary,
        description=description or None,
        url=page_url,
        transparency="TRANSPARENT",  # a span of dates, not a busy block
    )


def calendar(
    events: Iterable[Event],
    *,
    method: str = PUBLISH,
    name: str | None = None,
    refresh: timedelta | None = None,
) -> bytes:
    """A VCALENDAR holding `events`, as the bytes of a .ics file. A feed names itself and says
    how often to fetch it again (`refresh`, RFC 7986, and the older X-PUBLISHED-TTL)."""
    cal = Calendar.new(prodid=PRODID, method=method, name=name)
    if refresh is not None:
        cal.add("REFRESH-INTERVAL", refresh, parameters={"VALUE": "DURATION"})
        cal.add("X-PUBLISHED-TTL", vDuration(refresh))
    for event in events:
        cal.add_component(event)
    return cal.to_ical()
