"""Every page route, every method, as every kind of outsider: each gets only what the rules give.

The routes are walked from the URL map (the API has its own matrix, tests/api), their path
arguments filled with the ids of one owner's records (see page_world.py). EXPECT says, per
endpoint, which outsiders may use it; everyone else must be refused (403 or 404, a link page's
400, or the sign-in page for a visitor who is not signed in) and must change nothing in the
database. Every answer, allowed or not, must be below 500 and must not show what the owners keep
to themselves. A route missing from EXPECT fails `test_every_page_route_is_in_the_matrix`, so a
new page is classified when it is added.

Writes carry a valid CSRF token, so a refusal is the route's own. Each outsider has one world;
every request runs inside a savepoint rolled back afterwards, so each write meets the world as
it was built, as if it had one of its own.
"""

from urllib.parse import urlsplit

import pytest
from sqlalchemy import event

from diaspora.changelog import mirror
from diaspora.extensions import db as _db
from diaspora.extensions import limiter
from tests.core.support import snapshot
from tests.security import page_world as w
from tests.security.page_world import OUTSIDERS, SIGNED_IN, World

PUBLIC = frozenset(OUTSIDERS)
NOBODY = frozenset()
# Outsiders with the staff role acting on their own records (profile, plans, engagements).
STAFF = frozenset({"staff", "pending_charity_owner", "removed_member"})
# A coordinator of a verified charity: the directory, registrations, plan templates, cohorts.
COORDINATOR = frozenset({"other_coordinator"})
# Members of verified organisations: the directory's search, publishing opportunities.
VERIFIED_MEMBERS = frozenset({"other_partner", "other_coordinator"})

