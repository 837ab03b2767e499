"""No text people read is left outside a translation call in the templates marked so far.

MARKED lists the templates whose every word goes through `_()`, `ngettext()` or a translated
value: 29 of them in this first round (the layout, its components, the error pages, sign-in,
sign-up, account details and the staff profile journey, the language page and the verification
email). Later rounds add the rest here until the list covers every template.

Each template is read with Jinja's own lexer: the HTML between tags must hold no words once its
tags are taken away (attributes people read, such as `aria-label`, `title`, `alt` and
`placeholder`, count as text), and no string literal in an expression may be a phrase unless it
is the argument of a translation call.
"""

import html
import re
from pathlib import Path

import pytest
from jinja2 import Environment
from jinja2.ext import i18n

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"

MARKED = (
    "layouts/base.html",
    "components/forms.html",
    "components/messages.html",
    "errors/400.html",
    "errors/403.html",
    "errors/404.html",
    "errors/413.html",
    "errors/429.html",
    "errors/500.html",
    "auth/sign_in.html",
    "auth/register.html",
    "auth/register_staff.html",
    "auth/register_organisation.html",
    "auth/account.html",
    "auth/details.html",
    "registry/_macros.html",
    "registry/_sections.html",
    "registry/start.html",
    "registry/work.html",
    "registry/countries.html",
    "registry/languages.html",
    "registry/skills.html",
    "registry/availability.html",
    "registry/windows.html",
    "registry/privacy.html",
    "registry/check.html",
    "registry/profile.html",
    "languages/choose.html",
    "email/verify_email.txt",
    "bookings/_sessions.html",
    "bookings/attendance.html",
    "bookings/calendar.html",
    "bookings/calendar_off.html",
    "bookings/cancel.html",
    "contributions/_certificate.html",
    "contributions/_engagement.html",
    "contributions/certificate.html",
    "contributions/check.html",
    "contributions/log.html",
    "contributions/review.html",
    "contributions/revoke.html",
    "contributions/verify.html",
    "engagements/_macros.html",
    "engagements/_panel.html",
    "engagements/applicants.html",
    "engagements/apply.html",
    "engagements/cancel.html",
    "engagements/complete.html",
    "engagements/detail.html",
    "engagements/mine.html",
    "engagements/release.html",
    "engagements/release_request.html",
    "engagements/release_unavailable.html",
    "engagements/withdraw.html",
    "home/account_menu.html",
    "impact/_how_we_count.html",
    "impact/_parts.html",
    "impact/dashboard.html",
    "impact/partner.html",
    "impact/returns.html",
    "milestones/choose.html",
    "milestones/coordinating.html",
    "milestones/delete_plan.html",
    "milestones/done.html",
    "milestones/milestone_form.html",
    "milestones/plan.html",
    "milestones/plan_form.html",
    "milestones/plans.html",
    "milestones/reminders.html",
    "milestones/remove_milestone.html",
    "milestones/template_form.html",
    "milestones/template_milestone_form.html",
    "milestones/templates.html",
    "mydata/delete.html",
    "mydata/deleted.html",
    "mydata/index.html",
    "factors/_passkey.html",
    "factors/app.html",
    "factors/manage.html",
    "factors/passkey_new.html",
    "factors/recovery.html",
    "factors/recovery_codes.html",
    "factors/recovery_codes_shown.html",
    "factors/set_up.html",
    "factors/step_up.html",
    "factors/verify.html",
    "admin/_pagination.html",
    "admin/audit.html",
    "admin/index.html",
    "admin/organisation.html",
    "admin/organisations.html",
    "admin/user.html",
    "admin/users.html",
    "matching/_home.html",
    "matching/_invitation_panel.html",
    "matching/_macros.html",
    "matching/candidates.html",
    "matching/hidden.html",
    "matching/invitations.html",
    "matching/invite.html",
    "matching/recommendations.html",
    "opportunities/_macros.html",
    "opportunities/cancel_session.html",
    "opportunities/confirm.html",
    "opportunities/detail.html",
    "opportunities/form.html",
    "opportunities/index.html",
    "opportunities/manage.html",
    "opportunities/new.html",
    "organisations/_fields.html",
    "organisations/detail.html",
    "organisations/edit.html",
    "organisations/index.html",
    "organisations/invitation.html",
    "organisations/join.html",
    "organisations/members.html",
    "organisations/new.html",
    "organisations/waiting.html",
    "auth/change_email.html",
    "auth/change_password.html",
    "auth/check_email.html",
    "auth/confirm_email_change.html",
    "auth/forgot_password.html",
    "auth/link_invalid.html",
    "auth/resend_verification.html",
    "auth/reset_password.html",
    "auth/reset_sent.html",
    "auth/signed_out.html",
    "auth/verify_email.html",
    "phones/confirm.html",
    "phones/manage.html",
    "phones/remove.html",
    "core/accessibility.html",
    "core/home.html",
    "credentials/_summary.html",
    "credentials/form.html",
    "credentials/index.html",
    "credentials/queue.html",
    "credentials/remove.html",
    "credentials/review.html",
    "directory/_person.html",
    "directory/profile.html",
    "directory/search.html",
    "api/revoke.html",
    "api/token_created.html",
    "api/tokens.html",
    "cohorts/_message.html",
    "cohorts/add.html",
    "cohorts/archive.html",
    "cohorts/cohort.html",
    "cohorts/form.html",
    "cohorts/import.html",
    "cohorts/import_preview.html",
    "cohorts/index.html",
    "cohorts/invitation.html",
    "cohorts/invitation_invalid.html",
    "cohorts/invitation_other.html",
    "cohorts/invitations.html",
    "cohorts/join.html",
    "cohorts/link.html",
    "cohorts/link_invalid.html",
    "cohorts/message.html",
    "cohorts/messages.html",
    "cohorts/mine.html",
    "cohorts/propose.html",
    "cohorts/remove.html",
    "cohorts/welcome.html",
    "notifications/api_token_expiry.txt",
    "notifications/booking_cancelled.txt",
    "notifications/booking_confirmed.txt",
    "notifications/booking_moved.txt",
    "notifications/booking_promoted.txt",
    "notifications/cohort_added.txt",
    "notifications/cohort_invitation.txt",
    "notifications/cohort_message.txt",
    "notifications/cohort_removed.txt",
    "notifications/contributions_decided.txt",
    "notifications/contributions_logged.txt",
    "notifications/contributions_revoked.txt",
    "notifications/engagement_applied.txt",
    "notifications/engagement_cancelled.txt",
    "notifications/engagement_changed.txt",
    "notifications/engagement_decided.txt",
    "notifications/engagement_expired.txt",
    "notifications/engagement_interest.txt",
    "notifications/engagement_nudge.txt",
    "notifications/engagement_release_decided.txt",
    "notifications/engagement_withdrawn.txt",
    "notifications/inbox.html",
    "notifications/matching_alert.txt",
    "notifications/matching_digest.txt",
    "notifications/matching_invitation.txt",
    "notifications/milestones_credential_expiry.txt",
    "notifications/milestones_overdue.txt",
    "notifications/milestones_overdue_coordinator.txt",
    "notifications/milestones_reminder.txt",
    "notifications/milestones_session_reminder.txt",
    "notifications/mobile_code.txt",
    "notifications/notifications_message.txt",
    "notifications/outbox.html",
    "notifications/preferences.html",
    "email/already_registered.txt",
    "email/cohort_invitation.txt",
    "email/confirm_new_email.txt",
    "email/email_changed.txt",
    "email/engagement_release.txt",
    "email/factor_added.txt",
    "email/factor_reset.txt",
    "email/factor_reset_by_you.txt",
    "email/invitation.txt",
    "email/join_approved.txt",
    "email/join_requested.txt",
    "email/mobile_failing.txt",
    "email/organisation_rejected.txt",
    "email/organisation_verified.txt",
    "email/password_changed.txt",
    "email/recovery_code_used.txt",
    "email/reset_password.txt",
)
TRANSLATION_CALLS = {"_", "gettext", "ngettext", "pgettext", "npgettext"}
READ_ATTRIBUTES = re.compile(
    r"""\b(?:aria-label|title|alt|placeholder)\s*=\s*(["'])(.*?)\1""", re.IGNORECASE | re.DOTALL
)
TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.DOTALL)
WORD = re.compile(r"[^\W\d_]{2,}")  # two letters of any script
PLAIN_WORD = re.compile(r"[^\W\d_]+[.,:;?!]?")  # a word, not a CSS class or an identifier


