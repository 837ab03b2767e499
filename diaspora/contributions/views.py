"""Hours logged by staff, reviewed by the organisation; certificates and their public check."""

from datetime import date, datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext, ngettext
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from diaspora.auth.login import signed_in
from diaspora.contributions import codes, pdf, presenters, services
from diaspora.contributions.forms import (
    APPROVE,
    ApproveSelectedForm,
    CheckCodeForm,
    DecisionForm,
    HoursForm,
    RevokeForm,
)
from diaspora.contributions.models import Certificate, HoursStatus
from diaspora.engagements.models import Engagement
from diaspora.extensions import db, limiter
from diaspora.languages import translated
from diaspora.opportunities.access import managed_or_404, manages
from diaspora.templating import viewer_zone
from diaspora.widgets import NhsukForm, refusal, ticked_ids
from diaspora.widgets import error_list as nhsuk_error_list

bp = Blueprint("contributions", __name__)

# The public pages answer anyone: a shared limit per address stops codes being tried in bulk.
VERIFY_LIMIT = "30 per minute"


def _today() -> date:
    """Today where the viewer is: the months people pick are their own."""
    return datetime.now(viewer_zone()).date()


def _own_engagement(engagement_id: int) -> Engagement:
    return services.owned_engagement(db.session, signed_in(), engagement_id) or abort(404)


# For other areas' pages -----------------------------------------------------------------------


@bp.app_template_global()
def engagement_contributions(engagement: Engagement) -> dict | None:
    """What `contributions/_engagement.html` shows about an engagement: for its owner, the
    link to log hours and the certificate; for the organisation, the link to review hours."""
    if not current_user.is_authenticated or engagement is None:
        return None
    if engagement.user_id == current_user.id:
        totals = services.approved_totals(db.session, [engagement.id])[engagement.id]
        certificate = services.standing_certificate(db.session, engagement.id)
        return {
            "owner": True,
            "can_log": services.can_log(engagement),
            "log_url": url_for("contributions.log", engagement_id=engagement.id),
            "approved": presenters.hours_text(totals.minutes) if totals.minutes else "",
            "certificate": _certificate_panel(engagement, totals, certificate),
        }
    if manages(db.session, signed_in(), engagement.opportunity):
        return {
            "owner": False,
            "review_url": url_for("contributions.review", opportunity_id=engagement.opportunity_id),
        }
    return None


def _certificate_panel(engagement: Engagement, totals, certificate: Certificate | None) -> dict:
    """The certificate's state for its owner: revoked, ready, out of date, available, or not
    yet (with why)."""
    url = url_for("contributions.certificate", engagement_id=engagement.id)
    if certificate is not None and certificate.revoked_at is not None:
        revoked = presenters.present_certificate(certificate)["revoked"]
        return {"state": "revoked", "revoked": revoked}
    problem = services.certificate_problem(engagement, totals)
    if certificate is not None:
        current = (certificate.minutes, certificate.learners_reached) == (
            totals.minutes,
            totals.learners,
        )
        return {
            "state": "issued" if current or problem else "outdated",
            "url": url,
            "code": certificate.code,
            "hours": presenters.hours_text(certificate.minutes),
        }
    if problem:
        return {"state": "unavailable", "reason": translated(problem)}
    return {"state": "available", "url": url}


# Logging hours --------------------------------------------------------------------------------


@bp.route("/engagements/<int:engagement_id>/hours", methods=["GET", "POST"])
@login_required
def log(engagement_id: int):
    engagement = _own_engagement(engagement_id)
    today = _today()
    form = HoursForm(engagement=engagement, today=today)
    if form.validate_on_submit():
        try:
            services.log_hours(db.session, engagement, form.details(), today)
        except services.ContributionError as error:
            db.session.rollback()
            form.add_errors(error.errors, default="month")
        else:
            db.session.commit()
            flash(
                gettext("Your hours have been logged. The organisation will review them."),
                "success",
            )
            return redirect(url_for("contributions.log", engagement_id=engagement.id))
    return _log_page(engagement, form)


def _log_page(engagement: Engagement, form: HoursForm):
    logs = services.logs_for(db.session, engagement)
    totals = services.approved_totals(db.session, [engagement.id])[engagement.id]
    certificate = services.standing_certificate(db.session, engagement.id)
    return render_template(
        "contributions/log.html",
        form=form,
        engagement=engagement,
        opportunity=engagement.opportunity,
        session_day=presenters.session_day(engagement),
        problem=translated(services.logging_problem(engagement)),
        has_months=bool(form.month.choices[1:]),
        items=[presenters.present_log(entry) for entry in logs],
        approved=presenters.hours_text(totals.minutes),
        approved_learners=presenters.learners_text(totals.learners),
        approved_learner_count=totals.learners,
        certificate=_certificate_panel(engagement, totals, certificate),
        back=presenters.engagement_link(engagement),
        limit=services.MONTHLY_LIMIT_HOURS,
    )


