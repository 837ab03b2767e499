"""Matching pages: a staff member's recommendations, hidden opportunities and alert setting; an
organisation's suggested candidates for its open opportunities, with invitations to apply; the
invited person's invitations, accepted or declined; a coordinator's proposal of a member of
their cohort for an opportunity (the page under /cohorts/, the invitation rules here)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from diaspora.auth.login import signed_in, staff_only
from diaspora.auth.models import Role, User
from diaspora.cohorts import presenters as cohort_presenters
from diaspora.cohorts import services as cohorts
from diaspora.cohorts.views import cohort_viewer, current_cohort
from diaspora.engagements.services import takes_applications
from diaspora.extensions import db
from diaspora.matching import engine, invitations, presenters, services
from diaspora.matching.forms import AlertForm, ButtonForm, FilterForm, InviteForm, ProposeForm
from diaspora.matching.invitations import InvitationError
from diaspora.opportunities import access
from diaspora.opportunities.models import Opportunity, OpportunityStatus
from diaspora.widgets import refusal

bp = Blueprint("matching", __name__)

HOME_LIST = 3


def _staff() -> User:
    staff_only()
    return signed_in()


def _checked() -> None:
    """A button's POST: the CSRF token must be right."""
    if not ButtonForm().validate_on_submit():
        abort(400)


@bp.app_context_processor
def _matching_context() -> dict:
    def recommended_short_list() -> dict | None:
        """The home page's top few recommendations, for staff."""
        if not current_user.is_authenticated or not current_user.has_role(Role.STAFF):
            return None
        me = signed_in()
        if not services.can_be_recommended(db.session, me):
            return {"complete_profile": True, "items": []}
        labels = engine.labels()
        items = services.recommended(db.session, me, limit=HOME_LIST)
        return {
            "complete_profile": False,
            "items": [presenters.recommendation(i, labels) for i in items],
        }

    def invitation_panel(opportunity: Opportunity) -> dict | None:
        """The signed-in person's invitation to this opportunity, if they have one."""
        if not current_user.is_authenticated:
            return None
        found = invitations.existing(db.session, opportunity, signed_in())
        return presenters.invitation(found) if found is not None else None

    return {
        "recommended_short_list": recommended_short_list,
        "invitation_panel": invitation_panel,
    }


# Recommendations -------------------------------------------------------------------------------


def _recommendations_page(alert_form: AlertForm, status: int = 200):
    me = signed_in()
    form = FilterForm(request.args)
    complete = services.can_be_recommended(db.session, me)
    items = []
    if complete and form.validate():
        labels = engine.labels()
        items = [
            presenters.recommendation(i, labels)
            for i in services.recommended(db.session, me, form.filters())
        ]
    return render_template(
        "matching/recommendations.html",
        title=gettext("Recommended for you"),
        form=form,
        alert_form=alert_form,
        complete=complete,
        filtered=bool(request.args),
        items=items,
        hidden_count=len(services.dismissed_ids(db.session, me)),
    ), status


@bp.get("/recommendations")
@login_required
def recommendations():
    me = _staff()
    alert_form = AlertForm(formdata=None, alerts=services.alert_choice(db.session, me))
    return _recommendations_page(alert_form)


@bp.post("/recommendations/alerts")
@login_required
def alerts():
    me = _staff()
    form = AlertForm()
    if not form.validate_on_submit():
        return _recommendations_page(form, 400)
    services.set_alerts(db.session, me, form.alerts.data)
    db.session.commit()
    flash(
        {
            "immediate": gettext(
                "We will tell you at once about new opportunities that match you."
            ),
            "weekly": gettext(
                "We will send you a weekly digest of new opportunities that match you."
            ),
        }.get(form.alerts.data, gettext("You will not get alerts about new opportunities.")),
        "success",
    )
    return redirect(url_for("matching.recommendations"))


def _published_or_404(opportunity_id: int) -> Opportunity:
    opportunity = access.visible_or_404(signed_in(), opportunity_id)
    if opportunity.status == OpportunityStatus.DRAFT:
        abort(404)
    return opportunity


@bp.post("/recommendations/<int:opportunity_id>/dismiss")
@login_required
def dismiss(opportunity_id: int):
    me = _staff()
    _checked()
    opportunity = _published_or_404(opportunity_id)
    services.dismiss(db.session, me, opportunity)
    db.session.commit()
    flash(
        gettext(
            "%(title)s is hidden from your recommendations. "
            "You can show it again from your hidden opportunities.",
            title=opportunity.title,
        ),
        "success",
    )
    return redirect(url_for("matching.recommendations"))


@bp.get("/recommendations/hidden")
@login_required
def hidden():
    me = _staff()
    return render_template(
        "matching/hidden.html",
        title=gettext("Opportunities you hid"),
        opportunities=services.dismissed(db.session, me),
    )


@bp.post("/recommendations/<int:opportunity_id>/restore")
@login_required
def restore(opportunity_id: int):
    me = _staff()
    _checked()
    if not services.undo_dismissal(db.session, me, opportunity_id):
        abort(404)
    db.session.commit()
    flash(gettext("The opportunity can be recommended to you again."), "success")
    return redirect(url_for("matching.hidden"))


