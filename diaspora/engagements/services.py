"""Engagement rules: interest, applications, decisions, employer release, and telling the other
side of every change.

Every change of state goes through `states.move`, so a change the rules do not allow raises
`IllegalTransition` whichever page (or crafted request) asked for it. Who may ask is checked by
the edge (the person owns the engagement, or manages the opportunity); what follows what, and
which changes each side may make, is checked here. Functions never commit: the edge commits
once, and the outbox rows written here (and the line manager's email) go with that commit.
"""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, lazyload, selectinload

from diaspora.audit.services import record
from diaspora.auth.models import Role, User
from diaspora.auth.services import fingerprint, make_token, normalise_email, read_token
from diaspora.core.context import setting
from diaspora.core.domains import within
from diaspora.core.errors import DomainError
from diaspora.core.time import iso_utc, utcnow
from diaspora.core.urls import external_url, service_path
from diaspora.core.words import N_
from diaspora.credentials.services import profile_ids_with_verified_credential
from diaspora.engagements import states
from diaspora.engagements.models import Engagement, ReleaseStatus
from diaspora.engagements.models import EngagementState as S
from diaspora.engagements.states import IllegalTransition
from diaspora.notifications import mail
from diaspora.notifications.services import notify
from diaspora.opportunities.access import manages
from diaspora.opportunities.models import Modality, Opportunity, OpportunityKind, OpportunityStatus
from diaspora.organisations.access import active_members
from diaspora.organisations.services import employer_mail_domains
from diaspora.registry import privacy
from diaspora.registry.models import StaffProfile
from diaspora.registry.privacy import ViewerAccess

KIND = "engagement_update"  # the notifications' kind
MESSAGE_MAX = 1000
NUDGE_AFTER = timedelta(days=7)
EXPIRE_AFTER = timedelta(days=21)
RELEASE_MAX_AGE = timedelta(days=30)  # the manager's link; RELEASE_MAX_AGE in the config wins
RELEASE_PURPOSE = "release"

# Once the organisation has offered a place, each side may reach the other.
CONTACT_STATES = frozenset({S.ACCEPTED, S.ACTIVE, S.COMPLETED, S.NO_SHOW})
# How an applicants list is ordered: what needs an answer first.
STATE_ORDER = [S.APPLIED, S.ACCEPTED, S.ACTIVE, S.INTERESTED, S.WAITING, S.COMPLETED]


class EngagementError(DomainError):
    """Input the rules refuse: `errors` maps a form field's name to its message."""


class Undecidable(Exception):
    """One of several selected engagements can no longer be decided; `engagement` is the one,
    `str()` says why, fit to show."""

    def __init__(self, engagement: Engagement, message: str) -> None:
        super().__init__(message)
        self.engagement = engagement


class ProfileIncomplete(Exception):
    """The staff member must complete their profile before they take part."""


# Input ----------------------------------------------------------------------------------------


def clean_text(value: str | None) -> str:
    """Trimmed, with Windows line endings made plain (a textarea posts CRLF)."""
    return (value or "").replace("\r\n", "\n").strip()


# What each message field says when it is empty, and when it is too long, by its label.
_MESSAGE_PROBLEMS = {
    "Your message": (
        N_("Enter your message"),
        N_("Your message must be %(max)s characters or fewer", max=MESSAGE_MAX),
    ),
    "The reason for declining": (
        N_("Enter the reason for declining"),
        N_("The reason for declining must be %(max)s characters or fewer", max=MESSAGE_MAX),
    ),
    "The reason": (
        N_("Enter the reason"),
        N_("The reason must be %(max)s characters or fewer", max=MESSAGE_MAX),
    ),
    "Your note": (
        N_("Enter your note"),
        N_("Your note must be %(max)s characters or fewer", max=MESSAGE_MAX),
    ),
}


def message_problem(value: str | None, *, label: str, required: bool) -> str | None:
    empty, too_long = _MESSAGE_PROBLEMS[label]
    text = clean_text(value)
    if required and not text:
        return empty
    if len(text) > MESSAGE_MAX:
        return too_long
    return None


EMAIL_FORMAT = N_("Enter an email address in the correct format, like name@nhs.net")
# Where an NHS line manager's mailbox may be: these domains and any of their subdomains
# (trusts mostly use <trust>.nhs.uk; Northern Ireland's trusts use <trust>.hscni.net).
NHS_MAIL_DOMAINS = ("nhs.net", "nhs.uk", "nhs.scot", "hscni.net")
NHS_ADDRESS = N_(
    "Enter your line manager's NHS email address (ending in nhs.net, nhs.scot, hscni.net or "
    ".nhs.uk, such as name@nhs.net), or one at a domain of an NHS employer verified on this "
    "service"
)
OWN_ADDRESS = N_("Enter your line manager's email address, not one of your own")
# Mail services that ignore dots in the part before the @ (a.b@gmail.com is ab@gmail.com).
DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def is_nhs_domain(domain: str) -> bool:
    """An NHS mail domain or a subdomain of one, matched on whole labels: `evilnhs.net` and
    `nhs.net.evil.com` are not NHS domains."""
    return within(domain, NHS_MAIL_DOMAINS)