# Reviewing hours ------------------------------------------------------------------------------


def _decision_form(log_id: int, *, bound: bool) -> DecisionForm:
    """A pending log's form; its fields get ids of their own, as the page holds one per log."""
    form = DecisionForm() if bound else DecisionForm(formdata=None)
    form.decision.id = f"log-{log_id}-decision"
    form.reason.id = f"log-{log_id}-reason"
    return form


@bp.route("/opportunities/<int:opportunity_id>/hours", methods=["GET", "POST"])
@login_required
def review(opportunity_id: int):
    opportunity = managed_or_404(signed_in(), opportunity_id)
    failed: tuple[int, DecisionForm] | None = None
    if request.method == "POST":
        log_id = request.form.get("log_id", type=int)
        entry = services.log_to_review(db.session, opportunity, log_id) if log_id else None
        if entry is None:
            abort(404)
        form = _decision_form(entry.id, bound=True)
        if entry.status != HoursStatus.PENDING:
            flash(gettext("These hours have already been reviewed."), "error")
            return redirect(url_for("contributions.review", opportunity_id=opportunity.id))
        if form.validate_on_submit():
            approve = form.decision.data == APPROVE
            person = entry.engagement.user.display_name
            try:
                services.decide(
                    db.session, entry, signed_in(), approve=approve, reason=form.reason.data or ""
                )
            except services.ContributionError as error:
                db.session.rollback()
                flash(refusal(error), "error")
                return redirect(url_for("contributions.review", opportunity_id=opportunity.id))
            db.session.commit()
            flash(
                gettext("The hours of %(name)s have been approved.", name=person)
                if approve
                else gettext("The hours of %(name)s have been declined.", name=person),
                "success",
            )
            return redirect(url_for("contributions.review", opportunity_id=opportunity.id))
        failed = (entry.id, form)

    return _review_page(opportunity, failed=failed)


def _review_page(
    opportunity,
    *,
    failed: tuple[int, DecisionForm] | None = None,
    selection: ApproveSelectedForm | None = None,
    refused: tuple[int, str] | None = None,
):
    """The review page; after a refused "Approve selected", with the ticks kept and the log
    that could not be approved named (`refused`: its id and why)."""
    pending = services.pending_logs(db.session, opportunity)
    decided = services.decided_logs(db.session, opportunity)
    certificates = services.certificates_for(db.session, opportunity)
    forms = {entry.id: _decision_form(entry.id, bound=False) for entry in pending}
    if failed is not None:
        forms[failed[0]] = failed[1]
    selection = selection or ApproveSelectedForm(formdata=None)
    ticked = set((ticked_ids(selection.selected) or []) if selection.selected.data else [])
    errors = []
    if failed is not None:
        errors = nhsuk_error_list(failed[1])
    elif refused is not None:  # at its tick, or at the list when it is no longer pending
        shown = any(entry.id == refused[0] for entry in pending)
        errors = [{"text": refused[1], "href": f"#select-{refused[0]}" if shown else "#pending"}]
    elif selection.selected.errors:
        errors = [{"text": selection.selected.errors[0], "href": "#approve-selected-button"}]
    return render_template(
        "contributions/review.html",
        opportunity=opportunity,
        pending=[(presenters.present_for_review(e), forms[e.id]) for e in pending],
        decided=[presenters.present_for_review(e) for e in decided],
        certificates=[presenters.present_certificate(c) for c in certificates],
        errors=errors,
        ticked=ticked,
        refused=refused,
        back=url_for("opportunities.manage"),
    )


@bp.post("/opportunities/<int:opportunity_id>/hours/approve")
@login_required
def approve_selected(opportunity_id: int):
    """Approve the ticked logs together, all or none: each as one decision on its own."""
    opportunity = managed_or_404(signed_in(), opportunity_id)
    form = ApproveSelectedForm()
    if not form.validate_on_submit():
        abort(400)
    log_ids = ticked_ids(form.selected)
    if log_ids is None:
        abort(404)
    try:
        approved = services.approve_selected(db.session, opportunity, log_ids, signed_in())
    except LookupError:
        db.session.rollback()
        abort(404)
    except services.Undecidable as error:
        db.session.rollback()
        item = presenters.present_for_review(error.log)
        message = gettext(
            "%(name)s, %(month)s: %(reason)s. Nothing was approved: check your selection and "
            "try again",
            name=item["person"],
            month=item["month"],
            reason=translated(error.args[0]).rstrip("."),
        )
        return _review_page(opportunity, selection=form, refused=(error.log.id, message))
    except services.ContributionError as error:
        db.session.rollback()
        form.selected.errors = [translated(m) for m in error.errors.values()]
        return _review_page(opportunity, selection=form)
    db.session.commit()
    count = len(approved)
    flash(
        ngettext("%(num)d hours entry approved.", "%(num)d hours entries approved.", count),
        "success",
    )
    return redirect(url_for("contributions.review", opportunity_id=opportunity.id))


