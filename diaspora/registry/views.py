"""A staff member's own profile: a one-thing-per-page journey ending in check your answers,
then the same pages to change one section at a time. No ids of profiles in any URL: every
page works on the signed-in person's own profile."""

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from diaspora.auth.login import staff_only
from diaspora.extensions import db
from diaspora.languages import translated
from diaspora.registry import presenters, services
from diaspora.registry.forms import (
    AvailabilityForm,
    ConfirmForm,
    LanguageForm,
    PrivacyForm,
    SkillForm,
    TieForm,
    WindowForm,
    WorkForm,
)
from diaspora.registry.models import StaffProfile
from diaspora.templating import viewer_zone

bp = Blueprint("registry", __name__, url_prefix="/profile")

STEPS = ("work", "countries", "languages", "skills", "availability", "windows", "privacy", "check")
TITLES = {
    "work": _l("Your work in the NHS"),
    "countries": _l("Countries you have ties to"),
    "languages": _l("Languages you speak"),
    "skills": _l("Your skills"),
    "availability": _l("Your availability"),
    "windows": _l("When you could travel"),
    "privacy": _l("Privacy and contact"),
    "check": _l("Check your answers before saving your profile"),
}


@bp.before_request
@login_required
def _staff_only():
    staff_only()


# Finding the profile and the way through the journey -------------------------------------------


def _current() -> StaffProfile | None:
    return services.load_profile(db.session, current_user)


def _own(profile: StaffProfile | None) -> StaffProfile:
    """The profile to change, made on the first save (never on a GET)."""
    return profile or services.profile_for(db.session, current_user, create=True)


def _from_check() -> dict[str, str]:
    """Pages opened from check your answers carry `from=check`, to go back there."""
    return {"from": "check"} if request.args.get("from") == "check" else {}


def _steps(profile: StaffProfile, current: str) -> list[str]:
    """The journey's steps: travel dates only for people who could work on site."""
    with_windows = services.travels(profile) or current == "windows"
    return [step for step in STEPS if with_windows or step != "windows"]


def _next_url(step: str, profile: StaffProfile) -> str:
    if step == "availability" and services.travels(profile) and not profile.windows:
        return url_for("registry.windows", **_from_check())
    if profile.completed_at:
        return url_for("registry.profile")
    if _from_check():
        return url_for("registry.check")
    steps = _steps(profile, step)
    return url_for(f"registry.{steps[steps.index(step) + 1]}")


def _back_url(step: str, profile: StaffProfile) -> str:
    if profile.completed_at:
        return url_for("registry.profile")
    if _from_check():
        return url_for("registry.check")
    steps = _steps(profile, step)
    position = steps.index(step)
    return url_for(f"registry.{steps[position - 1]}") if position else url_for("registry.profile")


def _suggested(name: str) -> dict[str, str]:
    """A value to start a page's form with, from a link (`?country=BD`), such as the ones a
    cohort invitation's welcome page offers for what the coordinator's spreadsheet said. Only
    a first look: the form's own checks apply when it is sent."""
    value = request.args.get(name, "")
    return {name: value} if value and len(value) <= 8 else {}


def _page(step: str, profile: StaffProfile | None, form, items=None, **context):
    """Render a step; `items(profile)` lists what an add-another page holds so far."""
    profile = profile or StaffProfile()  # nothing saved yet: an empty one, never stored
    if items is not None:
        context["items"] = items(profile)
    return render_template(
        f"registry/{step}.html",
        form=form,
        profile=profile,
        title=str(TITLES[step]),
        back_link={"href": _back_url(step, profile)},
        next_url=_next_url(step, profile) if step != "check" else None,
        keep=_from_check(),
        **context,
    )


def _refused(form, error: services.ProfileError) -> None:
    """Nothing of the refused change stays; its messages go to the fields they are about."""
    db.session.rollback()
    form.add_errors(error.errors)


def _saved(step: str, profile: StaffProfile):
    db.session.commit()
    if profile.completed_at:
        flash(gettext("Your changes have been saved."), "success")
    return redirect(_next_url(step, profile))


def _added(step: str, item):
    name = presenters.item_name(item)
    db.session.commit()
    flash(gettext("%(name)s added.", name=name), "success")
    return redirect(url_for(f"registry.{step}", **_from_check()))


def _remove(step: str, kind: str, item_id: int):
    profile = _current()
    item = services.remove_item(profile, kind, item_id) if profile else None
    if item is None:
        abort(404)  # not there, or someone else's
    name = presenters.item_name(item)
    db.session.commit()
    flash(gettext("%(name)s removed.", name=name), "success")
    return redirect(url_for(f"registry.{step}", **_from_check()))


# The profile ------------------------------------------------------------------------------------


