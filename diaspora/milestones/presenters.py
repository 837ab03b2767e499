"""Plans, milestones and templates as the dicts the templates (and the nhsuk macros) take."""

from datetime import date
from typing import Any

from diaspora.reference.places import country_name

from . import services
from .models import TEMPLATE_STATUS_LABELS, Anchor, Milestone, Plan, PlanTemplate, TemplateStatus

SOON_DAYS = 30

TEMPLATE_STATUS_TAGS = {
    TemplateStatus.ACTIVE: {"text": "Active", "colour": "green"},
    TemplateStatus.CLOSING: {"text": "Closing", "colour": "orange"},
    TemplateStatus.RETIRED: {"text": "Retired", "colour": "grey"},
}


def long_date(value: date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else ""


def _days(n: int) -> str:
    return f"{n} day{'' if n == 1 else 's'}"


def milestone_status(milestone: Milestone, today: date) -> tuple[str, dict[str, str]]:
    """(status, tag) with words on every tag: colour is never the only sign."""
    if milestone.is_done:
        return "done", {"text": "Done", "colour": "green"}
    days = (milestone.due_on - today).days
    if days < 0:
        return "overdue", {"text": "Overdue", "colour": "red"}
    if days == 0:
        return "soon", {"text": "Due today", "colour": "orange"}
    if days <= SOON_DAYS:
        return "soon", {"text": f"Due in {_days(days)}", "colour": "yellow"}
    return "upcoming", {"text": "Upcoming", "colour": "grey"}


def anchor_text(anchor: str, offset_days: int) -> str:
    if anchor == Anchor.FIXED:
        return "Your own date"
    base = "the start" if anchor == Anchor.START else "the expected end"
    if offset_days == 0:
        return f"On {base}"
    direction = "after" if offset_days > 0 else "before"
    return f"{_days(abs(offset_days))} {direction} {base}"


def present_milestone(milestone: Milestone, today: date) -> dict[str, Any]:
    status, tag = milestone_status(milestone, today)
    days = (today - milestone.due_on).days
    return {
        "id": milestone.id,
        "title": milestone.title,
        "description": milestone.description,
        "due": long_date(milestone.due_on),
        "due_iso": milestone.due_on.isoformat(),
        "status": status,
        "tag": tag,
        "overdue_by": _days(days) if status == "overdue" else "",
        "done_at": milestone.done_at,
        "done_note": milestone.done_note,
        "own": milestone.created_by_user,
        "placed": anchor_text(milestone.anchor, milestone.offset_days),
    }


def present_plan(plan: Plan, milestones: list[Milestone], today: date) -> dict[str, Any]:
    items = [present_milestone(m, today) for m in milestones]
    done = sum(1 for item in items if item["status"] == "done")
    overdue = [item for item in items if item["status"] == "overdue"]
    upcoming = [item for item in items if item["status"] in ("soon", "upcoming")]
    return {
        "id": plan.id,
        "scheme": plan.scheme,
        "owner": plan.owner.display_name,
        "starts": long_date(plan.starts_on),
        "ends": long_date(plan.expected_end_on),
        "return_country": country_name(plan.return_country) if plan.return_country else "",
        "coordinator": plan.coordinator.display_name if plan.coordinator else "",
        "lead_days": ", ".join(map(str, services.lead_days_of(plan))),
        "template_status": plan.template.status if plan.template else None,
        "milestones": items,
        "total": len(items),
        "done": done,
        "overdue": overdue,
        "next": upcoming[0] if upcoming else None,
        "progress": f"{done} of {len(items)} done",
    }


def present_summary(summary: services.PlanSummary) -> dict[str, Any]:
    plan = summary.plan
    today = services.local_today(plan.owner)
    return {
        "id": plan.id,
        "scheme": plan.scheme,
        "owner": plan.owner.display_name,
        "starts": long_date(plan.starts_on),
        "ends": long_date(plan.expected_end_on),
        "coordinator": plan.coordinator.display_name if plan.coordinator else "",
        "progress": f"{summary.done} of {summary.total} done",
        "overdue": summary.overdue,
        "overdue_items": [present_milestone(m, today) for m in summary.overdue_items],
    }


def present_template(template: PlanTemplate, milestones: int | None = None) -> dict[str, Any]:
    return {
        "id": template.id,
        "name": template.name,
        "scheme": template.scheme,
        "description": template.description,
        "months": template.months,
        "status": template.status,
        "status_label": TEMPLATE_STATUS_LABELS[TemplateStatus(template.status)],
        "status_tag": TEMPLATE_STATUS_TAGS[TemplateStatus(template.status)],
        "status_note": template.status_note,
        "count": len(template.milestones) if milestones is None else milestones,
    }


def present_template_milestones(template: PlanTemplate) -> list[dict[str, Any]]:
    return [
        {
            "id": item.id,
            "title": item.title,
            "description": item.description,
            "placed": anchor_text(item.anchor, item.offset_days),
        }
        for item in sorted(
            template.milestones,
            key=lambda m: (m.anchor != Anchor.START, m.offset_days, m.position, m.id),
        )
    ]
