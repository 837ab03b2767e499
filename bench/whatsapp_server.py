"""A local server that plays the WhatsApp Business Cloud API, for the tests: `POST
/{version}/{phone number id}/messages` as Meta documents it (developers.facebook.com/docs/
whatsapp/cloud-api), over a real socket, so the channel is tested as it talks to WhatsApp.

It checks what the Cloud API checks: the `Authorization: Bearer` access token (else 401 with
error code 190), the phone number id in the path, and a body with `messaging_product:
whatsapp`, a `to` number, `type: template` and a template it knows, with a language code and
body parameters that are text on one line (else 400 with code 100 or 132000-132018). It answers
200 with the documented body (`contacts[0].wa_id`, `messages[0].id` a `wamid.`), 400 with code
131026 (undeliverable) for numbers it is told to refuse, and whatever status a test scripts next
(429 with 130429, 500 with 131000, 503 with 131016...), with the Graph API's error body.

Also here, for the tests: the webhook's payloads as the Cloud API posts them (message statuses,
a message someone wrote) and their `X-Hub-Signature-256`.
"""

import hashlib
import hmac
import json
import secrets
import threading
import time
from collections import Counter, deque
from typing import Any

from bench.json_server import JsonServer

TOKEN = "EAAlocal-whatsapp-access-token"  # noqa: S105  (a made-up token for local use)
PHONE_NUMBER_ID = "106540352242922"
VERSION = "v21.0"
TEMPLATE = "diaspora_message"
APP_SECRET = "local-app-secret"  # noqa: S105
VERIFY_TOKEN = "local-verify-token"  # noqa: S105

ERRORS = {
    400: (131026, "Message undeliverable", "Unable to deliver message."),
    401: (190, "Invalid OAuth access token - Cannot parse access token", ""),
    429: (130429, "Rate limit hit", "Cloud API message throughput has been reached."),
    500: (131000, "Something went wrong", "Message failed to send due to an unknown error."),
    502: (2, "Service temporarily unavailable", "Temporary due to downtime or overload."),
    503: (131016, "Service unavailable", "A service is temporarily unavailable."),
}


def error_body(status: int, code: int | None = None, message: str = "", details: str = "") -> dict:
    default_code, default_message, default_details = ERRORS.get(status, (1, "API Unknown", ""))
    return {
        "error": {
            "message": f"({code or default_code}) {message or default_message}",
            "type": "OAuthException",
            "code": code or default_code,
            "error_data": {"messaging_product": "whatsapp", "details": details or default_details},
            "fbtrace_id": "A" + secrets.token_hex(10),
        }
    }


