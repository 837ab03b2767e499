"""Administration: users, the organisation verification queue and the audit log."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from diaspora.admin.forms import (
    AuditFilterForm,
    AuditPersonForm,
    EmailDomainsForm,
    RolesForm,
    UserSearchForm,
)
from diaspora.admin.presenters import present_events, role_labels
from diaspora.audit.services import EventFilters, search_events
from diaspora.auth import services as accounts
from diaspora.auth.login import admins_only
from diaspora.auth.models import Role, User
from diaspora.core.paging import requested_page
from diaspora.extensions import db
from diaspora.factors import services as factors
from diaspora.factors.gate import step_up_required
from diaspora.languages import current_language
from diaspora.notifications import budgets
from diaspora.notifications.forms import TextBudgetForm
from diaspora.organisations import services as organisations
from diaspora.organisations.access import roles_of, roles_of_many
from diaspora.organisations.forms import RejectForm
from diaspora.organisations.models import Organisation
from diaspora.reference.places import country_name
from diaspora.templating import viewer_zone
from diaspora.widgets import NhsukForm, refusal

bp = Blueprint("admin", __name__, url_prefix="/admin")
PER_PAGE = 50
AUDIT_PER_PAGE = 25  # each row carries several fields: 25 keep the page within its budget
PERSON_MATCHES = 10  # people offered when a search for the audit log's filter finds several


@bp.before_request
@login_required
def _admins_only():
    admins_only()


@bp.get("/")
def index():
    return render_template(
        "admin/index.html", queue_size=len(organisations.verification_queue(db.session))
    )


@bp.get("/users")
def users():
    form = UserSearchForm(request.args)
    page = db.paginate(
        accounts.search_users(form.q.data or ""), page=requested_page(), per_page=PER_PAGE
    )
    roles = {
        user_id: role_labels(names)
        for user_id, names in roles_of_many(db.session, page.items).items()
    }
    return render_template("admin/users.html", form=form, page=page, roles=roles)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@step_up_required(only_post=True)
def user(user_id: int):
    person = db.session.get(User, user_id) or abort(404)
    form = RolesForm(data={"roles": sorted(person.role_names)})
    if form.validate_on_submit():
        if person.id == current_user.id and Role.ADMIN not in form.roles.data:
            form.roles.errors.append(gettext("You cannot remove your own administrator role"))
        else:
            accounts.set_roles(db.session, person, set(form.roles.data), actor=current_user)
            db.session.commit()
            flash(gettext("Roles saved."), "success")
            return redirect(url_for("admin.user", user_id=person.id))
    memberships = organisations.memberships_for(db.session, person)
    return render_template(
        "admin/user.html",
        person=person,
        form=form,
        has_factor=factors.has_factor(db.session, person),
        memberships=memberships,
        from_memberships=role_labels(roles_of(db.session, person) - person.role_names),
    )


@bp.post("/users/<int:user_id>/active")
def set_active(user_id: int):
    person = db.session.get(User, user_id) or abort(404)
    active = request.form.get("active") == "1"
    if person.id == current_user.id and not active:
        flash(gettext("You cannot disable your own account."), "error")
    else:
        accounts.set_active(db.session, person, active, actor=current_user)
        db.session.commit()
        flash(gettext("Account enabled.") if active else gettext("Account disabled."), "success")
    return redirect(url_for("admin.user", user_id=person.id))


@bp.post("/users/<int:user_id>/second-factor/reset")
@step_up_required
def reset_second_factor(user_id: int):
    """For a colleague who lost their passkeys and authenticator app: they set up a new second
    factor at their next sign-in. Never one's own (another administrator, or the CLI)."""
    person = db.session.get(User, user_id) or abort(404)
    if not NhsukForm().validate_on_submit():
        abort(400)
    try:
        factors.reset_factors(db.session, person, actor=current_user, via="admin")
    except factors.FactorError as error:
        flash(refusal(error), "error")
    else:
        db.session.commit()
        flash(gettext("Second factor reset. They have been emailed, and so have you."), "success")
    return redirect(url_for("admin.user", user_id=person.id))


@bp.get("/organisations")
def organisation_queue():
    return render_template(
        "admin/organisations.html", queue=organisations.verification_queue(db.session)
    )


@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
@step_up_required(only_post=True)
def organisation(organisation_id: int):
    org = db.session.get(Organisation, organisation_id) or abort(404)
    form = RejectForm()
    if request.method == "POST":
        if request.form.get("decision") == "verify":
            organisations.decide_verification(db.session, org, current_user, verified=True)
            db.session.commit()
            flash(
                gettext("%(name)s is verified. Its members have been told.", name=org.name),
                "success",
            )
            return redirect(url_for("admin.organisation_queue"))
        if form.validate():
            try:
                organisations.decide_verification(
                    db.session, org, current_user, verified=False, reason=form.reason.data
                )
            except organisations.OrganisationError as error:
                form.reason.errors.append(refusal(error))
            else:
                db.session.commit()
                flash(
                    gettext(
                        "%(name)s has been rejected. Its owners have been told.", name=org.name
                    ),
                    "success",
                )
                return redirect(url_for("admin.organisation_queue"))
    return _organisation_page(org, form=form)


