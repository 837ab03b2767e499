"""Plans, their templates and milestones: the rules. Functions never commit; the caller does.

What a person types is held to the field rules by the forms (`forms.PlanForm` and the others);
what needs other records (a retired scheme) raises `PlanError`, whose `errors` map a field name
to a message safe to show; an action the person may not take raises `NotAllowed` (the view
answers 403).

For other areas:
- `milestone_events(session, user) -> list[icalendar.Event]`: a calendar feed source (the
  person's milestones as all-day events);
- `cancel_pending_reminders(session, milestone_ids) -> int`: cancel reminders not yet sent.
- `load_templates(session) -> int`: add the shipped plan templates that are missing.
"""

import dataclasses
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import icalendar
from sqlalchemy import case, func, or_, select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from diaspora.audit.services import record
from diaspora.auth.models import Role, User
from diaspora.core.errors import DomainError
from diaspora.core.time import iso_utc, utcnow, zone_of
from diaspora.core.words import N_
from diaspora.languages import shipped, translated
from diaspora.notifications.models import Channel, DeliveryState, Notification
from diaspora.organisations.access import verified_memberships
from diaspora.organisations.models import COORDINATING_KINDS, Membership, Organisation
from diaspora.registry import privacy

from .models import Anchor, Milestone, Plan, PlanTemplate, TemplateMilestone, TemplateStatus

TEMPLATES_FILE = Path(__file__).resolve().parent / "data" / "plan_templates.toml"
DEFAULT_LEAD_DAYS = (30, 7, 1)
MAX_LEAD_VALUES = 5
MAX_LEAD_DAY = 365
# A template milestone counted from the start that would fall this close to the plan's end, or
# after it, is left out: the final review covers it (a 12-month MTI has no 12-month review).
NEAR_END_DAYS = 30
MAX_PLAN_YEARS = 10


class PlanError(DomainError):
    """Input or an action the rules refuse; `errors` maps field names to messages."""


class NotAllowed(Exception):
    """The person may not take this action (the view answers 403)."""


# Dates ---------------------------------------------------------------------------------------


def local_today(user: User | None, now: datetime | None = None) -> date:
    """The date it is now where the person is."""
    return (now or utcnow()).astimezone(zone_of(user.time_zone if user else None)).date()


def due_date(anchor: str, offset_days: int, starts_on: date, ends_on: date) -> date:
    base = starts_on if anchor == Anchor.START else ends_on
    return base + timedelta(days=offset_days)


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has no such day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in range(day.day, 27, -1):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    return date(year, month, min(day.day, 28))


# Templates -----------------------------------------------------------------------------------


def load_templates(session: Session, path: Path = TEMPLATES_FILE) -> int:
    """Add the shipped templates that are missing (found by key); return how many were added.

    A template that exists is never changed: administrators may have edited it.
    """
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    existing = set(session.scalars(select(PlanTemplate.key).where(PlanTemplate.key.is_not(None))))
    added = 0
    for item in data.get("template", []):
        if item["key"] in existing:
            continue
        template = PlanTemplate(
            key=item["key"],
            name=item["name"],
            scheme=item["scheme"],
            description=item.get("description", ""),
            months=item.get("months"),
            status=item.get("status", TemplateStatus.ACTIVE),
            status_note=item.get("status_note", ""),
        )
        template.milestones = [
            TemplateMilestone(
                title=m["title"],
                description=m.get("description", ""),
                anchor=m["anchor"],
                offset_days=m["offset"],
                position=position,
            )
            for position, m in enumerate(item.get("milestone", []))
        ]
        session.add(template)
        added += 1
    session.flush()
    return added


def can_edit_templates(session: Session, user: User) -> bool:
    """Administrators, and coordinators of verified charities and NHS trusts."""
    return user.is_authenticated and privacy.access_of(session, user).oversees


def all_templates(session: Session) -> list[tuple[PlanTemplate, int]]:
    """Every template with its number of milestones, active ones first."""
    order = case(
        (PlanTemplate.status == TemplateStatus.ACTIVE, 0),
        (PlanTemplate.status == TemplateStatus.CLOSING, 1),
        else_=2,
    )
    counts = (
        select(TemplateMilestone.template_id, func.count().label("n"))
        .group_by(TemplateMilestone.template_id)
        .subquery()
    )
    rows = session.execute(
        select(PlanTemplate, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.template_id == PlanTemplate.id)
        .order_by(order, PlanTemplate.name, PlanTemplate.id)
    )
    return [(template, n) for template, n in rows]


