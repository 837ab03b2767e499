"""The page budget: every page at most 20 KB of gzip-compressed HTML with the demo data.

One demo world (`flask demo load`) serves the whole module, inside a transaction rolled back at
the end. A visitor and each demo role walk every page they can reach from the home page through
links (GET, same origin, a few of each route); the pages only an email, a form or an error leads
to are asked for in `_pages_behind_links_and_forms`. Each page's HTML is compressed here with
gzip, as a browser would receive it from a server that compresses, and must fit the budget.

Every template under templates/ that is a page must have been rendered on the way, so a new page
is measured from the day it is added; the templates that are not pages are named in NOT_PAGES
with the reason.
"""

import gzip
import html
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from flask import template_rendered
from sqlalchemy import select
from werkzeug.exceptions import HTTPException, TooManyRequests

from demo import DEMO_PASSWORD, load_demo
from diaspora import config, create_app
from diaspora.account.services import request_email_change
from diaspora.api import tokens
from diaspora.auth.models import Role, User, UserRole
from diaspora.auth.services import (
    email_change_token,
    fingerprint,
    make_token,
    reset_token,
)
from diaspora.bookings import services as bookings
from diaspora.cohorts import services as cohorts
from diaspora.cohorts import volunteers
from diaspora.cohorts.models import Cohort, CohortInvitation
from diaspora.contributions import services as contributions
from diaspora.contributions.models import Certificate
from diaspora.core.time import utcnow
from diaspora.credentials.models import Credential
from diaspora.engagements import services as engagements
from diaspora.engagements.models import Engagement, EngagementState, ReleaseStatus
from diaspora.extensions import db as _db
from diaspora.milestones.models import Milestone, Plan
from diaspora.opportunities.models import Opportunity, TeachingSession
from diaspora.organisations.models import (
    MemberRole,
    Membership,
    Organisation,
    OrganisationInvitation,
)
from diaspora.phones.models import MobileNumber
from tests.conftest import AppClient, rolled_back
from tests.helpers import sign_in, submit

BUDGET = 20 * 1024  # bytes of gzip-compressed HTML
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
ROLES = (
    None,  # a visitor, not signed in
    "admin@demo.test",
    "coordinator@demo.test",
    "partner@demo.test",
    "staff@demo.test",
)
PER_ROUTE = 4  # pages of one route each person opens: enough to meet its longest demo pages
NOT_FOLLOWED = ("/account/sign-out", "/static/", "/api/", "/calendar/feed/")
DOWNLOADS = (".ics", ".csv", ".json", ".pdf")

# Templates that are not pages, and why.
NOT_PAGES = {
    "layouts/base.html": "the layout every page extends",
    "components/forms.html": "macros for forms, imported by pages",
    "components/messages.html": "the flashed messages, included by the layout",
}
PARTIAL = "an include or macros, named with a leading underscore, measured inside its pages"
EMAIL = "the text of an email or inbox message, not a page"


def not_a_page(name: str) -> str | None:
    """Why a template is not a page, or None when it is one."""
    if name in NOT_PAGES:
        return NOT_PAGES[name]
    if name.rsplit("/", 1)[-1].startswith("_"):
        return PARTIAL
    if name.endswith(".txt"):
        return EMAIL
    return None


@dataclass
class Walk:
    """What the walk saw: each page's compressed size, and the templates it rendered."""

    sizes: dict[str, int] = field(default_factory=dict)
    templates: dict[str, str] = field(default_factory=dict)  # template -> first page using it


HREF = re.compile(r'href="([^"]+)"')


def _links(app, path: str, body: str) -> list[tuple[str, str]]:
    """(path with query, endpoint) of each same-origin page a page links to."""
    adapter = app.url_map.bind("localhost")
    found = []
    for href in HREF.findall(body):
        url = urlsplit(urljoin(f"http://localhost{path}", html.unescape(href)))
        if url.netloc != "localhost" or url.path.endswith(DOWNLOADS):
            continue
        if url.path.startswith(NOT_FOLLOWED):
            continue
        try:
            endpoint, _ = adapter.match(url.path, method="GET")
        except HTTPException:  # a link to no page route: nothing to measure
            continue
        found.append((url.path + (f"?{url.query}" if url.query else ""), endpoint))
    return found