def manager_domain_accepted(session: Session, domain: str) -> bool:
    """Where a line manager's mailbox may be: an NHS mail domain, or a domain an administrator
    confirmed for a verified NHS trust (organisations.services.employer_mail_domains), or a
    subdomain of either. Free-mail domains can never be confirmed, so the staff member cannot
    make themselves an address that passes."""
    return is_nhs_domain(domain) or within(domain, employer_mail_domains(session))


def mailbox_key(email: str) -> str:
    """The mailbox an address delivers to, for telling whether two addresses are one person's:
    case, a `+tag` and, at mail services that ignore them, dots make no difference."""
    local, _, domain = normalise_email(email).rpartition("@")
    domain = domain.rstrip(".")
    local = local.split("+", 1)[0]
    if domain in DOTLESS_DOMAINS:
        local, domain = local.replace(".", ""), DOTLESS_DOMAINS[domain]
    return f"{local}@{domain}"


def manager_email_problem(value: str | None, session: Session) -> str | None:
    """A well-formed address at an NHS mail domain or at a domain of a verified NHS employer
    (`manager_domain_accepted`). Other domains are refused: anyone can make an address there,
    so the staff member could confirm their own release."""
    text = (value or "").strip()
    if not text:
        return N_("Enter your line manager's email address")
    if len(text) > 254:
        return N_("Email address must be %(max)s characters or fewer", max=254)
    try:
        checked = validate_email(
            text,
            check_deliverability=False,
            test_environment=setting("ENV_NAME") != "production",
        )
    except EmailNotValidError:
        return EMAIL_FORMAT
    if not manager_domain_accepted(session, checked.ascii_domain):
        return NHS_ADDRESS
    return None


def own_address_problem(value: str, person: User) -> str | None:
    """Refuse any address of the person's account (their email, or one they are changing to),
    however it is written."""
    key = mailbox_key(value)
    own = [address for address in (person.email, person.pending_email) if address]
    return OWN_ADDRESS if any(mailbox_key(address) == key for address in own) else None


def _refuse(**problems: str | None) -> None:
    found = {name: message for name, message in problems.items() if message}
    if found:
        raise EngagementError(found)


# What an opportunity takes -------------------------------------------------------------------


def takes_applications(opportunity: Opportunity) -> bool:
    """Projects and placements are applied to; tele-teaching sessions are booked instead."""
    return opportunity.kind != OpportunityKind.TEACHING


def is_open(opportunity: Opportunity) -> bool:
    return opportunity.status == OpportunityStatus.OPEN and takes_applications(opportunity)


def needs_release(opportunity: Opportunity) -> bool:
    """Placements, and projects worked on site in whole or part, take the person away from
    their NHS job: their line manager must release them."""
    if opportunity.kind == OpportunityKind.PLACEMENT:
        return True
    return opportunity.kind == OpportunityKind.PROJECT and opportunity.modality in (
        Modality.ON_SITE,
        Modality.HYBRID,
    )


def profile_complete(session: Session, user: User) -> bool:
    completed = session.scalar(
        select(StaffProfile.completed_at).where(StaffProfile.user_id == user.id)
    )
    return completed is not None


def engagement_of(session: Session, user: User, opportunity: Opportunity) -> Engagement | None:
    """The person's engagement with a project or placement (not their teaching bookings)."""
    return session.scalar(
        select(Engagement).where(
            Engagement.opportunity_id == opportunity.id,
            Engagement.user_id == user.id,
            Engagement.session_id.is_(None),
        )
    )


def _check_can_take_part(session: Session, user: User, opportunity: Opportunity) -> None:
    if not takes_applications(opportunity):
        raise IllegalTransition(N_("Tele-teaching sessions are booked, not applied for."))
    if opportunity.status != OpportunityStatus.OPEN:
        raise IllegalTransition(N_("This opportunity is not taking applications."))
    if not profile_complete(session, user):
        raise ProfileIncomplete(N_("Complete your profile before you apply."))


# Why someone whose engagement has ended cannot apply again, by how it ended.
ENDED = {
    S.DECLINED: N_("Your engagement with this opportunity is declined: you cannot apply again."),
    S.WITHDRAWN: N_("Your engagement with this opportunity is withdrawn: you cannot apply again."),
    S.EXPIRED: N_("Your engagement with this opportunity is expired: you cannot apply again."),
    S.COMPLETED: N_("Your engagement with this opportunity is completed: you cannot apply again."),
    S.NO_SHOW: N_("You were recorded as not attending this opportunity: you cannot apply again."),
    S.CANCELLED: N_("Your engagement with this opportunity is cancelled: you cannot apply again."),
}


