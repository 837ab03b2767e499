"""Plans, milestones and templates as the dicts the templates (and the nhsuk macros) take."""

from datetime import date
from typing import Any

from flask_babel import gettext, ngettext

from diaspora.languages import current_language, shipped, translated
from diaspora.reference.places import country_name
from diaspora.registry.presenters import long_date

from . import services
from .models import TEMPLATE_STATUS_LABELS, Anchor, Milestone, Plan, PlanTemplate, TemplateStatus

SOON_DAYS = 30

TEMPLATE_STATUS_COLOURS = {
    TemplateStatus.ACTIVE: "green",
    TemplateStatus.CLOSING: "orange",
    TemplateStatus.RETIRED: "grey",
}


def _status_tag(status: TemplateStatus) -> dict[str, str]:
    return {
        "text": translated(TEMPLATE_STATUS_LABELS[status]),
        "colour": TEMPLATE_STATUS_COLOURS[status],
    }


def days_text(n: int) -> str:
    return ngettext("%(num)d day", "%(num)d days", n)


def milestone_status(milestone: Milestone, today: date) -> tuple[str, dict[str, str]]:
    """(status, tag) with words on every tag: colour is never the only sign."""
    if milestone.is_done:
        return "done", {"text": gettext("Done"), "colour": "green"}
    days = (milestone.due_on - today).days
    if days < 0:
        return "overdue", {"text": gettext("Overdue"), "colour": "red"}
    if days == 0:
        return "soon", {"text": gettext("Due today"), "colour": "orange"}
    if days <= SOON_DAYS:
        due_in = ngettext("Due in %(num)d day", "Due in %(num)d days", days)
        return "soon", {"text": due_in, "colour": "yellow"}
    return "upcoming", {"text": gettext("Upcoming"), "colour": "grey"}


def anchor_text(anchor: str, offset_days: int) -> str:
    """When a milestone falls, as a whole sentence for each anchor and direction."""
    if anchor == Anchor.FIXED:
        return gettext("Your own date")
    days = abs(offset_days)
    if anchor == Anchor.START:
        if offset_days == 0:
            return gettext("On the start")
        if offset_days > 0:
            return ngettext("%(num)d day after the start", "%(num)d days after the start", days)
        return ngettext("%(num)d day before the start", "%(num)d days before the start", days)
    if offset_days == 0:
        return gettext("On the expected end")
    if offset_days > 0:
        return ngettext(
            "%(num)d day after the expected end", "%(num)d days after the expected end", days
        )
    return ngettext(
        "%(num)d day before the expected end", "%(num)d days before the expected end", days
    )


def _progress(done: int, total: int) -> str:
    return ngettext("%(done)d of %(num)d done", "%(done)d of %(num)d done", total, done=done)


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
        "overdue_by": days_text(days) if status == "overdue" else "",
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
        "return_country": country_name(plan.return_country, current_language())
        if plan.return_country
        else "",
        "coordinator": plan.coordinator.display_name if plan.coordinator else "",
        "lead_days": ", ".join(map(str, services.lead_days_of(plan))),
        "template_status": plan.template.status if plan.template else None,
        "milestones": items,
        "total": len(items),
        "done": done,
        "overdue": overdue,
        "next": upcoming[0] if upcoming else None,
        "progress": _progress(done, len(items)),
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
        "progress": _progress(summary.done, summary.total),
        "overdue": summary.overdue,
        "overdue_items": [present_milestone(m, today) for m in summary.overdue_items],
    }


def present_template(template: PlanTemplate, milestones: int | None = None) -> dict[str, Any]:
    return {
        "id": template.id,
        "name": shipped(template.name),
        "scheme": template.scheme,
        "description": shipped(template.description),
        "months": template.months,
        "status": template.status,
        "status_label": translated(TEMPLATE_STATUS_LABELS[TemplateStatus(template.status)]),
        "status_tag": _status_tag(TemplateStatus(template.status)),
        "status_note": shipped(template.status_note),
        "count": len(template.milestones) if milestones is None else milestones,
    }


def present_template_milestones(template: PlanTemplate) -> list[dict[str, Any]]:
    return [
        {
            "id": item.id,
            "title": shipped(item.title),
            "description": shipped(item.description),
            "placed": anchor_text(item.anchor, item.offset_days),
        }
        for item in sorted(
            template.milestones,
            key=lambda m: (m.anchor != Anchor.START, m.offset_days, m.position, m.id),
        )
    ]
