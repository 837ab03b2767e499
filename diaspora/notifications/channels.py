"""The outbox's delivery channels (ADR 19): each takes the claimed rows of its channel as
`Outgoing` messages and reports each one's fate in the same terms, as soon as it is known:
sent, to try again later (with the outbox's backoff, failing after six attempts), or failed for
good. Claiming, backoff and recording stay in jobs.py, the same for every channel.

- `email`: SMTP (delivery.py), the default, always on.
- `sms`: GOV.UK Notify's text message API through its official client, on when NOTIFY_API_KEY
  and NOTIFY_SMS_TEMPLATE_ID are set.

A new channel is a class with `configured` and `deliver`, added to DELIVERERS, and a line in
`preferences.WAYS` if people may choose it.
"""

import logging
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol

from notifications_python_client.errors import HTTPError, InvalidResponse
from notifications_python_client.notifications import NotificationsAPIClient

from diaspora.core.urls import service_path, service_url
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


def text_for(item: Outgoing, base: str) -> str:
    """The words of a text: the subject and the message, cut to two segments, with a link to
    the page (the inbox when the message names none). A code is sent as it is written."""
    row = item.rows[0]
    if row.kind == ACCOUNT_KIND:
        return shorten(row.body)
    link = row.link if row.link and row.link.startswith("/") else None
    url = base + (link or service_path("notifications.inbox"))
    return shorten(f"{row.subject}\n{row.body}", url)


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


class NotifySms:
    """Each text is one `POST /v2/notifications/sms` with the template whose body is
    `((body))`, and the row's id as reference (a text sent again after a crash is recognisable
    in Notify by it).

    Notify's answers: 400 (the number is not valid, or cannot get texts) fails the text for good
    and marks the number as failing; 403 (the API key is wrong or revoked) is a configuration
    error: the text fails, the log says so without personal data, and an administrator retries
    once the key is fixed; 429 (rate limit) and 5xx are tried again later with the outbox's
    backoff. When Notify cannot be reached at all, the rest of the batch waits for later too.
    """

    channel = Channel.SMS

    def configured(self, config: Mapping[str, Any]) -> bool:
        return sms_configured(config)

    def deliver(
        self, config: Mapping[str, Any], items: list[Outgoing], now: datetime, report: Report
    ) -> None:
        if not self.configured(config):
            for item in items:
                reason = "Not sent: text messages are not configured"
                _settle(report, item, failed=dict.fromkeys(item.ids, reason))
            return
        client = NotificationsAPIClient(
            config["NOTIFY_API_KEY"],
            base_url=config["NOTIFY_BASE_URL"],
            timeout=config.get("NOTIFY_TIMEOUT", 10),
        )
        template = config["NOTIFY_SMS_TEMPLATE_ID"]
        base = service_url(config)
        refused_key = False
        queue = list(items)
        while queue:
            item = queue.pop(0)
            item.text = text_for(item, base)
            try:
                client.send_sms_notification(
                    phone_number=item.to,
                    template_id=template,
                    personalisation={"body": item.text},
                    reference=f"notification-{item.rows[0].id}",
                )
            except HTTPError as error:
                reason = describe_notify(error)
                errors = dict.fromkeys(item.ids, reason)
                status = error.status_code
                if error.response is None:  # refused, timed out, disconnected
                    for waiting in [item, *queue]:
                        _settle(report, waiting, retry=dict.fromkeys(waiting.ids, reason))
                    log.warning("Notify unavailable, %d text(s) left for later", len(queue) + 1)
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
                _settle(report, item, sent=item.ids)
        if refused_key:
            log.error("Notify refused the API key (403): check NOTIFY_API_KEY")


DELIVERERS: dict[str, Deliverer] = {
    deliverer.channel: deliverer for deliverer in (SmtpEmail(), NotifySms())
}


def enabled(config: Mapping[str, Any]) -> set[str]:
    """The channels whose settings are there."""
    return {name for name, deliverer in DELIVERERS.items() if deliverer.configured(config)}
