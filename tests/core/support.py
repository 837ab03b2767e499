"""Tools shared by tests/core and tests/auth: extra apps, route enumeration, database snapshots."""

import re
from contextlib import contextmanager

from sqlalchemy import select
from werkzeug.routing import AnyConverter, IntegerConverter

from diaspora import create_app
from diaspora.config import ProductionConfig
from diaspora.extensions import db

NONCE = re.compile(r"nonce-([A-Za-z0-9_\-]+)'")
SIGNED_OUT_IDLE = "You were signed out because you had not done anything for a while"


class ProductionTestConfig(ProductionConfig):
    """ProductionConfig as deployed, with the SECRET_KEY and SERVICE_URL the environment would
    supply."""

    SECRET_KEY = "production-test-secret-key"
    SERVICE_URL = "https://localhost"


@contextmanager
def fresh_app(config_class, database_url: str, **overrides):
    """A new application (so routes can still be added to it) on the test database."""
    app = create_app(config_class, SQLALCHEMY_DATABASE_URI=database_url, **overrides)
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()


def rules_accepting(app, method: str) -> list:
    return sorted(
        (rule for rule in app.url_map.iter_rules() if method in rule.methods),
        key=lambda rule: rule.rule,
    )


def dummy_path(rule, ids: dict[str, int] | None = None) -> str:
    """The rule's path with made-up arguments: integers become an id, a choice its first
    option, everything else "x"."""
    ids = ids or {}
    values = {name: _dummy(rule._converters[name], ids.get(name, 1)) for name in rule.arguments}
    built = rule.build(values)
    assert built is not None, f"could not build {rule.rule}"
    return built[1]


def _dummy(converter, number: int) -> int | str:
    if isinstance(converter, IntegerConverter):
        return number
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return "x"


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, to show that a request wrote nothing."""
    db.session.expire_all()
    return {
        table.name: sorted((tuple(row) for row in db.session.execute(select(table))), key=repr)
        for table in db.metadata.sorted_tables
    }


def csp_nonce(response) -> str:
    match = NONCE.search(response.headers["Content-Security-Policy"])
    assert match, "no script nonce in the Content-Security-Policy"
    return match.group(1)


def without_nonces(html: str) -> str:
    return re.sub(r'nonce="[^"]*"', 'nonce=""', html)