def already_engaged(engagement: Engagement) -> IllegalTransition:
    if engagement.state == S.INTERESTED:
        return IllegalTransition(
            N_("You have already said you are interested in this opportunity.")
        )
    if engagement.state in states.FINAL:
        return IllegalTransition(ENDED[S(engagement.state)])
    return IllegalTransition(N_("You have already applied for this opportunity."))


# The staff member's side -----------------------------------------------------------------------


def express_interest(session: Session, user: User, opportunity: Opportunity) -> Engagement:
    _check_can_take_part(session, user, opportunity)
    existing = engagement_of(session, user, opportunity)
    if existing is not None:
        raise already_engaged(existing)
    engagement = _insert(
        session, user, Engagement(opportunity=opportunity, user=user, state=S.INTERESTED)
    )
    record(session, "engagement.interested", actor=user, subject=engagement)
    _tell_organisation(
        session,
        engagement,
        subject=N_(
            "%(name)s is interested in %(title)s",
            name=user.display_name,
            title=opportunity.title,
        ),
        template="engagement_interest",
        dedupe_key=f"engagement:{engagement.id}:interested",
    )
    return engagement


def apply(session: Session, user: User, opportunity: Opportunity, message: str) -> Engagement:
    """Apply with a short message; someone who said they were interested goes on to apply."""
    _refuse(message=message_problem(message, label="Your message", required=True))
    _check_can_take_part(session, user, opportunity)
    engagement = engagement_of(session, user, opportunity)
    if engagement is None:
        engagement = _insert(
            session,
            user,
            Engagement(
                opportunity=opportunity,
                user=user,
                state=S.APPLIED,
                applied_at=utcnow(),
                message=clean_text(message),
            ),
        )
    elif engagement.state != S.INTERESTED:
        raise already_engaged(engagement)
    else:
        states.move(engagement, S.APPLIED)
    engagement.message = clean_text(message)
    session.flush()
    record(session, "engagement.applied", actor=user, subject=engagement)
    _tell_organisation(
        session,
        engagement,
        subject=N_(
            "%(name)s applied for %(title)s", name=user.display_name, title=opportunity.title
        ),
        template="engagement_applied",
        dedupe_key=f"engagement:{engagement.id}:applied",
    )
    return engagement


def _insert(session: Session, user: User, engagement: Engagement) -> Engagement:
    """Add a new engagement. The database holds one per person and opportunity: a second
    request racing the first (a double click) is refused like any repeat."""
    try:
        with session.begin_nested():
            session.add(engagement)
            session.flush()
    except IntegrityError:
        existing = engagement_of(session, user, engagement.opportunity)
        if existing is None:
            raise
        raise already_engaged(existing) from None
    return engagement


def withdraw(session: Session, engagement: Engagement, actor: User) -> None:
    _not_a_booking(engagement)
    states.move(engagement, S.WITHDRAWN)
    record(session, "engagement.withdrawn", actor=actor, subject=engagement)
    _tell_organisation(
        session,
        engagement,
        subject=N_(
            "%(name)s withdrew from %(title)s",
            name=engagement.user.display_name,
            title=engagement.opportunity.title,
        ),
        template="engagement_withdrawn",
        dedupe_key=f"engagement:{engagement.id}:withdrawn",
    )


def _not_a_booking(engagement: Engagement) -> None:
    if engagement.session_id is not None:
        raise IllegalTransition(
            N_("This is a booking for a tele-teaching session: change it from the session.")
        )


# The organisation's side -----------------------------------------------------------------------


def decide(
    session: Session, engagement: Engagement, actor: User, *, accept: bool, message: str
) -> None:
    """Accept or decline an application. Accepting a placement or an on-site project asks for
    the staff member's employer release: they cannot start until their manager confirms it."""
    _refuse(
        decision_message=message_problem(message, label="Your message", required=False),
    )
    _not_a_booking(engagement)
    to = S.ACCEPTED if accept else S.DECLINED
    states.move(engagement, to)
    engagement.decision_message = clean_text(message)
    if accept and needs_release(engagement.opportunity):
        engagement.release_status = ReleaseStatus.NEEDED
    record(session, f"engagement.{to}", actor=actor, subject=engagement)
    title = engagement.opportunity.title
    _tell_person(
        session,
        engagement,
        subject=N_("You have a place: %(title)s", title=title)
        if accept
        else N_("Your application: %(title)s", title=title),
        template="engagement_decided",
        dedupe_key=f"engagement:{engagement.id}:{to}",
        accepted=accept,
        release_needed=engagement.release_status == ReleaseStatus.NEEDED,
    )