class Measure:
    """Records each response's compressed size and the templates rendered for it."""

    def __init__(self, app, walk: Walk) -> None:
        self.app, self.walk = app, walk
        self.rendered: list[str] = []
        template_rendered.connect(self._note, app)

    def _note(self, _sender, template, **_extra) -> None:
        self.rendered.append(template.name)

    def __call__(self, who: str | None, label: str, response) -> str:
        body = response.get_data()
        if response.mimetype == "text/html":
            self.walk.sizes[f"{label} as {who or 'a visitor'}"] = len(gzip.compress(body))
        for name in self.rendered:
            self.walk.templates.setdefault(name, label)
        self.rendered.clear()
        return body.decode()


class FreshClient(AppClient):
    """Each request starts as in production: an empty `g` and a database session of its own."""

    def open(self, *args, **kwargs):
        _db.session.remove()
        return super().open(*args, **kwargs)


def _client(app, who: str | None):
    client = app.test_client()
    if who is not None:
        sign_in(client, who, DEMO_PASSWORD)
    return client


def _crawl(app, measure: Measure, who: str | None) -> None:
    client = _client(app, who)
    queue, seen = ["/"], {"/"}
    opened: dict[str, int] = defaultdict(int)
    while queue:
        path = queue.pop(0)
        measure.rendered.clear()
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        for link, endpoint in _links(app, path, measure(who, path, response)):
            if link not in seen and opened[endpoint] < PER_ROUTE:
                seen.add(link)
                opened[endpoint] += 1
                queue.append(link)


def _user(session, email: str) -> User:
    return session.scalar(select(User).where(User.email == email))


