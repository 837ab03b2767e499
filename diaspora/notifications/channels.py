"""The outbox's delivery channels (ADR 19): each takes the claimed rows of its channel as
`Outgoing` messages and reports each one's fate in the same terms, as soon as it is known:
sent, to try again later (with the outbox's backoff, failing after six attempts), or failed for
good. Claiming, backoff and recording stay in jobs.py, the same for every channel.

- `email`: SMTP (delivery.py), the default, always on; or GOV.UK Notify's email API when
  EMAIL_CHANNEL is "notify" (with NOTIFY_API_KEY and NOTIFY_EMAIL_TEMPLATE_ID).
- `sms`: GOV.UK Notify's text message API through its official client, on when NOTIFY_API_KEY
  and NOTIFY_SMS_TEMPLATE_ID are set.
- `whatsapp`: the WhatsApp Business Cloud API's template messages, on when WHATSAPP_TOKEN,
  WHATSAPP_PHONE_NUMBER_ID and WHATSAPP_TEMPLATE are set.

A text or WhatsApp message that the gateway accepts is reported with the gateway's id for it
(`Outcome.gateway_ids`), which its delivery receipts name later (receipts.py).

A new channel is a class with `configured` and `deliver`, added to DELIVERERS, and a line in
`preferences.WAYS` if people may choose it.
"""

import logging
import re
from collections.abc import Callable, Mapping
from contextlib import suppress
from datetime import datetime
from typing import Any, Protocol

import requests
from notifications_python_client.errors import HTTPError, InvalidResponse
from notifications_python_client.notifications import NotificationsAPIClient

from diaspora.core.urls import service_path, service_url
from diaspora.core.words import N_
from diaspora.notifications import delivery
from diaspora.notifications.delivery import Outcome, Outgoing
from diaspora.notifications.mail import ACCOUNT_KIND
from diaspora.notifications.models import Channel
from diaspora.notifications.texts import shorten

log = logging.getLogger(__name__)

Report = Callable[[Outgoing, Outcome], None]


class Deliverer(Protocol):
    channel: str

    def configured(self, config: Mapping[str, Any]) -> bool:
        """Whether the settings this channel needs are there."""

    def deliver(
        self, config: Mapping[str, Any], items: list[Outgoing], now: datetime, report: Report
    ) -> None:
        """Send each item, calling `report(item, outcome)` once per item as soon as its fate
        is known. One item that cannot be sent never stops the others."""


def _settle(report: Report, item: Outgoing, **outcome: Any) -> None:
    report(item, Outcome(**outcome))


class SmtpEmail:
    channel = Channel.EMAIL

    def configured(self, config: Mapping[str, Any]) -> bool:
        return True

    def deliver(
        self, config: Mapping[str, Any], items: list[Outgoing], now: datetime, report: Report
    ) -> None:
        composer = delivery.Composer(config, now)
        ready = []
        for item in items:
            try:
                composer.compose(item)
            except Exception as error:  # one email that cannot be written must not stop the rest
                # The kind of error only: its message may quote the subject or the address.
                reason = f"Not sent: {type(error).__name__}"
                _settle(report, item, failed=dict.fromkeys(item.ids, reason))
            else:
                ready.append(item)
        if ready:
            delivery.send(config, ready, report)


# Text messages through GOV.UK Notify --------------------------------------------------------

_NUMBER = re.compile(r"\+?\d[\d\s().-]{5,}\d")


SMS_SETTINGS = ("NOTIFY_API_KEY", "NOTIFY_SMS_TEMPLATE_ID")


def sms_configured(config: Mapping[str, Any]) -> bool:
    return all(config.get(name) for name in SMS_SETTINGS)


def text_words(kind: str, subject: str, body: str, link: str | None, base: str) -> str:
    """The words of a text: the subject and the message, cut to two segments, with a link to
    the page (the inbox when the message names none). A code is sent as it is written."""
    if kind == ACCOUNT_KIND:
        return shorten(body)
    link = link if link and link.startswith("/") else None
    url = base + (link or service_path("notifications.inbox"))
    return shorten(f"{subject}\n{body}", url)


def text_for(item: Outgoing, base: str) -> str:
    row = item.rows[0]
    return text_words(row.kind, row.subject, row.body, row.link, base)


def describe_notify(error: HTTPError) -> str:
    """Notify's status and error name and words, with anything like a number taken out."""
    name, words = "", ""
    try:
        first = (error.response.json().get("errors") or [{}])[0]
        name, words = str(first.get("error", "")), str(first.get("message", ""))
    except (AttributeError, ValueError, TypeError, IndexError):
        words = "no answer" if error.response is None else ""
    words = _NUMBER.sub("[number]", " ".join(words.split()))[:200]
    return (
        f"Notify {error.status_code}"
        + (f" {name}" if name else "")
        + (f": {words}" if words else "")
    )


