"""Small tools the tests share: forms with their CSRF token, a query counter, an SMTP sink."""

import html as html_lib
import re
import secrets
import socket
import threading
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage

import pyotp
from aiosmtpd.controller import Controller
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import event

from diaspora.auth.services import find_user_by_email
from diaspora.core.csrf import mask
from diaspora.extensions import db
from diaspora.factors import services as factors
from diaspora.notifications.jobs import deliver_due
from tests.factories import PASSWORD

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    page = client.get(url)
    match = CSRF.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} (status {page.status_code})"
    return match.group(1)


def session_csrf_token(client) -> str:
    """The token every page of this client's session shows, masked afresh, made as Flask-WTF's
    `generate_csrf` makes it (a signed copy of the session's raw token) without rendering a
    page: a GET of the form's page only to read its token was a third of many tests' time."""
    with client.session_transaction() as session:
        raw = session.setdefault("csrf_token", secrets.token_hex(20))
    signed = URLSafeTimedSerializer(client.application.secret_key, salt="wtf-csrf-token")
    return mask(signed.dumps(raw))


def submit(client, url: str, data: dict | None = None, *, page: str | None = None, **kwargs):
    """POST a form the way a browser does, with the session's CSRF token. `page`: the page that
    shows the form, read first for its token, where reading it matters (it starts something
    the form finishes, as a second factor's set-up does)."""
    token = csrf_token(client, page) if page else session_csrf_token(client)
    return client.post(url, data=dict(data or {}, csrf_token=token), **kwargs)


def sign_in(client, email: str, password: str = PASSWORD):
    """Sign in through the real pages, giving the second factor when the account has one."""
    response = submit(client, "/account/sign-in", {"email": email, "password": password})
    assert response.status_code == 302, "sign-in failed"
    if response.location.endswith("/account/two-factor"):
        response = second_factor(client, email)
    return response


def sign_out(client):
    return submit(client, "/account/sign-out", {}, page="/account/signed-out")


def second_factor_answer(email: str) -> tuple[str, str]:
    """What to type for an account's second factor, as its owner would: a code from the
    authenticator app for a time step not used yet (now, or the next step), else one of a
    fresh set of recovery codes. Returns the page and the code."""
    user = find_user_by_email(db.session, email)
    factor = factors.confirmed_totp(db.session, user)
    now = factors.current_step()
    # Now first, then the step ahead: a code for the step behind could turn two steps old, and
    # be refused, if the clock moves on before the form is sent.
    for step in (now, now + 1):
        if factor is not None and (factor.last_step is None or step > factor.last_step):
            code = pyotp.TOTP(factors.totp_secret(factor)).at(step * factors.TOTP_STEP)
            return "/account/two-factor", code
    # Both time steps used, as when one person signs in many times within a minute: a new set
    # of recovery codes, as the person could make on their account page. Made afresh each time:
    # codes remembered from an earlier test could belong to a rolled-back account of the same id.
    codes = factors.new_recovery_codes(db.session, user)
    db.session.commit()
    return "/account/two-factor/recovery", codes[0]


def second_factor(client, email: str):
    url, code = second_factor_answer(email)
    response = submit(client, url, {"code": code})
    assert response.status_code == 302, "second factor refused"
    return response


def error_summary(response) -> list[str]:
    html = response.get_data(as_text=True)
    block = re.search(r'class="[^"]*nhsuk-error-summary__list"(.*?)</ul>', html, re.S)
    if not block:
        return []
    items = re.findall(r"<a [^>]*>(.*?)</a>", block.group(1), re.S)
    return [html_lib.unescape(re.sub(r"\s+", " ", item).strip()) for item in items]


class QueryCounter:
    """Counts the SQL statements an engine runs inside `with counter.count():`."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.statements: list[str] = []

    @contextmanager
    def count(self):
        self.statements = []

        def _record(_conn, _cursor, statement, *_args):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
                self.statements.append(statement)

        event.listen(self.engine, "before_cursor_execute", _record)
        try:
            yield self
        finally:
            event.remove(self.engine, "before_cursor_execute", _record)

    def __len__(self) -> int:
        return len(self.statements)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    """An aiosmtpd server that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._arrived = threading.Condition()
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, _server, _session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._arrived:
            self.messages.append(message)
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def wait_for(self, count: int, timeout: float = 10) -> list[EmailMessage]:
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.messages) >= count, timeout)
        assert len(self.messages) >= count, f"expected {count} emails, got {len(self.messages)}"
        return self.messages

    def delivered(self, count: int) -> list[EmailMessage]:
        """Deliver the outbox as the scheduler's next tick does, then wait for `count` emails."""
        deliver_due()
        return self.wait_for(count)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    @staticmethod
    def link(message: EmailMessage) -> str:
        body = message.get_body(("plain",)).get_content()
        match = re.search(r"https?://\S+", body)
        assert match, "no link in the email"
        return match.group(0)
