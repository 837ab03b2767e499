"""Earn-learn-return plans: a staff member's plan and milestones, their coordinator's read-only
view, and the plan templates administrators and coordinators keep."""

import click
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user, login_required

from diaspora.auth.login import signed_in, staff_only
from diaspora.auth.models import Role
from diaspora.extensions import db
from diaspora.organisations.access import refuse_organisation_action
from diaspora.widgets import NhsukForm

from . import presenters, services
from .forms import (
    ChooseTemplateForm,
    DoneForm,
    LeadTimesForm,
    MilestoneForm,
    PlanForm,
    TemplateForm,
    TemplateMilestoneForm,
)
from .models import Milestone, Plan, PlanTemplate, TemplateMilestone

bp = Blueprint("milestones", __name__, cli_group="plans")


def _template_editors_only() -> None:
    if not services.can_edit_templates(db.session, signed_in()):
        refuse_organisation_action(db.session, signed_in())


def _visible(plan_id: int) -> Plan:
    """A plan the person may see (its owner or its coordinator); 404 for anyone else."""
    return services.viewable_plan(db.session, signed_in(), plan_id) or abort(404)


def _owned(plan_id: int) -> Plan:
    """A plan the person may change: 404 if they may not see it, 403 if they only see it."""
    plan = _visible(plan_id)
    if plan.owner_id != current_user.id:
        abort(403)
    return plan


def _milestone(plan: Plan, milestone_id: int) -> Milestone:
    return services.plan_milestone(db.session, plan, milestone_id) or abort(404)


# A person's plans ----------------------------------------------------------------------------


@bp.get("/plans")
@login_required
def plans():
    me = signed_in()
    is_staff = me.has_role(Role.STAFF)
    can_edit = services.can_edit_templates(db.session, me)
    if not is_staff and not can_edit:
        abort(403)
    items = [presenters.present_summary(s) for s in services.plans_of(db.session, me)]
    return render_template(
        "milestones/plans.html",
        items=items,
        is_staff=is_staff,
        coordinates=services.is_current_coordinator(db.session, me),
        can_edit_templates=can_edit,
    )


@bp.get("/plans/new")
@login_required
def new_plan():
    staff_only()
    templates = services.startable_templates(db.session)
    form = ChooseTemplateForm(request.args, templates=templates)
    if "template" in request.args and form.validate():
        return redirect(url_for("milestones.start_plan", template_id=int(form.template.data)))
    return render_template("milestones/choose.html", form=form)


@bp.route("/plans/new/<int:template_id>", methods=["GET", "POST"])
@login_required
def start_plan(template_id: int):
    staff_only()
    template = services.template_to_start(db.session, template_id) or abort(404)
    form = PlanForm(session=db.session, owner=signed_in(), template=template)
    if form.validate_on_submit():
        try:
            plan = services.start_plan(db.session, signed_in(), template, form.details())
        except services.PlanError as error:
            form.add_errors(error.errors)
        else:
            db.session.commit()
            count = len(plan.milestones)
            flash(
                ngettext(
                    "Your plan has been created with %(num)d milestone.",
                    "Your plan has been created with %(num)d milestones.",
                    count,
                ),
                "success",
            )
            return redirect(url_for("milestones.plan", plan_id=plan.id))
    return render_template(
        "milestones/plan_form.html",
        form=form,
        template=presenters.present_template(template),
        plan=None,
    )


@bp.get("/plans/<int:plan_id>")
@login_required
def plan(plan_id: int):
    found = _visible(plan_id)
    owner = found.owner_id == current_user.id
    today = services.local_today(found.owner)
    item = presenters.present_plan(found, services.timeline(db.session, found), today)
    return render_template("milestones/plan.html", plan=item, owner=owner)


@bp.route("/plans/<int:plan_id>/edit", methods=["GET", "POST"])
@login_required
def edit_plan(plan_id: int):
    found = _owned(plan_id)
    form = PlanForm(session=db.session, owner=signed_in(), template=found.template, editing=found)
    if form.validate_on_submit():
        try:
            moved = services.update_plan(db.session, found, signed_in(), form.details())
        except services.PlanError as error:
            form.add_errors(error.errors)
        else:
            db.session.commit()
            message = gettext("Your plan has been saved.")
            if moved:
                message = ngettext(
                    "Your plan has been saved. %(num)d milestone moved with the dates.",
                    "Your plan has been saved. %(num)d milestones moved with the dates.",
                    moved,
                )
            flash(message, "success")
            return redirect(url_for("milestones.plan", plan_id=found.id))
    return render_template(
        "milestones/plan_form.html",
        form=form,
        template=presenters.present_template(found.template) if found.template else None,
        plan={"id": found.id, "scheme": found.scheme},
    )