def decline_selected(
    session: Session,
    opportunity: Opportunity,
    engagement_ids: Iterable[int],
    actor: User,
    *,
    reason: str,
) -> list[Engagement]:
    """Decline several applications to one opportunity with one reason (required), each through
    `decide`, so the rules, the audit and the messages are those of one at a time. All or
    nothing: raises LookupError when an id is not an application to this opportunity, and
    Undecidable naming the first that can no longer be declined; the caller then rolls back."""
    _refuse(reason=message_problem(reason, label="The reason for declining", required=True))
    ids = list(dict.fromkeys(engagement_ids))
    if not ids:
        raise EngagementError({"selected": N_("Select the applications you want to decline")})
    found = {
        engagement.id: engagement
        for engagement in session.scalars(
            select(Engagement)
            .where(
                Engagement.id.in_(ids),
                Engagement.opportunity_id == opportunity.id,
                Engagement.session_id.is_(None),
            )
            .options(joinedload(Engagement.user))
        )
    }
    if len(found) != len(ids):
        raise LookupError("a selected engagement is not an application to this opportunity")
    declined = []
    for engagement_id in ids:
        engagement = found[engagement_id]
        if engagement.state != S.APPLIED:
            raise Undecidable(
                engagement, N_("This application has already been decided or withdrawn")
            )
        try:
            decide(session, engagement, actor, accept=False, message=reason)
        except (IllegalTransition, EngagementError) as error:
            raise Undecidable(engagement, _reason(error)) from error
        declined.append(engagement)
    return declined


CHANGE_SUBJECTS = {
    S.ACTIVE: "Your engagement has started: %(title)s",
    S.COMPLETED: "Your engagement is complete: %(title)s",
    S.NO_SHOW: "Recorded as did not attend: %(title)s",
}
# For the catalogues: CHANGE_SUBJECTS' messages, given their title in `N_` when they are sent.
N_("Your engagement has started: %(title)s")
N_("Your engagement is complete: %(title)s")
N_("Recorded as did not attend: %(title)s")


def _reason(error: Exception) -> str:
    """A refusal's message, still marked for translation when it was."""
    if isinstance(error, EngagementError):
        return next(iter(error.errors.values()), error.message)
    return error.args[0] if error.args else str(error)


def change(session: Session, engagement: Engagement, actor: User | None, to: str) -> None:
    """Start (accepted → active), complete (active → completed) or record a no-show
    (accepted → no_show), and tell the staff member."""
    if to not in CHANGE_SUBJECTS:
        raise IllegalTransition(N_("That change is not made here."))
    _not_a_booking(engagement)
    states.move(engagement, to)
    record(session, f"engagement.{to}", actor=actor, subject=engagement)
    _tell_person(
        session,
        engagement,
        subject=N_(CHANGE_SUBJECTS[S(to)], title=engagement.opportunity.title),
        template="engagement_changed",
        dedupe_key=f"engagement:{engagement.id}:{to}",
        state=to,
    )


def cancel(session: Session, engagement: Engagement, actor: User, *, reason: str) -> None:
    """The organisation ends a place it offered (accepted or active), saying why. An
    application is declined, not cancelled."""
    _refuse(reason=message_problem(reason, label="The reason", required=True))
    _not_a_booking(engagement)
    if engagement.state in (S.INTERESTED, S.APPLIED):
        raise IllegalTransition(N_("An application is not cancelled: decline it instead."))
    _end(session, engagement, actor, clean_text(reason))


def _end(session: Session, engagement: Engagement, actor: User | None, reason: str) -> None:
    states.move(engagement, S.CANCELLED)
    engagement.end_reason = reason
    record(session, "engagement.cancelled", actor=actor, subject=engagement)
    _tell_person(
        session,
        engagement,
        subject=N_("Cancelled: %(title)s", title=engagement.opportunity.title),
        template="engagement_cancelled",
        dedupe_key=f"engagement:{engagement.id}:cancelled",
        reason=reason,
    )


def end_all(session: Session, opportunity: Opportunity, *, reason: str) -> int:
    """For an opportunity being cancelled: every live engagement that is not a teaching booking
    (bookings end with their session) becomes cancelled, and each person is told why.
    Returns how many ended."""
    live = session.scalars(
        select(Engagement)
        .where(
            Engagement.opportunity_id == opportunity.id,
            Engagement.session_id.is_(None),
            Engagement.state.in_(states.LIVE),
        )
        .options(joinedload(Engagement.user))
        .order_by(Engagement.id)
    ).all()
    for engagement in live:
        _end(session, engagement, None, clean_text(reason))
    return len(live)


