"""Configuration, read only from the environment, with safe defaults for development."""

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from diaspora.core.words import N_

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _list(name: str) -> list[str] | None:
    value = os.environ.get(name)
    if value is None:
        return None
    return [item.strip() for item in value.split(",") if item.strip()]


class Config:
    """Development defaults; every value can be overridden by an environment variable."""

    ENV_NAME = "development"
    SERVICE_NAME = N_("Diaspora health partnerships")

    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'diaspora.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}

    SERVER_NAME = os.environ.get("SERVER_NAME")
    # The service's address as people reach it: every link in an email, a feed or a printout
    # is built on it, never on the request's Host header. Required in production.
    # Default: PREFERRED_URL_SCHEME://SERVER_NAME, else the development server.
    SERVICE_URL = os.environ.get("SERVICE_URL")
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")
    # Host names requests may be addressed to (None: any). Production: SERVICE_URL's host plus
    # this comma-separated list.
    TRUSTED_HOSTS = _list("TRUSTED_HOSTS")
    # How many reverse proxies in front of the service set X-Forwarded-For and -Proto; their
    # values are believed for that many hops only (0: the headers are ignored).
    PROXY_COUNT = _int("PROXY_COUNT", 0)

    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_IDLE_MINUTES = _int("SESSION_IDLE_MINUTES", 30)
    SESSION_ABSOLUTE_HOURS = _int("SESSION_ABSOLUTE_HOURS", 12)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=SESSION_ABSOLUTE_HOURS)
    HSTS = _bool("HSTS", False)

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    # Pages, API answers and downloads compressed when the browser accepts it (static files
    # are compressed once by `make assets`). Brotli at a low quality costs about what gzip
    # does and shrinks more. CSRF tokens are masked per response (diaspora/core/csrf.py).
    COMPRESS_MIMETYPES = [
        "text/html",
        "application/json",
        "application/problem+json",
        "text/csv",
        "text/calendar",
    ]
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_ALGORITHM_STREAMING = ["br", "gzip"]
    COMPRESS_BR_LEVEL = 4
    COMPRESS_LEVEL = 5

    # Requests larger than this are refused with a 413 before their body is read. No form
    # uploads files; the largest form (an opportunity) sends a few tens of kilobytes.
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 1024 * 1024)
    # Multipart bodies: the text of their fields held in memory, and how many parts they have.
    MAX_FORM_MEMORY_SIZE = _int("MAX_FORM_MEMORY_SIZE", 512 * 1024)
    MAX_FORM_PARTS = _int("MAX_FORM_PARTS", 200)

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # Calls per API token; a 429 problem answers the one over.
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600 per minute")

    # Argon2id, OWASP password storage cheat sheet: m=19 MiB, t=2, p=1.
    ARGON2_MEMORY_KIB = _int("ARGON2_MEMORY_KIB", 19456)
    ARGON2_TIME_COST = _int("ARGON2_TIME_COST", 2)
    ARGON2_PARALLELISM = _int("ARGON2_PARALLELISM", 1)

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = _int("MAIL_PORT", 8025)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_DEFAULT_SENDER = os.environ.get(
        "MAIL_DEFAULT_SENDER", "Diaspora health partnerships <no-reply@diaspora.localhost>"
    )
    MAIL_TIMEOUT = _int("MAIL_TIMEOUT", 10)

    # Text messages through GOV.UK Notify (README "Text messages"). Without the API key and the
    # template (whose whole body is `((body))`) the text channel is off and says so.
    NOTIFY_API_KEY = os.environ.get("NOTIFY_API_KEY")
    NOTIFY_SMS_TEMPLATE_ID = os.environ.get("NOTIFY_SMS_TEMPLATE_ID")
    NOTIFY_BASE_URL = os.environ.get("NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk")
    NOTIFY_TIMEOUT = _int("NOTIFY_TIMEOUT", 10)
    # The bearer token Notify sends with its delivery receipts and received texts (set as the
    # callback's token in Notify); without it the callbacks answer 404.
    NOTIFY_CALLBACK_TOKEN = os.environ.get("NOTIFY_CALLBACK_TOKEN")
    # WhatsApp through the WhatsApp Business Cloud API (README "Text messages and WhatsApp").
    # Without the token, the phone number id and a template the channel is off and says so.
    WHATSAPP_TOKEN = os.environ.get("WHATSAPP_TOKEN")
    WHATSAPP_PHONE_NUMBER_ID = os.environ.get("WHATSAPP_PHONE_NUMBER_ID")
    WHATSAPP_BASE_URL = os.environ.get("WHATSAPP_BASE_URL", "https://graph.facebook.com")
    WHATSAPP_API_VERSION = os.environ.get("WHATSAPP_API_VERSION", "v21.0")
    # The approved template every kind uses, and per kind another: "kind=name,kind=name".
    WHATSAPP_TEMPLATE = os.environ.get("WHATSAPP_TEMPLATE")
    WHATSAPP_TEMPLATES = os.environ.get("WHATSAPP_TEMPLATES", "")
    # The app secret signs the webhook's posts (X-Hub-Signature-256); the verify token answers
    # its subscription handshake. Without them the webhook answers 404.
    WHATSAPP_APP_SECRET = os.environ.get("WHATSAPP_APP_SECRET")
    WHATSAPP_VERIFY_TOKEN = os.environ.get("WHATSAPP_VERIFY_TOKEN")
    WHATSAPP_TIMEOUT = _int("WHATSAPP_TIMEOUT", 10)
    # The text segments an organisation's messages may use each calendar month (UTC) when a
    # platform administrator has set no budget for it (README "Text budgets"); 0 turns texts
    # off for such organisations.
    TEXT_BUDGET_DEFAULT = _int("TEXT_BUDGET_DEFAULT", 500)
    # Emails go over SMTP ("smtp") or through GOV.UK Notify ("notify", with the template
    # NOTIFY_EMAIL_TEMPLATE_ID whose subject is `((subject))` and body `((body))`).
    EMAIL_CHANNEL = os.environ.get("EMAIL_CHANNEL", "smtp")
    NOTIFY_EMAIL_TEMPLATE_ID = os.environ.get("NOTIFY_EMAIL_TEMPLATE_ID")
    # Mobile numbers: how long a confirmation code works, wrong codes allowed per code, codes
    # sent per number a day, and the wait before another code may be sent.
    MOBILE_CODE_MAX_AGE = timedelta(minutes=10)
    MOBILE_CODE_ATTEMPTS = 5
    MOBILE_CODES_PER_DAY = 5
    MOBILE_RESEND_WAIT = timedelta(seconds=60)

    # Logs: "json" writes one JSON object a line for a log collector, "text" suits a terminal.
    # SQL parameters never appear in logs or errors (hide_parameters above).
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")

    EMAIL_VERIFY_MAX_AGE = timedelta(days=3)
    PASSWORD_RESET_MAX_AGE = timedelta(hours=1)
    INVITATION_MAX_AGE = timedelta(days=14)

    # Accounts: password guessing and tokens (ADR 0014) ----------------------------------------
    # Wrong passwords per client (IP address) across all accounts, per account from untrusted
    # clients, per trusted device (a browser the owner signed in on before), and wrong current
    # passwords per account when changing the password or email or deleting the account.
    SIGN_IN_CLIENT_LIMIT = os.environ.get("SIGN_IN_CLIENT_LIMIT", "50 per hour")
    SIGN_IN_ACCOUNT_LIMIT = os.environ.get("SIGN_IN_ACCOUNT_LIMIT", "10 per hour")
    SIGN_IN_DEVICE_LIMIT = os.environ.get("SIGN_IN_DEVICE_LIMIT", "10 per hour")
    PASSWORD_CHECK_LIMIT = os.environ.get("PASSWORD_CHECK_LIMIT", "10 per hour")
    DEVICE_COOKIE_NAME = "device"
    # Second factors (ADR 16): wrong codes per account and per client; remembered browsers.
    FACTOR_ACCOUNT_LIMIT = os.environ.get("FACTOR_ACCOUNT_LIMIT", "10 per hour")
    FACTOR_CLIENT_LIMIT = os.environ.get("FACTOR_CLIENT_LIMIT", "50 per hour")
    REMEMBER_DEVICE_COOKIE_NAME = "remember"
    REMEMBER_DEVICE_DAYS = min(_int("REMEMBER_DEVICE_DAYS", 30), 30)
    DEVICE_COOKIE_MAX_AGE = timedelta(days=_int("DEVICE_COOKIE_DAYS", 180))
    # API tokens: lifetime offered by default and at most, and the reminder before expiry.
    API_TOKEN_DEFAULT_DAYS = 90
    API_TOKEN_MAX_DAYS = 365
    API_TOKEN_REMIND_DAYS = 7
    # -------------------------------------------------------------------------------------------

    def __init__(self) -> None:
        if not self.SECRET_KEY:
            # Development only: a fresh key each start signs everyone out, which is acceptable here.
            self.SECRET_KEY = secrets.token_hex(32)


