from flask import Blueprint, jsonify, render_template

from diaspora.core.health import readiness

bp = Blueprint("core", __name__)


@bp.get("/health/live")
def live():
    """The process answers (no dependency checked); also the bare JSON route the benchmark
    compares against."""
    return jsonify(status="ok")


@bp.get("/health/ready")
@bp.get("/health")
def ready():
    """The service can serve: 503 naming each dependency that did not answer."""
    checks = readiness()
    healthy = all(checks.values())
    body = {
        "status": "ok" if healthy else "unavailable",
        "checks": {name: "ok" if passed else "failed" for name, passed in checks.items()},
    }
    return jsonify(body), 200 if healthy else 503


@bp.get("/accessibility")
def accessibility():
    return render_template("core/accessibility.html")