# Employer release ------------------------------------------------------------------------------

RELEASE_CHANGEABLE = (ReleaseStatus.NEEDED, ReleaseStatus.REQUESTED, ReleaseStatus.DECLINED)


def can_request_release(engagement: Engagement) -> bool:
    """The staff member may name (or change) their manager until the release is confirmed."""
    return engagement.state == S.ACCEPTED and engagement.release_status in RELEASE_CHANGEABLE


def release_max_age() -> timedelta:
    return setting("RELEASE_MAX_AGE", RELEASE_MAX_AGE)


def request_release(session: Session, engagement: Engagement, manager_email: str) -> str:
    """Email the line manager a signed link to confirm or decline the release. A new request
    (another address, or the same again) makes every earlier link stop working.
    Returns the link's token."""
    problem = manager_email_problem(manager_email, session)
    if problem is None:
        problem = own_address_problem(manager_email, engagement.user)
    _refuse(manager_email=problem)
    if not can_request_release(engagement):
        raise IllegalTransition(N_("Your line manager's release is not needed now."))
    email = normalise_email(manager_email)
    engagement.release_manager_email = email
    engagement.release_status = ReleaseStatus.REQUESTED
    engagement.release_requested_at = utcnow()
    engagement.release_decided_at = None
    engagement.release_note = ""
    engagement.release_nonce = secrets.token_hex(8)
    token = make_token(
        RELEASE_PURPOSE,
        {"e": engagement.id, "m": fingerprint(email), "n": engagement.release_nonce},
    )
    opportunity = engagement.opportunity
    mail.queue(
        session,
        email,
        N_("Please confirm release for %(name)s", name=engagement.user.display_name),
        "engagement_release",
        person=engagement.user,
        opportunity=opportunity,
        dates=dates_of(opportunity, engagement),
        days=release_max_age().days,
        url=external_url("engagements.release", token=token),
    )
    record(session, "engagement.release_requested", actor=engagement.user, subject=engagement)
    return token


@dataclass(frozen=True)
class ReleaseLink:
    """What a manager's link leads to: the engagement, or why it does not work."""

    engagement: Engagement | None
    # "invalid" (bad, expired or replaced), "used", "closed", or "address": the manager's
    # address is no longer accepted (its employer's domain was withdrawn, or the employer is
    # no longer verified), so a request made while it counted cannot be answered from it.
    problem: str | None = None


def release_link(session: Session, token: str) -> ReleaseLink:
    data = read_token(RELEASE_PURPOSE, token, release_max_age())
    if not isinstance(data, dict) or not isinstance(data.get("e"), int):
        return ReleaseLink(None, "invalid")
    engagement = session.get(Engagement, data["e"])
    if (
        engagement is None
        or not engagement.release_manager_email
        or data.get("m") != fingerprint(engagement.release_manager_email)
        or data.get("n") != engagement.release_nonce
    ):
        return ReleaseLink(None, "invalid")
    if engagement.release_status in (ReleaseStatus.CONFIRMED, ReleaseStatus.DECLINED):
        return ReleaseLink(engagement, "used")
    if engagement.release_status != ReleaseStatus.REQUESTED or engagement.state != S.ACCEPTED:
        return ReleaseLink(engagement, "closed")
    if manager_email_problem(engagement.release_manager_email, session) is not None:
        return ReleaseLink(engagement, "address")
    return ReleaseLink(engagement)


def decide_release(session: Session, engagement: Engagement, *, confirm: bool, note: str) -> None:
    """The manager's answer; the staff member and the organisation are both told."""
    _refuse(note=message_problem(note, label="Your note", required=False))
    if engagement.release_status != ReleaseStatus.REQUESTED or engagement.state != S.ACCEPTED:
        raise IllegalTransition(
            N_("This request has already been answered or is no longer needed.")
        )
    engagement.release_status = ReleaseStatus.CONFIRMED if confirm else ReleaseStatus.DECLINED
    engagement.release_decided_at = utcnow()
    engagement.release_note = clean_text(note)
    record(session, f"engagement.release_{engagement.release_status}", subject=engagement)
    title = engagement.opportunity.title
    context = {
        "confirmed": confirm,
        "note": engagement.release_note,
        "person": engagement.user,
        "opportunity": engagement.opportunity,
    }
    key = f"engagement:{engagement.id}:release:{engagement.release_nonce}"
    _tell_person(
        session,
        engagement,
        subject=(
            N_("Your line manager confirmed your release: %(title)s", title=title)
            if confirm
            else N_("Your line manager declined your release: %(title)s", title=title)
        ),
        template="engagement_release_decided",
        dedupe_key=key,
        for_person=True,
        **context,
    )
    _tell_organisation(
        session,
        engagement,
        subject=(
            N_("Release confirmed for %(name)s", name=engagement.user.display_name)
            if confirm
            else N_("Release declined for %(name)s", name=engagement.user.display_name)
        ),
        template="engagement_release_decided",
        dedupe_key=key,
        for_person=False,
        **context,
    )