@bp.route("/plans/<int:plan_id>/delete", methods=["GET", "POST"])
@login_required
def delete_plan(plan_id: int):
    found = _owned(plan_id)
    form = NhsukForm()
    if form.validate_on_submit():
        services.delete_plan(db.session, found, signed_in())
        db.session.commit()
        flash(gettext("Your plan has been deleted."), "success")
        return redirect(url_for("milestones.plans"))
    return render_template(
        "milestones/delete_plan.html", form=form, plan={"id": found.id, "scheme": found.scheme}
    )


@bp.route("/plans/<int:plan_id>/reminders", methods=["GET", "POST"])
@login_required
def reminders(plan_id: int):
    found = _owned(plan_id)
    form = LeadTimesForm(data={"lead_days": ", ".join(map(str, services.lead_days_of(found)))})
    if request.method == "POST":
        form = LeadTimesForm()
    if form.validate_on_submit():
        services.set_lead_days(db.session, found, signed_in(), form.values())
        db.session.commit()
        flash(gettext("Your reminders have been saved."), "success")
        return redirect(url_for("milestones.plan", plan_id=found.id))
    return render_template(
        "milestones/reminders.html", form=form, plan={"id": found.id, "scheme": found.scheme}
    )


# Milestones ----------------------------------------------------------------------------------


@bp.route("/plans/<int:plan_id>/milestones/new", methods=["GET", "POST"])
@login_required
def add_milestone(plan_id: int):
    found = _owned(plan_id)
    form = MilestoneForm(plan=found)
    if form.validate_on_submit():
        services.add_milestone(db.session, found, signed_in(), form.details())
        db.session.commit()
        flash(
            gettext("%(title)s has been added to your plan.", title=form.title.data.strip()),
            "success",
        )
        return redirect(url_for("milestones.plan", plan_id=found.id))
    return render_template(
        "milestones/milestone_form.html",
        form=form,
        plan={"id": found.id, "scheme": found.scheme},
        milestone=None,
    )


@bp.route("/plans/<int:plan_id>/milestones/<int:milestone_id>/edit", methods=["GET", "POST"])
@login_required
def edit_milestone(plan_id: int, milestone_id: int):
    found = _owned(plan_id)
    milestone = _milestone(found, milestone_id)
    if not milestone.created_by_user:
        abort(403)
    data = {"title": milestone.title, "description": milestone.description}
    form = MilestoneForm(plan=found, data=data | {"due_on": milestone.due_on})
    if form.validate_on_submit():
        services.update_milestone(db.session, milestone, signed_in(), form.details())
        db.session.commit()
        flash(gettext("%(title)s has been saved.", title=milestone.title), "success")
        return redirect(url_for("milestones.plan", plan_id=found.id))
    return render_template(
        "milestones/milestone_form.html",
        form=form,
        plan={"id": found.id, "scheme": found.scheme},
        milestone={"id": milestone.id, "title": milestone.title},
    )


@bp.route("/plans/<int:plan_id>/milestones/<int:milestone_id>/done", methods=["GET", "POST"])
@login_required
def mark_done(plan_id: int, milestone_id: int):
    found = _owned(plan_id)
    milestone = _milestone(found, milestone_id)
    if milestone.is_done:
        flash(gettext("%(title)s is already done.", title=milestone.title), "success")
        return redirect(url_for("milestones.plan", plan_id=found.id))
    form = DoneForm()
    if form.validate_on_submit():
        services.mark_done(db.session, milestone, signed_in(), form.note.data or "")
        db.session.commit()
        flash(gettext("%(title)s is marked as done.", title=milestone.title), "success")
        return redirect(url_for("milestones.plan", plan_id=found.id))
    today = services.local_today(found.owner)
    return render_template(
        "milestones/done.html",
        form=form,
        plan={"id": found.id, "scheme": found.scheme},
        milestone=presenters.present_milestone(milestone, today),
    )


@bp.post("/plans/<int:plan_id>/milestones/<int:milestone_id>/undo")
@login_required
def undo_done(plan_id: int, milestone_id: int):
    found = _owned(plan_id)
    milestone = _milestone(found, milestone_id)
    form = NhsukForm()
    if not form.validate_on_submit():
        abort(400)
    if milestone.is_done:
        services.undo_done(db.session, milestone, signed_in())
        db.session.commit()
        flash(gettext("%(title)s is no longer marked as done.", title=milestone.title), "success")
    return redirect(url_for("milestones.plan", plan_id=found.id))


@bp.route("/plans/<int:plan_id>/milestones/<int:milestone_id>/delete", methods=["GET", "POST"])
@login_required
def remove_milestone(plan_id: int, milestone_id: int):
    found = _owned(plan_id)
    milestone = _milestone(found, milestone_id)
    if not milestone.created_by_user:
        abort(403)
    form = NhsukForm()
    if form.validate_on_submit():
        services.remove_milestone(db.session, milestone, signed_in())
        db.session.commit()
        flash(
            gettext("%(title)s has been deleted from your plan.", title=milestone.title), "success"
        )
        return redirect(url_for("milestones.plan", plan_id=found.id))
    today = services.local_today(found.owner)
    return render_template(
        "milestones/remove_milestone.html",
        form=form,
        plan={"id": found.id, "scheme": found.scheme},
        milestone=presenters.present_milestone(milestone, today),
    )


