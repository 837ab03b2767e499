"""Logs name no one and carry no secrets; health checks tell live from ready."""

import json
import logging
import os
import runpy
import secrets
from datetime import timedelta
from types import SimpleNamespace

import pytest
from gunicorn import glogging
from gunicorn.config import Config as GunicornConfig

from diaspora import ROOT, config, create_app
from diaspora.auth.models import User
from diaspora.changelog import mirror
from diaspora.core.logs import REDACTED, JsonFormatter, TextFormatter, redact
from diaspora.extensions import db as _db
from tests.conftest import copies_loaded
from tests.helpers import free_port

EMAIL = "private.person@example.org"
NAME = "Private Person"
TOKEN = "S3cretT0ken-" + "x" * 20
HASH = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2g"


def _everything_logged(records: list[logging.LogRecord]) -> str:
    """What any handler could write of these records: message, exception, both formats."""
    text, json_lines = TextFormatter(), JsonFormatter()
    return "\n".join(
        f"{r.getMessage()}\n{r.exc_text or ''}\n{text.format(r)}\n{json_lines.format(r)}"
        for r in records
    )


@pytest.fixture
def duplicate_user_route(app):
    """A route that fails in the database with personal data in its query."""

    def _duplicate():
        _db.session.add(
            User(email=EMAIL, display_name=NAME, password_hash=HASH, session_token=TOKEN)
        )
        _db.session.flush()
        return "unreachable"

    app.add_url_rule("/test/duplicate", "test_duplicate", _duplicate, methods=["GET"])
    return "/test/duplicate"


@pytest.mark.own_app  # adds a route
def test_finding_1_unhandled_database_error_logs_no_personal_data(
    app, client, make, duplicate_user_route, caplog
):
    make.user(email=EMAIL)
    caplog.set_level(logging.DEBUG)  # SQLAlchemy logs every statement at this level too

    response = client.get(duplicate_user_route, headers={"X-Request-ID": "case-1"})

    assert response.status_code == 500
    logged = _everything_logged(caplog.records)
    for secret in (EMAIL, NAME, HASH, "c2FsdHNhbHRzYWx0", TOKEN):
        assert secret not in logged
    (error,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert error.getMessage().startswith("Unhandled error on GET /test/duplicate: IntegrityError")
    assert error.request_id == "case-1"


def test_finding_1_sql_parameters_are_hidden_by_the_engine(app):
    assert _db.engine.hide_parameters is True


def test_finding_1_exceptions_are_logged_by_kind_and_place_not_message(caplog):
    caplog.set_level(logging.INFO)
    try:
        raise ValueError(f"no such user {EMAIL}")
    except ValueError:
        logging.getLogger("some.library").exception("Failed")

    (record,) = caplog.records
    for formatted in (TextFormatter().format(record), JsonFormatter().format(record)):
        assert EMAIL not in formatted
        assert "ValueError at tests/security/test_logs_and_health.py:" in formatted


@pytest.mark.own_app  # adds a route
def test_finding_1_json_log_line_has_the_request_id(app, client, caplog):
    caplog.set_level(logging.INFO)

    def _logs():
        logging.getLogger("diaspora.test").info("Something happened")
        return "done"

    app.add_url_rule("/test/logs", "test_logs", _logs)

    given = client.get("/test/logs", headers={"X-Request-ID": "lb-7f3a.9"})
    made = client.get("/test/logs", headers={"X-Request-ID": f"{EMAIL} <x>"})

    assert given.headers["X-Request-ID"] == "lb-7f3a.9"
    generated = made.headers["X-Request-ID"]
    assert EMAIL not in generated and len(generated) == 32
    lines = [JsonFormatter().format(r) for r in caplog.records if r.name == "diaspora.test"]
    assert all("\n" not in line for line in lines)
    entries = [json.loads(line) for line in lines]
    assert [e["request_id"] for e in entries] == ["lb-7f3a.9", generated]
    assert entries[0]["message"] == "Something happened"
    assert entries[0]["level"] == "INFO" and entries[0]["logger"] == "diaspora.test"


def test_finding_1_production_logs_are_json_lines(monkeypatch):
    assert config.ProductionConfig.LOG_FORMAT == "json"
    monkeypatch.setenv("APP_ENV", "production")
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))

    assert conf["accesslog"] == "-"
    handler = conf["logconfig_dict"]["handlers"]["app"]
    assert handler["json_lines"] is True
    assert isinstance(handler["()"](json_lines=True).formatter, JsonFormatter)
    for name in ("gunicorn.error", "gunicorn.access"):
        assert conf["logconfig_dict"]["loggers"][name]["handlers"] == ["app"]


def _gunicorn_access_record(path_and_query: str, referer: str) -> logging.LogRecord:
    """The record gunicorn's access logger makes for one request, with gunicorn.conf.py's format."""
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    cfg = GunicornConfig()
    cfg.set("accesslog", os.devnull)
    cfg.set("access_log_format", conf["access_log_format"])
    access = logging.getLogger("gunicorn.access")
    error = logging.getLogger("gunicorn.error")
    before = {log: (list(log.handlers), log.propagate) for log in (access, error)}
    records: list[logging.LogRecord] = []
    collector = logging.Handler()
    collector.emit = records.append
    try:
        logger = glogging.Logger(cfg)
        access.addHandler(collector)
        environ = {
            "REQUEST_METHOD": "GET",
            "RAW_URI": path_and_query,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "203.0.113.9",
            "HTTP_REFERER": referer,
        }
        response = SimpleNamespace(status="200 OK", sent=10, headers=[("X-Request-ID", "req-42")])
        logger.access(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=5))
    finally:
        for log, (handlers, propagate) in before.items():
            for handler in log.handlers:
                if handler not in handlers:
                    handler.close()
            log.handlers[:] = handlers
            log.propagate = propagate
    (record,) = records
    return record