# Telling the other side ------------------------------------------------------------------------


def _tell_organisation(
    session: Session,
    engagement: Engagement,
    *,
    subject: str,
    template: str,
    dedupe_key: str | None = None,
    **context: object,
) -> None:
    link = service_path("engagements.detail", engagement_id=engagement.id)
    context.setdefault("person", engagement.user)
    context.setdefault("opportunity", engagement.opportunity)
    for member in active_members(session, engagement.opportunity.organisation_id):
        notify(
            session,
            member,
            KIND,
            subject=subject,
            template=template,
            link=link,
            dedupe_key=dedupe_key,
            about=engagement.user,
            organisation_id=engagement.opportunity.organisation_id,
            engagement=engagement,
            **context,
        )


def _tell_person(
    session: Session,
    engagement: Engagement,
    *,
    subject: str,
    template: str,
    dedupe_key: str | None = None,
    **context: object,
) -> None:
    context.setdefault("opportunity", engagement.opportunity)
    notify(
        session,
        engagement.user,
        KIND,
        subject=subject,
        template=template,
        link=service_path("engagements.detail", engagement_id=engagement.id),
        dedupe_key=dedupe_key,
        organisation_id=engagement.opportunity.organisation_id,
        engagement=engagement,
        **context,
    )


# Scheduled work --------------------------------------------------------------------------------


def nudge_unanswered(session: Session, now: datetime) -> int:
    """Applications left unanswered for NUDGE_AFTER: tell the organisation once."""
    due = session.scalars(
        select(Engagement)
        .where(
            Engagement.state == S.APPLIED,
            Engagement.session_id.is_(None),
            Engagement.applied_at <= now - NUDGE_AFTER,
            Engagement.nudged_at.is_(None),
        )
        .options(joinedload(Engagement.user))
        .order_by(Engagement.id)
    ).all()
    for engagement in due:
        engagement.nudged_at = now
        _tell_organisation(
            session,
            engagement,
            subject=N_("Waiting for your answer: %(name)s", name=engagement.user.display_name),
            template="engagement_nudge",
            dedupe_key=f"engagement:{engagement.id}:nudge",
            days=NUDGE_AFTER.days,
            left=(EXPIRE_AFTER - NUDGE_AFTER).days,
        )
    return len(due)


def expire_unanswered(session: Session, now: datetime) -> int:
    """Applications left unanswered for EXPIRE_AFTER expire; the applicant is told."""
    due = session.scalars(
        select(Engagement)
        .where(
            Engagement.state == S.APPLIED,
            Engagement.session_id.is_(None),
            Engagement.applied_at <= now - EXPIRE_AFTER,
        )
        .options(joinedload(Engagement.user))
        .order_by(Engagement.id)
    ).all()
    for engagement in due:
        states.move(engagement, S.EXPIRED, at=now)
        record(session, "engagement.expired", subject=engagement)
        _tell_person(
            session,
            engagement,
            subject=N_(
                "Your application has expired: %(title)s", title=engagement.opportunity.title
            ),
            template="engagement_expired",
            dedupe_key=f"engagement:{engagement.id}:expired",
            days=EXPIRE_AFTER.days,
        )
    return len(due)


def complete_finished(session: Session, now: datetime) -> int:
    """Active engagements whose end date (their own, else the opportunity's) has passed."""
    today = now.date()
    ends_on = func.coalesce(Engagement.ends_on, Opportunity.ends_on)
    due = session.scalars(
        select(Engagement)
        .join(Opportunity, Opportunity.id == Engagement.opportunity_id)
        .where(Engagement.state == S.ACTIVE, ends_on.is_not(None), ends_on < today)
        .options(joinedload(Engagement.user))
        .order_by(Engagement.id)
    ).all()
    for engagement in due:
        states.move(engagement, S.COMPLETED, at=now)
        record(session, "engagement.completed", subject=engagement)
        _tell_person(
            session,
            engagement,
            subject=N_(CHANGE_SUBJECTS[S.COMPLETED], title=engagement.opportunity.title),
            template="engagement_changed",
            dedupe_key=f"engagement:{engagement.id}:completed",
            state=S.COMPLETED,
        )
    return len(due)


# Reading ---------------------------------------------------------------------------------------