def _notify_client(config: Mapping[str, Any]) -> NotificationsAPIClient:
    return NotificationsAPIClient(
        config["NOTIFY_API_KEY"],
        base_url=config["NOTIFY_BASE_URL"],
        timeout=config.get("NOTIFY_TIMEOUT", 10),
    )


def _through_notify(
    items: list[Outgoing], report: Report, send: Callable[[Outgoing], Any], *, what: str
) -> None:
    """Send each item with `send` (one Notify request), reporting its fate from Notify's
    answer: 400 (the address or number is not valid, or cannot get messages) fails it for
    good, as unreachable; 403 (the API key is wrong or revoked) is a configuration error: it
    fails, the log says so without personal data, and an administrator retries once the key
    is fixed; 429 (rate limit) and 5xx are tried again later with the outbox's backoff. When
    Notify cannot be reached at all, the rest of the batch waits for later too. An accepted
    message is reported with Notify's id for it, which its delivery receipts name."""
    refused_key = False
    queue = list(items)
    while queue:
        item = queue.pop(0)
        try:
            answer = send(item)
        except HTTPError as error:
            reason = describe_notify(error)
            errors = dict.fromkeys(item.ids, reason)
            status = error.status_code
            if error.response is None:  # refused, timed out, disconnected
                for waiting in [item, *queue]:
                    _settle(report, waiting, retry=dict.fromkeys(waiting.ids, reason))
                log.warning("Notify unavailable, %d %s left for later", len(queue) + 1, what)
                return
            if status == 400:
                _settle(report, item, failed=errors, unreachable=item.ids)
            elif status == 403:
                refused_key = True
                _settle(report, item, failed=errors)
            elif status == 429 or status >= 500:
                _settle(report, item, retry=errors)
            else:
                _settle(report, item, failed=errors)
        except InvalidResponse:  # accepted (2xx) with a body that is not JSON: it went
            _settle(report, item, sent=item.ids)
        else:
            gateway_id = answer.get("id") if isinstance(answer, dict) else None
            gateway = {item.ids[0]: str(gateway_id)[:100]} if gateway_id else {}
            _settle(report, item, sent=item.ids, gateway_ids=gateway)
    if refused_key:
        log.error("Notify refused the API key (403): check NOTIFY_API_KEY")


def _not_configured(items: list[Outgoing], report: Report, reason: str) -> None:
    for item in items:
        _settle(report, item, failed=dict.fromkeys(item.ids, reason))


class NotifySms:
    """Each text is one `POST /v2/notifications/sms` with the template whose body is
    `((body))`, and the row's id as reference (a text sent again after a crash is recognisable
    in Notify by it). Notify's answers are handled as `_through_notify` says; a 400 also marks
    the number as failing.
    """

    channel = Channel.SMS

    def configured(self, config: Mapping[str, Any]) -> bool:
        return sms_configured(config)

    def deliver(
        self, config: Mapping[str, Any], items: list[Outgoing], now: datetime, report: Report
    ) -> None:
        if not self.configured(config):
            _not_configured(items, report, N_("Not sent: text messages are not configured"))
            return
        client = _notify_client(config)
        template = config["NOTIFY_SMS_TEMPLATE_ID"]
        base = service_url(config)

        def send(item: Outgoing) -> Any:
            item.text = text_for(item, base)
            return client.send_sms_notification(
                phone_number=item.to,
                template_id=template,
                personalisation={"body": item.text},
                reference=f"notification-{item.rows[0].id}",
            )

        _through_notify(items, report, send, what="text(s)")


# Emails through GOV.UK Notify ---------------------------------------------------------------

EMAIL_SETTINGS = ("NOTIFY_API_KEY", "NOTIFY_EMAIL_TEMPLATE_ID")


