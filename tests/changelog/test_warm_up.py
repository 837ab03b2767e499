"""Copies are loaded before they are needed: a process is ready only once its copies are loaded,
and a master about to fork workers loads them and leaves the children nothing they cannot share."""

import gc

from flask import current_app
from sqlalchemy.exc import OperationalError

from diaspora.changelog import mirror
from diaspora.extensions import db
from tests.factories import Factories

WAIT_SECONDS = 30


def copies() -> list[mirror.Mirror]:
    return [copy.of_app() for copy in current_app.extensions["changelog"]]


def test_a_process_is_ready_once_its_copies_have_loaded_in_the_background(committed):
    Factories(db.session).profile()
    client = current_app.test_client()

    cold = client.get("/health/ready")
    assert cold.status_code == 503
    assert cold.get_json()["checks"] == {"database": "ok", "copies": "failed"}
    current_app.extensions["changelog.warming"].join(WAIT_SECONDS)

    assert all(copy.warm for copy in copies())
    warm = client.get("/health/ready")
    assert warm.status_code == 200
    assert warm.get_json() == {"status": "ok", "checks": {"database": "ok", "copies": "ok"}}


def test_before_forking_the_copies_are_loaded_and_no_connection_is_left_open(committed):
    Factories(db.session).profile()
    db.session.remove()
    try:
        mirror.before_fork(current_app._get_current_object())
        assert all(copy.warm for copy in copies())
        assert db.engine.pool.checkedin() == db.engine.pool.checkedout() == 0
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_a_master_that_cannot_load_its_copies_still_forks(committed, monkeypatch, caplog):
    def down(_app) -> None:
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError())

    monkeypatch.setattr(mirror, "warm", down)
    try:
        mirror.before_fork(current_app._get_current_object())  # the workers load their own
    finally:
        gc.unfreeze()
    assert "Loading the copies in memory failed: OperationalError" in caplog.text
