"""The home page's queues as the dicts its template takes: a heading, items that each link to
the page where the thing is done, and "see all" when the queue holds more than it shows."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import url_for
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l

from diaspora.bookings.services import when
from diaspora.contributions.presenters import hours_text, month_label
from diaspora.core.time import as_utc
from diaspora.credentials.services import expiry_warning, regulator_label
from diaspora.engagements.models import ReleaseStatus
from diaspora.engagements.presenters import RELEASE_TEXT, release_text, state_tag
from diaspora.engagements.services import EXPIRE_AFTER, NUDGE_AFTER
from diaspora.home.services import CLOSING_DAYS, Home, Queue
from diaspora.languages import current_language, format_local, translated
from diaspora.notifications.kinds import kind_of
from diaspora.reference.places import country_name
from diaspora.templating import local_datetime

# The join link is shown from this long before a booked session starts until it ends.
JOIN_LINK_BEFORE = timedelta(minutes=30)

Item = dict[str, Any]


@dataclass(frozen=True)
class Context:
    now: datetime
    today: date  # the viewer's
    zone: str  # the viewer's time zone


def _day(value: date | datetime) -> str:
    return format_local(value, "%-d %B %Y")


def _on(value: datetime) -> str:
    """A stored time's day, in the viewer's time zone."""
    return local_datetime(value, "%-d %B %Y")


def _days(delta: timedelta) -> str:
    return ngettext("%(num)d day", "%(num)d days", max(delta.days, 0))


# Staff ----------------------------------------------------------------------------------------


def invitation(item, ctx: "Context") -> Item:
    opportunity = item.opportunity
    return {
        "text": opportunity.title,
        "href": url_for("opportunities.detail", opportunity_id=opportunity.id),
        "hint": gettext(
            "From %(organisation)s, invited on %(date)s",
            organisation=opportunity.organisation.name,
            date=_on(item.created_at),
        ),
    }


def booked_session(engagement, ctx: "Context") -> Item:
    teaching_session = engagement.session
    opportunity = teaching_session.opportunity
    starts = as_utc(teaching_session.starts_at)
    ends = starts + timedelta(minutes=teaching_session.duration_minutes)
    now = ctx.now
    close = starts - JOIN_LINK_BEFORE <= now < ends
    return {
        "text": opportunity.title,
        "href": url_for("opportunities.detail", opportunity_id=opportunity.id),
        "hint": when(teaching_session, ctx.zone),
        "join": opportunity.join_link if close and opportunity.join_link else None,
        "tag": {"text": gettext("Under way"), "colour": "green"} if starts <= now < ends else None,
    }


def milestone(item, ctx: "Context") -> Item:
    overdue = item.due_on < ctx.today
    return {
        "text": item.title,
        "href": url_for("milestones.mark_done", plan_id=item.plan_id, milestone_id=item.id),
        "hint": gettext(
            "%(scheme)s: was due %(date)s", scheme=item.plan.scheme, date=_day(item.due_on)
        )
        if overdue
        else gettext("%(scheme)s: due %(date)s", scheme=item.plan.scheme, date=_day(item.due_on)),
        "tag": {"text": gettext("Overdue"), "colour": "red"} if overdue else None,
    }


def application(engagement, ctx: "Context") -> Item:
    release = release_text(engagement) if engagement.state == "accepted" else None
    return {
        "text": engagement.opportunity.title,
        "href": url_for("engagements.detail", engagement_id=engagement.id),
        "hint": gettext("Release: %(status)s", status=release)
        if release
        else engagement.opportunity.organisation.name,
        "tag": state_tag(engagement.state),
    }


def own_hours(log, ctx: "Context") -> Item:
    declined = log.status == "declined"
    return {
        "text": gettext(
            "%(hours)s in %(month)s: %(title)s",
            hours=hours_text(log.minutes),
            month=month_label(log.month),
            title=log.engagement.opportunity.title,
        ),
        "href": url_for("contributions.log", engagement_id=log.engagement_id),
        "hint": gettext("Declined: %(reason)s", reason=log.decline_reason)
        if declined
        else gettext("Waiting for approval"),
        "tag": {"text": gettext("Declined"), "colour": "red"} if declined else None,
    }


def registration(credential, ctx: "Context") -> Item:
    return {
        "text": regulator_label(credential.regulator, credential.regulator_name),
        "href": url_for("credentials.edit", credential_id=credential.id),
        "hint": translated(expiry_warning(credential, ctx.today)),
        "tag": {"text": gettext("Expired"), "colour": "red"}
        if credential.expires_on < ctx.today
        else {"text": gettext("Expiring"), "colour": "orange"},
    }


# Organisations ------------------------------------------------------------------------------


def waiting_application(engagement, ctx: "Context") -> Item:
    waited = ctx.now - as_utc(engagement.applied_at)
    left = EXPIRE_AFTER - waited
    if waited >= NUDGE_AFTER:
        left_days = -(-left // timedelta(days=1))  # a part of a day left counts as a day
        hint = gettext(
            "Waiting %(waited)s: it expires in %(left)s if not answered",
            waited=_days(waited),
            left=_days(timedelta(left_days)),
        )
    else:
        hint = gettext("Waiting %(waited)s", waited=_days(waited))
    return {
        "text": engagement.opportunity.title,
        "href": url_for("engagements.applicants", opportunity_id=engagement.opportunity_id),
        "hint": hint,
        "tag": {"text": gettext("Overdue"), "colour": "orange"} if waited >= NUDGE_AFTER else None,
    }


def hours_to_review(log, ctx: "Context") -> Item:
    opportunity = log.engagement.opportunity
    return {
        "text": gettext(
            "%(hours)s in %(month)s: %(title)s",
            hours=hours_text(log.minutes),
            month=month_label(log.month),
            title=opportunity.title,
        ),
        "href": url_for("contributions.review", opportunity_id=opportunity.id),
        "hint": gettext("Logged on %(date)s", date=_on(log.created_at)),
    }


def attendance(teaching_session, ctx: "Context") -> Item:
    return {
        "text": teaching_session.opportunity.title,
        "href": url_for("bookings.attendance", session_id=teaching_session.id),
        "hint": gettext(
            "%(when)s: %(booked)s booked",
            when=when(teaching_session, ctx.zone),
            booked=teaching_session.booked,
        ),
    }


def release(engagement, ctx: "Context") -> Item:
    return {
        "text": engagement.opportunity.title,
        "href": url_for("engagements.detail", engagement_id=engagement.id),
        "hint": translated(RELEASE_TEXT[ReleaseStatus(engagement.release_status)]),
    }


def opportunity_to_fill(row, ctx: "Context") -> Item:
    opportunity, taken = row
    closing = opportunity.ends_on is not None and opportunity.ends_on <= ctx.today + timedelta(
        days=CLOSING_DAYS
    )
    unfilled = opportunity.places is not None and taken < opportunity.places
    places = (
        ngettext(
            "%(taken)s of %(num)d place taken",
            "%(taken)s of %(num)d places taken",
            opportunity.places,
            taken=taken,
        )
        if opportunity.places is not None
        else ""
    )
    if closing and places:
        hint = gettext("Ends %(date)s; %(places)s", date=_day(opportunity.ends_on), places=places)
    elif closing:
        hint = gettext("Ends %(date)s", date=_day(opportunity.ends_on))
    else:
        hint = places[:1].upper() + places[1:]
    return {
        "text": opportunity.title,
        "href": url_for("matching.candidates", opportunity_id=opportunity.id)
        if unfilled
        else url_for("opportunities.detail", opportunity_id=opportunity.id),
        "hint": hint,
    }


# Coordinators and administrators ------------------------------------------------------------------


def registration_to_verify(credential, ctx: "Context") -> Item:
    return {
        "text": credential.profile.user.display_name,
        "href": url_for("credentials.review", credential_id=credential.id),
        "hint": gettext(
            "%(regulator)s, added on %(date)s",
            regulator=translated(regulator_label(credential.regulator, credential.regulator_name)),
            date=_on(credential.created_at),
        ),
    }


def member_milestone(row, ctx: "Context") -> Item:
    item, owner = row
    return {
        "text": gettext("%(name)s: %(title)s", name=owner.display_name, title=item.title),
        "href": url_for("milestones.plan", plan_id=item.plan_id),
        "hint": gettext("Was due %(date)s", date=_day(item.due_on)),
        "tag": {"text": gettext("Overdue"), "colour": "red"},
    }


def new_volunteer(row, ctx: "Context") -> Item:
    profile, cohort = row
    return {
        "text": profile.user.display_name,
        "href": url_for("cohorts.find_people", cohort_id=cohort.id, country=cohort.country),
        "hint": gettext(
            "Tied to %(country)s: not yet in %(cohort)s",
            country=country_name(cohort.country, current_language()),
            cohort=cohort.name,
        ),
    }


def organisation_to_verify(organisation, ctx: "Context") -> Item:
    return {
        "text": organisation.name,
        "href": url_for("admin.organisation", organisation_id=organisation.id),
        "hint": gettext(
            "%(country)s, waiting since %(date)s",
            country=country_name(organisation.country, current_language()),
            date=_on(organisation.created_at),
        ),
    }


def failed_email(notification, ctx: "Context") -> Item:
    tries = notification.attempts
    return {
        "text": translated(kind_of(notification.kind).label),
        "href": url_for("notifications.outbox"),
        "hint": ngettext(
            "Gave up after %(num)d attempt on %(date)s",
            "Gave up after %(num)d attempts on %(date)s",
            tries,
            date=local_datetime(notification.claimed_at),
        )
        if notification.claimed_at
        else ngettext("Gave up after %(num)d attempt", "Gave up after %(num)d attempts", tries),
    }


def account(user, ctx: "Context") -> Item:
    return {
        "text": user.display_name,
        "href": url_for("admin.user", user_id=user.id),
        "hint": gettext("Email address not confirmed since %(date)s", date=_on(user.created_at)),
    }


# Sections -------------------------------------------------------------------------------------

# Each queue: heading, how an item is shown, "see all" (endpoint, its values) or None, and its
# urgency (lower first): a section comes before another when its most urgent queue does.
QUEUES: dict[tuple[str, str], tuple[object, Callable, tuple[str, dict] | None, int]] = {
    ("staff", "sessions"): (_l("Your sessions"), booked_session, ("engagements.mine", {}), 1),
    ("staff", "invitations"): (
        _l("Invitations to answer"),
        invitation,
        ("matching.invitations_page", {}),
        3,
    ),
    ("staff", "milestones"): (
        _l("Milestones overdue or due soon"),
        milestone,
        ("milestones.plans", {}),
        4,
    ),
    ("staff", "hours"): (
        _l("Your hours waiting or declined"),
        own_hours,
        ("engagements.mine", {}),
        6,
    ),
    ("staff", "applications"): (
        _l("Your applications"),
        application,
        ("engagements.mine", {}),
        7,
    ),
    ("staff", "registrations"): (
        _l("Registrations expiring"),
        registration,
        ("credentials.index", {}),
        5,
    ),
    ("organisation", "applications"): (
        _l("Applications waiting for an answer"),
        waiting_application,
        ("opportunities.manage", {}),
        2,
    ),
    ("organisation", "attendance"): (
        _l("Sessions to record attendance for"),
        attendance,
        ("opportunities.manage", {}),
        2,
    ),
    ("organisation", "hours"): (
        _l("Hours to review"),
        hours_to_review,
        ("opportunities.manage", {}),
        3,
    ),
    ("organisation", "releases"): (
        _l("Waiting for a line manager's release"),
        release,
        ("opportunities.manage", {}),
        5,
    ),
    ("organisation", "opportunities"): (
        _l("Opportunities closing or with places to fill"),
        opportunity_to_fill,
        ("opportunities.manage", {}),
        8,
    ),
    ("coordinator", "registrations"): (
        _l("Registrations to verify"),
        registration_to_verify,
        ("credentials.queue", {}),
        4,
    ),
    ("coordinator", "milestones"): (
        _l("Overdue milestones of the people you coordinate"),
        member_milestone,
        ("milestones.coordinating", {}),
        4,
    ),
    ("coordinator", "volunteers"): (
        _l("New volunteers tied to your cohorts' countries"),
        new_volunteer,
        ("cohorts.index", {}),
        8,
    ),
    ("admin", "organisations"): (
        _l("Organisations to verify"),
        organisation_to_verify,
        ("admin.organisation_queue", {}),
        3,
    ),
    ("admin", "emails"): (_l("Emails that failed"), failed_email, ("notifications.outbox", {}), 4),
    ("admin", "registrations"): (
        _l("Registrations to verify"),
        registration_to_verify,
        ("credentials.queue", {}),
        5,
    ),
    ("admin", "accounts"): (
        _l("Accounts needing attention"),
        account,
        ("admin.users", {}),
        7,
    ),
}


def profile_incomplete() -> dict[str, Any]:
    return {
        "id": "staff-profile",
        "heading": gettext("Your profile"),
        "total": 1,
        "items": [
            {
                "text": gettext("Finish your profile"),
                "href": url_for("registry.profile"),
                "hint": gettext(
                    "Organisations find you, and recommendations start, once it is complete"
                ),
            }
        ],
        "see_all": None,
        "urgency": 2,
    }


SECTIONS = {
    "staff": _l("For you"),
    "organisation": _l("For your organisations"),
    "coordinator": _l("For the volunteers you coordinate"),
    "admin": _l("For administrators"),
}


def _queue(section: str, name: str, queue: Queue, ctx: Context) -> dict[str, Any]:
    heading, show, see_all, urgency = QUEUES[(section, name)]
    link = None
    if queue.more and see_all is not None:
        link = {
            "href": url_for(see_all[0], **see_all[1]),
            "text": gettext("See all %(total)s", total=queue.total),
        }
    return {
        "id": f"{section}-{name}",
        "heading": str(heading),
        "total": queue.total,
        "items": [show(item, ctx) for item in queue.items],
        "see_all": link,
        "urgency": urgency,
    }


def sections(home: Home, ctx: Context) -> list[dict]:
    """The sections with something waiting, most urgent first; inside each, its queues with
    items, most urgent first."""
    result = []
    for section, queues in (
        ("staff", home.staff),
        ("organisation", home.organisation),
        ("coordinator", home.coordinator),
        ("admin", home.admin),
    ):
        shown = [_queue(section, name, queue, ctx) for name, queue in queues.items() if queue.total]
        if section == "staff" and home.profile_incomplete:
            shown.append(profile_incomplete())
        if shown:
            shown.sort(key=lambda queue: queue["urgency"])
            result.append(
                {
                    "id": section,
                    "heading": str(SECTIONS[section]),
                    "queues": shown,
                    "urgency": shown[0]["urgency"],
                }
            )
    result.sort(key=lambda section: section["urgency"])
    return result
