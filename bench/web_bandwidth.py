"""What the pages cost a partner on slow mobile data: bytes over the wire and load times.

The demo data under gunicorn (bench.server), Debian's chromium driven by Playwright, and
Chromium's DevTools protocol (Network domain) throttling every request to 400 kbit/s down,
200 kbit/s up and 400 ms latency. For each demo account, in a browser context of its own:
the home page with an empty cache (the first visit), then, signed in, every page its header
and home page link to, with the cache as the first pages left it. Each page is first asked for
unthrottled, once per gunicorn worker, so a worker's first rendering of a template (about a
second) is not counted: a running service has done it long before.

- web.first_visit_kb: bytes received for GET / with an empty cache (the largest of the runs)
- web.page_kb_max: bytes received for the heaviest later page, over every account's pages
- web.slow_first_visit_s: DOMContentLoaded of the first visit (the slowest of the runs)
- web.slow_page_s: DOMContentLoaded of the slowest later page
"""

import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pyotp
from playwright.sync_api import CDPSession, Page, sync_playwright

from bench.figures import Figure
from bench.server import HOST, SECRET_KEY, WORKERS, gunicorn
from demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, load_demo
from diaspora import create_app
from diaspora.config import Config
from diaspora.extensions import db

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ACCOUNTS = ("staff@demo.test", "partner@demo.test", "coordinator@demo.test", "admin@demo.test")
SLOW_MOBILE = {
    "offline": False,
    "latency": 400,  # ms
    "downloadThroughput": 400_000 / 8,  # bytes a second
    "uploadThroughput": 200_000 / 8,
}
# Links that download a file or leave the page rather than show one.
NOT_PAGES = ("/static/", "/export", ".ics", ".csv", ".pdf", ".json", "/calendar/feed")
MAX_PAGES = 40  # per account, enough for every header link and the home page's links


def run(database_url: str) -> list[Figure]:
    """Load the demo data, serve it under gunicorn and walk it as each demo account."""
    _load_demo(database_url)
    first_kb, first_s, pages_kb, pages_s = [], [], {}, {}
    with gunicorn(database_url) as port, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            for email in ACCOUNTS:
                context = browser.new_context(base_url=f"http://{HOST}:{port}")
                page = context.new_page()
                meter = Meter(page, context.new_cdp_session(page))
                kb, seconds = meter.visit("/")
                first_kb.append(kb)
                first_s.append(seconds)
                sign_in(page, email)
                for path in _pages_linked(page):
                    pages_kb[email, path], pages_s[email, path] = meter.visit(path)
                context.close()
        finally:
            browser.close()
    heaviest = max(pages_kb, key=pages_kb.__getitem__)
    slowest = max(pages_s, key=pages_s.__getitem__)
    print(
        f"web_bandwidth: {len(pages_kb)} later pages; heaviest {heaviest}, slowest {slowest};"
        f" median {statistics.median(pages_kb.values()):.1f} KB,"
        f" {statistics.median(pages_s.values()):.2f} s",
        file=sys.stderr,
        flush=True,
    )
    return [
        Figure("web.first_visit_kb", max(first_kb), "KB"),
        Figure("web.page_kb_max", pages_kb[heaviest], "KB"),
        Figure("web.slow_first_visit_s", max(first_s), "s"),
        Figure("web.slow_page_s", pages_s[slowest], "s"),
    ]


def sign_in(page: Page, email: str) -> None:
    """Sign in as a demo account through the sign-in page, giving the demo authenticator app's
    code when the account has a second factor (the code of the next time step if this one was
    used already)."""
    page.goto("/account/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    app = pyotp.TOTP(DEMO_TOTP_SECRET)
    for at in (time.time(), time.time() + app.interval):
        if urlsplit(page.url).path != "/account/two-factor":
            break
        page.get_by_label("Code from your authenticator app").fill(app.at(at))
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()
    if urlsplit(page.url).path.startswith(("/account/sign-in", "/account/two-factor")):
        raise RuntimeError(f"signing in as {email} failed")


class Meter:
    """Counts the bytes a tab receives (headers included, as they cross the wire) while the
    network is throttled."""

    def __init__(self, page: Page, cdp: CDPSession) -> None:
        self.page = page
        self.received = 0
        cdp.on("Network.loadingFinished", self._finished)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SLOW_MOBILE)

    def _finished(self, event: dict) -> None:
        self.received += event["encodedDataLength"]

    def visit(self, path: str) -> tuple[float, float]:
        """(KB received, seconds to DOMContentLoaded) for loading path and all it asks for."""
        for _ in range(WORKERS):
            self.page.request.get(path)  # outside the tab: neither throttled nor counted
        self.received = 0
        response = self.page.goto(path, wait_until="networkidle")
        if response is None or response.status >= 400:
            raise RuntimeError(f"GET {path} answered {response and response.status}")
        dom_loaded_ms = self.page.evaluate(
            "performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"
        )
        return self.received / 1000, dom_loaded_ms / 1000


def _pages_linked(page: Page) -> list[str]:
    """The pages the signed-in home page's header and content link to, home page first."""
    hrefs = page.eval_on_selector_all(
        ".nhsuk-header a[href], main a[href]", "links => links.map(a => a.getAttribute('href'))"
    )
    paths = ["/"]
    for href in hrefs:
        local = href.startswith("/") and not href.startswith("//")
        if local and href not in paths and not any(part in href for part in NOT_PAGES):
            paths.append(href)
    return paths[:MAX_PAGES]


def _load_demo(database_url: str) -> None:
    """The demo data, its authenticator apps' secrets encrypted under the server's key."""
    app = create_app(Config, SQLALCHEMY_DATABASE_URI=database_url, SECRET_KEY=SECRET_KEY)
    with app.app_context():
        load_demo()
        db.session.commit()
        db.engine.dispose()