class WhatsAppServer(JsonServer):
    """The server in a thread of this process. `refuse` holds numbers (digits, no `+`)
    answered with 400/131026; `script` holds statuses for the next requests, one each (after
    the token is checked); `templates` the template names it knows."""

    def __init__(
        self,
        token: str = TOKEN,
        phone_number_id: str = PHONE_NUMBER_ID,
        templates: tuple[str, ...] = (TEMPLATE,),
    ) -> None:
        self.token = token
        self.phone_number_id = phone_number_id
        self.templates = set(templates)
        self.messages: list[dict[str, Any]] = []
        self.refused_requests = 0
        self.refuse: set[str] = set()
        self.script: deque[int] = deque()
        self.lock = threading.Lock()

    def settings(self) -> dict[str, Any]:
        """The application's settings that point it at this server (and sign its webhook)."""
        return {
            "WHATSAPP_TOKEN": self.token,
            "WHATSAPP_PHONE_NUMBER_ID": self.phone_number_id,
            "WHATSAPP_BASE_URL": self.base_url,
            "WHATSAPP_API_VERSION": VERSION,
            "WHATSAPP_TEMPLATE": TEMPLATE,
            "WHATSAPP_APP_SECRET": APP_SECRET,
            "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
        }

    def to(self, number: str) -> list[dict[str, Any]]:
        with self.lock:
            return [m for m in self.messages if m["to"] == number.lstrip("+")]

    def references(self) -> Counter:
        with self.lock:
            return Counter(m.get("reference") for m in self.messages)

    def wait_for(self, count: int, timeout: float = 10) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        with self.lock:
            assert len(self.messages) >= count, f"expected {count}, got {len(self.messages)}"
            return list(self.messages)

    # Answering ----------------------------------------------------------------------------------

    def _invalid(self, data: Any) -> tuple[int, dict] | None:
        """The checks the Cloud API makes of a template message's body."""
        if not isinstance(data, dict) or data.get("messaging_product") != "whatsapp":
            return 400, error_body(400, 100, "Invalid parameter", "messaging_product is required")
        to = data.get("to")
        if not isinstance(to, str) or not to.lstrip("+").isdigit():
            return 400, error_body(400, 100, "Invalid parameter", "to is not a phone number")
        template = data.get("template")
        if data.get("type") != "template" or not isinstance(template, dict):
            return 400, error_body(400, 100, "Invalid parameter", "type must be template")
        if template.get("name") not in self.templates:
            return 400, error_body(400, 132001, "Template name does not exist in the translation")
        if not (template.get("language") or {}).get("code"):
            return 400, error_body(400, 100, "Invalid parameter", "language.code is required")
        body = [c for c in template.get("components") or [] if c.get("type") == "body"]
        parameters = body[0].get("parameters") if body else None
        if not parameters:
            return 400, error_body(400, 132000, "Number of parameters does not match")
        for parameter in parameters:
            text = parameter.get("text")
            if parameter.get("type") != "text" or not isinstance(text, str) or not text:
                return 400, error_body(400, 100, "Invalid parameter", "parameter text required")
            if any(c in text for c in "\n\t") or "     " in text:
                return 400, error_body(
                    400, 132018, "There was an issue with the parameters in your template"
                )
        return None

    def answer(self, path: str, headers: Any, raw: bytes) -> tuple[int, dict]:
        if path != f"/{VERSION}/{self.phone_number_id}/messages":
            return 400, error_body(400, 100, "Unsupported post request")
        header = headers.get("Authorization") or ""
        if not hmac.compare_digest(header.encode(), f"Bearer {self.token}".encode()):
            with self.lock:
                self.refused_requests += 1
            return 401, error_body(401)
        try:
            data = json.loads(raw)
        except ValueError:
            return 400, error_body(400, 100, "Invalid parameter", "the body is not JSON")
        invalid = self._invalid(data)
        if invalid is not None:
            return invalid
        with self.lock:
            scripted = self.script.popleft() if self.script else None
        if scripted is not None and scripted != 200:
            return scripted, error_body(scripted)
        to = data["to"].lstrip("+")
        if to in self.refuse:
            return 400, error_body(400)
        message_id = "wamid.HBgL" + secrets.token_urlsafe(24)
        template = data["template"]
        with self.lock:
            self.messages.append(
                {
                    "id": message_id,
                    "to": to,
                    "template": template["name"],
                    "language": template["language"]["code"],
                    "parameters": [p["text"] for p in template["components"][0]["parameters"]],
                    "reference": data.get("biz_opaque_callback_data"),
                }
            )
        return 200, {
            "messaging_product": "whatsapp",
            "contacts": [{"input": data["to"], "wa_id": to}],
            "messages": [{"id": message_id, "message_status": "accepted"}],
        }


# The webhook, as the Cloud API posts it -------------------------------------------------------


def _change(value: dict[str, Any], phone_number_id: str = PHONE_NUMBER_ID) -> dict[str, Any]:
    metadata = {"display_phone_number": "15550783881", "phone_number_id": phone_number_id}
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {"messaging_product": "whatsapp", "metadata": metadata} | value,
                    }
                ],
            }
        ],
    }


def status_event(
    message_id: str,
    status: str,
    recipient: str,
    errors: list[int] = (),
    reference: str | None = None,
) -> dict[str, Any]:
    """A message status: sent, delivered, read, or failed with these error codes."""
    entry: dict[str, Any] = {
        "id": message_id,
        "status": status,
        "timestamp": str(int(time.time())),
        "recipient_id": recipient.lstrip("+"),
    }
    if reference is not None:
        entry["biz_opaque_callback_data"] = reference
    if errors:
        entry["errors"] = [
            {"code": code, "title": "Message undeliverable", "message": "Message undeliverable"}
            for code in errors
        ]
    return _change({"statuses": [entry]})


def text_event(sender: str, body: str) -> dict[str, Any]:
    """A text message someone wrote to the business number."""
    wa_id = sender.lstrip("+")
    return _change(
        {
            "contacts": [{"profile": {"name": "Sender"}, "wa_id": wa_id}],
            "messages": [
                {
                    "from": wa_id,
                    "id": "wamid.HBgL" + secrets.token_urlsafe(24),
                    "timestamp": str(int(time.time())),
                    "type": "text",
                    "text": {"body": body},
                }
            ],
        }
    )


def signed(payload: dict[str, Any], secret: str = APP_SECRET) -> tuple[bytes, dict[str, str]]:
    """The raw body and the headers the Cloud API sends with it."""
    raw = json.dumps(payload).encode()
    signature = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return raw, {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={signature}"}
