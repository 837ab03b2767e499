"""Tele-teaching bookings: places held in the database, the waiting list, calendar files."""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user

from diaspora.auth.login import signed_in
from diaspora.auth.models import Role, User
from diaspora.bookings import presenters, services
from diaspora.bookings.forms import AttendanceForm, BookForm
from diaspora.bookings.transactions import run_change
from diaspora.core.time import utcnow
from diaspora.core.urls import external_url
from diaspora.extensions import db, login_manager
from diaspora.languages import translated
from diaspora.opportunities.access import managed_or_404, visible_or_404
from diaspora.opportunities.models import Opportunity, OpportunityKind, TeachingSession
from diaspora.templating import viewer_zone
from diaspora.widgets import NhsukForm, refusal

bp = Blueprint("bookings", __name__)
PUBLIC = {"bookings.feed"}
CALENDAR_TYPE = "text/calendar; charset=utf-8"
SHOWN_FEED_URL = "bookings.feed_url"  # the new feed's URL, shown once after it is made


@bp.before_request
def _signed_in():
    if request.endpoint in PUBLIC or current_user.is_authenticated:
        return None
    return login_manager.unauthorized()


@bp.app_template_global()
def booking_sessions(opportunity: Opportunity) -> dict | None:
    """The sessions section of a tele-teaching opportunity's page, for the signed-in viewer."""
    if opportunity.kind != OpportunityKind.TEACHING or not current_user.is_authenticated:
        return None
    page = request.args.get("page", 1, type=int)
    overview = services.overview(db.session, signed_in(), opportunity, page=page)
    return presenters.sessions(overview, viewer_zone().key)


def _session_or_404(session_id: int) -> TeachingSession:
    """A session of an opportunity the viewer may see."""
    teaching_session = db.session.get(TeachingSession, session_id)
    if teaching_session is None:
        abort(404)
    visible_or_404(signed_in(), teaching_session.opportunity_id)
    return teaching_session


def _back_to(session_id: int):
    """To the session on its opportunity's page."""
    return redirect(services.session_path(db.session.get(TeachingSession, session_id)))


# Booking and cancelling -------------------------------------------------------------------------


@bp.post("/sessions/<int:session_id>/book")
def book(session_id: int):
    if not current_user.has_role(Role.STAFF):
        abort(403)
    form = BookForm()
    if not form.validate_on_submit():
        abort(400)
    user_id, zone = signed_in().id, viewer_zone().key

    def change():
        booking = services.book(
            db.session, user_id, session_id, join_waiting_list=form.join_waiting_list
        )
        position = services.waiting_position(db.session, booking)
        # Read while the session is loaded: after the commit it would be read again.
        return (
            position,
            services.when(booking.session, zone),
            services.session_path(booking.session),
        )

    try:
        position, when, path = run_change(db.session, change)
    except services.BookingError as error:
        flash(refusal(error), "error")
        return _back_to(session_id)
    except LookupError:
        abort(404)
    if position is None:
        flash(gettext("You have booked a place: %(when)s.", when=when), "success")
    else:
        flash(
            gettext(
                "You are number %(position)s on the waiting list for %(when)s. "
                "We will tell you if a place comes free.",
                position=position,
                when=when,
            ),
            "success",
        )
    return redirect(path)