# Endpoint (or "METHOD endpoint" where the methods differ) -> who may use it with the owner's
# records in the path. Routes without an id act on the caller's own account.
EXPECT: dict[str, frozenset[str]] = {
    # Public pages, and links a person is sent (filled with a made-up link).
    "core.home": PUBLIC,
    "home.index": PUBLIC,
    "core.accessibility": PUBLIC,
    "core.health": PUBLIC,
    "core.live": PUBLIC,
    "core.ready": PUBLIC,
    "auth.sign_in": PUBLIC,
    "auth.signed_out": PUBLIC,
    "auth.register": PUBLIC,
    "auth.register_staff": PUBLIC,
    "auth.register_organisation": PUBLIC,
    "auth.check_email": PUBLIC,
    "auth.resend_verification": PUBLIC,
    "auth.forgot_password": PUBLIC,
    "auth.reset_password": PUBLIC,
    "auth.verify_email": PUBLIC,
    "auth.confirm_email_change": PUBLIC,
    "mydata.deleted": PUBLIC,
    # The second factor after the password: only the pending sign-in in the session's own state.
    "factors.verify": PUBLIC,
    "factors.verify_recovery": PUBLIC,
    "factors.passkey_challenge": PUBLIC,
    "factors.passkey_answer": PUBLIC,
    "api_tokens.reference": PUBLIC,
    "contributions.check": PUBLIC,
    "contributions.verify": PUBLIC,  # the certificate's code is meant to be shown to anyone
    "bookings.feed": PUBLIC,
    "engagements.release": PUBLIC,
    "languages.choose": PUBLIC,  # the language switcher: a cookie, or the account's setting
    "languages.change": PUBLIC,
    # One's own account.
    "auth.account": SIGNED_IN,
    "home.account_menu": SIGNED_IN,
    "auth.details": SIGNED_IN,
    "auth.change_email": SIGNED_IN,
    "auth.change_password": SIGNED_IN,
    "auth.sign_out": SIGNED_IN,
    "factors.step_up": SIGNED_IN,
    "factors.step_up_recovery": SIGNED_IN,
    "factors.set_up": SIGNED_IN,
    "factors.app": SIGNED_IN,
    "factors.passkey_new": SIGNED_IN,
    "factors.passkey_options": SIGNED_IN,
    "factors.passkey_register": SIGNED_IN,
    "factors.recovery_codes": SIGNED_IN,
    "factors.manage": SIGNED_IN,
    "factors.remove_app": SIGNED_IN,
    "factors.remove_passkey": NOBODY,  # the volunteer's passkey
    "factors.forget_device": NOBODY,  # the volunteer's remembered browser
    "mydata.index": SIGNED_IN,
    "mydata.delete": SIGNED_IN,
    "mydata.download": SIGNED_IN,
    "api_tokens.token_list": SIGNED_IN,
    "api_tokens.revoke": NOBODY,
    "notifications.inbox": SIGNED_IN,
    "notifications.preferences": SIGNED_IN,
    "notifications.read_all": SIGNED_IN,
    "notifications.open_message": NOBODY,
    "phones.manage": SIGNED_IN,  # one's own mobile number
    "phones.confirm": SIGNED_IN,
    "phones.resend": SIGNED_IN,
    "phones.cancel": SIGNED_IN,
    "phones.remove": SIGNED_IN,
    "bookings.calendar": SIGNED_IN,
    "bookings.calendar_link": SIGNED_IN,
    "bookings.calendar_off": SIGNED_IN,
    "matching.invitations_page": SIGNED_IN,
    "matching.accept": NOBODY,
    "matching.decline": NOBODY,
    "cohorts.mine": SIGNED_IN,
    "cohorts.leave": SIGNED_IN,  # leaves a cohort one is in: here, none (see NO_WRITES)
    # Administration.
    "admin.index": NOBODY,
    "admin.audit": NOBODY,
    "admin.organisation_queue": NOBODY,
    "admin.organisation": NOBODY,
    "admin.organisation_email_domains": NOBODY,
    "admin.organisation_text_budget": NOBODY,
    "admin.users": NOBODY,
    "admin.user": NOBODY,
    "admin.set_active": NOBODY,
    "admin.reset_second_factor": NOBODY,
    "notifications.outbox": NOBODY,
    "notifications.retry": NOBODY,
    "notifications.retry_all": NOBODY,
    # The gateways' callbacks: a token or a signature, never a session (tests/notifications/
    # test_receipts.py); without their settings they answer 404.
    "gateways.notify_status": NOBODY,
    "gateways.notify_received": NOBODY,
    "gateways.whatsapp_handshake": NOBODY,
    "gateways.whatsapp_webhook": NOBODY,
    "impact.platform": COORDINATOR,  # sends a coordinator on to their own organisation's page
    "impact.returns": NOBODY,
    "impact.organisation": NOBODY,
    "impact.export_organisation": NOBODY,
    "impact.partner": NOBODY,
    "impact.cohort": NOBODY,
    "impact.export_cohort": NOBODY,
    # Organisations: the owner's.
    "organisations.index": SIGNED_IN,
    "organisations.detail": SIGNED_IN,  # a verified organisation's public page
    "organisations.new": SIGNED_IN,
    "organisations.join": SIGNED_IN,
    "organisations.edit": NOBODY,
    "organisations.members": NOBODY,
    "organisations.approve_member": NOBODY,
    "organisations.remove_member": NOBODY,
    "organisations.withdraw_invitation": NOBODY,
    # The invitation the removed member accepted: withdrawn, it lets nobody in (issue 5).
    "organisations.accept_invitation": NOBODY,
    # Opportunities: the owner organisation's open project, seen by everyone signed in.
    "opportunities.index": SIGNED_IN,
    "opportunities.detail": SIGNED_IN,
    "opportunities.manage": VERIFIED_MEMBERS,
    "opportunities.new": VERIFIED_MEMBERS,
    "opportunities.edit": NOBODY,
    "opportunities.publish": NOBODY,
    "opportunities.end": NOBODY,
    "opportunities.cancel_session": NOBODY,
    "engagements.apply": STAFF,
    "engagements.interest": STAFF,
    "bookings.book": STAFF,
    "engagements.applicants": NOBODY,
    "engagements.decline_selected": NOBODY,
    "matching.candidates": NOBODY,
    "matching.invite": NOBODY,
    "contributions.review": NOBODY,
    "contributions.approve_selected": NOBODY,
    "bookings.attendance": NOBODY,
    # The volunteer's engagement, booking, hours and certificate.
    "engagements.mine": STAFF,
    "engagements.detail": NOBODY,
    "engagements.cancel": NOBODY,
    "engagements.withdraw": NOBODY,
    "engagements.decide": NOBODY,
    "engagements.start": NOBODY,
    "engagements.complete": NOBODY,
    "engagements.no_show": NOBODY,
    "engagements.release_manager": NOBODY,
    "contributions.log": NOBODY,
    "contributions.certificate": NOBODY,
    "contributions.revoke": NOBODY,
    "bookings.ics": NOBODY,
    "bookings.cancel": NOBODY,
    # Recommendations are one's own.
    "matching.recommendations": STAFF,
    "matching.hidden": STAFF,
    "matching.alerts": STAFF,
    "matching.dismiss": STAFF,
    "matching.restore": STAFF,
    # The registry: one's own profile, never the volunteer's items.
    "registry.profile": STAFF,
    "registry.work": STAFF,
    "registry.countries": STAFF,
    "registry.languages": STAFF,
    "registry.skills": STAFF,
    "registry.availability": STAFF,
    "registry.windows": STAFF,
    "registry.privacy": STAFF,
    "registry.check": STAFF,
    "registry.remove_country": NOBODY,
    "registry.remove_language": NOBODY,
    "registry.remove_skill": NOBODY,
    "registry.remove_window": NOBODY,
    "credentials.index": STAFF,
    "credentials.add": STAFF,
    "credentials.edit": NOBODY,
    "credentials.remove": NOBODY,
    "credentials.queue": COORDINATOR,
    "credentials.review": COORDINATOR,  # verifying registrations is a coordinator's job
    # The staff directory: the volunteer's profile is for coordinators only.
    "directory.search": VERIFIED_MEMBERS,
    "directory.profile": COORDINATOR,
    "directory.export": COORDINATOR,
    # Cohorts: the owner charity's.
    "cohorts.index": COORDINATOR,
    "cohorts.new": COORDINATOR,
    "cohorts.cohort": NOBODY,
    "cohorts.edit": NOBODY,
    "cohorts.archive": NOBODY,
    "cohorts.restore": NOBODY,
    "cohorts.find_people": NOBODY,
    "cohorts.add_member": NOBODY,
    "cohorts.remove_member": NOBODY,
    "cohorts.link": NOBODY,
    "cohorts.message": NOBODY,
    "cohorts.messages": NOBODY,
    "matching.propose": NOBODY,
    "cohorts.join": NOBODY,  # a join link since turned off
    "cohorts.import_volunteers": NOBODY,
    "cohorts.import_template": NOBODY,
    "cohorts.import_preview": NOBODY,
    "cohorts.import_confirm": NOBODY,
    "cohorts.import_problems": NOBODY,
    "cohorts.invitation_status": NOBODY,
    "cohorts.invitation": NOBODY,  # a made-up invitation link
    "cohorts.welcome": NOBODY,  # for the cohort's members only
    # Plans: the volunteer's; plan templates are shared, kept by verified coordinators.
    "milestones.plans": STAFF | COORDINATOR,
    "milestones.coordinating": COORDINATOR,
    "milestones.new_plan": STAFF,
    "milestones.start_plan": STAFF,
    "milestones.plan": NOBODY,
    "milestones.edit_plan": NOBODY,
    "milestones.delete_plan": NOBODY,
    "milestones.reminders": NOBODY,
    "milestones.add_milestone": NOBODY,
    "milestones.edit_milestone": NOBODY,
    "milestones.mark_done": NOBODY,
    "milestones.undo_done": NOBODY,
    "milestones.remove_milestone": NOBODY,
    "milestones.templates": COORDINATOR,
    "milestones.new_template": COORDINATOR,
    "milestones.edit_template": COORDINATOR,
    "milestones.new_template_milestone": COORDINATOR,
    "milestones.edit_template_milestone": COORDINATOR,
    "milestones.remove_template_milestone": COORDINATOR,
}

