"""Health checks for load balancers and orchestrators: is the process up (live), and can it
serve (ready: the database answers, the rate limits' storage when it is a server, and what
other packages register in `app.extensions["readiness"]`, such as the copies in memory)."""

import logging

from flask import current_app
from sqlalchemy import text

from diaspora.extensions import db, limiter

log = logging.getLogger(__name__)


def _database() -> bool:
    with db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return True


def _rate_limit_storage() -> bool:
    return bool(limiter.storage.check())


def readiness() -> dict[str, bool]:
    """Each dependency's name and whether it answered. Failures are logged by kind only."""
    checks = {"database": _database}
    uri = current_app.config["RATELIMIT_STORAGE_URI"]
    if not uri.startswith("memory://"):
        # Named after the kind of server (redis, memcached...), never its address.
        checks[uri.partition(":")[0].partition("+")[0]] = _rate_limit_storage
    checks |= current_app.extensions.get("readiness", {})
    results = {}
    for name, check in checks.items():
        try:
            results[name] = check()
        except Exception as error:
            log.warning("Readiness check %s failed: %s", name, type(error).__name__)
            results[name] = False
        else:
            if not results[name]:
                log.warning("Readiness check %s failed", name)
    return results