class NotifyEmail:
    """Each email is one `POST /v2/notifications/email` with the template whose subject is
    `((subject))` and body `((body))`, the same words the SMTP channel writes (daily summaries
    and footer included), and the row's id as reference. Notify sends no attached files, so an
    email's calendar file is left out: the session's page offers it. Notify's answers are
    handled as `_through_notify` says (a 400, an address Notify refuses, fails it for good).
    """

    channel = Channel.EMAIL

    def configured(self, config: Mapping[str, Any]) -> bool:
        return all(config.get(name) for name in EMAIL_SETTINGS)

    def deliver(
        self, config: Mapping[str, Any], items: list[Outgoing], now: datetime, report: Report
    ) -> None:
        if not self.configured(config):
            _not_configured(items, report, N_("Not sent: emails through Notify are not configured"))
            return
        client = _notify_client(config)
        template = config["NOTIFY_EMAIL_TEMPLATE_ID"]
        composer = delivery.Composer(config, now)

        def send(item: Outgoing) -> Any:
            subject, body = composer.content(item)
            return client.send_email_notification(
                email_address=item.to,
                template_id=template,
                personalisation={"subject": subject, "body": body},
                reference=f"notification-{min(item.ids)}{'.digest' if item.digest else ''}",
            )

        # An address Notify refuses is not a mobile number: nothing to mark, it just fails.
        def settle_email(item: Outgoing, outcome: Outcome) -> None:
            outcome.unreachable = []
            report(item, outcome)

        _through_notify(items, settle_email, send, what="email(s)")


class Email:
    """The email channel: SMTP, or GOV.UK Notify when EMAIL_CHANNEL is "notify"."""

    channel = Channel.EMAIL

    def chosen(self, config: Mapping[str, Any]) -> Deliverer:
        return NOTIFY_EMAIL if config.get("EMAIL_CHANNEL") == "notify" else SMTP_EMAIL

    def configured(self, config: Mapping[str, Any]) -> bool:
        return True  # an email channel is always on: Notify without its settings says so

    def deliver(
        self, config: Mapping[str, Any], items: list[Outgoing], now: datetime, report: Report
    ) -> None:
        self.chosen(config).deliver(config, items, now, report)


SMTP_EMAIL = SmtpEmail()
NOTIFY_EMAIL = NotifyEmail()

# WhatsApp through the WhatsApp Business Cloud API ------------------------------------------

WHATSAPP_SETTINGS = ("WHATSAPP_TOKEN", "WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_TEMPLATE")
# The service's languages as WhatsApp names a template's translations.
WHATSAPP_LANGUAGES = {"en": "en_GB", "fr": "fr", "ar": "ar", "bn": "bn"}
# A body parameter: one line (WhatsApp refuses line breaks, tabs and runs of spaces in one),
# short enough for the template's 1,024 characters with the subject and the link.
PARAMETER_MAX = 600

# The Cloud API's error codes (its "Error codes" reference), by what the outbox does:
# the recipient cannot get WhatsApp messages (not on WhatsApp, or an inactive number): the
# message fails for good and the number is marked as not working.
WHATSAPP_UNDELIVERABLE = frozenset({131026})
# Throughput and rate limits, and the API's own temporary trouble: tried again with the backoff.
WHATSAPP_TRY_AGAIN = frozenset({1, 2, 4, 80007, 130429, 131000, 131016, 131048, 131056})
# The access token is expired, revoked or lacks the permission: a configuration error.
WHATSAPP_AUTH = frozenset({0, 10, 190})


def whatsapp_configured(config: Mapping[str, Any]) -> bool:
    return all(config.get(name) for name in WHATSAPP_SETTINGS)


def whatsapp_templates(config: Mapping[str, Any]) -> dict[str, str]:
    """The template of each kind that has its own (WHATSAPP_TEMPLATES, "kind=name,...")."""
    templates = {}
    for pair in str(config.get("WHATSAPP_TEMPLATES") or "").split(","):
        kind, _, name = pair.partition("=")
        if kind.strip() and name.strip():
            templates[kind.strip()] = name.strip()
    return templates


def one_line(text: str, limit: int = PARAMETER_MAX) -> str:
    """`text` as one template parameter: on one line, single spaces, cut at a word."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-") + "…"


def whatsapp_message(item: Outgoing, config: Mapping[str, Any], base: str) -> dict[str, Any]:
    """The Cloud API's request body for one item: the kind's template in the recipient's
    language, with three body parameters: the subject, the message and the link to its page."""
    row = item.rows[0]
    link = row.link if row.link and row.link.startswith("/") else None
    url = base + (link or service_path("notifications.inbox"))
    template = whatsapp_templates(config).get(row.kind) or config["WHATSAPP_TEMPLATE"]
    language = WHATSAPP_LANGUAGES.get(item.language or "", WHATSAPP_LANGUAGES["en"])
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": item.to.lstrip("+"),
        "type": "template",
        # Returned with the message's statuses: a message sent again after a crash is
        # recognisable by it, as a text is by Notify's reference.
        "biz_opaque_callback_data": f"notification-{row.id}",
        "template": {
            "name": template,
            "language": {"code": language},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": one_line(row.subject, 200)},
                        {"type": "text", "text": one_line(row.body)},
                        {"type": "text", "text": url},
                    ],
                }
            ],
        },
    }


def _whatsapp_error(answer: requests.Response) -> tuple[int | None, str]:
    """The Cloud API's error code and a description of the refusal, numbers taken out."""
    code, words = None, ""
    with suppress(ValueError, TypeError, AttributeError):  # not the documented JSON: no code
        error = answer.json().get("error") or {}
        code = int(error["code"]) if "code" in error else None
        details = (error.get("error_data") or {}).get("details")
        words = str(details or error.get("message") or "")
    words = _NUMBER.sub("[number]", " ".join(words.split()))[:200]
    reason = f"WhatsApp {answer.status_code}" + (f" {code}" if code is not None else "")
    return code, reason + (f": {words}" if words else "")