@bp.post("/organisations/<int:organisation_id>/email-domains")
def organisation_email_domains(organisation_id: int):
    """Confirm the mail domains an organisation uses (organisations.set_email_domains)."""
    org = db.session.get(Organisation, organisation_id) or abort(404)
    domains_form = EmailDomainsForm()
    if domains_form.validate_on_submit():
        changed = organisations.set_email_domains(
            db.session, org, current_user, domains_form.email_domains.data
        )
        db.session.commit()
        flash(
            gettext("Email domains saved.") if changed else gettext("Email domains unchanged."),
            "success",
        )
        return redirect(url_for("admin.organisation", organisation_id=org.id))
    return _organisation_page(org, domains_form=domains_form)


@bp.post("/organisations/<int:organisation_id>/text-budget")
def organisation_text_budget(organisation_id: int):
    """Set the text segments an organisation's messages may use a month (budgets.set_budget)."""
    org = db.session.get(Organisation, organisation_id) or abort(404)
    budget_form = TextBudgetForm()
    if budget_form.validate_on_submit():
        changed = budgets.set_budget(db.session, current_user, org, budget_form.segments.data)
        db.session.commit()
        flash(
            gettext("Text budget saved.") if changed else gettext("Text budget unchanged."),
            "success",
        )
        return redirect(url_for("admin.organisation", organisation_id=org.id))
    return _organisation_page(org, budget_form=budget_form)


def _organisation_page(
    org: Organisation,
    *,
    form: RejectForm | None = None,
    domains_form: EmailDomainsForm | None = None,
    budget_form: TextBudgetForm | None = None,
):
    if domains_form is None:
        domains_form = EmailDomainsForm(
            formdata=None, data={"email_domains": "\n".join(org.email_domains or [])}
        )
    usage = budgets.usage(db.session, org.id)
    if budget_form is None:
        budget_form = TextBudgetForm(
            formdata=None, data={"segments": None if usage.is_default else usage.budget}
        )
    return render_template(
        "admin/organisation.html",
        organisation=org,
        form=form or RejectForm(formdata=None),
        domains_form=domains_form,
        budget_form=budget_form,
        text_usage=usage,
        default_budget=budgets.default_budget(),
        owners=organisations.owners(db.session, org),
        country=country_name(org.country, current_language()),
    )


def _audit_url(**changes: object) -> str:
    """The audit log with the filters in the address, changed by `changes` (page 1)."""
    args = {k: v for k, v in request.args.items() if k != "page"}
    args.update({k: v for k, v in changes.items() if v is not None})
    return url_for("admin.audit", **{k: v for k, v in args.items() if v != ""})


@bp.route("/audit", methods=["GET", "POST"])
def audit():
    """The audit log, newest first, a page at a time, filtered by person, action and dates
    (the viewer's local days). A person is found by a posted search, so their name or email
    address never goes into the address: the filter holds their account's id."""
    form = AuditFilterForm(request.args)
    person_form = AuditPersonForm(formdata=None)
    matches = None
    if request.method == "POST":
        person_form = AuditPersonForm()
        if person_form.validate_on_submit():
            found = list(
                db.session.scalars(
                    accounts.search_users(person_form.q.data).limit(PERSON_MATCHES + 1)
                )
            )
            if len(found) == 1:
                return redirect(_audit_url(person=found[0].id))
            matches = [
                {"name": p.display_name, "email": p.email, "href": _audit_url(person=p.id)}
                for p in found[:PERSON_MATCHES]
            ]
    valid = form.validate()
    action = form.action.data if not form.action.errors else None
    filters = EventFilters(
        person_id=form.person_id(),
        action=action or None,
        since=form.since.data if valid else None,
        until=form.until.data if valid else None,
    )
    person = db.session.get(User, filters.person_id) if filters.person_id else None
    page = search_events(
        db.session, filters, viewer_zone(), page=requested_page(), per_page=AUDIT_PER_PAGE
    )
    return render_template(
        "admin/audit.html",
        form=form,
        person_form=person_form,
        matches=matches,
        more_matches=matches is not None and len(found) > PERSON_MATCHES,
        person=person,
        filtered=any((person, filters.action, filters.since, filters.until)),
        page=page,
        rows=present_events(db.session, page.items),
        without_person=_audit_url(person=""),
    )
