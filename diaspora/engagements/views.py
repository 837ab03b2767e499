"""Staff say they are interested or apply; organisations review applicants and decide; line
managers confirm release through a signed link; both sides follow the engagement to its end.

An engagement's pages are for the staff member it belongs to and for the people who manage its
opportunity; anyone else gets 404, as if it did not exist. The one public page is the line
manager's, reached through the signed link in their email.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from diaspora.auth.login import signed_in, staff_only
from diaspora.engagements import presenters, services, states
from diaspora.engagements.forms import (
    ApplyForm,
    CancelForm,
    DecisionForm,
    DeclineSelectedForm,
    ReleaseDecisionForm,
    ReleaseRequestForm,
)
from diaspora.engagements.models import Engagement
from diaspora.engagements.models import EngagementState as S
from diaspora.engagements.services import EngagementError, ProfileIncomplete
from diaspora.engagements.states import IllegalTransition
from diaspora.extensions import db, limiter
from diaspora.languages import format_number, translated
from diaspora.opportunities.access import managed_or_404, visible_or_404
from diaspora.opportunities.models import Opportunity
from diaspora.registry.viewer import viewer_access
from diaspora.widgets import NhsukForm, ticked_ids

bp = Blueprint("engagements", __name__)

WITHDRAWABLE = (S.INTERESTED, S.APPLIED, S.ACCEPTED)
CANCELLABLE = (S.ACCEPTED, S.ACTIVE)
CHANGES = {
    "start": (S.ACTIVE, _l("The engagement has started.")),
    "complete": (S.COMPLETED, _l("The engagement is complete.")),
    "no_show": (S.NO_SHOW, _l("Recorded: the person did not attend.")),
}


def _opportunity_url(opportunity: Opportunity) -> str:
    return url_for("opportunities.detail", opportunity_id=opportunity.id)


def _detail_url(engagement: Engagement) -> str:
    return url_for("engagements.detail", engagement_id=engagement.id)


def _refused(error: IllegalTransition, to: str) -> Response:
    flash(translated(error.args[0] if error.args else str(error)), "error")
    return redirect(to)


def _complete_your_profile() -> Response:
    flash(gettext("Complete your profile before you apply for opportunities."), "error")
    return redirect(url_for("registry.profile"))


# Whose engagement ------------------------------------------------------------------------------


def _engagement(engagement_id: int) -> tuple[Engagement, str]:
    """The engagement and the viewer's part in it ("owner" or "manager"); 404 for anyone else."""
    engagement = services.engagement_by_id(db.session, engagement_id)
    part = services.part_in(db.session, signed_in(), engagement) if engagement is not None else None
    if part is None:
        abort(404)
    return engagement, part


def _owned(engagement_id: int) -> Engagement:
    engagement, part = _engagement(engagement_id)
    if part != "owner":
        abort(403)
    return engagement


def _managed(engagement_id: int) -> Engagement:
    engagement, part = _engagement(engagement_id)
    if part != "manager":
        abort(403)
    return engagement


# The panel on the opportunity's page -----------------------------------------------------------


@bp.app_template_global()
def engagement_panel(opportunity: Opportunity) -> dict | None:
    """For `engagements/_panel.html`: what the viewer may do about this opportunity."""
    try:
        panel = services.panel_for(db.session, current_user, opportunity)
    except SQLAlchemyError:  # an error page for a failed query must still render
        return None
    if panel is None:
        return None
    if panel.role == "manager":
        counts = presenters.counts(panel.counts or {})
        return {
            "role": "manager",
            "counts": counts,
            "count_rows": [
                {
                    "key": {"text": translated(row["label"])},
                    "value": {"text": format_number(row["count"])},
                }
                for row in counts
            ],
            "applicants_url": (
                url_for("engagements.applicants", opportunity_id=opportunity.id)
                if services.takes_applications(opportunity)
                else None
            ),
        }
    engagement = panel.engagement
    return {
        "role": "staff",
        "profile_complete": panel.profile_complete,
        "open": services.is_open(opportunity),
        "engagement": presenters.state_tag(engagement.state) if engagement else None,
        "state": engagement.state if engagement else None,
        "detail_url": _detail_url(engagement) if engagement else None,
    }


# The staff member's side -----------------------------------------------------------------------


