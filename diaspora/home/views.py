"""The home page: what waits for the signed-in person, by role; the account menu; and the
counts the header shows next to its links."""

from dataclasses import replace

from flask import Blueprint, Flask, g, render_template
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from diaspora.auth.login import signed_in
from diaspora.core.time import utcnow
from diaspora.extensions import db
from diaspora.home import presenters, services
from diaspora.milestones.services import local_today
from diaspora.organisations.services import memberships_for
from diaspora.registry.viewer import viewer_access
from diaspora.templating import viewer_zone

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return render_template("core/home.html", sections=[], memberships=[])
    me, now = signed_in(), utcnow()
    home = services.home_of(db.session, me, viewer_access(), now)
    context = presenters.Context(now=now, today=local_today(me, now), zone=viewer_zone().key)
    return render_template(
        "core/home.html",
        sections=presenters.sections(home, context),
        memberships=memberships_for(db.session, me),
    )


@bp.get("/account/menu")
@login_required
def account_menu():
    return render_template("home/account_menu.html")


@bp.record_once
def _old_name(state) -> None:
    """`core.home` still builds the home page's address (breadcrumbs and error pages use it)."""
    app: Flask = state.app
    app.add_url_rule("/", endpoint="core.home", build_only=True)


@bp.app_context_processor
def _header() -> dict:
    def header_counts() -> services.Counts:
        """The header's counts, unread messages included: one query a page for people signed
        in, none for visitors."""
        if not current_user.is_authenticated:
            return services.Counts()
        if "header_counts" not in g:
            counted = g.get("inbox_unread")  # the inbox page counts its unread messages itself
            try:
                counts = services.counts_of(
                    db.session, signed_in(), viewer_access(), unread=counted is None
                )
            except SQLAlchemyError:  # an error page for a failed query must still render
                counts = services.Counts()
            if counted is not None:
                counts = replace(counts, unread=counted)
            g.header_counts = counts
        return g.header_counts

    return {"header_counts": header_counts}