def dates_of(opportunity: Opportunity, engagement: Engagement | None = None) -> str:
    """The dates in words: the engagement's own end when it has one."""
    if engagement is not None and engagement.session is not None:
        return ""  # a teaching booking: its session's time, shown in the viewer's zone
    starts = opportunity.starts_on
    ends = (engagement.ends_on if engagement is not None else None) or opportunity.ends_on
    if starts and ends:
        return N_("%(start)s to %(end)s", start=starts, end=ends)
    if starts:
        return N_("From %(start)s", start=starts)
    if ends:
        return N_("Until %(end)s", end=ends)
    return N_("Not given")


def _without_opportunity_lists():
    """Opportunities load their wanted professions, skills and languages eagerly; lists of
    engagements do not show them."""
    return (
        lazyload(Opportunity.professions),
        lazyload(Opportunity.skills),
        lazyload(Opportunity.languages),
    )


def engagement_by_id(session: Session, engagement_id: int) -> Engagement | None:
    return session.scalar(
        select(Engagement)
        .where(Engagement.id == engagement_id)
        .options(
            joinedload(Engagement.user),
            joinedload(Engagement.opportunity).options(*_without_opportunity_lists()),
            joinedload(Engagement.session),
        )
    )


def part_in(session: Session, user: User, engagement: Engagement) -> str | None:
    """The user's part in an engagement: "owner" (it is theirs), "manager" (they manage its
    opportunity), or None: anyone else is not told it exists."""
    if engagement.user_id == user.id:
        return "owner"
    if manages(session, user, engagement.opportunity):
        return "manager"
    return None


def engagements_of(session: Session, user: User) -> list[Engagement]:
    """All the person's engagements, teaching bookings included, newest first (one query)."""
    return list(
        session.scalars(
            select(Engagement)
            .where(Engagement.user_id == user.id)
            .options(
                joinedload(Engagement.opportunity).options(*_without_opportunity_lists()),
                joinedload(Engagement.session),
            )
            .order_by(Engagement.created_at.desc(), Engagement.id.desc())
        )
    )


def state_counts(session: Session, opportunity: Opportunity) -> dict[str, int]:
    rows = session.execute(
        select(Engagement.state, func.count())
        .where(Engagement.opportunity_id == opportunity.id)
        .group_by(Engagement.state)
    )
    return {state: count for state, count in rows}


def may_view_profile(access: ViewerAccess, viewer: User, profile: StaffProfile) -> bool:
    """`registry.privacy.can_view`, answered from the viewer's access worked out once for the
    page rather than once per applicant; a profile not yet completed is not shown."""
    if profile.completed_at is None and not access.admin:
        return False
    return privacy.visible_with(access, viewer, profile)


@dataclass(frozen=True)
class Applicant:
    engagement: Engagement
    profile: StaffProfile | None  # None when the viewer may not see it
    verified: bool
    contact: str | None  # the email address, once a place is offered


def _state_rank(state: str) -> int:
    return STATE_ORDER.index(S(state)) if state in STATE_ORDER else len(STATE_ORDER)


def applicants(
    session: Session, opportunity: Opportunity, viewer: User, access: ViewerAccess
) -> list[Applicant]:
    """Everyone engaged with a project or placement, each shown as their profile's privacy
    allows this viewer. A fixed number of queries, however many applicants."""
    engagements = list(
        session.scalars(
            select(Engagement)
            .where(Engagement.opportunity_id == opportunity.id, Engagement.session_id.is_(None))
            .options(joinedload(Engagement.user))
            .order_by(Engagement.applied_at.is_(None), Engagement.applied_at, Engagement.id)
        )
    )
    engagements.sort(key=lambda e: _state_rank(e.state))  # stable: keeps the date order
    return _present_applicants(session, engagements, viewer, access)


def applicant(
    session: Session, engagement: Engagement, viewer: User, access: ViewerAccess
) -> Applicant:
    return _present_applicants(session, [engagement], viewer, access)[0]


def _present_applicants(
    session: Session, engagements: list[Engagement], viewer: User, access: ViewerAccess
) -> list[Applicant]:
    user_ids = {e.user_id for e in engagements}
    profiles: dict[int, StaffProfile] = {}
    if user_ids:
        profiles = {
            profile.user_id: profile
            for profile in session.scalars(
                select(StaffProfile)
                .where(StaffProfile.user_id.in_(user_ids))
                .options(
                    selectinload(StaffProfile.ties),
                    selectinload(StaffProfile.languages),
                    selectinload(StaffProfile.skills),
                )
            )
        }
    shown = {
        user_id: profile
        for user_id, profile in profiles.items()
        if may_view_profile(access, viewer, profile)
    }
    verified = profile_ids_with_verified_credential(session, _ids(shown.values()))
    return [
        Applicant(
            engagement=e,
            profile=shown.get(e.user_id),
            verified=e.user_id in shown and shown[e.user_id].id in verified,
            contact=e.user.email if e.state in CONTACT_STATES else None,
        )
        for e in engagements
    ]


