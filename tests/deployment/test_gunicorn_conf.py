"""gunicorn.conf.py: gunicorn knows every setting it makes, a machine's own values come from the
environment, its timeouts agree with nginx's (docs/nginx.conf.template), and the application it
preloads in the master holds no database connection the workers would share."""

import os
import re
import runpy
from pathlib import Path
from types import ModuleType

from gunicorn.config import Config as GunicornConfig

from diaspora import config, create_app
from diaspora.extensions import db

ROOT = Path(__file__).resolve().parents[2]
NGINX = (ROOT / "docs" / "nginx.conf.template").read_text()


def _conf(monkeypatch, **environment: str) -> GunicornConfig:
    """gunicorn's configuration as it reads gunicorn.conf.py in this environment; a name that
    is not a setting fails here, as it would not in gunicorn (which ignores it)."""
    for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_BIND", "FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    names = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    cfg = GunicornConfig()
    for name, value in names.items():
        imported = isinstance(value, ModuleType) or (
            callable(value) and value.__module__ != names["__name__"]
        )
        if name.islower() and not name.startswith("_") and not imported:
            cfg.set(name, value)  # AttributeError for an unknown name
    return cfg


def _nginx_seconds(directive: str) -> int:
    return int(re.search(rf"^\s*{directive} (\d+)s;", NGINX, re.MULTILINE).group(1))


def test_a_node_runs_a_worker_a_core_with_threads_preloaded_behind_nginx(monkeypatch):
    cfg = _conf(monkeypatch)

    assert cfg.workers == len(os.sched_getaffinity(0))
    assert cfg.worker_class_str == "gthread" and cfg.threads == 4
    assert cfg.bind == ["127.0.0.1:8000"]
    assert cfg.preload_app is True
    assert cfg.max_requests > 0 and 0 < cfg.max_requests_jitter < cfg.max_requests
    assert cfg.graceful_timeout > 0 and cfg.timeout > 0
    # nginx closes an idle connection first, so it never reuses one gunicorn has just closed.
    assert cfg.keepalive > _nginx_seconds("keepalive_timeout")
    assert cfg.forwarded_allow_ips == ["127.0.0.1", "::1"]
    assert cfg.accesslog == "-"


def test_each_machine_sets_its_own_workers_threads_address_and_proxies(monkeypatch):
    cfg = _conf(
        monkeypatch,
        WEB_CONCURRENCY="3",
        GUNICORN_THREADS="2",
        GUNICORN_BIND="10.0.1.11:8000",
        FORWARDED_ALLOW_IPS="10.0.0.5",
    )

    assert (cfg.workers, cfg.threads) == (3, 2)
    assert cfg.bind == ["10.0.1.11:8000"]
    assert cfg.forwarded_allow_ips == ["10.0.0.5"]


def test_creating_the_application_opens_no_database_connection(tmp_path):
    """What the master does before forking: a connection opened then would be shared by every
    worker forked from it."""
    app = create_app(config.TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.db'}")
    with app.app_context():
        pool = db.engine.pool
        assert (pool.checkedin(), pool.checkedout()) == (0, 0)
        db.engine.dispose()
    assert not (tmp_path / "x.db").exists()
