"""Application logs: one JSON object a line in production, each request's id on every line, and
nothing that names anyone. Exceptions are logged by kind and place, never by message (a
database error quotes the values it was given), and the secret segment of emailed or shared
links is masked wherever a path appears, access logs included."""

import json
import logging
import posixpath
import re
import traceback
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

from flask import Flask, Response, g, has_app_context, request

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is kept only when it is short and plain (a proxy's or load balancer's id).
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

# Paths whose next segment is a bearer secret (a signed token, a feed or certificate code).
SECRET_PATHS = (
    "/account/verify/",
    "/account/reset-password/",
    "/account/email/confirm/",
    "/organisations/invitations/",
    "/release/",
    "/calendar/feed/",
    "/certificates/",
    "/cohorts/join/",
    "/cohorts/invitations/",
)
REDACTED = "[redacted]"
_PATH = re.compile(r"(?<!:)/[^\s?#\"']*")  # not from a URL's scheme's first slash
_QUERY = re.compile(r"(?<=\S)\?([^\s\"'#]+)")

# gunicorn's access line (see gunicorn.conf.py). The request id comes from the response's
# header, which gunicorn passes among the line's atoms, into the record's own field.
ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'
_ACCESS_REQUEST_ID = "{x-request-id}o"

ROOT = Path(__file__).resolve().parent.parent.parent
FRAMES = 6  # of the stack, in a description of an exception
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def _redact_path(match: re.Match) -> str:
    path = posixpath.normpath(re.sub(r"/+", "/", unquote(match.group(0))))
    lowered = path.lower()
    for prefix in SECRET_PATHS:
        at = lowered.find(prefix)
        if at >= 0:
            return path[: at + len(prefix)] + REDACTED
    return match.group(0)


def _redact_query(match: re.Match) -> str:
    names = [part.partition("=")[0] if "=" in part else "" for part in match.group(1).split("&")]
    return "?" + "&".join(f"{name}={REDACTED}" if name else REDACTED for name in names)


def redact(text: str) -> str:
    """text with the secret segment of every link path and every query value masked (searches
    carry names and email addresses). Paths are decoded and normalised first, so an encoded or
    doubled slash does not slip a token past."""
    return _PATH.sub(_redact_path, _QUERY.sub(_redact_query, text))


def _is_own(filename: str) -> bool:
    return filename.startswith(str(ROOT)) and "site-packages" not in filename


def describe_exception(error: BaseException) -> str:
    """The exception's kind, its causes' kinds and where it was raised (the innermost frame,
    then this project's own frames), never its message or the source text."""
    stack = traceback.extract_tb(error.__traceback__)
    own = [f for f in stack if _is_own(f.filename)]
    shown = ([stack[-1]] if stack and stack[-1] not in own[-1:] else []) + own[::-1]
    where = " < ".join(
        f"{Path(f.filename).relative_to(ROOT) if f in own else Path(f.filename).name}:"
        f"{f.lineno} {f.name}"
        for f in shown[:FRAMES]
    )
    kinds = [type(error).__name__]
    cause = error.__cause__ or error.__context__
    while cause is not None and len(kinds) < 5:
        kinds.append(type(cause).__name__)
        cause = cause.__cause__ or cause.__context__
    return " from ".join(kinds) + (f" at {where}" if where else "")


class RedactSecrets(logging.Filter):
    """Masks link tokens and query values in a record's message (access logs, Flask's own)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        safe = redact(message)
        if safe != message:
            record.msg, record.args = safe, ()
        return True


# The development server's (werkzeug's) request line: address, date, request line, status, size,
# the status coloured when the console is a terminal.
_DEV_ACCESS = re.compile(r'^\S+ - - \[[^\]]*\] "(\S+) (\S+) [^"]*" (\d{3}) \S+$')
_COLOUR = re.compile(r"\x1b\[[0-9;]*m")
QUIET_PREFIXES = ("/static/", "/favicon.ico")


class QuietDevAccess(logging.Filter):
    """Keeps the development server's console readable (`make run`): no line for a static file
    served well, and one short line ("GET /path 200") for everything else; the formatter adds
    the time. Runs after RedactSecrets, so the path is already masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        match = _DEV_ACCESS.match(_COLOUR.sub("", record.getMessage()))
        if match is None:
            return True  # the server's other messages, as they are
        method, path, status = match.groups()
        if path.startswith(QUIET_PREFIXES) and int(status) < 400:
            return False
        record.msg, record.args = f"{method} {path} {status}", ()
        return True


class TextFormatter(logging.Formatter):
    """Lines for a terminal; exceptions by kind and place only."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT, defaults={"request_id": "-"})

    def formatException(self, ei) -> str:
        return describe_exception(ei[1])

    def format(self, record: logging.LogRecord) -> str:
        # Never the text another handler's formatter cached on the record, message included.
        cached, record.exc_text = record.exc_text, None
        try:
            return super().format(record)
        finally:
            record.exc_text = cached


class JsonFormatter(logging.Formatter):
    """One JSON object a line, for a log collector."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if getattr(record, "request_id", None):
            entry["request_id"] = record.request_id
        if record.exc_info and record.exc_info[1] is not None:
            entry["exception"] = describe_exception(record.exc_info[1])
        return json.dumps(entry, ensure_ascii=False, default=str)


class LogHandler(logging.StreamHandler):
    """The handler every log line goes through: standard error, secrets masked."""

    def __init__(self, json_lines: bool = False) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter() if json_lines else TextFormatter())
        self.addFilter(RedactSecrets())


_base_record_factory = logging.getLogRecordFactory()


def _record_with_request_id(*args, **kwargs) -> logging.LogRecord:
    """Every record carries the id of the request it was logged in (gunicorn's access line
    after the request is over: the id is among its atoms)."""
    record = _base_record_factory(*args, **kwargs)
    request_id = g.get("request_id") if has_app_context() else None
    if request_id is None and isinstance(record.args, Mapping):
        request_id = record.args.get(_ACCESS_REQUEST_ID)
    if request_id:
        record.request_id = request_id
    return record


def logging_config(json_lines: bool) -> dict:
    """dictConfig for gunicorn (see gunicorn.conf.py): its logs, the access log and the
    application's share one handler and format."""
    handler = {"()": LogHandler, "json_lines": json_lines}
    logger = {"level": "INFO", "handlers": ["app"], "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"app": handler},
        "loggers": {"gunicorn.error": logger, "gunicorn.access": logger},
        "root": {"level": "INFO", "handlers": ["app"]},
    }


def _set_request_id() -> None:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if _SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


def _send_request_id(response: Response) -> Response:
    if "request_id" in g:
        response.headers[REQUEST_ID_HEADER] = g.request_id
    return response


def init_logging(app: Flask) -> None:
    """Root logging as configured (unless a server or test runner did it already), request ids,
    and masking on the access logs of werkzeug's development server and gunicorn."""
    if logging.getLogRecordFactory() is not _record_with_request_id:
        logging.setLogRecordFactory(_record_with_request_id)
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(LogHandler(json_lines=app.config["LOG_FORMAT"] == "json"))
        root.setLevel(logging.INFO)
    for name in ("werkzeug", "gunicorn.access"):
        access = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in access.filters):
            access.addFilter(RedactSecrets())
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, QuietDevAccess) for f in werkzeug.filters):
        werkzeug.addFilter(QuietDevAccess())
    app.before_request(_set_request_id)
    app.after_request(_send_request_id)
