"""Fixtures for the browser tests: Debian's chromium, driven by Playwright, against a live server.

Each test gets its own server on a free local port, its own migrated database (SQLite: a copy of
a file migrated once per worker; PostgreSQL, when TEST_DATABASE_URL is set: a schema of its own,
migrated for the test) and its own SMTP sink, so the rolled-back tests' shared database is
never touched. Every page a tab loads must pass axe-core's WCAG 2.2 AA rules: a page loaded but
never checked fails the test.
"""

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Locator, Page, Response, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from sqlalchemy import create_engine, make_url, text
from werkzeug.serving import make_server

from diaspora import create_app
from diaspora.config import TestConfig
from diaspora.core.assets import IMMUTABLE
from diaspora.extensions import db
from diaspora.notifications.jobs import deliver_due
from tests.conftest import PG_URL, migrate_to_head
from tests.factories import PASSWORD
from tests.helpers import SmtpSink, second_factor_answer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Static files that shrink when compressed (images such as PNG do not).
COMPRESSIBLE = (".css", ".js", ".svg", ".json", ".ico")
SCHEMA = f"browser_{os.getpid()}"  # one per run: runs side by side never collide


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is not installed (Debian's chromium package; `make browser`)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}: CI must run the browser tests", pytrace=False)
        pytest.skip(f"browser tests: {reason}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def _on_postgresql(*statements: str) -> None:
    engine = create_engine(PG_URL)
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    engine.dispose()


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory) -> Path:
    """A SQLite file migrated to head once per worker, which each test copies: copying the file
    is the same database as migrating afresh, without running the migrations each time."""
    path = tmp_path_factory.mktemp("browser") / "migrated.sqlite"
    migrate_to_head(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def live_database_url(request, tmp_path) -> Iterator[str]:
    """A migrated database for the live server alone: a SQLite file, or a PostgreSQL schema."""
    if request.param == "sqlite":
        path = tmp_path / "browser.sqlite"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite_file"), path)
        yield f"sqlite:///{path}"
        return
    if not PG_URL:
        pytest.skip("PostgreSQL variant: set TEST_DATABASE_URL to run it (CI does)")
    _on_postgresql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE", f"CREATE SCHEMA {SCHEMA}")
    url = (
        make_url(PG_URL)
        .update_query_dict({"options": f"-csearch_path={SCHEMA}"})
        .render_as_string(hide_password=False)
    )
    try:
        migrate_to_head(url)
        yield url
    finally:
        _on_postgresql(f"DROP SCHEMA {SCHEMA} CASCADE")


class LiveMail(SmtpSink):
    """The live server's SMTP sink. Waiting for mail first delivers the outbox, as the scheduler
    beside the server does each minute."""

    app: Flask

    def deliver(self) -> list[EmailMessage]:
        with self.app.app_context():
            deliver_due()
        return self.messages

    def wait_for(self, count: int, timeout: float = 10) -> list[EmailMessage]:
        self.deliver()
        return super().wait_for(count, timeout)


@dataclass
class LiveServer:
    url: str
    app: Flask
    mail: LiveMail


@pytest.fixture
def live_server(live_database_url) -> Iterator[LiveServer]:
    """The app served by werkzeug in a background thread; its mail goes to a real SMTP sink."""
    mail = LiveMail()
    mail.start()
    try:
        app = create_app(
            TestConfig,
            SQLALCHEMY_DATABASE_URI=live_database_url,
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=mail.port,
        )
        server = make_server("127.0.0.1", 0, app, threaded=True)
        mail.app = app
        # Emailed links point at the service's address: here, this server. Its host is a name,
        # not an IP address, as browsers refuse an IP address as a passkey's relying party.
        url = f"http://localhost:{server.server_port}"
        app.config["SERVICE_URL"] = url
        # A short poll interval: shutdown() waits up to one interval for the loop to notice.
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.start()
        try:
            yield LiveServer(url, app, mail)
        finally:
            server.shutdown()
            thread.join()
            server.server_close()
            with app.app_context():
                db.engine.dispose()
    finally:
        mail.stop()


def _design_system_known_issue(rule: str, node: dict) -> bool:
    """aria-expanded on an NHS.UK conditional-reveal radio or checkbox, which axe reports.

    ARIA 1.2 does not allow aria-expanded on those roles, but the NHS.UK and GOV.UK design
    systems set it on purpose because screen readers announce it (alphagov/govuk-frontend#979).
    Only that exact finding is let through; anything else on the element still fails.
    """
    if rule != "aria-allowed-attr":
        return False
    if "nhsuk-radios__input" not in node["html"] and "nhsuk-checkboxes__input" not in node["html"]:
        return False
    if node["any"]:
        return False
    findings = [item for check in node["all"] + node["none"] for item in check["data"] or []]
    return bool(findings) and all(item.startswith("aria-expanded=") for item in findings)


def check_static_responses(responses: list[Response]) -> None:
    """Every static file a page loaded is cached for a year, and sent compressed when it
    compresses (ADR 17); `responses` is emptied."""
    for response in responses:
        headers = response.headers
        assert headers.get("cache-control") == IMMUTABLE, f"{response.url}: {headers}"
        if response.url.endswith(COMPRESSIBLE):
            assert headers.get("content-encoding") in {"br", "gzip"}, f"{response.url}: {headers}"
    responses.clear()


NARROW = {"width": 320, "height": 640}  # WCAG 2.2 SC 1.4.10: 320 CSS pixels, no sideways scroll
FITS = "width => document.documentElement.scrollWidth <= width"
# The elements sticking out on the right, to say what made a page too wide.
WIDE_ELEMENTS = """width => Array.from(document.body.querySelectorAll('*'))
    .filter(e => e.getBoundingClientRect().right > width && e.children.length === 0)
    .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))"""


def check_reflow(page: Page) -> None:
    """The page fits a 320 px wide screen: nothing makes it scroll sideways."""
    size = page.viewport_size
    page.set_viewport_size(NARROW)
    try:
        page.wait_for_function("width => window.innerWidth === width", arg=NARROW["width"])
        # The NHS.UK header moves its links into a "More" menu when it hears of the resize.
        with suppress(PlaywrightTimeoutError):
            page.wait_for_function(FITS, arg=NARROW["width"], timeout=2000)
        width = page.evaluate("document.documentElement.scrollWidth")
        wide = page.evaluate(WIDE_ELEMENTS, NARROW["width"]) if width > NARROW["width"] else []
    finally:
        if size is not None:
            page.set_viewport_size(size)
    assert width <= NARROW["width"], f"{page.url} is {width} px wide at 320 px: {wide}"


class Tab:
    """One person's browser tab. Load pages through visit() and follow(): both check them."""

    def __init__(self, page: Page, app: Flask | None = None) -> None:
        self.page = page
        self.app = app
        self.unchecked: list[str] = []
        self.static_responses: list[Response] = []
        page.on("load", lambda loaded: self.unchecked.append(loaded.url))
        page.on("response", self._note_static)

    def _note_static(self, response: Response) -> None:
        if "/static/" in response.url:
            self.static_responses.append(response)

    def visit(self, url: str) -> None:
        """Go to a path on the live server, or to a full URL such as a link from an email."""
        self.page.goto(url)
        self.check_accessibility()
        check_reflow(self.page)

    def visit_for_reflow(self, url: str) -> None:
        """Go to another page of a route whose template visit() already ran axe-core on, and
        check only that it fits a narrow screen and that its static files are cached."""
        self.page.goto(url)
        self.unchecked.clear()
        check_static_responses(self.static_responses)
        check_reflow(self.page)

    def follow(self, target: Locator) -> None:
        """Click a link or button that loads a page, wait for it and check it."""
        with self.page.expect_event("load"):
            target.click()
        self.check_accessibility()
        check_reflow(self.page)

    def sign_in(self, email: str, password: str = PASSWORD) -> None:
        """Sign in through the sign-in page, then give the second factor when the account has
        one (a code from its authenticator app, as its owner would type it)."""
        page = self.page
        if "/account/sign-in" not in page.url:
            self.visit("/account/sign-in")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password", exact=True).fill(password)
        self.follow(page.get_by_role("button", name="Sign in"))
        if page.url.split("?")[0].endswith("/account/two-factor"):
            with self.app.app_context():
                url, code = second_factor_answer(email)
            if url.endswith("/recovery"):
                self.follow(page.get_by_role("link", name="Use a recovery code"))
                page.get_by_label("Recovery code").fill(code)
            else:
                page.get_by_label("Code from your authenticator app").fill(code)
            self.follow(page.get_by_role("button", name="Continue"))

    def check_accessibility(self) -> None:
        """Run axe-core on the page as it is now; call it again after the page changes itself."""
        results = self.page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
            " resultTypes: ['violations']})",
            WCAG_TAGS,
        )
        self.unchecked.clear()
        check_static_responses(self.static_responses)
        problems = []
        for violation in results["violations"]:
            nodes = [
                node
                for node in violation["nodes"]
                if not _design_system_known_issue(violation["id"], node)
            ]
            if nodes:
                targets = "\n".join(f"    {' '.join(map(str, node['target']))}" for node in nodes)
                problems.append(f"  {violation['id']}: {violation['help']}\n{targets}")
        assert not problems, (
            f"axe-core found {len(problems)} accessibility violation(s) on {self.page.url}:\n"
            + "\n".join(problems)
        )


@pytest.fixture
def open_tab(browser, live_server) -> Iterator:
    """Opens a tab in a browser context of its own: a separate person with their own cookies.

    axe-core goes in as an init script, which the app's Content-Security-Policy does not block:
    pages run under the same policy as in a real browser.
    """
    contexts = []
    tabs: list[Tab] = []

    def _open(**options) -> Tab:
        """options go to Playwright's new_context, for example viewport=NARROW."""
        context = browser.new_context(base_url=live_server.url, **options)
        context.add_init_script(path=AXE)
        contexts.append(context)
        tabs.append(Tab(context.new_page(), live_server.app))
        return tabs[-1]

    yield _open
    for context in contexts:
        context.close()
    unchecked = [url for tab in tabs for url in tab.unchecked]
    assert not unchecked, f"pages loaded without an accessibility check: {unchecked}"