# Allowed, yet with nothing of theirs to act on: the answer is free, the database must not move.
NO_WRITES = {
    "cohorts.leave": SIGNED_IN,
    "matching.restore": STAFF,
    "bookings.calendar_off": SIGNED_IN,
}


def extra_cases(world: World) -> list[tuple[str, str, str, frozenset[str]]]:
    """Other records behind routes already walked: (endpoint, method, path, who may)."""
    draft, hidden = world.draft.id, world.hidden_profile.id
    return [
        ("opportunities.detail", "GET", f"/opportunities/{draft}", NOBODY),
        ("engagements.apply", "GET", f"/opportunities/{draft}/apply", NOBODY),
        ("engagements.apply", "POST", f"/opportunities/{draft}/apply", NOBODY),
        ("engagements.interest", "POST", f"/opportunities/{draft}/interest", NOBODY),
        ("directory.profile", "GET", f"/directory/{hidden}", NOBODY),  # a private profile
        # A pending organisation is shown to its own members only.
        ("organisations.detail", "GET", f"/organisations/{world.pending_org_id}", PENDING_OWNER),
    ]


PENDING_OWNER = frozenset({"pending_charity_owner"})


def page_rules(app) -> list:
    return sorted(
        (
            rule
            for rule in app.url_map.iter_rules()
            if rule.endpoint != "static" and not rule.endpoint.startswith("api.")
        ),
        key=lambda rule: rule.rule,
    )