@bp.get("")
def profile():
    profile = _current()
    if profile is None or profile.completed_at is None:
        missing = services.missing_sections(profile)
        first = next(iter(missing), "check") if profile else "work"
        return render_template(
            "registry/start.html",
            title=gettext("Create your profile"),
            started=profile is not None,
            next_url=url_for(f"registry.{first}"),
        )
    sections = presenters.summary_sections(profile, lambda step: url_for(f"registry.{step}"))
    return render_template(
        "registry/profile.html", title=gettext("Your profile"), profile=profile, sections=sections
    )


@bp.route("/work", methods=["GET", "POST"])
def work():
    profile = _current()
    form = WorkForm(obj=profile)
    if form.validate_on_submit():
        profile = _own(profile)
        try:
            services.update_work(profile, **form.fields())
        except services.ProfileError as error:
            _refused(form, error)
        else:
            return _saved("work", profile)
    return _page("work", profile, form)


@bp.route("/countries", methods=["GET", "POST"])
def countries():
    profile = _current()
    form = TieForm(data=_suggested("country"))
    if form.validate_on_submit():
        profile = _own(profile)
        try:
            tie = services.add_tie(
                db.session, profile, country=form.country.data, kind=form.kind.data
            )
        except services.ProfileError as error:
            _refused(form, error)
        else:
            return _added("countries", tie)
    return _page("countries", profile, form, items=presenters.tie_items)


@bp.post("/countries/<int:item_id>/remove")
def remove_country(item_id: int):
    return _remove("countries", "tie", item_id)


@bp.route("/languages", methods=["GET", "POST"])
def languages():
    profile = _current()
    form = LanguageForm(data=_suggested("language"))
    if form.validate_on_submit():
        profile = _own(profile)
        try:
            item = services.add_language(
                db.session,
                profile,
                language=form.language.data,
                proficiency=form.proficiency.data,
            )
        except services.ProfileError as error:
            _refused(form, error)
        else:
            return _added("languages", item)
    return _page("languages", profile, form, items=presenters.language_items)


@bp.post("/languages/<int:item_id>/remove")
def remove_language(item_id: int):
    return _remove("languages", "language", item_id)


@bp.route("/skills", methods=["GET", "POST"])
def skills():
    profile = _current()
    form = SkillForm()
    if form.validate_on_submit():
        profile = _own(profile)
        try:
            item = services.add_skill(
                db.session,
                profile,
                code=form.skill.data or None,
                tag=form.tag.data,
                level=form.level.data,
            )
        except services.ProfileError as error:
            _refused(form, error)
        else:
            return _added("skills", item)
    return _page("skills", profile, form, items=presenters.skill_items)


@bp.post("/skills/<int:item_id>/remove")
def remove_skill(item_id: int):
    return _remove("skills", "skill", item_id)


@bp.route("/availability", methods=["GET", "POST"])
def availability():
    profile = _current()
    form = AvailabilityForm(obj=profile)
    if form.validate_on_submit():
        profile = _own(profile)
        try:
            services.update_availability(profile, **form.fields())
        except services.ProfileError as error:
            _refused(form, error)
        else:
            return _saved("availability", profile)
    return _page("availability", profile, form)


@bp.route("/availability/windows", methods=["GET", "POST"])
def windows():
    profile = _current()
    form = WindowForm()
    if form.validate_on_submit():
        profile = _own(profile)
        try:
            window = services.add_window(
                db.session,
                profile,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                today=datetime.now(viewer_zone()).date(),
            )
        except services.ProfileError as error:
            _refused(form, error)
        else:
            return _added("windows", window)
    return _page("windows", profile, form, items=presenters.window_items)


@bp.post("/availability/windows/<int:item_id>/remove")
def remove_window(item_id: int):
    return _remove("windows", "window", item_id)


@bp.route("/privacy", methods=["GET", "POST"])
def privacy():
    profile = _current()
    form = PrivacyForm(obj=profile)
    if form.validate_on_submit():
        profile = _own(profile)
        try:
            services.update_privacy(
                profile, visibility=form.visibility.data, consent=form.consent_to_contact.data
            )
        except services.ProfileError as error:
            _refused(form, error)
        else:
            return _saved("privacy", profile)
    return _page("privacy", profile, form)


@bp.route("/check", methods=["GET", "POST"])
def check():
    profile = _current()
    if profile is not None and profile.completed_at:
        return redirect(url_for("registry.profile"))
    form = ConfirmForm()
    problems = {}
    if form.validate_on_submit():
        profile = _own(profile)
        try:
            services.complete_profile(profile)
        except services.ProfileError as error:
            db.session.rollback()
            problems = error.errors
        else:
            db.session.commit()
            flash(gettext("Your profile has been saved."), "success")
            return redirect(url_for("registry.profile"))
    shown = profile or StaffProfile()
    change = {"from": "check"}
    return _page(
        "check",
        profile,
        form,
        sections=presenters.summary_sections(
            shown, lambda step: url_for(f"registry.{step}", **change)
        ),
        problems=[
            {"text": translated(message), "href": url_for(f"registry.{step}", **change)}
            for step, message in problems.items()
        ],
    )