@bp.route("/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
def cancel(session_id: int):
    teaching_session = _session_or_404(session_id)
    booking = services.live_booking(db.session, signed_in(), session_id)
    if booking is None:
        abort(404)
    had_place = booking.state == services.S.ACCEPTED
    form = NhsukForm()
    if form.validate_on_submit():
        user_id = signed_in().id
        try:
            result = run_change(
                db.session, lambda: services.cancel(db.session, user_id, session_id)
            )
        except services.NotBooked:
            abort(404)
        except services.BookingError as error:
            flash(refusal(error), "error")
            return _back_to(session_id)
        flash(  # what was true when it happened, not when the page was shown
            gettext("Your booking is cancelled.")
            if result.had_place
            else gettext("You have left the waiting list."),
            "success",
        )
        return _back_to(session_id)
    return render_template(
        "bookings/cancel.html",
        form=form,
        had_place=had_place,
        opportunity=teaching_session.opportunity,
        when=services.when(teaching_session, viewer_zone().key),
        back_url=services.session_path(teaching_session),
    )


@bp.get("/sessions/<int:session_id>/calendar.ics")
def ics(session_id: int):
    data = services.download(db.session, signed_in(), session_id)
    if data is None:
        abort(404)
    response = Response(data, content_type=CALENDAR_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="session-{session_id}.ics"'
    return response


# Attendance ----------------------------------------------------------------------------------


@bp.route("/sessions/<int:session_id>/attendance", methods=["GET", "POST"])
def attendance(session_id: int):
    teaching_session = db.session.get(TeachingSession, session_id)
    if teaching_session is None:
        abort(404)
    opportunity = managed_or_404(signed_in(), teaching_session.opportunity_id)
    now = utcnow()
    people = services.attendees(db.session, teaching_session)
    problem = services.attendance_problem(teaching_session, now)
    form = AttendanceForm(people=[(e.id, e.user.display_name) for e in people])
    if problem is None and form.validate_on_submit():
        user_id = signed_in().id
        attended = list(form.attended.data or [])
        try:
            came, missed = run_change(
                db.session,
                lambda: services.record_attendance(
                    db.session, db.session.get(User, user_id), session_id, attended
                ),
            )
        except services.BookingError as error:
            flash(refusal(error), "error")
            return redirect(request.path)
        flash(
            gettext(
                "Attendance recorded: %(came)s attended, %(missed)s did not.",
                came=came,
                missed=missed,
            ),
            "success",
        )
        return redirect(request.path)
    shown = [presenters.attendee(e) for e in people]
    return render_template(
        "bookings/attendance.html",
        form=form,
        opportunity=opportunity,
        when=services.when(teaching_session, viewer_zone().key),
        heading=presenters.heading(teaching_session),
        problem=gettext("%(problem)s.", problem=translated(problem)) if problem else None,
        recorded=teaching_session.attendance_recorded_at,
        people=shown,
        people_rows=presenters.attendance_rows(shown),
        back_url=services.session_path(teaching_session),
    )


# The personal calendar feed ----------------------------------------------------------------------


@bp.get("/calendar")
def calendar():
    feed = services.feed_of(db.session, signed_in())
    new_url = session.pop(SHOWN_FEED_URL, None) if feed is not None else None
    return render_template("bookings/calendar.html", feed=feed, new_url=new_url, form=NhsukForm())


@bp.post("/calendar/link")
def calendar_link():
    form = NhsukForm()
    if not form.validate_on_submit():
        abort(400)
    had_one = services.feed_of(db.session, signed_in()) is not None
    token = services.new_feed(db.session, signed_in())
    db.session.commit()
    session[SHOWN_FEED_URL] = external_url("bookings.feed", token=token)
    flash(
        gettext("Your calendar link has been reset. The old link no longer works.")
        if had_one
        else gettext("Your calendar link is ready."),
        "success",
    )
    return redirect(url_for("bookings.calendar"))


@bp.route("/calendar/turn-off", methods=["GET", "POST"])
def calendar_off():
    if services.feed_of(db.session, signed_in()) is None:
        return redirect(url_for("bookings.calendar"))
    form = NhsukForm()
    if form.validate_on_submit():
        services.turn_off_feed(db.session, signed_in())
        db.session.commit()
        session.pop(SHOWN_FEED_URL, None)
        flash(gettext("Your calendar link is turned off. It no longer works."), "success")
        return redirect(url_for("bookings.calendar"))
    return render_template("bookings/calendar_off.html", form=form)


@bp.get("/calendar/feed/<token>.ics")
def feed(token: str):
    owner = services.feed_owner(db.session, token)
    if owner is None:
        abort(404)
    response = Response(services.calendar_for(db.session, owner), content_type=CALENDAR_TYPE)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Disposition"] = 'inline; filename="diaspora.ics"'
    return response
