"""The gateways' callbacks: Notify's delivery receipts and received texts, WhatsApp's webhook.

Nobody signs in here: Notify sends the bearer token set for its callbacks
(NOTIFY_CALLBACK_TOKEN), WhatsApp signs each post with the app secret (WHATSAPP_APP_SECRET,
`X-Hub-Signature-256`) and answers its subscription handshake with WHATSAPP_VERIFY_TOKEN. So
these routes, and only these, are exempt from CSRF; a wrong token or signature gets 403 and
changes nothing, and a route whose setting is missing answers 404. The log says what was done
in counts, never a number or a message's words. The rules are in receipts.py.
"""

import json
import logging

from flask import Blueprint, Response, abort, current_app, request

from diaspora.core.time import utcnow
from diaspora.extensions import csrf, db, limiter
from diaspora.notifications import receipts

log = logging.getLogger(__name__)

bp = Blueprint("gateways", __name__, url_prefix="/callbacks")
csrf.exempt(bp)
LIMIT = "600 per minute"  # per address: Notify and WhatsApp post from a few addresses
BODY_MAX = 1_000_000


def _json_body() -> dict:
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw)
    except ValueError:
        abort(400)
    if not isinstance(data, dict):
        abort(400)
    return data


def _notify_token() -> None:
    token = current_app.config.get("NOTIFY_CALLBACK_TOKEN")
    if not token:
        abort(404)
    if not receipts.bearer_ok(token, request.headers.get("Authorization")):
        log.warning("Notify callback refused: wrong token")
        abort(403)


def _done(what: str, handled: receipts.Handled) -> Response:
    db.session.commit()
    log.info(
        "%s: %d receipt(s), %d stopped, %d ignored",
        what,
        handled.receipts,
        handled.stopped,
        handled.ignored,
    )
    return Response(status=204)


@bp.post("/notify/status")
@limiter.limit(LIMIT)
def notify_status():
    _notify_token()
    return _done("Notify receipt", receipts.notify_status(db.session, _json_body(), utcnow()))


@bp.post("/notify/received")
@limiter.limit(LIMIT)
def notify_received():
    _notify_token()
    handled = receipts.notify_received(db.session, _json_body(), utcnow())
    return _done("Notify received text", handled)


@bp.get("/whatsapp")
@limiter.limit(LIMIT)
def whatsapp_handshake():
    """The subscription handshake: echo `hub.challenge` when `hub.verify_token` is ours."""
    token = current_app.config.get("WHATSAPP_VERIFY_TOKEN")
    if not token:
        abort(404)
    given = request.args.get("hub.verify_token", "")
    if request.args.get("hub.mode") != "subscribe" or not receipts.bearer_ok(
        token, f"Bearer {given}"
    ):
        abort(403)
    challenge = request.args.get("hub.challenge", "")
    if not challenge.isdigit() or len(challenge) > 100:
        abort(400)
    return Response(challenge, mimetype="text/plain")


@bp.post("/whatsapp")
@limiter.limit(LIMIT)
def whatsapp_webhook():
    secret = current_app.config.get("WHATSAPP_APP_SECRET")
    if not secret:
        abort(404)
    if (request.content_length or 0) > BODY_MAX:
        abort(413)
    raw = request.get_data(cache=True)
    if not receipts.signature_ok(secret, raw, request.headers.get("X-Hub-Signature-256")):
        log.warning("WhatsApp webhook refused: wrong signature")
        abort(403)
    handled = receipts.whatsapp_changes(db.session, _json_body(), utcnow())
    db.session.commit()
    log.info(
        "WhatsApp webhook: %d receipt(s), %d stopped, %d ignored",
        handled.receipts,
        handled.stopped,
        handled.ignored,
    )
    return Response(status=200)
