from flask import Blueprint, jsonify, render_template
from flask_login import current_user

from diaspora.extensions import db
from diaspora.organisations.services import memberships_for

bp = Blueprint("core", __name__)


@bp.get("/")
def home():
    memberships = memberships_for(db.session, current_user) if current_user.is_authenticated else []
    return render_template("core/home.html", memberships=memberships)


@bp.get("/health")
def health():
    """Liveness for load balancers; also the bare JSON route the benchmark compares against."""
    return jsonify(status="ok")


@bp.get("/accessibility")
def accessibility():
    return render_template("core/accessibility.html")
