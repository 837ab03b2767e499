"""A local server that plays GOV.UK Notify's text message and email API, for the tests and the
benchmark: `POST /v2/notifications/sms` and `POST /v2/notifications/email` as Notify documents
them (docs.notifications.service.gov.uk, REST API), over a real socket, so the official client
is tested as it talks to Notify.

It checks what Notify checks: the `Authorization: Bearer` JSON Web Token (HS256) whose issuer
`iss` is the service id and whose signature is made with the API key's secret, issued (`iat`)
within 30 seconds of now; a JSON body with `phone_number` (a text) or `email_address` (an
email), a known `template_id` of that kind and the template's personalisation (`body`, and
`subject` for an email). It answers 201 with Notify's documented response body, 403
`AuthError` for a bad token, 400 `BadRequestError` for numbers or addresses it is told to
refuse, and
whatever status a test scripts next (429, 500...), with Notify's error body.

An API key is `{key name}-{service id}-{secret}`, each id a UUID, as Notify issues them.
"""

import argparse
import contextlib
import json
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, deque
from pathlib import Path
from typing import Any

import jwt

from bench.json_server import JsonServer

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"  # noqa: S105  (a made-up key for local use)
API_KEY = f"diaspora_local-{SERVICE_ID}-{SECRET}"
TEMPLATE_ID = "f33517ff-2a88-4f6e-b855-c550268ce08a"
EMAIL_TEMPLATE_ID = "0b6f1e53-9d0c-4f43-93b7-2c1f7a3c6d41"
CLOCK_SKEW = 30  # seconds Notify allows between `iat` and its own clock

ERRORS = {
    400: ("BadRequestError", "Not a valid phone number"),
    403: ("AuthError", "Invalid token: API key not found"),
    429: ("RateLimitError", "Exceeded rate limit for key type LIVE of 3000 requests per 60 sec"),
    500: ("Exception", "Internal server error"),
    502: ("Exception", "Bad gateway"),
    503: ("Exception", "Service unavailable"),
}


def error_body(status: int, message: str | None = None, name: str | None = None) -> dict:
    default_name, default_message = ERRORS.get(status, ("Exception", "Error"))
    return {
        "status_code": status,
        "errors": [{"error": name or default_name, "message": message or default_message}],
    }