def test_finding_1_access_log_line_for_a_reset_link_has_no_token(app):
    record = _gunicorn_access_record(
        f"/account/reset-password/{TOKEN}?next=/account/email/confirm/{TOKEN}",
        f"https://diaspora.example/account/reset-password/{TOKEN}",
    )

    line = record.getMessage()
    assert TOKEN not in line
    assert f'"GET /account/reset-password/{REDACTED}?next={REDACTED} HTTP/1.1" 200' in line
    assert f'"https://diaspora.example/account/reset-password/{REDACTED}"' in line
    entry = json.loads(JsonFormatter().format(record))
    assert entry["request_id"] == "req-42" and TOKEN not in entry["message"]


def test_finding_1_development_server_access_line_has_no_token_or_search(app, caplog):
    caplog.set_level(logging.INFO)
    request_line = f'"GET /account//reset%2Dpassword/{TOKEN} HTTP/1.1" 308 -'
    logging.getLogger("werkzeug").info("%s - - [%s] %s", "127.0.0.1", "date", request_line)
    logging.getLogger("werkzeug").info("%s", '"GET /admin/users?q=private.person%40example.org"')

    logged = " ".join(r.getMessage() for r in caplog.records)
    assert TOKEN not in logged and "private.person" not in logged
    assert f"/account/reset-password/{REDACTED}" in logged and f"?q={REDACTED}" in logged


PUBLIC_ARGUMENTS = {"filename", "action", "what"}  # static files, fixed choices


def test_finding_1_every_link_with_a_secret_segment_is_masked(app):
    """A new route taking a string from its path must be masked or named public here."""
    for rule in app.url_map.iter_rules():
        strings = {
            name
            for name, converter in rule._converters.items()
            if type(converter).__name__ in {"UnicodeConverter", "PathConverter"}
        }
        secret = strings - PUBLIC_ARGUMENTS
        if not secret:
            continue
        values = {name: 1 for name in rule.arguments} | {name: TOKEN for name in secret}
        path = rule.build(values)[1]
        assert TOKEN not in redact(f'"GET {path} HTTP/1.1"'), rule.rule


def test_finding_2_live_answers_without_checking_dependencies():
    app = create_app(
        config.TestConfig, SQLALCHEMY_DATABASE_URI="sqlite:////no/such/dir/down.sqlite"
    )
    client = app.test_client()

    live = client.get("/health/live")
    ready = client.get("/health/ready")
    alias = client.get("/health")

    assert live.status_code == 200 and live.get_json() == {"status": "ok"}
    assert ready.status_code == 503
    assert ready.get_json() == {
        "status": "unavailable",
        "checks": {"database": "failed", "copies": "failed"},
    }
    assert alias.status_code == 503 and alias.get_json() == ready.get_json()
    assert "sqlite" not in ready.get_data(as_text=True)
    copies_loaded(app)
    with app.app_context():
        _db.engine.dispose()


def test_finding_2_ready_when_the_database_answers(app):
    mirror.warm(app)  # as a worker forked from a warm master finds them (tests/changelog)
    response = app.test_client().get("/health/ready")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok", "copies": "ok"}}


@pytest.mark.app_config(RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{free_port()}/0")
def test_finding_2_ready_fails_when_redis_is_down(app):
    mirror.warm(app)
    response = app.test_client().get("/health/ready")

    assert response.status_code == 503
    body = response.get_json()
    checks = {"database": "ok", "redis": "failed", "copies": "ok"}
    assert body == {"status": "unavailable", "checks": checks}
    assert "127.0.0.1" not in response.get_data(as_text=True)


@pytest.mark.app_config(RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15")
def test_finding_2_ready_checks_redis_when_rate_limits_live_there(app):
    mirror.warm(app)
    response = app.test_client().get("/health/ready")

    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": "ok", "redis": "ok", "copies": "ok"}


def test_finding_2_live_answers_anyone_with_the_request_id(app):
    token = secrets.token_hex(4)
    response = app.test_client().get("/health/live", headers={"X-Request-ID": token})
    assert response.status_code == 200 and response.headers["X-Request-ID"] == token


def test_refused_requests_are_in_the_security_log_without_naming_anyone(client, login_as, caplog):
    """403, 429 and CSRF failures each leave one line: route pattern, status, account id."""
    caplog.set_level(logging.WARNING, logger="diaspora.security")
    user = login_as("staff")
    assert client.get("/admin/users").status_code == 403
    assert client.post("/account/sign-out").status_code == 400  # no CSRF token
    lines = [r.getMessage() for r in caplog.records if r.name == "diaspora.security"]
    assert lines == [
        f"Refused GET /admin/users: 403 account={user.id}",
        f"Refused POST /account/sign-out: 400 (CSRF) account={user.id}",
    ]
    assert user.email not in _everything_logged(caplog.records)