def startable_templates(session: Session) -> list[PlanTemplate]:
    """The templates a new plan may start from: active ones, then closing ones."""
    return [
        template
        for template, _ in all_templates(session)
        if template.status != TemplateStatus.RETIRED
    ]


def template_to_start(session: Session, template_id: int) -> PlanTemplate | None:
    template = session.get(PlanTemplate, template_id)
    if template is None or template.status == TemplateStatus.RETIRED:
        return None
    return template


@dataclass(frozen=True)
class TemplateInput:
    name: str
    scheme: str
    description: str = ""
    months: int | None = None
    status: str = TemplateStatus.ACTIVE
    status_note: str = ""


def save_template(
    session: Session, actor: User, details: TemplateInput, template: PlanTemplate | None = None
) -> PlanTemplate:
    if not can_edit_templates(session, actor):
        raise NotAllowed("Only administrators and coordinators edit plan templates")
    if template is None:
        template = PlanTemplate(created_by=actor)
        session.add(template)
    previous = template.status
    template.name = details.name
    template.scheme = details.scheme
    template.description = details.description
    template.months = details.months
    template.status = details.status
    template.status_note = details.status_note
    session.flush()
    record(
        session,
        "plan_template.saved",
        actor=actor,
        subject=template,
        status=template.status,
        previous_status=previous,
    )
    return template


@dataclass(frozen=True)
class TemplateMilestoneInput:
    title: str
    anchor: str
    offset_days: int | None
    description: str = ""


def save_template_milestone(
    session: Session,
    actor: User,
    template: PlanTemplate,
    details: TemplateMilestoneInput,
    item: TemplateMilestone | None = None,
) -> TemplateMilestone:
    """Add or change a template's milestone. Plans already made from it keep their own copies."""
    if not can_edit_templates(session, actor):
        raise NotAllowed("Only administrators and coordinators edit plan templates")
    if item is None:
        position = max((m.position for m in template.milestones), default=-1) + 1
        item = TemplateMilestone(position=position)
        template.milestones.append(item)
    item.title = details.title
    item.description = details.description
    item.anchor = details.anchor
    item.offset_days = details.offset_days or 0
    template.updated_at = utcnow()
    session.flush()
    record(session, "plan_template.milestone_saved", actor=actor, subject=template)
    return item


def remove_template_milestone(
    session: Session, actor: User, template: PlanTemplate, item: TemplateMilestone
) -> None:
    if not can_edit_templates(session, actor):
        raise NotAllowed("Only administrators and coordinators edit plan templates")
    template.milestones.remove(item)
    template.updated_at = utcnow()
    record(session, "plan_template.milestone_removed", actor=actor, subject=template)


# Coordinators --------------------------------------------------------------------------------


def coordinator_choices(session: Session) -> list[tuple[int, str]]:
    """(user id, "Name, Organisation") for everyone a plan may name as its coordinator: active
    members of a verified charity or NHS trust, by name."""
    columns = (User.id, User.display_name, Organisation.name)
    rows = session.execute(
        verified_memberships(*columns, kinds=COORDINATING_KINDS)
        .join(User, User.id == Membership.user_id)
        .where(User.active.is_(True))
        .order_by(User.display_name, User.id, Organisation.name)
    )
    names: dict[int, tuple[str, list[str]]] = {}
    for user_id, name, organisation in rows:
        names.setdefault(user_id, (name, []))[1].append(organisation)
    return [(user_id, f"{name}, {', '.join(orgs)}") for user_id, (name, orgs) in names.items()]


def is_current_coordinator(session: Session, user: User | None) -> bool:
    return user is not None and user.active and privacy.is_coordinator(session, user)


# Plans ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanInput:
    starts_on: date | None
    expected_end_on: date | None = None
    scheme: str = ""
    return_country: str = ""
    coordinator_id: int | None = None


def default_end(template: PlanTemplate | None, starts_on: date) -> date | None:
    """The end of a plan whose person left it empty: the template's typical length on."""
    return add_months(starts_on, template.months) if template and template.months else None


def _filled(details: PlanInput, template: PlanTemplate | None) -> PlanInput:
    """`details` (held to PlanForm's rules) with the scheme and the end the template gives
    when they are empty."""
    assert details.starts_on is not None
    scheme = details.scheme.strip() or (template.name if template else "")
    ends_on = details.expected_end_on or default_end(template, details.starts_on)
    return dataclasses.replace(details, scheme=scheme, expected_end_on=ends_on)