class NotifyServer(JsonServer):
    """The server in a thread of this process. `refuse` holds numbers and addresses answered
    with 400; `script` holds statuses for the next requests, one each (after the token is
    checked). Texts are kept in `messages`, emails in `emails`."""

    def __init__(
        self,
        service_id: str = SERVICE_ID,
        secret: str = SECRET,
        template_id: str = TEMPLATE_ID,
        email_template_id: str = EMAIL_TEMPLATE_ID,
    ) -> None:
        self.service_id = service_id
        self.secret = secret
        self.template_id = template_id
        self.email_template_id = email_template_id
        self.messages: list[dict[str, Any]] = []
        self.emails: list[dict[str, Any]] = []
        self.refused_requests = 0
        self.refuse: set[str] = set()
        self.script: deque[int] = deque()
        self.lock = threading.Lock()

    def settings(self) -> dict[str, Any]:
        """The application's settings that point it at this server."""
        return {
            "NOTIFY_API_KEY": f"diaspora_local-{self.service_id}-{self.secret}",
            "NOTIFY_SMS_TEMPLATE_ID": self.template_id,
            "NOTIFY_EMAIL_TEMPLATE_ID": self.email_template_id,
            "NOTIFY_BASE_URL": self.base_url,
        }

    # What it received ---------------------------------------------------------------------------

    def to(self, number: str) -> list[dict[str, Any]]:
        with self.lock:
            return [m for m in self.messages if m["phone_number"] == number]

    def codes_for(self, number: str) -> list[str]:
        """The six-digit codes texted to `number`, oldest first."""
        found = []
        for message in self.to(number):
            found += re.findall(r"\b\d{6}\b", message["personalisation"]["body"])
        return found

    def references(self) -> Counter:
        with self.lock:
            return Counter(m.get("reference") for m in self.messages)

    def wait_for(self, count: int, timeout: float = 10) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        with self.lock:
            assert len(self.messages) >= count, f"expected {count} texts, got {len(self.messages)}"
            return list(self.messages)

    # Answering ----------------------------------------------------------------------------------

    def _check_token(self, header: str | None) -> tuple[int, dict] | None:
        if not header or not header.startswith("Bearer "):
            return 401, error_body(
                401, "Unauthorized: authentication token must be provided", "AuthError"
            )
        token = header[len("Bearer ") :]
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.DecodeError:
            return 403, error_body(403, "Invalid token: signature, api token not found")
        if unverified.get("iss") != self.service_id:
            return 403, error_body(403, "Invalid token: service not found")
        try:
            claims = jwt.decode(
                token,
                key=self.secret,
                algorithms=["HS256"],
                options={"require": ["iss", "iat"], "verify_iat": False},
            )
        except jwt.InvalidTokenError:
            return 403, error_body(403, "Invalid token: signature, api token not found")
        if abs(time.time() - int(claims["iat"])) > CLOCK_SKEW:
            return 403, error_body(
                403, "Error: Your system clock must be accurate to within 30 seconds"
            )
        return None

    def answer(self, path: str, headers: Any, raw: bytes) -> tuple[int, dict]:
        if path not in ("/v2/notifications/sms", "/v2/notifications/email"):
            return 404, error_body(404, "Resource not found", "NotFound")
        refused = self._check_token(headers.get("Authorization"))
        if refused is not None:
            with self.lock:
                self.refused_requests += 1
            return refused
        try:
            data = json.loads(raw)
        except ValueError:
            return 400, error_body(400, "Invalid JSON supplied in POST data", "BadRequestError")
        if path.endswith("/email"):
            return self._email(data)
        missing = [name for name in ("phone_number", "template_id") if not data.get(name)]
        if missing:
            return 400, error_body(400, f"{missing[0]} is a required property", "ValidationError")
        if data["template_id"] != self.template_id:
            return 400, error_body(400, "Template not found", "BadRequestError")
        body = (data.get("personalisation") or {}).get("body")
        if not body:
            return 400, error_body(400, "Missing personalisation: body", "BadRequestError")
        refused = self._scripted_or_refused(data["phone_number"])
        if refused is not None:
            return refused
        notification_id = str(uuid.uuid4())
        with self.lock:
            self.messages.append(
                {
                    "id": notification_id,
                    "phone_number": data["phone_number"],
                    "template_id": data["template_id"],
                    "personalisation": data["personalisation"],
                    "reference": data.get("reference"),
                }
            )
        base = "https://api.notifications.service.gov.uk"
        return 201, {
            "id": notification_id,
            "reference": data.get("reference"),
            "content": {"body": body, "from_number": "GOVUK"},
            "uri": f"{base}/v2/notifications/{notification_id}",
            "template": {
                "id": self.template_id,
                "version": 1,
                "uri": f"{base}/services/{self.service_id}/templates/{self.template_id}",
            },
        }

    def _scripted_or_refused(self, to: str, refusal: str | None = None) -> tuple[int, dict] | None:
        with self.lock:
            scripted = self.script.popleft() if self.script else None
        if scripted is not None and scripted != 201:
            return scripted, error_body(scripted)
        if to in self.refuse:
            return 400, error_body(400, refusal)
        return None

    def _email(self, data: dict[str, Any]) -> tuple[int, dict]:
        missing = [name for name in ("email_address", "template_id") if not data.get(name)]
        if missing:
            return 400, error_body(400, f"{missing[0]} is a required property", "ValidationError")
        if data["template_id"] != self.email_template_id:
            return 400, error_body(400, "Template not found", "BadRequestError")
        personalisation = data.get("personalisation") or {}
        for name in ("subject", "body"):
            if not personalisation.get(name):
                return 400, error_body(400, f"Missing personalisation: {name}", "BadRequestError")
        refused = self._scripted_or_refused(data["email_address"], "Not a valid email address")
        if refused is not None:
            return refused
        notification_id = str(uuid.uuid4())
        with self.lock:
            self.emails.append(
                {
                    "id": notification_id,
                    "email_address": data["email_address"],
                    "template_id": data["template_id"],
                    "personalisation": personalisation,
                    "reference": data.get("reference"),
                }
            )
        base = "https://api.notifications.service.gov.uk"
        return 201, {
            "id": notification_id,
            "reference": data.get("reference"),
            "content": {
                "subject": personalisation["subject"],
                "body": personalisation["body"],
                "from_email": "diaspora@notifications.service.gov.uk",
            },
            "uri": f"{base}/v2/notifications/{notification_id}",
            "template": {
                "id": self.email_template_id,
                "version": 1,
                "uri": f"{base}/services/{self.service_id}/templates/{self.email_template_id}",
            },
        }


class _LoggingServer(NotifyServer):
    """Writes each accepted text's reference to a file, one a line, instead of keeping it."""

    def __init__(self, log: Path) -> None:
        super().__init__()
        self.out = log.open("a", buffering=1)

    def answer(self, path: str, headers: Any, raw: bytes) -> tuple[int, dict]:
        status, body = super().answer(path, headers, raw)
        if status == 201:
            with self.lock:
                self.messages.clear()
                self.out.write(f"{body.get('reference')}\n")
        return status, body


class NotifyProcess:
    """The server in a process of its own, so it does not compete with the senders for the
    GIL (the benchmark); counts the references it accepted from its log."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self.process: subprocess.Popen | None = None
        self.base_url = ""

    def start(self) -> "NotifyProcess":
        self.log.write_text("")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.notify_server", "--log", str(self.log)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        ready, _, url = self.process.stdout.readline().strip().partition(" ")
        if ready != "ready":
            raise RuntimeError("the local Notify did not start")
        self.base_url = url
        return self

    def settings(self) -> dict[str, Any]:
        return {
            "NOTIFY_API_KEY": API_KEY,
            "NOTIFY_SMS_TEMPLATE_ID": TEMPLATE_ID,
            "NOTIFY_BASE_URL": self.base_url,
        }

    def references(self) -> Counter:
        return Counter(line for line in self.log.read_text().splitlines() if line)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process.stdout.close()
            self.process = None


def _serve(log: Path) -> None:
    server = _LoggingServer(log).start()
    print(f"ready {server.base_url}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--log", type=Path, required=True)
    _serve(parser.parse_args().log)