def methods_of(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def allowed(endpoint: str, method: str) -> frozenset[str]:
    return EXPECT.get(f"{method} {endpoint}", EXPECT[endpoint])


def test_every_page_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in page_rules(app)}
    assert len(endpoints) > 100
    assert endpoints - {key.split()[-1] for key in EXPECT} == set(), "routes nobody classified"


def _cases(app, world: World) -> list[tuple[str, str, str, frozenset[str]]]:
    ids, overrides = world.ids(), world.overrides()
    cases = []
    for rule in page_rules(app):
        values = ids | overrides.get(rule.endpoint, {})
        built = rule.build({name: values[name] for name in rule.arguments})
        assert built is not None, rule.rule
        for method in methods_of(rule):
            cases.append((rule.endpoint, method, built[1], allowed(rule.endpoint, method)))
    cases += extra_cases(world)
    # Signing out ends the client's session: last, so it cannot hide what follows.
    return sorted(cases, key=lambda case: case[0] == "auth.sign_out")


def _secrets(outsider: str) -> list[str]:
    """What must not appear in the outsider's answers."""
    kept = [
        w.OWNER_EMAIL,
        w.VOLUNTEER_EMAIL,
        w.HIDDEN_EMAIL,
        w.HIDDEN_NAME,
        w.MESSAGE_BODY,
        w.APPLICATION_NOTE,
        w.PLAN_SCHEME,
    ]
    if outsider not in COORDINATOR:  # coordinators open the profile and check registrations
        kept += [w.VOLUNTEER_BIO, w.VOLUNTEER_EMPLOYER, w.CREDENTIAL_NUMBER]
    return kept


def _refused(outsider: str, endpoint: str, response) -> bool:
    if response.status_code in (403, 404):
        return True
    if response.status_code == 400 and "/<token>" in endpoint_rule(endpoint):
        return True  # a link page: "this link does not work"
    if outsider in SIGNED_IN or response.status_code != 302:
        return False
    return urlsplit(response.headers["Location"]).path == "/account/sign-in"


_RULES: dict[str, str] = {}


def endpoint_rule(endpoint: str) -> str:
    return _RULES.get(endpoint, "")


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_outsiders_get_only_what_the_rules_allow(app, client, make, db, outsider):
    mirror.warm(app)  # as in a worker forked from a warm master: the health checks answer 200
    """Every route and method as one outsider, in one world (see the module's docstring)."""
    _RULES.update({rule.endpoint: rule.rule for rule in page_rules(app)})
    world = World(app, make, db.session)
    caller = world.sign_in(outsider)
    cases = _cases(app, world)
    secrets = _secrets(outsider)
    connection = db.session.connection()
    db.session.commit()
    before = snapshot()
    db.session.close()

    writes: list[str] = []

    def _note_writes(_conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            writes.append(statement)

    problems = []
    event.listen(_db.engine, "before_cursor_execute", _note_writes)
    try:
        for endpoint, method, path, who in cases:
            savepoint = connection.begin_nested()
            writes.clear()
            limiter.reset()
            data = None if method == "GET" else {"csrf_token": caller.csrf}
            response = caller.client.open(path, method=method, data=data)
            body = response.get_data(as_text=True)
            changed = []
            checked = (
                method == "GET" or outsider not in who or outsider in NO_WRITES.get(endpoint, ())
            )
            if writes and checked:
                after = snapshot()
                changed = sorted(t for t in before if before[t] != after[t])
            db.session.rollback()
            db.session.close()
            savepoint.rollback()

            where = f"{method} {path} ({endpoint}): {response.status_code}"
            if response.headers.get("Location"):
                where += f" -> {response.headers['Location']}"
            if response.status_code >= 500:
                problems.append(f"{where}: a server error")
            if "missing its security check" in body:
                problems.append(f"{where}: refused for its CSRF token, not by the route")
            shown = [secret for secret in secrets if secret in body]
            if shown:
                problems.append(f"{where}: shows {shown}")
            if outsider not in who and not _refused(outsider, endpoint, response):
                problems.append(f"{where}: should be refused")
            if changed:
                problems.append(f"{where}: changed {changed}")
    finally:
        event.remove(_db.engine, "before_cursor_execute", _note_writes)
    assert not problems, f"{outsider}:\n" + "\n".join(problems)