@bp.post("/opportunities/<int:opportunity_id>/interest")
@login_required
def interest(opportunity_id: int):
    staff_only()
    opportunity = visible_or_404(signed_in(), opportunity_id)
    try:
        engagement = services.express_interest(db.session, signed_in(), opportunity)
    except ProfileIncomplete:
        return _complete_your_profile()
    except IllegalTransition as error:
        return _refused(error, _opportunity_url(opportunity))
    db.session.commit()
    flash(
        gettext(
            "%(organisation)s can see that you are interested. You can apply when you are ready.",
            organisation=opportunity.organisation.name,
        ),
        "success",
    )
    return redirect(_detail_url(engagement))


@bp.route("/opportunities/<int:opportunity_id>/apply", methods=["GET", "POST"])
@login_required
def apply(opportunity_id: int):
    staff_only()
    opportunity = visible_or_404(signed_in(), opportunity_id)
    if not services.takes_applications(opportunity):
        abort(404)
    if not services.profile_complete(db.session, signed_in()):
        return _complete_your_profile()
    existing = services.engagement_of(db.session, signed_in(), opportunity)
    if existing is not None and existing.state != S.INTERESTED:
        return _refused(services.already_engaged(existing), _detail_url(existing))
    if not services.is_open(opportunity):
        flash(gettext("This opportunity is not taking applications."), "error")
        return redirect(_opportunity_url(opportunity))
    form = ApplyForm()
    if form.validate_on_submit():
        try:
            engagement = services.apply(db.session, signed_in(), opportunity, form.message.data)
        except EngagementError as error:
            form.add_errors(error.errors)
        except ProfileIncomplete:
            return _complete_your_profile()
        except IllegalTransition as error:
            return _refused(error, _opportunity_url(opportunity))
        else:
            db.session.commit()
            flash(
                gettext(
                    "Your application has been sent to %(organisation)s.",
                    organisation=opportunity.organisation.name,
                ),
                "success",
            )
            return redirect(_detail_url(engagement))
    return render_template(
        "engagements/apply.html",
        form=form,
        opportunity=opportunity,
        opportunity_url=_opportunity_url(opportunity),
    )


@bp.get("/engagements")
@login_required
def mine():
    staff_only()
    groups = presenters.mine(services.engagements_of(db.session, signed_in()))
    return render_template("engagements/mine.html", groups=groups)