class WhatsAppCloud:
    """Each message is one `POST {WHATSAPP_BASE_URL}/{version}/{phone number id}/messages`
    with the bearer token: a pre-approved template (one per kind, else WHATSAPP_TEMPLATE) in
    the recipient's language, its body parameters the subject, the message and the link, and
    the row's id as `biz_opaque_callback_data`. The answer's `messages[0].id` is kept for the
    webhook's receipts.

    The Cloud API's answers, by their `error.code`: 131026 (undeliverable: not on WhatsApp)
    fails for good and marks the number; rate limits (130429, 131056, 80007...), 429 and 5xx
    are tried again with the outbox's backoff; an expired or revoked token (190, 401) fails as
    a configuration error, logged without personal data; anything else fails for good. When the
    API cannot be reached, the rest of the batch waits for later.
    """

    channel = Channel.WHATSAPP

    def configured(self, config: Mapping[str, Any]) -> bool:
        return whatsapp_configured(config)

    def deliver(
        self, config: Mapping[str, Any], items: list[Outgoing], now: datetime, report: Report
    ) -> None:
        if not self.configured(config):
            _not_configured(items, report, N_("Not sent: WhatsApp is not configured"))
            return
        url = "{}/{}/{}/messages".format(
            str(config["WHATSAPP_BASE_URL"]).rstrip("/"),
            config["WHATSAPP_API_VERSION"],
            config["WHATSAPP_PHONE_NUMBER_ID"],
        )
        base = service_url(config)
        refused_token = False
        with requests.Session() as http:
            http.headers["Authorization"] = f"Bearer {config['WHATSAPP_TOKEN']}"
            queue = list(items)
            while queue:
                item = queue.pop(0)
                try:
                    answer = http.post(
                        url,
                        json=whatsapp_message(item, config, base),
                        timeout=config.get("WHATSAPP_TIMEOUT", 10),
                    )
                except requests.RequestException as error:  # refused, timed out, cut
                    reason = f"WhatsApp: no answer ({type(error).__name__})"
                    for waiting in [item, *queue]:
                        _settle(report, waiting, retry=dict.fromkeys(waiting.ids, reason))
                    left = len(queue) + 1
                    log.warning("WhatsApp unavailable, %d message(s) left for later", left)
                    return
                refused_token |= self._settle_answer(report, item, answer)
        if refused_token:
            log.error("WhatsApp refused the access token: check WHATSAPP_TOKEN")

    @staticmethod
    def _settle_answer(report: Report, item: Outgoing, answer: requests.Response) -> bool:
        """Report one answer; True when it refused the token."""
        status = answer.status_code
        if 200 <= status < 300:
            try:
                gateway_id = str(answer.json()["messages"][0]["id"])[:100]
            except (ValueError, KeyError, IndexError, TypeError):
                gateway_id = None
            gateway = {item.ids[0]: gateway_id} if gateway_id else {}
            _settle(report, item, sent=item.ids, gateway_ids=gateway)
            return False
        code, reason = _whatsapp_error(answer)
        errors = dict.fromkeys(item.ids, reason)
        if code in WHATSAPP_UNDELIVERABLE:
            _settle(report, item, failed=errors, unreachable=item.ids)
        elif code in WHATSAPP_TRY_AGAIN or status == 429 or status >= 500:
            _settle(report, item, retry=errors)
        else:
            _settle(report, item, failed=errors)
            return status == 401 or code in WHATSAPP_AUTH
        return False


DELIVERERS: dict[str, Deliverer] = {
    deliverer.channel: deliverer for deliverer in (Email(), NotifySms(), WhatsAppCloud())
}


def enabled(config: Mapping[str, Any]) -> set[str]:
    """The channels whose settings are there."""
    return {name for name, deliverer in DELIVERERS.items() if deliverer.configured(config)}