def _pages_behind_links_and_forms(app, session, measure: Measure) -> None:
    """Pages no link reaches: emailed links, answers to forms, other people's pages, errors."""
    staff, staff02 = _user(session, "staff@demo.test"), _user(session, "staff02@demo.test")
    cohort = session.scalar(select(Cohort).order_by(Cohort.id))
    charity = session.scalar(select(Organisation).where(Organisation.name == "Sylhet Health Link"))
    needs_release = session.scalar(
        select(Engagement).where(
            Engagement.user_id == staff02.id, Engagement.release_status == ReleaseStatus.NEEDED
        )
    )
    with app.test_request_context():
        records = _records(session)
        bookings.new_feed(session, staff)
        tokens.create(session, staff, "Laptop", "read")
        token_id = tokens.live_tokens(session, staff)[0].id
        join_link = cohorts.new_link(session, cohort, _user(session, "coordinator@demo.test"))
        invitation = OrganisationInvitation(
            organisation=charity, email_fingerprint=fingerprint(staff.email)
        )
        session.add(invitation)
        session.flush()
        invite_link = make_token("invite", {"i": invitation.id, "e": invitation.email_fingerprint})
        release_link = engagements.request_release(session, needs_release, "manager@nhs.net")
        unverified = User(
            email="new.person@nhs.example",
            display_name="New Person",
            password_hash=staff.password_hash,
        )
        session.add(unverified)
        session.flush()
        verify_link = make_token("verify", {"u": unverified.id, "e": fingerprint(unverified.email)})
        no_profile = User(
            email="no.profile@nhs.example",
            display_name="No Profile Yet",
            password_hash=staff.password_hash,
            email_verified_at=utcnow(),
            roles=[UserRole(role=Role.STAFF)],
        )
        session.add(no_profile)
        reset_link = reset_token(staff)
        request_email_change(session, staff, "new.address@nhs.example")
        change_link = email_change_token(staff)
        # A long spreadsheet of volunteers waiting to be confirmed, half its rows refused, and
        # an invitation the demo import sent to someone without an account.
        coordinator = _user(session, "coordinator@demo.test")
        rows = "".join(
            f"Volunteer {n},v{n}@volunteers.test,Midwife,Bangladesh; IN,Bengali; syl\r\n"
            if n % 2
            else f"Volunteer number {n} with a long name,v{n}@,Wizard,Narnia; Atlantis,Elvish\r\n"
            for n in range(120)
        )
        upload = volunteers.start_import(
            session, cohort, coordinator, (volunteers.imports.template_csv() + rows).encode()
        )
        waiting = session.scalar(
            select(CohortInvitation)
            .where(CohortInvitation.cohort_id == cohort.id, CohortInvitation.accepted_at.is_(None))
            .order_by(CohortInvitation.expires_at.desc())
        )
        cohort_invitation = make_token(volunteers.PURPOSE, {"i": waiting.id, "n": waiting.nonce})
        # A confirmed mobile number with a new one waiting for its code (UK drama numbers).
        session.add(
            MobileNumber(
                user_id=staff.id,
                number="+447700900123",
                confirmed_at=utcnow(),
                pending_number="+447700900456",
            )
        )
    session.commit()

    visitor = [
        "/account/register/staff",
        "/account/register/organisation",
        "/account/check-your-email",
        "/account/resend-verification",
        "/account/signed-out",
        "/account/my-data/deleted",
        "/certificates/verify",
        "/certificates/NOT-A-CODE",
        f"/account/verify/{verify_link}",
        "/account/verify/not-a-real-link",
        f"/account/reset-password/{reset_link}",
        f"/account/email/confirm/{change_link}",
        f"/release/{release_link}",
        "/release/not-a-real-link",
        f"/cohorts/invitations/{cohort_invitation}",
        "/cohorts/invitations/not-a-real-link",
        "/no-such-page",
    ]
    signed_in = {
        "staff@demo.test": [
            "/credentials/",
            "/credentials/new",
            "/recommendations/hidden",
            "/calendar/turn-off",
            f"/account/tokens/{token_id}/revoke",
            f"/cohorts/join/{join_link}",
            "/cohorts/join/not-a-real-link",
            f"/organisations/invitations/{invite_link}",
            "/admin/",
            f"/cohorts/invitations/{cohort_invitation}",
            f"/cohorts/{cohort.id}/welcome",
            "/account/mobile/confirm",
            "/account/mobile/remove",
        ],
        "staff02@demo.test": [f"/engagements/{needs_release.id}/release"],
        "coordinator@demo.test": [
            f"/cohorts/{cohort.id}/messages",
            f"/cohorts/{cohort.id}/imports/{upload.id}",
            f"/cohorts/{cohort.id}/imports/{upload.id}?page=2",
        ],
        # A member of the nursing school waiting for verification, trying to post.
        "manila@demo.test": ["/opportunities/new"],
        "no.profile@nhs.example": ["/profile", "/profile/check"],
    }
    for who, path in records:
        signed_in.setdefault(who, []).append(path)
    for path in visitor:
        client = app.test_client()
        measure(None, path, client.get(path))
    for who, paths in signed_in.items():
        client = _client(app, who)
        for path in paths:
            measure(who, path, client.get(path))

    client = _client(app, "partner@demo.test")
    for opportunity_id in _managed_opportunities(session, "partner@demo.test"):
        page = client.get(f"/opportunities/{opportunity_id}/candidates").get_data(as_text=True)
        invite = re.search(r'href="(/opportunities/\d+/candidates/invite[^"]*)"', page)
        if invite:
            path = html.unescape(invite.group(1))
            measure("partner@demo.test", path, client.get(path))
            break

    client = _client(app, "staff@demo.test")
    form = {"name": "Rota", "scope": "read", "days": "90"}
    measure("staff@demo.test", "POST /account/tokens", submit(client, "/account/tokens", form))
    client = _client(app, "coordinator@demo.test")
    for path in ("/account/confirm-it-is-you", "/account/confirm-it-is-you/recovery"):
        measure("coordinator@demo.test", path, client.get(path))
    answer = submit(client, "/account/two-factor/recovery-codes", {})
    measure("coordinator@demo.test", "POST /account/two-factor/recovery-codes", answer)
    client = app.test_client()  # half signed in: the password given, the second factor asked
    submit(
        client, "/account/sign-in", {"email": "coordinator@demo.test", "password": DEMO_PASSWORD}
    )
    measure("coordinator@demo.test", "/account/two-factor", client.get("/account/two-factor"))
    client = app.test_client()
    answer = submit(client, "/account/forgot-password", {"email": "staff@demo.test"})
    measure(None, "POST /account/forgot-password", answer)
    answer = client.post("/account/forgot-password", data={"email": "staff@demo.test"})
    measure(None, "POST without a CSRF token", answer)
    big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    measure(None, "POST too large", client.post("/account/sign-in", data={"email": big}))
    for error in (TooManyRequests(), RuntimeError("a fault")):
        with app.test_request_context("/account/sign-in"):
            measure(None, f"an error page ({type(error).__name__})", _error_page(app, error))