# Certificates ---------------------------------------------------------------------------------


@bp.route("/engagements/<int:engagement_id>/certificate", methods=["GET", "POST"])
@login_required
def certificate(engagement_id: int):
    """GET: the certificate as a PDF (or a page saying why there is none, or offering to
    issue it). POST: issue it, or replace it when more hours have been approved since."""
    engagement = _own_engagement(engagement_id)
    if request.method == "POST":
        if not NhsukForm().validate_on_submit():
            abort(400)
        try:
            services.issue_certificate(db.session, engagement)
            db.session.commit()
        except services.CertificateUnavailable:
            db.session.rollback()  # the GET below says why
        except IntegrityError:  # issued by a request at the same moment: that one stands
            db.session.rollback()
        return redirect(url_for("contributions.certificate", engagement_id=engagement.id))

    totals = services.approved_totals(db.session, [engagement.id])[engagement.id]
    standing = services.standing_certificate(db.session, engagement.id)
    panel = _certificate_panel(engagement, totals, standing)
    if panel["state"] in ("issued", "outdated"):
        return _pdf_response(standing)
    status = {"revoked": 410, "unavailable": 403}.get(panel["state"], 200)
    return (
        render_template(
            "contributions/certificate.html",
            engagement=engagement,
            opportunity=engagement.opportunity,
            certificate=panel,
            back=presenters.engagement_link(engagement),
            log_url=url_for("contributions.log", engagement_id=engagement.id),
        ),
        status,
    )


def _pdf_response(certificate: Certificate):
    body = pdf.render(
        presenters.certificate_facts(certificate),
        service_name=current_app.config["SERVICE_NAME"],
        words=presenters.certificate_words(),
    )
    response = current_app.response_class(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="certificate-{certificate.code}.pdf"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/certificates/<int:certificate_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke(certificate_id: int):
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or not services.can_revoke(db.session, signed_in(), certificate):
        abort(404)
    form = RevokeForm()
    item = presenters.present_certificate(certificate)
    if item["state"] == "genuine" and form.validate_on_submit():
        try:
            services.revoke(db.session, certificate, signed_in(), form.reason.data or "")
        except services.ContributionError as error:
            db.session.rollback()
            form.reason.errors = [
                *form.reason.errors,
                *(translated(m) for m in error.errors.values()),
            ]
        else:
            db.session.commit()
            flash(
                gettext("Certificate %(code)s has been revoked.", code=certificate.code),
                "success",
            )
            return redirect(url_for("contributions.verify", code=certificate.code))
    return render_template("contributions/revoke.html", form=form, item=item)


# Public verification --------------------------------------------------------------------------


@bp.get("/certificates/verify")
@limiter.shared_limit(VERIFY_LIMIT, scope="certificate-verify")
def check():
    """A form to type a code; it only leads to the code's page (GET: nothing changes)."""
    if "code" not in request.args:
        return render_template("contributions/check.html", form=CheckCodeForm(formdata=None))
    form = CheckCodeForm(formdata=request.args)
    if form.validate():
        return redirect(url_for("contributions.verify", code=codes.normalise(form.code.data)))
    return render_template("contributions/check.html", form=form)


@bp.get("/certificates/<code>")
@limiter.shared_limit(VERIFY_LIMIT, scope="certificate-verify")
def verify(code: str):
    canonical = codes.normalise(code)
    if canonical is not None and canonical != code:
        return redirect(url_for("contributions.verify", code=canonical), 301)
    certificate = services.certificate_by_code(db.session, canonical)
    if certificate is None:
        return render_template("contributions/verify.html", item=None, code=code), 404
    revocable = (
        current_user.is_authenticated
        and certificate.superseded_at is None
        and certificate.revoked_at is None
        and certificate.withdrawn_at is None
        and services.can_revoke(db.session, signed_in(), certificate)
    )
    return render_template(
        "contributions/verify.html",
        item=presenters.present_certificate(certificate),
        code=certificate.code,
        revoke_url=url_for("contributions.revoke", certificate_id=certificate.id)
        if revocable
        else None,
    )
