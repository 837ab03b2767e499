"""Every page each demo role can reach fits a 320 px wide screen (WCAG 2.2 SC 1.4.10).

With the demo data loaded, a visitor and each demo role follow every link from the home page
(same origin, GET, one page of each route, never signing out) in a 320 x 640 tab, and each page is
checked: no sideways scrolling, and its static files cached. axe-core's WCAG 2.2 AA rules run on
the first page of each route the crawl opens: other people's pages of the same route share its
template.
"""

from urllib.parse import urlsplit

from sqlalchemy import select

from demo import ROLE_ACCOUNTS, load_demo
from diaspora.auth.models import User
from diaspora.auth.services import hash_password
from diaspora.extensions import db
from tests.browser.conftest import NARROW
from tests.factories import PASSWORD

ROLES = (None, "admin@demo.test", "coordinator@demo.test", "partner@demo.test", "staff@demo.test")
NOT_FOLLOWED = ("/account/sign-out", "/static/", "/api/", "/calendar/feed/")
DOWNLOADS = (".ics", ".csv", ".json", ".pdf")
LINKS = "() => Array.from(document.querySelectorAll('a[href]'), a => a.href)"


def _load_demo() -> None:
    load_demo()
    # The sign-in helper types the test accounts' password.
    emails = [email for email, *_ in ROLE_ACCOUNTS]
    for user in db.session.scalars(select(User).where(User.email.in_(emails))):
        user.password_hash = hash_password(PASSWORD)
    db.session.commit()


def _crawl(tab, base: str, app, checked: set[str]) -> list[str]:
    """Visit one page of every route reachable from home; return the problems found.

    `checked` holds the routes axe-core has run on; the crawl adds the ones it checks.
    """
    adapter = app.url_map.bind("localhost")
    home, _ = adapter.match("/", method="GET")
    queue, opened = [("/", home)], {home}
    problems = []
    while queue:
        path, endpoint = queue.pop(0)
        try:
            if endpoint in checked:
                tab.visit_for_reflow(path)
            else:
                checked.add(endpoint)
                tab.visit(path)
        except AssertionError as problem:
            problems.append(str(problem))
        for href in tab.page.evaluate(LINKS):
            url = urlsplit(href)
            if f"{url.scheme}://{url.netloc}" != base or url.path.startswith(NOT_FOLLOWED):
                continue
            if url.path.endswith(DOWNLOADS):
                continue
            try:
                endpoint, _ = adapter.match(url.path, method="GET")
            except Exception:  # noqa: S112 - no page route: nothing to visit
                continue
            if endpoint not in opened:
                opened.add(endpoint)
                queue.append((url.path + (f"?{url.query}" if url.query else ""), endpoint))
    return problems


def test_every_reachable_page_fits_a_narrow_screen(live_server, open_tab):
    with live_server.app.app_context():
        _load_demo()
    problems, checked = [], set()
    for who in ROLES:
        tab = open_tab(viewport=NARROW)
        if who is not None:
            tab.sign_in(who)
        problems += [
            f"{who or 'a visitor'}: {p}"
            for p in _crawl(tab, live_server.url, live_server.app, checked)
        ]
    assert not problems, "\n".join(problems)