def _owner_of(session, organisation_id: int) -> str:
    return session.scalar(
        select(User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation_id, Membership.role == MemberRole.OWNER)
    )


def _managed_opportunities(session, email: str) -> list[int]:
    return list(
        session.scalars(
            select(Opportunity.id)
            .join(Membership, Membership.organisation_id == Opportunity.organisation_id)
            .join(User, User.id == Membership.user_id)
            .where(User.email == email)
            .order_by(Opportunity.id)
        )
    )


def _first_engagement(session) -> int:
    """The demo staff member's first engagement: its certificate page says why there is none."""
    return session.scalar(
        select(Engagement.id)
        .join(User, User.id == Engagement.user_id)
        .where(User.email == "staff@demo.test")
        .order_by(Engagement.id)
    )


def _a_certificate(session) -> Certificate:
    """A certificate for the first completed engagement with approved hours."""
    completed = session.scalars(
        select(Engagement)
        .where(Engagement.state == EngagementState.COMPLETED)
        .order_by(Engagement.id)
    )
    for engagement in completed:
        try:
            return contributions.issue_certificate(session, engagement)
        except contributions.CertificateUnavailable:
            continue
    raise AssertionError("the demo has no completed engagement with approved hours")


def _records(session) -> list[tuple[str, str]]:
    """(who, path) for pages about one record, each opened by a person it belongs to."""
    certificate = _a_certificate(session)
    engagement = certificate.engagement
    started = session.scalar(select(TeachingSession).order_by(TeachingSession.starts_at))
    credential = session.scalar(select(Credential).order_by(Credential.id))
    plan = session.scalar(select(Plan).order_by(Plan.id))
    milestone = Milestone(  # only a person's own milestones may be deleted
        plan=plan, title="Book flights", due_on=plan.starts_on, created_by_user=True
    )
    session.add(milestone)
    # No demo engagement is under way (those on open projects have not started, the year of
    # work is completed): the last completed one, as it was before completion, to confirm it.
    offered = session.scalar(
        select(Engagement)
        .where(Engagement.state == EngagementState.COMPLETED, Engagement.session_id.is_(None))
        .order_by(Engagement.id.desc())
    )
    offered.state, offered.ended_at = EngagementState.ACTIVE, None
    session.flush()
    return [
        (
            _owner_of(session, offered.opportunity.organisation_id),
            f"/engagements/{offered.id}/complete",
        ),
        ("staff@demo.test", f"/engagements/{_first_engagement(session)}/certificate"),
        (
            _owner_of(session, engagement.opportunity.organisation_id),
            f"/certificates/{certificate.id}/revoke",
        ),
        (
            _owner_of(session, started.opportunity.organisation_id),
            f"/sessions/{started.id}/attendance",
        ),
        (credential.profile.user.email, f"/credentials/{credential.id}/remove"),
        (plan.owner.email, f"/plans/{plan.id}/milestones/{milestone.id}/delete"),
    ]


def _error_page(app, error: Exception):
    """The page the app's error handlers answer `error` with."""
    return app.make_response(app.handle_user_exception(error))


@pytest.fixture(scope="module")
def walk(database_url) -> Walk:
    app = create_app(config.TestConfig, SQLALCHEMY_DATABASE_URI=database_url)
    app.test_client_class = FreshClient
    with app.app_context():
        with rolled_back() as db:
            load_demo()
            db.session.commit()
            result = Walk()
            measure = Measure(app, result)
            for who in ROLES:
                _crawl(app, measure, who)
            _pages_behind_links_and_forms(app, db.session, measure)
            yield result
        db.engine.dispose()


def test_every_page_is_within_the_budget(walk):
    assert len(walk.sizes) > 200, "the walk met too few pages"
    over = {page: size for page, size in walk.sizes.items() if size > BUDGET}
    assert not over, "pages over the budget of 20 KB compressed:\n" + "\n".join(
        f"  {page}: {size / 1024:.1f} KB" for page, size in sorted(over.items())
    )


def test_every_page_template_is_measured(walk):
    pages = sorted(
        path.relative_to(TEMPLATES).as_posix()
        for path in TEMPLATES.rglob("*")
        if path.is_file() and not_a_page(path.relative_to(TEMPLATES).as_posix()) is None
    )
    assert len(pages) > 100
    missing = [name for name in pages if name not in walk.templates]
    assert not missing, f"templates no measured page rendered: {missing}"