def start_plan(
    session: Session, owner: User, template: PlanTemplate | None, details: PlanInput
) -> Plan:
    """A staff member's new plan, with the template's milestones dated. The milestones are the
    person's own from then on, so a shipped title or description is copied in the language the
    plan is made in (the creator's), as they would have typed it; they may change it later."""
    if not owner.has_role(Role.STAFF):
        raise NotAllowed("Only staff members have plans")
    if template is not None and template.status == TemplateStatus.RETIRED:
        raise PlanError({"template": N_("This scheme is retired: it cannot start new plans")})
    clean = _filled(details, template)
    assert clean.starts_on is not None and clean.expected_end_on is not None
    now = utcnow()
    plan = Plan(
        owner=owner,
        template=template,
        scheme=clean.scheme,
        starts_on=clean.starts_on,
        expected_end_on=clean.expected_end_on,
        return_country=clean.return_country or None,
        coordinator_id=clean.coordinator_id,
        created_at=now,
    )
    last_start_day = clean.expected_end_on - timedelta(days=NEAR_END_DAYS)
    for item in template.milestones if template else []:
        due = due_date(item.anchor, item.offset_days, clean.starts_on, clean.expected_end_on)
        if item.anchor == Anchor.START and due >= last_start_day:
            continue
        plan.milestones.append(
            Milestone(
                title=shipped(item.title),
                description=shipped(item.description),
                due_on=due,
                anchor=item.anchor,
                offset_days=item.offset_days,
                position=item.position,
                scheduled_at=now,
            )
        )
    session.add(plan)
    session.flush()
    record(session, "plan.started", actor=owner, subject=plan, template_id=plan.template_id)
    return plan


def update_plan(session: Session, plan: Plan, actor: User, details: PlanInput) -> int:
    """Change a plan's details. A new start or end moves the open milestones that hang on it
    (done ones and fixed ones stay), cancelling their unsent reminders. Returns how many moved."""
    _own(plan, actor)
    clean = _filled(details, plan.template)
    assert clean.starts_on is not None and clean.expected_end_on is not None
    plan.scheme = clean.scheme
    plan.return_country = clean.return_country or None
    plan.coordinator_id = clean.coordinator_id
    plan.starts_on = clean.starts_on
    plan.expected_end_on = clean.expected_end_on
    moved = []
    now = utcnow()
    for milestone in plan.milestones:
        if milestone.is_done or milestone.anchor == Anchor.FIXED:
            continue
        due = due_date(
            milestone.anchor, milestone.offset_days, plan.starts_on, plan.expected_end_on
        )
        if due != milestone.due_on:
            milestone.due_on = due
            milestone.scheduled_at = now
            moved.append(milestone.id)
    cancel_pending_reminders(session, moved, plan=plan)
    record(session, "plan.updated", actor=actor, subject=plan, moved=len(moved))
    return len(moved)


def set_lead_days(session: Session, plan: Plan, actor: User, values: Sequence[int]) -> None:
    _own(plan, actor)
    values = tuple(values)
    plan.lead_days = None if values == DEFAULT_LEAD_DAYS else ",".join(map(str, values))


def delete_plan(session: Session, plan: Plan, actor: User) -> None:
    """Delete a plan and its milestones; their unsent reminders are cancelled."""
    _own(plan, actor)
    cancel_pending_reminders(session, [m.id for m in plan.milestones], plan=plan)
    record(session, "plan.deleted", actor=actor, subject=plan)
    session.delete(plan)


def _own(plan: Plan, actor: User) -> None:
    if plan.owner_id != actor.id:
        raise NotAllowed("Only the plan's owner changes it")


def viewable_plan(session: Session, user: User, plan_id: int) -> Plan | None:
    """The plan if this person may see it: its owner, or the coordinator it names while they
    coordinate for a verified charity or NHS trust. None otherwise (404: not even its existence
    is told)."""
    plan = session.get(Plan, plan_id)
    if plan is None:
        return None
    if plan.owner_id == user.id:
        return plan
    if plan.coordinator_id == user.id and is_current_coordinator(session, user):
        return plan
    return None


@dataclass
class PlanSummary:
    plan: Plan
    total: int = 0
    done: int = 0
    overdue: int = 0
    overdue_items: list[Milestone] = field(default_factory=list)


def _summaries(session: Session, plans: Sequence[Plan], now: datetime | None) -> list[PlanSummary]:
    """Progress and overdue counts for these plans, in one query however many there are."""
    summaries = {plan.id: PlanSummary(plan) for plan in plans}
    if not summaries:
        return []
    rows = session.execute(
        select(Milestone.plan_id, Milestone.due_on, Milestone.done_at).where(
            Milestone.plan_id.in_(summaries)
        )
    )
    today_of = {plan.id: local_today(plan.owner, now) for plan in plans}
    for plan_id, due_on, done_at in rows:
        summary = summaries[plan_id]
        summary.total += 1
        if done_at is not None:
            summary.done += 1
        elif due_on < today_of[plan_id]:
            summary.overdue += 1
    return list(summaries.values())