def is_phrase(text: str) -> bool:
    """Two or more plain words: "Sign in", but not "nhsuk-button nhsuk-button--secondary"."""
    return sum(1 for part in text.split() if PLAIN_WORD.fullmatch(part)) >= 2


def _env() -> Environment:
    return Environment(extensions=[i18n], autoescape=True)  # only lexed, never rendered


def untranslated(source: str) -> list[str]:
    """The text in a template's source that no translation call covers."""
    found: list[str] = []
    tokens = list(_env().lex(source))
    # The HTML with each expression and statement standing as one mark, so a tag whose
    # attributes hold expressions is still one tag.
    skeleton = []
    translated_at: set[int] = set()  # the string tokens given to a translation call
    for index, (_line, kind, value) in enumerate(tokens):
        if kind == "data":
            skeleton.append(value)
        elif kind in ("variable_begin", "block_begin"):
            skeleton.append("\x00")
        elif kind == "string" and is_phrase(value.strip("\"'")):
            # The tokens before the string name the call it is given to: `_(`, or the singular
            # just before it in `ngettext(singular, plural, n)`.
            before = [tok for tok in tokens[max(0, index - 3) : index] if tok[1] != "whitespace"]
            called = len(before) >= 2 and before[-1][2] == "(" and before[-2][1] == "name"
            plural = (
                len(before) >= 2
                and before[-1][2] == ","
                and tokens.index(before[-2], max(0, index - 3)) in translated_at
            )
            if (called and before[-2][2] in TRANSLATION_CALLS) or plural:
                translated_at.add(index)
            else:
                found.append(value.strip("\"'"))
    page = "".join(skeleton)
    for _quote, text in READ_ATTRIBUTES.findall(page):
        if WORD.search(text):
            found.append(text)
    found += WORD.findall(html.unescape(TAG.sub(" ", page)))
    return found


def test_the_check_finds_text_outside_translation_calls():
    assert untranslated("<p>Hello there</p>") == ["Hello", "there"]
    assert untranslated('{{ button({"text": "Sign in"}) }}') == ["Sign in"]
    assert untranslated('<a aria-label="Close menu" href="#">{{ _("Close") }}</a>') == [
        "Close menu"
    ]
    assert untranslated('<p>{{ _("Hello there") }}</p>{{ x(classes="a b-c") }}') == []
    assert untranslated("{# A comment for developers #}<p>{{ name }}.</p>") == []
    assert untranslated('{{ ngettext("%(num)d new message", "%(num)d new messages", n) }}') == []
    assert untranslated('{{ table(["Your name", "Your age"]) }}') == ["Your name", "Your age"]


@pytest.mark.parametrize("name", MARKED)
def test_marked_template_has_no_untranslated_text(name):
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    assert untranslated(source) == [], f"{name} has text outside translation calls"


def test_the_list_names_real_templates_once():
    assert len(set(MARKED)) == len(MARKED)
    assert all((TEMPLATES / name).is_file() for name in MARKED)
