"""Each person's messages and message preferences; the administrators' outbox page."""

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from diaspora.auth.login import admins_only, signed_in
from diaspora.core.paging import requested_page
from diaspora.extensions import db
from diaspora.notifications import presenters, services
from diaspora.notifications.forms import PreferencesForm
from diaspora.notifications.models import Channel
from diaspora.phones import services as phones
from diaspora.widgets import NhsukForm

bp = Blueprint("notifications", __name__)
PER_PAGE = 20


@bp.app_context_processor
def _header() -> dict:
    def inbox_unread() -> int | None:
        """Unread messages for the header: one query a page, none for visitors."""
        if not current_user.is_authenticated:
            return None
        if "inbox_unread" not in g:
            try:
                g.inbox_unread = services.unread_count(db.session, signed_in())
            except SQLAlchemyError:  # an error page for a failed query must still render
                g.inbox_unread = None
        return g.inbox_unread

    return {"inbox_unread": inbox_unread}


# The inbox -----------------------------------------------------------------------------------


@bp.get("/notifications")
@login_required
def inbox():
    page = db.paginate(services.inbox_query(signed_in()), page=requested_page(), per_page=PER_PAGE)
    g.inbox_unread = services.unread_count(db.session, signed_in())  # the header's count too
    return render_template(
        "notifications/inbox.html",
        page=page,
        items=[presenters.message(n) for n in page.items],
        unread=g.inbox_unread,
    )


def _safe_path(link: str | None) -> str | None:
    """Links are paths in the service; anything else is not followed."""
    if link and link.startswith("/") and not link.startswith("//") and "\\" not in link:
        return link
    return None


@bp.post("/notifications/<int:notification_id>/open")
@login_required
def open_message(notification_id: int):
    notification = services.message_for(db.session, signed_in(), notification_id) or abort(404)
    if not NhsukForm().validate_on_submit():
        abort(400)
    services.mark_read(notification)
    link = _safe_path(notification.link)
    db.session.commit()
    return redirect(link or url_for("notifications.inbox"))


@bp.post("/notifications/read-all")
@login_required
def read_all():
    if not NhsukForm().validate_on_submit():
        abort(400)
    count = services.mark_all_read(db.session, signed_in())
    db.session.commit()
    if count:
        flash(
            ngettext("%(num)d message marked as read.", "%(num)d messages marked as read.", count),
            "success",
        )
    return redirect(url_for("notifications.inbox"))


# Preferences ---------------------------------------------------------------------------------


@bp.route("/notifications/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    channels = services.open_channels(db.session, signed_in())
    form = PreferencesForm.for_preferences(services.preferences(db.session, signed_in()), channels)
    if form.validate_on_submit():
        changed = services.set_preferences(db.session, signed_in(), form.choices(), channels)
        db.session.commit()
        flash(
            gettext("Your message preferences have been saved.")
            if changed
            else gettext("Nothing was changed."),
            "success",
        )
        return redirect(url_for("notifications.preferences"))
    return render_template(
        "notifications/preferences.html",
        form=form,
        texts_configured=services.texts_configured(),
        texts_open=Channel.SMS in channels,
        whatsapp_configured=services.whatsapp_on(),
        whatsapp_open=Channel.WHATSAPP in channels,
        mobile=phones.state_of(db.session, signed_in()),
    )


# The outbox, for administrators --------------------------------------------------------------


@bp.get("/admin/outbox")
@login_required
def outbox():
    admins_only()
    page = db.paginate(services.failed_query(), page=requested_page(), per_page=PER_PAGE)
    return render_template(
        "notifications/outbox.html",
        channels=services.outbox_counts_by_channel(db.session),
        receipts=services.receipt_counts(db.session),
        page=page,
        failed=[presenters.failed_row(n) for n in page.items],
        form=NhsukForm(),
    )


@bp.post("/admin/outbox/<int:notification_id>/retry")
@login_required
def retry(notification_id: int):
    admins_only()
    if not NhsukForm().validate_on_submit():
        abort(400)
    if not services.retry(db.session, signed_in(), notification_id):
        abort(404)
    db.session.commit()
    flash(
        gettext("Message %(id)s will be sent again at the next delivery run.", id=notification_id),
        "success",
    )
    return redirect(url_for("notifications.outbox"))


@bp.post("/admin/outbox/retry-all")
@login_required
def retry_all():
    admins_only()
    if not NhsukForm().validate_on_submit():
        abort(400)
    count = services.retry_all(db.session, signed_in())
    db.session.commit()
    flash(
        ngettext(
            "%(num)d failed message will be sent again at the next delivery run.",
            "%(num)d failed messages will be sent again at the next delivery run.",
            count,
        )
        if count
        else gettext("There were no failed messages to send again."),
        "success",
    )
    return redirect(url_for("notifications.outbox"))
