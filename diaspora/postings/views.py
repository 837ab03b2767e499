"""Opportunity pages: the listing and detail for everyone signed in; posting, editing and the
lifecycle for members of the verified organisation that posted it. They sit above the areas that
a change reaches (bookings, engagements, alerts); the blueprint keeps the name `opportunities`."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from diaspora.auth.login import signed_in
from diaspora.core.paging import requested_page, search_args
from diaspora.core.time import utcnow
from diaspora.extensions import db
from diaspora.languages import translated
from diaspora.opportunities import access, presenters, services, times
from diaspora.opportunities.forms import FORMS, CancelForm, KindForm, ListingForm
from diaspora.opportunities.models import Opportunity, OpportunityKind
from diaspora.organisations.access import refuse_organisation_action
from diaspora.postings import services as postings
from diaspora.templating import viewer_zone
from diaspora.widgets import NhsukForm

bp = Blueprint("opportunities", __name__)

ENDINGS = {
    "close": {
        "title": _l("Close this opportunity"),
        "button": _l("Close opportunity"),
        "explain": _l("Nobody new can apply or book. People already taking part carry on."),
        "done": _l("The opportunity is closed."),
    },
    "complete": {
        "title": _l("Mark this opportunity as completed"),
        "button": _l("Mark as completed"),
        "explain": _l("Use this when the work is done. It can no longer be changed."),
        "done": _l("The opportunity is marked as completed."),
    },
    "cancel": {
        "title": _l("Cancel this opportunity"),
        "button": _l("Cancel opportunity"),
        "explain": _l(
            "Sessions still to come are cancelled with their bookings, and everyone "
            "taking part is told, with your reason. This cannot be undone."
        ),
        "done": _l("The opportunity is cancelled. Everyone taking part has been told."),
    },
}


NEW_TITLES = {
    OpportunityKind.PROJECT: _l("New capacity-building project"),
    OpportunityKind.TEACHING: _l("New tele-teaching session"),
    OpportunityKind.PLACEMENT: _l("New return placement"),
}


# The listing -----------------------------------------------------------------------------------


@bp.get("/opportunities")
@login_required
def index():
    form = ListingForm(request.args)
    results = None
    if form.validate():
        results = services.listing(db.session, form.filters(), page=requested_page())
    args = search_args(ListingForm)
    return render_template(
        "opportunities/index.html",
        title=gettext("Find opportunities"),
        form=form,
        results=results,
        cards=presenters.cards(results, viewer_zone().key) if results else [],
        pagination=presenters.pagination(
            results, lambda n: url_for("opportunities.index", **args, page=n)
        )
        if results
        else None,
        can_post=bool(services.posting_organisations(db.session, signed_in())),
    )


# Detail ---------------------------------------------------------------------------------------


@bp.get("/opportunities/<int:opportunity_id>")
@login_required
def detail(opportunity_id: int):
    opportunity = access.visible_or_404(signed_in(), opportunity_id)
    manager = access.manages(db.session, signed_in(), opportunity)
    return render_template(
        "opportunities/detail.html",
        title=opportunity.title,
        opportunity=opportunity,
        facts=presenters.facts(opportunity, viewer_zone().key, now=utcnow()),
        status=presenters.status(opportunity),
        manager=manager,
        editable=opportunity.status in services.EDITABLE,
        endings=[
            (action, ENDINGS[action]["button"])
            for action, (sources, _) in services.LIFECYCLE.items()
            if action != "publish" and opportunity.status in sources
        ],
    )


# Posting --------------------------------------------------------------------------------------


def _posting_organisations():
    organisations = services.posting_organisations(db.session, signed_in())
    if not organisations:
        refuse_organisation_action(db.session, signed_in())
    return organisations


@bp.route("/opportunities/new", methods=["GET", "POST"])
@login_required
def new():
    """First which kind (and for which organisation), then the form for that kind."""
    organisations = _posting_organisations()
    chooser = KindForm(request.args, organisations=organisations)
    asked = "kind" in request.args or "organisation" in request.args
    if not asked or not chooser.validate():
        return render_template(
            "opportunities/new.html",
            title=gettext("Post an opportunity"),
            form=chooser if asked else KindForm(formdata=None, organisations=organisations),
            organisations=organisations,
        )
    organisation = next(o for o in organisations if str(o.id) == chooser.organisation.data)
    kind = chooser.kind.data
    form = FORMS[kind](data=FORMS[kind].initial(services.starting_point(organisation, kind)))
    if form.validate_on_submit():
        try:
            opportunity = services.create(db.session, organisation, signed_in(), form.details())
        except services.OpportunityError as error:
            form.add_errors(error.errors)
        else:
            db.session.commit()
            flash(
                gettext("Your opportunity is saved as a draft. Publish it when it is ready."),
                "success",
            )
            return redirect(url_for("opportunities.detail", opportunity_id=opportunity.id))
    return render_template(
        "opportunities/form.html",
        title=NEW_TITLES[kind],
        form=form,
        kind=kind,
        organisation=organisation,
        opportunity=None,
        back_link={"href": url_for("opportunities.new", organisation=organisation.id)},
    )


@bp.route("/opportunities/<int:opportunity_id>/edit", methods=["GET", "POST"])
@login_required
def edit(opportunity_id: int):
    opportunity = access.managed_or_404(signed_in(), opportunity_id)
    if opportunity.status not in services.EDITABLE:
        flash(gettext("Only draft and open opportunities can be changed."), "error")
        return redirect(url_for("opportunities.detail", opportunity_id=opportunity.id))
    form = FORMS[opportunity.kind](editing=opportunity)
    if form.validate_on_submit():
        try:
            postings.update(db.session, opportunity, signed_in(), form.details())
        except services.OpportunityError as error:
            form.add_errors(error.errors)
        else:
            db.session.commit()
            flash(gettext("Your changes are saved."), "success")
            return redirect(url_for("opportunities.detail", opportunity_id=opportunity.id))
    return render_template(
        "opportunities/form.html",
        title=gettext("Change %(title)s", title=opportunity.title),
        form=form,
        kind=opportunity.kind,
        organisation=opportunity.organisation,
        opportunity=opportunity,
        back_link={"href": url_for("opportunities.detail", opportunity_id=opportunity.id)},
    )


# The lifecycle --------------------------------------------------------------------------------


def _done(opportunity: Opportunity, message: str, category: str = "success"):
    flash(str(message), category)
    return redirect(url_for("opportunities.detail", opportunity_id=opportunity.id))


@bp.post("/opportunities/<int:opportunity_id>/publish")
@login_required
def publish(opportunity_id: int):
    opportunity = access.managed_or_404(signed_in(), opportunity_id)
    if not NhsukForm().validate_on_submit():
        abort(400)
    try:
        postings.publish(db.session, opportunity, signed_in())
    except services.NotAllowed as error:
        return _done(opportunity, translated(error.args[0]), "error")
    db.session.commit()
    return _done(opportunity, gettext("Your opportunity is published."))


@bp.route(
    "/opportunities/<int:opportunity_id>/<any(close, complete, cancel):action>",
    methods=["GET", "POST"],
)
@login_required
def end(opportunity_id: int, action: str):
    """Close, complete or cancel: a page that asks, whose button makes the change."""
    opportunity = access.managed_or_404(signed_in(), opportunity_id)
    sources, _ = services.LIFECYCLE[action]
    if opportunity.status not in sources:
        return _done(
            opportunity,
            gettext(
                "A %(status)s opportunity cannot be changed.",
                status=translated(services.STATUS_WORDS[opportunity.status]),
            ),
            "error",
        )
    form = CancelForm() if action == "cancel" else NhsukForm()
    if form.validate_on_submit():
        try:
            if action == "cancel":
                postings.cancel(db.session, opportunity, signed_in(), reason=form.reason.data)
            elif action == "close":
                services.close(db.session, opportunity, signed_in())
            else:
                services.complete(db.session, opportunity, signed_in())
        except services.NotAllowed as error:
            return _done(opportunity, translated(error.args[0]), "error")
        db.session.commit()
        return _done(opportunity, ENDINGS[action]["done"])
    return render_template(
        "opportunities/confirm.html",
        title=gettext(
            "%(action)s: %(title)s", action=ENDINGS[action]["title"], title=opportunity.title
        ),
        heading=ENDINGS[action]["title"],
        form=form,
        action=action,
        text=ENDINGS[action],
        opportunity=opportunity,
        back_link={"href": url_for("opportunities.detail", opportunity_id=opportunity.id)},
    )


@bp.route(
    "/opportunities/<int:opportunity_id>/sessions/<int:session_id>/cancel",
    methods=["GET", "POST"],
)
@login_required
def cancel_session(opportunity_id: int, session_id: int):
    """Cancel one occurrence of a series, with its bookings."""
    opportunity = access.managed_or_404(signed_in(), opportunity_id)
    teaching_session = services.session_of(opportunity, session_id) or abort(404)
    form = NhsukForm()
    if form.validate_on_submit():
        try:
            postings.cancel_session(db.session, teaching_session, signed_in())
        except services.NotAllowed as error:
            return _done(opportunity, translated(error.args[0]), "error")
        db.session.commit()
        return _done(
            opportunity, gettext("The session is cancelled. Everyone booked has been told.")
        )
    when = times.when(
        teaching_session.starts_at, opportunity.host_time_zone or "UTC", viewer_zone().key
    )
    return render_template(
        "opportunities/cancel_session.html",
        title=gettext(
            "Cancel session %(number)s: %(title)s",
            number=teaching_session.number,
            title=opportunity.title,
        ),
        form=form,
        opportunity=opportunity,
        teaching_session=teaching_session,
        when=when,
        back_link={"href": url_for("opportunities.manage")},
    )


# The organisation's opportunities ---------------------------------------------------------


@bp.get("/opportunities/manage")
@login_required
def manage():
    organisations = _posting_organisations()
    opportunities = services.managed_opportunities(db.session, signed_in())
    return render_template(
        "opportunities/manage.html",
        title=gettext("Your organisation's opportunities"),
        organisations=organisations,
        organisation_names=presenters.names(organisations),
        groups=presenters.groups(opportunities, viewer_zone().key, utcnow()),
    )
