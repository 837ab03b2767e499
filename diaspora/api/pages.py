"""The API's pages for people: personal access tokens on the account pages, and the API
reference."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from diaspora.api import tokens
from diaspora.api.forms import TokenForm
from diaspora.api.models import SCOPE_LABELS
from diaspora.api.reference import reference_sections, shapes
from diaspora.api.resources import OPERATIONS
from diaspora.api.spec import build_spec
from diaspora.extensions import db
from diaspora.factors.gate import step_up_required
from diaspora.widgets import NhsukForm, refusal

bp = Blueprint("api_tokens", __name__)


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
@step_up_required
def token_list():
    form = TokenForm()
    me = current_user._get_current_object()
    if form.validate_on_submit():
        try:
            token, secret = tokens.create(
                db.session, me, form.name.data, form.scope.data, form.days.data
            )
        except tokens.TokenError as error:
            form.name.errors.append(refusal(error))
        else:
            db.session.commit()
            # Shown on this response only: no redirect, so the secret never sits in a session.
            return render_template("api/token_created.html", token=token, secret=secret)
    return render_template(
        "api/tokens.html",
        form=form,
        tokens=tokens.live_tokens(db.session, me),
        scope_labels=SCOPE_LABELS,
    )


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke(token_id: int):
    token = tokens.token_of(db.session, current_user, token_id)
    if token is None:
        abort(404)
    form = NhsukForm()
    if form.validate_on_submit():
        tokens.revoke(db.session, token, current_user)
        db.session.commit()
        flash(gettext("Token “%(name)s” revoked. It no longer works.", name=token.name), "success")
        return redirect(url_for("api_tokens.token_list"))
    return render_template("api/revoke.html", token=token, form=form)


@bp.route("/developers/api")
def reference():
    """The API reference, readable by people, from the same document as /api/v1/openapi.json."""
    spec = build_spec(url_for("api.openapi").removesuffix("/openapi.json"), OPERATIONS)
    return render_template(
        "api/reference.html", spec=spec, sections=reference_sections(spec), shapes=shapes(spec)
    )