# Suggested candidates --------------------------------------------------------------------------


@bp.get("/opportunities/<int:opportunity_id>/candidates")
@login_required
def candidates(opportunity_id: int):
    opportunity = access.managed_or_404(signed_in(), opportunity_id)
    people = []
    if opportunity.status == OpportunityStatus.OPEN:
        labels = engine.labels()
        people = [
            presenters.suggestion(s, labels)
            for s in services.suggested(db.session, opportunity, signed_in())
        ]
    return render_template(
        "matching/candidates.html",
        title=gettext("Suggested candidates: %(title)s", title=opportunity.title),
        opportunity=opportunity,
        is_open=opportunity.status == OpportunityStatus.OPEN,
        people=people,
    )


def _back_to_candidates(opportunity: Opportunity, problem: str):
    db.session.rollback()
    flash(problem, "error")
    return redirect(url_for("matching.candidates", opportunity_id=opportunity.id))


@bp.route("/opportunities/<int:opportunity_id>/candidates/invite", methods=["GET", "POST"])
@login_required
def invite(opportunity_id: int):
    """Invite one suggested candidate, with an optional message. The person is named by their
    account's id (`?person=` on the page, a hidden field in the form)."""
    me = signed_in()
    opportunity = access.managed_or_404(me, opportunity_id)
    person = db.session.get(User, request.values.get("person", type=int) or 0)
    if person is None:
        return _back_to_candidates(opportunity, gettext("You cannot invite this person."))
    form = InviteForm()
    if form.validate_on_submit():
        try:
            invitations.invite(db.session, opportunity, person, by=me, message=form.message.data)
        except InvitationError as error:
            return _back_to_candidates(opportunity, refusal(error))
        db.session.commit()
        flash(gettext("%(name)s is invited to apply.", name=person.display_name), "success")
        return redirect(url_for("matching.candidates", opportunity_id=opportunity.id))
    try:
        invitations.check(db.session, opportunity, person, by=me)
    except InvitationError as error:
        return _back_to_candidates(opportunity, refusal(error))
    return render_template(
        "matching/invite.html",
        title=gettext("Invite %(name)s to apply", name=person.display_name),
        opportunity=opportunity,
        person=person,
        form=form,
    ), 400 if form.errors else 200


# The invited person's side ---------------------------------------------------------------------


@bp.get("/invitations")
@login_required
def invitations_page():
    return render_template(
        "matching/invitations.html",
        title=gettext("Your invitations"),
        items=[presenters.invitation(i) for i in invitations.for_person(db.session, signed_in())],
    )


def _answer(invitation_id: int, *, accept: bool):
    _checked()
    me = signed_in()
    invitation = invitations.of_person(db.session, me, invitation_id)
    if invitation is None:
        abort(404)
    try:
        invitations.respond(db.session, invitation, me, accept=accept)
    except InvitationError as error:
        db.session.rollback()
        flash(refusal(error), "error")
        return redirect(url_for("matching.invitations_page"))
    db.session.commit()
    opportunity = invitation.opportunity
    if not accept:
        flash(
            gettext("You declined the invitation to %(title)s.", title=opportunity.title),
            "success",
        )
        return redirect(url_for("matching.invitations_page"))
    if takes_applications(opportunity):
        flash(gettext("You accepted the invitation. Apply with a short message."), "success")
        return redirect(url_for("engagements.apply", opportunity_id=opportunity.id))
    flash(gettext("You accepted the invitation. Book a place on a session."), "success")
    return redirect(url_for("opportunities.detail", opportunity_id=opportunity.id))


@bp.post("/invitations/<int:invitation_id>/accept")
@login_required
def accept(invitation_id: int):
    return _answer(invitation_id, accept=True)


@bp.post("/invitations/<int:invitation_id>/decline")
@login_required
def decline(invitation_id: int):
    return _answer(invitation_id, accept=False)


# A coordinator proposes a member of their cohort ----------------------------------------------


@bp.route("/cohorts/<int:cohort_id>/propose", methods=["GET", "POST"])
@login_required
def propose(cohort_id: int):
    """Invite a listed member to an open opportunity; they answer on the matching pages."""
    found = current_cohort(cohort_id)
    members = cohorts.proposable_members(db.session, found, cohort_viewer())
    opportunities = cohorts.open_opportunities(db.session)
    form = ProposeForm(members=members, opportunities=opportunities)
    if form.validate_on_submit():
        person = next(u for u in members if str(u.id) == form.user_id.data)
        opportunity = next(o for o in opportunities if str(o.id) == form.opportunity_id.data)
        try:
            invitations.invite(
                db.session,
                opportunity,
                person,
                by=signed_in(),
                cohort=found,
                message=form.message.data or "",
            )
        except invitations.InvitationError as error:
            db.session.rollback()
            form.user_id.errors = [refusal(error)]
        else:
            db.session.commit()
            flash(
                gettext(
                    "%(name)s has been invited to %(title)s. They can accept or decline.",
                    name=person.display_name,
                    title=opportunity.title,
                ),
                "success",
            )
            return redirect(url_for("cohorts.cohort", cohort_id=found.id))
    return render_template(
        "cohorts/propose.html", form=form, cohort=cohort_presenters.present_cohort(found)
    )