def plans_of(session: Session, owner: User, now: datetime | None = None) -> list[PlanSummary]:
    plans = session.scalars(
        select(Plan)
        .where(Plan.owner_id == owner.id)
        .options(joinedload(Plan.owner), joinedload(Plan.coordinator))
        .order_by(Plan.starts_on.desc(), Plan.id.desc())
    ).all()
    return _summaries(session, plans, now)


def coordinated_plans(
    session: Session, coordinator: User, now: datetime | None = None
) -> list[PlanSummary]:
    """The plans that name this person as coordinator, by owner's name, with their overdue
    milestones oldest first. Empty unless they coordinate for a verified organisation."""
    if not is_current_coordinator(session, coordinator):
        return []
    plans = session.scalars(
        select(Plan)
        .join(User, User.id == Plan.owner_id)
        .where(Plan.coordinator_id == coordinator.id)
        .options(joinedload(Plan.owner))
        .order_by(User.display_name, Plan.starts_on, Plan.id)
    ).all()
    summaries = _summaries(session, plans, now)
    by_plan = {s.plan.id: s for s in summaries}
    if by_plan:
        latest = max(local_today(s.plan.owner, now) for s in summaries)
        overdue = session.scalars(
            select(Milestone)
            .where(
                Milestone.plan_id.in_(by_plan),
                Milestone.done_at.is_(None),
                Milestone.due_on < latest,
            )
            .order_by(Milestone.due_on, Milestone.id)
        )
        for milestone in overdue:
            summary = by_plan[milestone.plan_id]
            if milestone.due_on < local_today(summary.plan.owner, now):
                summary.overdue_items.append(milestone)
    return summaries


def timeline(session: Session, plan: Plan) -> list[Milestone]:
    """The plan's milestones in date order."""
    return list(
        session.scalars(
            select(Milestone)
            .where(Milestone.plan_id == plan.id)
            .order_by(Milestone.due_on, Milestone.position, Milestone.id)
        )
    )


# Milestones ----------------------------------------------------------------------------------


def plan_milestone(session: Session, plan: Plan, milestone_id: int) -> Milestone | None:
    milestone = session.get(Milestone, milestone_id)
    return milestone if milestone is not None and milestone.plan_id == plan.id else None


@dataclass(frozen=True)
class MilestoneInput:
    title: str
    due_on: date | None
    description: str = ""


def add_milestone(session: Session, plan: Plan, actor: User, details: MilestoneInput) -> Milestone:
    """The person's own milestone, on a date of its own."""
    _own(plan, actor)
    assert details.due_on is not None
    milestone = Milestone(
        plan=plan,
        title=details.title,
        description=details.description,
        due_on=details.due_on,
        anchor=Anchor.FIXED,
        offset_days=0,
        created_by_user=True,
        position=max((m.position for m in plan.milestones), default=0) + 1,
        scheduled_at=utcnow(),
    )
    session.add(milestone)
    session.flush()
    return milestone


def check_changeable(milestone: Milestone, actor: User) -> None:
    """NotAllowed unless `actor` may change this milestone: their own, added by them."""
    _own(milestone.plan, actor)
    if not milestone.created_by_user:
        raise NotAllowed("Milestones from the scheme move with the plan's dates")


def update_milestone(
    session: Session, milestone: Milestone, actor: User, details: MilestoneInput
) -> bool:
    """Change the person's own milestone; a new date cancels its unsent reminders. Returns
    whether the date moved."""
    check_changeable(milestone, actor)
    milestone.title = details.title
    milestone.description = details.description
    moved = details.due_on != milestone.due_on
    if moved:
        assert details.due_on is not None
        milestone.due_on = details.due_on
        milestone.scheduled_at = utcnow()
        cancel_pending_reminders(session, [milestone.id], plan=milestone.plan)
    return moved


def mark_done(session: Session, milestone: Milestone, actor: User, note: str = "") -> None:
    """Mark a milestone done; reminders about it that have not gone yet never will."""
    _own(milestone.plan, actor)
    note = (note or "").strip()
    if len(note) > 2000:
        raise PlanError({"note": N_("Note must be 2000 characters or fewer")})
    if milestone.is_done:
        raise PlanError({"note": N_("This milestone is already done")})
    milestone.done_at = utcnow()
    milestone.done_note = note
    cancel_pending_reminders(session, [milestone.id], plan=milestone.plan)