def _ids(profiles: Iterable[StaffProfile]) -> list[int]:
    return [profile.id for profile in profiles]


# The panel on an opportunity's page ------------------------------------------------------------


@dataclass(frozen=True)
class Panel:
    """What the viewer of an opportunity's page is offered about engaging with it."""

    role: str  # "manager" or "staff"
    engagement: Engagement | None = None
    profile_complete: bool = False
    counts: dict[str, int] | None = None


def panel_for(session: Session, viewer: User, opportunity: Opportunity) -> Panel | None:
    """Two queries at most: whether the viewer manages the opportunity, then either the counts
    by state (managers) or the viewer's profile and engagement in one (staff)."""
    if not viewer.is_authenticated:
        return None
    if manages(session, viewer, opportunity):
        return Panel("manager", counts=state_counts(session, opportunity))
    if not viewer.has_role(Role.STAFF) or not takes_applications(opportunity):
        return None
    row = session.execute(
        select(StaffProfile.completed_at, Engagement)
        .select_from(User)
        .outerjoin(StaffProfile, StaffProfile.user_id == User.id)
        .outerjoin(
            Engagement,
            (Engagement.user_id == User.id)
            & (Engagement.opportunity_id == opportunity.id)
            & Engagement.session_id.is_(None),
        )
        .where(User.id == viewer.id)
    ).first()
    completed, engagement = row if row is not None else (None, None)
    return Panel("staff", engagement=engagement, profile_complete=completed is not None)


def export_for(session: Session, user: User) -> list[dict[str, object]]:
    """The person's engagements and bookings, for their copy of their data. The line manager's
    address is theirs to see: they gave it."""
    rows = session.scalars(
        select(Engagement)
        .where(Engagement.user_id == user.id)
        .options(joinedload(Engagement.opportunity), joinedload(Engagement.session))
        .order_by(Engagement.created_at, Engagement.id)
    )
    return [
        {
            "opportunity": {
                "id": e.opportunity_id,
                "title": e.opportunity.title,
                "kind": e.opportunity.kind,
                "organisation": e.opportunity.organisation.name,
            },
            "session_starts_at": iso_utc(e.session.starts_at) if e.session else None,
            "state": e.state,
            "message": e.message,
            "decision_message": e.decision_message,
            "end_reason": e.end_reason,
            "ends_on": e.ends_on.isoformat() if e.ends_on else None,
            "release_status": e.release_status,
            "release_manager_email": e.release_manager_email,
            "created_at": iso_utc(e.created_at),
            "applied_at": iso_utc(e.applied_at),
            "decided_at": iso_utc(e.decided_at),
            "started_at": iso_utc(e.started_at),
            "ended_at": iso_utc(e.ended_at),
        }
        for e in rows
    ]


def leave_all(session: Session, user: User) -> int:
    """For an account's erasure: the person's projects and placements in progress end as a
    withdrawal does (a place offered goes back, its release link dies, the organisation is
    told); one already started is cancelled, since it cannot be withdrawn from. Teaching
    bookings are the bookings service's. Returns how many ended."""
    live = session.scalars(
        select(Engagement)
        .where(
            Engagement.user_id == user.id,
            Engagement.session_id.is_(None),
            Engagement.state.in_(states.LIVE),
        )
        .order_by(Engagement.id)
    ).all()
    for engagement in live:
        if engagement.state != S.ACTIVE:
            withdraw(session, engagement, user)
            continue
        states.move(engagement, S.CANCELLED)
        record(session, "engagement.cancelled", actor=user, subject=engagement)
        _tell_organisation(
            session,
            engagement,
            subject=N_(
                "%(name)s left %(title)s",
                name=user.display_name,
                title=engagement.opportunity.title,
            ),
            template="engagement_withdrawn",
            dedupe_key=f"engagement:{engagement.id}:left",
        )
    return len(live)


def written_by(session: Session, user: User) -> list[str]:
    """What the person wrote, or was written about them, on their engagements: copies of it
    in other people's messages go when their account is erased."""
    rows = session.execute(
        select(Engagement.message, Engagement.release_note).where(Engagement.user_id == user.id)
    )
    return [text for row in rows for text in row if text]


def forget(session: Session, user: User) -> None:
    """For an account's erasure: clear what the person and others wrote about them, and their
    line manager's address. The engagements stay, tied to the anonymised account, so the
    organisation's record and the hours given still count."""
    session.execute(
        update(Engagement)
        .where(Engagement.user_id == user.id)
        .values(
            message="",
            decision_message="",
            end_reason="",
            release_manager_email=None,
            release_note="",
        )
        .execution_options(synchronize_session=False)
    )