class ProductionConfig(Config):
    ENV_NAME = "production"
    # The __Host- prefix makes browsers refuse the cookie unless it is Secure, for Path=/ and
    # without a Domain: no subdomain or plain-HTTP page can set or overwrite it.
    SESSION_COOKIE_NAME = "__Host-session"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_DOMAIN = None
    SESSION_COOKIE_PATH = "/"
    DEVICE_COOKIE_NAME = "__Host-device"
    REMEMBER_DEVICE_COOKIE_NAME = "__Host-remember"
    HSTS = _bool("HSTS", True)
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "https")

    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")

    def __init__(self) -> None:
        if not self.SECRET_KEY:
            raise RuntimeError("SECRET_KEY must be set in production.")
        if not self.SERVICE_URL:
            raise RuntimeError("SERVICE_URL must be set in production (e.g. https://example.org).")
        host = urlsplit(self.SERVICE_URL).hostname
        if not host:
            raise RuntimeError("SERVICE_URL must be a full address, e.g. https://example.org.")
        self.TRUSTED_HOSTS = [host, *(self.TRUSTED_HOSTS or [])]


class TestConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_SQLITE_URL", "sqlite://")
    RATELIMIT_STORAGE_URI = "memory://"
    # Cheaper hashing keeps the suite fast; production parameters are tested separately.
    ARGON2_MEMORY_KIB = 1024
    ARGON2_TIME_COST = 1
    MAIL_SERVER = "127.0.0.1"
    MAIL_PORT = 0  # tests that send mail point this at their own SMTP server
    SERVICE_URL = "http://localhost"  # the test client's host
    MAIL_TIMEOUT = 5
    NOTIFY_API_KEY = None  # tests that send texts point the client at their own Notify server
    NOTIFY_SMS_TEMPLATE_ID = None
    NOTIFY_TIMEOUT = 5
    NOTIFY_CALLBACK_TOKEN = None
    WHATSAPP_TOKEN = None  # tests that send WhatsApp messages point at their own server
    WHATSAPP_PHONE_NUMBER_ID = None
    WHATSAPP_TEMPLATE = None
    WHATSAPP_TEMPLATES = ""
    WHATSAPP_APP_SECRET = None
    WHATSAPP_VERIFY_TOKEN = None
    WHATSAPP_TIMEOUT = 5
    TEXT_BUDGET_DEFAULT = 500
    EMAIL_CHANNEL = "smtp"
    NOTIFY_EMAIL_TEMPLATE_ID = None


def config_from_environment() -> type[Config]:
    """The configuration class named by FLASK_ENV / APP_ENV (development unless told otherwise)."""
    name = (os.environ.get("APP_ENV") or os.environ.get("FLASK_ENV") or "development").lower()
    return {"production": ProductionConfig, "testing": TestConfig}.get(name, Config)