# Coordinators --------------------------------------------------------------------------------


@bp.get("/plans/coordinating")
@login_required
def coordinating():
    if not services.is_current_coordinator(db.session, signed_in()):
        abort(403)
    summaries = services.coordinated_plans(db.session, signed_in())
    items = [presenters.present_summary(s) for s in summaries]
    overdue = [
        {"person": item["owner"], "plan_id": item["id"], **milestone}
        for item in items
        for milestone in item["overdue_items"]
    ]
    return render_template("milestones/coordinating.html", items=items, overdue=overdue)


# Templates -----------------------------------------------------------------------------------


@bp.get("/plans/templates")
@login_required
def templates():
    _template_editors_only()
    items = [presenters.present_template(t, n) for t, n in services.all_templates(db.session)]
    return render_template("milestones/templates.html", items=items)


def _template(template_id: int) -> PlanTemplate:
    return db.session.get(PlanTemplate, template_id) or abort(404)


@bp.route("/plans/templates/new", methods=["GET", "POST"])
@login_required
def new_template():
    _template_editors_only()
    form = TemplateForm()
    if form.validate_on_submit():
        template = services.save_template(db.session, signed_in(), form.details())
        db.session.commit()
        flash(
            gettext("%(name)s has been created. Add its milestones.", name=template.name),
            "success",
        )
        return redirect(url_for("milestones.edit_template", template_id=template.id))
    return render_template("milestones/template_form.html", form=form, template=None)


@bp.route("/plans/templates/<int:template_id>", methods=["GET", "POST"])
@login_required
def edit_template(template_id: int):
    _template_editors_only()
    template = _template(template_id)
    form = TemplateForm(editing=template)
    if form.validate_on_submit():
        services.save_template(db.session, signed_in(), form.details(), template)
        db.session.commit()
        flash(gettext("%(title)s has been saved.", title=template.name), "success")
        return redirect(url_for("milestones.edit_template", template_id=template.id))
    return render_template(
        "milestones/template_form.html",
        form=form,
        template=presenters.present_template(template),
        milestones=presenters.present_template_milestones(template),
    )


def _template_milestone(template: PlanTemplate, item_id: int) -> TemplateMilestone:
    item = db.session.get(TemplateMilestone, item_id)
    if item is None or item.template_id != template.id:
        abort(404)
    return item


@bp.route("/plans/templates/<int:template_id>/milestones/new", methods=["GET", "POST"])
@login_required
def new_template_milestone(template_id: int):
    _template_editors_only()
    template = _template(template_id)
    form = TemplateMilestoneForm()
    if form.validate_on_submit():
        services.save_template_milestone(db.session, signed_in(), template, form.details())
        db.session.commit()
        flash(
            gettext(
                "%(title)s has been added to %(name)s.",
                title=form.title.data.strip(),
                name=template.name,
            ),
            "success",
        )
        return redirect(url_for("milestones.edit_template", template_id=template.id))
    return render_template(
        "milestones/template_milestone_form.html",
        form=form,
        template=presenters.present_template(template),
        item=None,
    )


@bp.route(
    "/plans/templates/<int:template_id>/milestones/<int:item_id>/edit", methods=["GET", "POST"]
)
@login_required
def edit_template_milestone(template_id: int, item_id: int):
    _template_editors_only()
    template = _template(template_id)
    item = _template_milestone(template, item_id)
    form = TemplateMilestoneForm(editing=item)
    if form.validate_on_submit():
        services.save_template_milestone(db.session, signed_in(), template, form.details(), item)
        db.session.commit()
        flash(gettext("%(title)s has been saved.", title=item.title), "success")
        return redirect(url_for("milestones.edit_template", template_id=template.id))
    return render_template(
        "milestones/template_milestone_form.html",
        form=form,
        template=presenters.present_template(template),
        item={"id": item.id, "title": item.title},
    )


@bp.post("/plans/templates/<int:template_id>/milestones/<int:item_id>/remove")
@login_required
def remove_template_milestone(template_id: int, item_id: int):
    _template_editors_only()
    template = _template(template_id)
    item = _template_milestone(template, item_id)
    if not NhsukForm().validate_on_submit():
        abort(400)
    services.remove_template_milestone(db.session, signed_in(), template, item)
    db.session.commit()
    flash(
        gettext("%(title)s has been removed from %(name)s.", title=item.title, name=template.name),
        "success",
    )
    return redirect(url_for("milestones.edit_template", template_id=template.id))


# Command line --------------------------------------------------------------------------------


@bp.cli.command("load-templates")
def load_templates_command() -> None:
    """Add the plan templates shipped with the service that are missing (safe to run again)."""
    added = services.load_templates(db.session)
    db.session.commit()
    total = db.session.query(PlanTemplate).count()
    click.echo(f"Plan templates ready: {added} added, {total} in all.")
