"""What the application logs names no one."""

import logging
import threading
import urllib.error
import urllib.request

from flask import url_for
from werkzeug.serving import make_server

from diaspora.auth.models import User
from diaspora.notifications.jobs import deliver_due
from tests.helpers import free_port, submit

EMAIL = "private.person@example.org"
NAME = "Private Person"


def test_a_failed_email_send_logs_no_address(app, client, db, caplog):
    app.config["MAIL_PORT"] = free_port()  # nothing listens there
    caplog.set_level(logging.DEBUG)

    data = {"display_name": NAME, "email": EMAIL, "password": "a long enough password"}
    response = submit(client, "/account/register/staff", data)

    assert response.status_code == 302  # the account is made even though the email failed
    assert db.session.scalar(db.select(User).filter_by(email=EMAIL)) is not None
    deliver_due()  # the scheduler's next tick
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "diaspora.notifications.delivery" in [r.name for r in warnings]
    assert any("1 email(s) left for later" in r.getMessage() for r in warnings)
    for record in caplog.records:
        text = record.getMessage() + (record.exc_text or "")
        assert "private.person" not in text.lower(), f"{record.name} logged the address"
        assert NAME.lower() not in text.lower(), f"{record.name} logged the name"


def test_users_are_shown_by_id_only(make):
    user = make.user(email=EMAIL, name=NAME)
    assert repr(user) == f"<User {user.id}>"


def test_the_development_console_has_no_line_for_static_files_and_short_ones_for_pages(app, caplog):
    """A real development server (werkzeug's, as `flask run` starts it) answering a page, a
    static file and a missing static file."""
    with app.test_request_context():
        css = url_for("static", filename="impact/impact.css")
    port = free_port()
    server = make_server("127.0.0.1", port, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    caplog.set_level(logging.INFO, logger="werkzeug")
    try:
        for path in ("/health/live", css, "/static/missing.css"):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5).read()
            except urllib.error.HTTPError as error:
                assert error.code == 404
    finally:
        server.shutdown()
        thread.join()

    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert "GET /health/live 200" in lines
    assert "GET /static/missing.css 404" in lines
    assert not [line for line in lines if "impact" in line]