@bp.route("/engagements/<int:engagement_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(engagement_id: int):
    engagement = _owned(engagement_id)
    if request.method == "POST":
        try:
            services.withdraw(db.session, engagement, signed_in())
        except IllegalTransition as error:
            return _refused(error, _detail_url(engagement))
        db.session.commit()
        flash(
            gettext("You have withdrawn from %(title)s.", title=engagement.opportunity.title),
            "success",
        )
        return redirect(_detail_url(engagement))
    if engagement.session_id is not None or engagement.state not in WITHDRAWABLE:
        return _refused(
            IllegalTransition(gettext("You cannot withdraw from this engagement now.")),
            _detail_url(engagement),
        )
    return render_template(
        "engagements/withdraw.html",
        item=presenters.detail(engagement),
        detail_url=_detail_url(engagement),
    )


@bp.route("/engagements/<int:engagement_id>/release", methods=["GET", "POST"])
@login_required
def release_manager(engagement_id: int):
    """The staff member names their line manager, who is emailed a link to confirm release."""
    engagement = _owned(engagement_id)
    if not services.can_request_release(engagement):
        return _refused(
            IllegalTransition(gettext("Your line manager's release is not needed now.")),
            _detail_url(engagement),
        )
    form = ReleaseRequestForm(data={"manager_email": engagement.release_manager_email or ""})
    if form.validate_on_submit():
        try:
            services.request_release(db.session, engagement, form.manager_email.data)
        except EngagementError as error:
            form.add_errors(error.errors)
        except IllegalTransition as error:
            return _refused(error, _detail_url(engagement))
        else:
            db.session.commit()
            flash(
                gettext(
                    "We have emailed your line manager a link to confirm your release. "
                    "We will tell you when they answer."
                ),
                "success",
            )
            return redirect(_detail_url(engagement))
    return render_template(
        "engagements/release_request.html",
        form=form,
        item=presenters.detail(engagement),
        detail_url=_detail_url(engagement),
    )


# Both sides ------------------------------------------------------------------------------------


def _detail_page(engagement: Engagement, part: str, decision_form: DecisionForm | None = None):
    context = {
        "engagement": engagement,
        "item": presenters.detail(engagement),
        "part": part,
        "opportunity_url": _opportunity_url(engagement.opportunity),
    }
    if part == "owner":
        context |= {
            "can_withdraw": engagement.session_id is None and engagement.state in WITHDRAWABLE,
            "can_apply": engagement.state == S.INTERESTED
            and services.is_open(engagement.opportunity),
            "can_request_release": services.can_request_release(engagement),
        }
    else:
        person = services.applicant(db.session, engagement, signed_in(), viewer_access())
        context |= {
            "person": presenters.applicant(person),
            "form": decision_form or DecisionForm(),
            "can_decide": engagement.session_id is None and engagement.state == S.APPLIED,
            "can_start": engagement.state == S.ACCEPTED,
            "released": states.released(engagement),
            "can_no_show": engagement.state == S.ACCEPTED,
            "can_complete": engagement.state == S.ACTIVE,
            "can_cancel": engagement.state in CANCELLABLE,
            "applicants_url": url_for(
                "engagements.applicants", opportunity_id=engagement.opportunity_id
            ),
        }
        if engagement.session_id is not None:  # teaching bookings are run from the session
            context |= {"can_start": False, "can_no_show": False, "can_complete": False}
            context["can_cancel"] = False
    return render_template("engagements/detail.html", **context)


@bp.get("/engagements/<int:engagement_id>")
@login_required
def detail(engagement_id: int):
    engagement, part = _engagement(engagement_id)
    return _detail_page(engagement, part)


# The organisation's side -----------------------------------------------------------------------


@bp.get("/opportunities/<int:opportunity_id>/applicants")
@login_required
def applicants(opportunity_id: int):
    opportunity = managed_or_404(signed_in(), opportunity_id)
    return _applicants_page(opportunity, DeclineSelectedForm(formdata=None))


def _applicants_page(
    opportunity: Opportunity,
    form: DeclineSelectedForm,
    refused: tuple[int, str] | None = None,
):
    """The applicants page; after a refused "Decline selected", with the ticks and the reason
    kept and the application that could not be declined named (`refused`: its id and why)."""
    people = [
        presenters.applicant(person)
        for person in services.applicants(db.session, opportunity, signed_in(), viewer_access())
    ]
    decidable = [p["id"] for p in people if p["state"] == S.APPLIED]
    errors = []
    if refused is not None:  # at its tick, or at the list when it can no longer be ticked
        target = f"select-{refused[0]}" if refused[0] in decidable else "decline-selected"
        errors.append({"text": refused[1], "href": f"#{target}"})
    if form.selected.errors:
        errors.append({"text": form.selected.errors[0], "href": "#decline-selected"})
    if form.reason.errors:
        errors.append({"text": form.reason.errors[0], "href": f"#{form.reason.id}"})
    return render_template(
        "engagements/applicants.html",
        opportunity=opportunity,
        opportunity_url=_opportunity_url(opportunity),
        people=people,
        teaching=not services.takes_applications(opportunity),
        bulk=len(decidable) > 1,
        form=form,
        ticked=set(ticked_ids(form.selected) or []),
        refused=refused,
        errors=errors,
    )


@bp.post("/opportunities/<int:opportunity_id>/applicants/decline")
@login_required
def decline_selected(opportunity_id: int):
    """Decline the ticked applications with one reason, all or none: each as one decision."""
    opportunity = managed_or_404(signed_in(), opportunity_id)
    form = DeclineSelectedForm()
    valid = form.validate_on_submit()
    if form.csrf_token.errors:
        abort(400)
    engagement_ids = ticked_ids(form.selected)
    if engagement_ids is None:
        abort(404)
    if not engagement_ids:
        form.selected.errors = [gettext("Select the applications you want to decline")]
    if not valid or not engagement_ids:
        return _applicants_page(opportunity, form)
    try:
        declined = services.decline_selected(
            db.session, opportunity, engagement_ids, signed_in(), reason=form.reason.data
        )
    except LookupError:
        db.session.rollback()
        abort(404)
    except services.Undecidable as error:
        db.session.rollback()
        name = error.engagement.user.display_name
        message = gettext(
            "%(name)s: %(reason)s. Nothing was declined: check your selection and try again",
            name=name,
            reason=translated(error.args[0]).rstrip("."),
        )
        return _applicants_page(opportunity, form, refused=(error.engagement.id, message))
    except EngagementError as error:
        db.session.rollback()
        form.add_errors(error.errors)
        return _applicants_page(opportunity, form)
    db.session.commit()
    count = len(declined)
    flash(
        ngettext(
            "%(num)d application declined. The applicant has been told.",
            "%(num)d applications declined. Each applicant has been told.",
            count,
        ),
        "success",
    )
    return redirect(url_for("engagements.applicants", opportunity_id=opportunity.id))


@bp.post("/engagements/<int:engagement_id>/decision")
@login_required
def decide(engagement_id: int):
    engagement = _managed(engagement_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            services.decide(
                db.session,
                engagement,
                signed_in(),
                accept=form.accept,
                message=form.decision_message.data,
            )
        except EngagementError as error:
            form.add_errors(error.errors)
        except IllegalTransition as error:
            return _refused(error, _detail_url(engagement))
        else:
            db.session.commit()
            name = engagement.user.display_name
            flash(
                gettext(
                    "You have accepted the application from %(name)s. They have been told.",
                    name=name,
                )
                if form.accept
                else gettext(
                    "You have declined the application from %(name)s. They have been told.",
                    name=name,
                ),
                "success",
            )
            return redirect(_detail_url(engagement))
    return _detail_page(engagement, "manager", decision_form=form)


def _change(engagement_id: int, action: str):
    engagement = _managed(engagement_id)
    to, done = CHANGES[action]
    try:
        services.change(db.session, engagement, signed_in(), to)
    except IllegalTransition as error:
        return _refused(error, _detail_url(engagement))
    db.session.commit()
    flash(str(done), "success")
    return redirect(_detail_url(engagement))


@bp.post("/engagements/<int:engagement_id>/start")
@login_required
def start(engagement_id: int):
    return _change(engagement_id, "start")


@bp.route("/engagements/<int:engagement_id>/complete", methods=["GET", "POST"])
@login_required
def complete(engagement_id: int):
    """GET: what completing means, with Continue and Cancel; POST (Continue): complete it."""
    if request.method == "POST":
        if not NhsukForm().validate_on_submit():
            abort(400)
        return _change(engagement_id, "complete")
    engagement = _managed(engagement_id)
    if engagement.session_id is not None or engagement.state != S.ACTIVE:
        return _refused(
            IllegalTransition(
                gettext("Only an engagement that has started can be marked as completed.")
            ),
            _detail_url(engagement),
        )
    return render_template(
        "engagements/complete.html",
        item=presenters.detail(engagement),
        name=engagement.user.display_name,
        detail_url=_detail_url(engagement),
    )


@bp.post("/engagements/<int:engagement_id>/no-show")
@login_required
def no_show(engagement_id: int):
    return _change(engagement_id, "no_show")


@bp.route("/engagements/<int:engagement_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(engagement_id: int):
    engagement = _managed(engagement_id)
    form = CancelForm()
    if request.method == "GET" and engagement.state not in CANCELLABLE:
        return _refused(
            IllegalTransition(gettext("Only a place that was offered can be cancelled.")),
            _detail_url(engagement),
        )
    if form.validate_on_submit():
        try:
            services.cancel(db.session, engagement, signed_in(), reason=form.reason.data)
        except EngagementError as error:
            form.add_errors(error.errors)
        except IllegalTransition as error:
            return _refused(error, _detail_url(engagement))
        else:
            db.session.commit()
            flash(
                gettext(
                    "Cancelled. %(name)s has been told why.", name=engagement.user.display_name
                ),
                "success",
            )
            return redirect(_detail_url(engagement))
    return render_template(
        "engagements/cancel.html",
        form=form,
        item=presenters.detail(engagement),
        name=engagement.user.display_name,
        detail_url=_detail_url(engagement),
    )


# The line manager's page (public: reached through the signed link) -----------------------------


# Public and reached without an account: a cap on guesses and on hammering, far above what a
# line manager answering one request needs.
RELEASE_LIMIT = "30 per minute"


@bp.route("/release/<token>", methods=["GET", "POST"])
@limiter.limit(RELEASE_LIMIT)
def release(token: str):
    link = services.release_link(db.session, token)
    if link.problem is not None or link.engagement is None:
        return render_template("engagements/release_unavailable.html", problem=link.problem)
    engagement = link.engagement
    form = ReleaseDecisionForm()
    if form.validate_on_submit():
        try:
            services.decide_release(
                db.session, engagement, confirm=form.confirm, note=form.note.data
            )
        except EngagementError as error:
            form.add_errors(error.errors)
        except IllegalTransition:
            return render_template("engagements/release_unavailable.html", problem="used")
        else:
            db.session.commit()
            name = engagement.user.display_name
            flash(
                gettext("Thank you. You have confirmed the release of %(name)s.", name=name)
                if form.confirm
                else gettext("Thank you. You have declined the release of %(name)s.", name=name),
                "success",
            )
            return redirect(request.path)
    return render_template(
        "engagements/release.html", form=form, item=presenters.release_request(engagement)
    )
