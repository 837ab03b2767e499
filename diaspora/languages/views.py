"""The language switcher: every page's footer links here, and the choice is a small POST form
(with its CSRF token), so it works without JavaScript. A signed-in person's choice is their
account setting; a signed-out visitor's is kept in a cookie."""

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField

from diaspora.core.security import safe_next
from diaspora.extensions import db
from diaspora.languages import COOKIE, COOKIE_MAX_AGE, LANGUAGES, force_locale, supported
from diaspora.widgets import NhsukMeta

bp = Blueprint("languages", __name__, url_prefix="/language")


class LanguageChoiceForm(FlaskForm):
    Meta = NhsukMeta

    language = SelectField(choices=list(LANGUAGES))
    next = HiddenField()


@bp.get("")
def choose():
    """The languages, each named in itself; the page is in the one the link named (`to`), so a
    reader who followed "বাংলা" reads it in Bengali."""
    form = LanguageChoiceForm(next=safe_next(request.args.get("next"), url_for("home.index")))
    target = supported(request.args.get("to"))
    if target is None:
        return render_template("languages/choose.html", form=form, target=None)
    with force_locale(target):
        return render_template("languages/choose.html", form=form, target=target)


@bp.post("")
def change():
    form = LanguageChoiceForm()
    if not form.validate_on_submit():
        return redirect(url_for("languages.choose"))
    language = form.language.data
    if current_user.is_authenticated:
        current_user.language = language
        db.session.commit()
    response = redirect(safe_next(form.next.data, url_for("home.index")))
    response.set_cookie(
        COOKIE,
        language,
        max_age=COOKIE_MAX_AGE,
        path="/",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    return response