def undo_done(session: Session, milestone: Milestone, actor: User) -> None:
    """Open a done milestone again. Reminders before its date that fell while it was done are
    not sent late; overdue reminders carry on."""
    _own(milestone.plan, actor)
    milestone.done_at = None
    milestone.done_note = ""
    milestone.scheduled_at = utcnow()


def remove_milestone(session: Session, milestone: Milestone, actor: User) -> None:
    """Delete one of the person's own milestones (the scheme's stay: they can mark them done)."""
    _own(milestone.plan, actor)
    if not milestone.created_by_user:
        raise NotAllowed("Only your own milestones can be deleted")
    cancel_pending_reminders(session, [milestone.id], plan=milestone.plan)
    session.delete(milestone)


def cancel_pending_reminders(
    session: Session, milestone_ids: Iterable[int], *, plan: Plan | None = None
) -> int:
    """Cancel the reminders about these milestones that have not gone out yet (their dedupe
    keys start `milestone:<id>:`): emails not sent, in-app messages not showing yet. With the
    plan given, only its owner's and coordinator's messages are searched, through the recipient
    index. Returns how many were cancelled."""
    ids = sorted(set(milestone_ids))
    if not ids:
        return 0
    prefixes = [Notification.dedupe_key.like(f"milestone:{mid}:%") for mid in ids]
    conditions = [
        Notification.state == DeliveryState.PENDING,
        # An in-app message already showing stays in the inbox; one not due yet goes.
        or_(Notification.channel == Channel.EMAIL, Notification.due_at > utcnow()),
    ]
    if plan is not None:
        recipients = {plan.owner_id, plan.coordinator_id} - {None}
        conditions.append(Notification.recipient_id.in_(recipients))
    cancelled = 0
    for start in range(0, len(prefixes), 200):
        result = session.execute(
            update(Notification)
            .where(*conditions, or_(*prefixes[start : start + 200]))
            .values(state=DeliveryState.CANCELLED)
            .execution_options(synchronize_session=False)
        )
        cancelled += result.rowcount or 0
    return cancelled


# Reminder lead times -------------------------------------------------------------------------


def lead_days_of(plan: Plan | str | None) -> tuple[int, ...]:
    """A plan's lead times, largest first (its own, or the default 30, 7 and 1 days)."""
    value = plan.lead_days if isinstance(plan, Plan) else plan
    if not value:
        return DEFAULT_LEAD_DAYS
    return tuple(int(part) for part in value.split(",") if part)


# Calendar feed -------------------------------------------------------------------------------


def milestone_events(session: Session, user: User) -> list[icalendar.Event]:
    """The person's milestones as all-day events, for their calendar feed (in the current
    language: the feed's owner's)."""
    rows = session.execute(
        select(Milestone, Plan.scheme)
        .join(Plan, Plan.id == Milestone.plan_id)
        .where(Plan.owner_id == user.id)
        .order_by(Milestone.due_on, Milestone.id)
    )
    stamp = utcnow().astimezone(UTC).replace(microsecond=0)
    events = []
    for milestone, scheme in rows:
        event = icalendar.Event()
        event.add("uid", f"milestone-{milestone.id}@diaspora")
        event.add("dtstamp", stamp)
        event.add("dtstart", milestone.due_on)
        event.add("dtend", milestone.due_on + timedelta(days=1))
        title = (
            N_("%(title)s (done)", title=milestone.title) if milestone.is_done else milestone.title
        )
        event.add("summary", translated(title))
        description = f"{scheme}: {milestone.description}" if milestone.description else scheme
        event.add("description", description)
        event.add("transp", "TRANSPARENT")
        events.append(event)
    return events


def export_for(session: Session, user: User) -> list[dict[str, object]]:
    """The person's plans and milestones, for their copy of their data."""
    plans = session.scalars(
        select(Plan)
        .where(Plan.owner_id == user.id)
        .options(selectinload(Plan.milestones))
        .order_by(Plan.starts_on, Plan.id)
    )
    return [
        {
            "scheme": plan.scheme,
            "starts_on": plan.starts_on.isoformat(),
            "expected_end_on": plan.expected_end_on.isoformat(),
            "return_country": plan.return_country,
            "has_coordinator": plan.coordinator_id is not None,
            "milestones": [
                {
                    "title": m.title,
                    "description": m.description,
                    "due_on": m.due_on.isoformat(),
                    "done_at": iso_utc(m.done_at),
                    "done_note": m.done_note,
                }
                for m in plan.milestones
            ],
        }
        for plan in plans
    ]


def forget(session: Session, user: User) -> None:
    """For an account's erasure: delete the person's plans and their milestones."""
    for plan in session.scalars(select(Plan).where(Plan.owner_id == user.id)):
        session.delete(plan)
