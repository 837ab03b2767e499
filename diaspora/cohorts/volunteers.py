"""Importing volunteers into a cohort from a spreadsheet, and the invitations that follow.

The journey: a coordinator uploads a CSV (`start_import` keeps the rows read, with their
problems, in a `VolunteerImport` row: never in the session cookie or the address), looks at
the preview (`preview`), and confirms once (`confirm`). Each good row then gets one
`CohortInvitation` (one per address and cohort: the unique constraint, and a check before,
keep anyone from being invited twice) and one email through the outbox: to create an account
and join, or, for an address that has an account, to join. The coordinator is never told
which addresses have accounts: both read "will be invited".

The invitation's link names the row and its nonce, signed; it works until it is accepted,
renewed (an import of the same person after it expired) or `INVITATION_MAX_AGE` has passed.
Following it proves the address, so the account it creates is verified. Nothing about the
person is listed anywhere until they have an account, a profile they completed, and the
visibility they chose: the profession, countries and languages from the spreadsheet only
pre-fill their own profile pages.

Functions here never commit; the caller does, then the outbox sends.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from diaspora.audit.services import record
from diaspora.auth.models import Role, User, UserRole
from diaspora.auth.services import (
    find_user_by_email,
    hash_password,
    make_token,
    normalise_email,
    read_token,
)
from diaspora.core.context import setting
from diaspora.core.paging import PageNumbers
from diaspora.core.time import as_utc, utcnow
from diaspora.core.urls import external_url, service_path
from diaspora.core.words import N_, Words, restored, stored
from diaspora.notifications import mail
from diaspora.notifications.services import notify
from diaspora.reference.places import DEFAULT_TIME_ZONE, is_time_zone
from diaspora.registry import services as registry

from . import imports
from .models import Cohort, CohortInvitation, CohortMember, VolunteerImport
from .services import CohortError, _current, join

PURPOSE = "cohort-invitation"
INVITATION_MAX_AGE = timedelta(days=30)
ROWS_PER_PAGE = 50
INVITATIONS_PER_PAGE = 50

# What the preview says of a row, and in which order it lists them: problems first.
PROBLEMS = "problems"
MEMBER = "member"
INVITED = "invited"
NEW = "new"
ORDER = {PROBLEMS: 0, MEMBER: 1, INVITED: 2, NEW: 3}


def email_is_valid(address: str) -> bool:
    """The registration form's rule: RFC-valid; reserved test domains only outside production."""
    try:
        validate_email(
            address,
            check_deliverability=False,
            test_environment=setting("ENV_NAME") != "production",
        )
    except EmailNotValidError:
        return False
    return True


# Uploading and previewing ---------------------------------------------------------------------


def start_import(session: Session, cohort: Cohort, actor: User, data: bytes) -> VolunteerImport:
    """Read the file and keep what was read for the preview. Raises imports.ImportFileError
    when the file as a whole cannot be used, CohortError for an archived cohort."""
    _current(cohort)
    rows = imports.parse(data, email_is_valid)
    upload = VolunteerImport(
        cohort_id=cohort.id,
        created_by_id=actor.id,
        rows=[
            {
                "line": row.line,
                "name": row.name,
                "email": row.email,
                "profession_text": row.profession_text,
                "countries_text": row.countries_text,
                "languages_text": row.languages_text,
                "profession": row.profession,
                "countries": row.countries,
                "languages": row.languages,
                "problems": [stored(problem) for problem in row.problems],
            }
            for row in rows
        ],
        row_count=len(rows),
        invited=0,
    )
    session.add(upload)
    session.flush()
    return upload


def import_of(session: Session, cohort: Cohort, import_id: int) -> VolunteerImport | None:
    """The cohort's import with this id; None for another cohort's (not found)."""
    upload = session.get(VolunteerImport, import_id)
    return upload if upload is not None and upload.cohort_id == cohort.id else None


def _standing(session: Session, cohort: Cohort, emails: list[str]) -> dict[str, str]:
    """For the addresses that are in the cohort already (MEMBER) or hold an invitation to it
    that has not expired (INVITED): two queries, whatever the number of rows."""
    if not emails:
        return {}
    now = utcnow()
    standing: dict[str, str] = {}
    for email, accepted_at, expires_at in session.execute(
        select(
            CohortInvitation.email, CohortInvitation.accepted_at, CohortInvitation.expires_at
        ).where(CohortInvitation.cohort_id == cohort.id, CohortInvitation.email.in_(emails))
    ):
        if accepted_at is not None or as_utc(expires_at) > now:
            standing[email] = INVITED
    for email in session.scalars(
        select(User.email)
        .join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == cohort.id, User.email.in_(emails))
    ):
        standing[email] = MEMBER
    return standing


@dataclass(frozen=True)
class PreviewRow:
    line: int
    name: str
    email: str
    status: str  # PROBLEMS, MEMBER, INVITED or NEW
    problems: tuple[Words, ...]


@dataclass(frozen=True)
class Preview(PageNumbers):
    """One page of an import's rows (problems first, then in the file's order) and the counts
    of each kind over all of them."""

    items: list[PreviewRow]
    total: int
    page: int
    per_page: int
    counts: dict[str, int]


def _classified(session: Session, upload: VolunteerImport) -> list[PreviewRow]:
    good = [row["email"] for row in upload.rows if not row["problems"]]
    standing = _standing(session, upload.cohort, good)
    rows = [
        PreviewRow(
            row["line"],
            row["name"],
            row["email"],
            PROBLEMS if row["problems"] else standing.get(row["email"], NEW),
            problems_of(row),
        )
        for row in upload.rows
    ]
    return sorted(rows, key=lambda row: (ORDER[row.status], row.line))


def preview(
    session: Session, upload: VolunteerImport, page: int = 1, per_page: int = ROWS_PER_PAGE
) -> Preview | None:
    """A page of the preview (None for a page that does not exist): two queries."""
    rows = _classified(session, upload)
    counts = {status: 0 for status in ORDER}
    for row in rows:
        counts[row.status] += 1
    shown = Preview([], len(rows), page, per_page, counts)
    if not 1 <= page <= shown.pages:
        return None
    start = (page - 1) * per_page
    return Preview(rows[start : start + per_page], len(rows), page, per_page, counts)


def problems_of(row: dict) -> tuple[Words, ...]:
    """A stored row's problems, each shown in the reader's language (`translated`)."""
    return tuple(restored(problem) for problem in row["problems"])


def problem_rows(upload: VolunteerImport) -> list[dict]:
    """The refused rows, in the file's order, for the report of problems."""
    return [row for row in upload.rows if row["problems"]]


# Confirming: the invitations ------------------------------------------------------------------


def _token(invitation: CohortInvitation) -> str:
    return make_token(PURPOSE, {"i": invitation.id, "n": invitation.nonce})


def _send(
    session: Session, invitation: CohortInvitation, account: User | None, inviter: User
) -> None:
    """The invitation's one email: to create an account and join, or, for an address with an
    account, to join (through notify, so it is in their inbox too; once per nonce)."""
    cohort = invitation.cohort
    token = _token(invitation)
    subject = N_("You are invited to join %(cohort)s", cohort=cohort.name)
    context = {
        "cohort": cohort,
        "organisation": cohort.organisation,
        "inviter": inviter,
        "days": INVITATION_MAX_AGE.days,
    }
    if account is None:
        mail.queue(
            session,
            invitation.email,
            subject,
            "cohort_invitation",
            name=invitation.name,
            url=external_url("cohorts.invitation", token=token),
            **context,
        )
        return
    notify(
        session,
        account,
        "cohort_update",
        subject=subject,
        template="cohort_invitation",
        link=service_path("cohorts.invitation", token=token),
        dedupe_key=f"cohort-invitation:{invitation.id}:{invitation.nonce}",
        about=inviter,
        organisation_id=cohort.organisation_id,
        **context,
    )


def confirm(session: Session, upload: VolunteerImport, actor: User) -> int:
    """Invite every good row not in the cohort and not invited already; an invitation that
    expired is renewed (a new link: the old one stays dead). Works once per import: a second
    confirmation, even at the same moment, raises CohortError. Returns how many were invited."""
    cohort = upload.cohort
    _current(cohort)
    now = utcnow()
    claimed = session.execute(
        update(VolunteerImport)
        .where(VolunteerImport.id == upload.id, VolunteerImport.confirmed_at.is_(None))
        .values(confirmed_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise CohortError(N_("This import has already been confirmed"))
    rows = {row["email"]: row for row in upload.rows if not row["problems"]}
    standing = _standing(session, cohort, list(rows))
    wanted = [email for email in rows if email not in standing]
    accounts = {
        user.email: user for user in session.scalars(select(User).where(User.email.in_(wanted)))
    }
    expired = {
        invitation.email: invitation
        for invitation in session.scalars(
            select(CohortInvitation).where(
                CohortInvitation.cohort_id == cohort.id,
                CohortInvitation.email.in_(wanted),
                CohortInvitation.accepted_at.is_(None),
                CohortInvitation.expires_at <= now,
            )
        )
    }

    def details(email: str) -> dict:
        row = rows[email]
        return {
            "import_id": upload.id,
            "name": row["name"],
            "profession": row["profession"],
            "countries": row["countries"],
            "languages": row["languages"],
            "nonce": secrets.token_hex(16),
            "invited_by_id": actor.id,
            "sent_at": now,
            "expires_at": now + INVITATION_MAX_AGE,
        }

    renewed = [email for email in wanted if email in expired]
    for email in renewed:  # expired: renewed, with a new link
        for name, value in details(email).items():
            setattr(expired[email], name, value)
    sent = [expired[email] for email in renewed]
    new = [email for email in wanted if email not in expired]
    try:  # all at once: one batch of inserts
        with session.begin_nested():
            added = [CohortInvitation(cohort_id=cohort.id, email=e, **details(e)) for e in new]
            session.add_all(added)
    except IntegrityError:  # another import invited some of them at this very moment
        added = []
        for email in new:
            invitation = CohortInvitation(cohort_id=cohort.id, email=email, **details(email))
            try:
                with session.begin_nested():
                    session.add(invitation)
            except IntegrityError:
                continue
            added.append(invitation)
    sent += added
    for invitation in sent:
        invitation.cohort = cohort
        _send(session, invitation, accounts.get(invitation.email), actor)
    invited = len(sent)
    upload.invited = invited
    upload.rows = problem_rows(upload)  # the invitations hold the rest
    record(
        session,
        "cohort.volunteers_imported",
        actor=actor,
        subject=cohort,
        import_id=upload.id,
        rows=upload.row_count,
        invited=invited,
        refused=len(upload.rows),
        already=upload.row_count - len(upload.rows) - invited,
    )
    return invited


# Following the link ---------------------------------------------------------------------------


def invitation_for(session: Session, token: str) -> CohortInvitation | None:
    """The invitation a link is for, while it can still be accepted: not used, not renewed
    since, not expired, its cohort current and its organisation verified; None otherwise."""
    if not token or len(token) > 300:
        return None
    data = read_token(PURPOSE, token, INVITATION_MAX_AGE)
    if not isinstance(data, dict) or not isinstance(data.get("i"), int):
        return None
    invitation = session.get(CohortInvitation, data["i"])
    if (
        invitation is None
        or not secrets.compare_digest(invitation.nonce, str(data.get("n")))
        or invitation.accepted_at is not None
        or as_utc(invitation.expires_at) <= utcnow()
        or invitation.cohort.archived_at is not None
        or not invitation.cohort.organisation.is_verified
    ):
        return None
    return invitation


def account_for(session: Session, invitation: CohortInvitation) -> User | None:
    """The account the invited address has now, if any (it may have one made since)."""
    return find_user_by_email(session, invitation.email)


def accept(session: Session, invitation: CohortInvitation, user: User) -> CohortMember:
    """The invited person, signed in with the invited address, joins. The invitation is used
    up. A profile not started yet is started, private and not completed (so listed nowhere),
    with the imported profession for the person to confirm."""
    if normalise_email(user.email) != invitation.email:
        raise CohortError(N_("This invitation was sent to another email address"))
    member = join(session, invitation.cohort, user)
    invitation.accepted_at = utcnow()
    invitation.user_id = user.id
    if registry.profile_for(session, user) is None and invitation.profession:
        profile = registry.profile_for(session, user, create=True)
        profile.profession = invitation.profession
    record(
        session,
        "cohort.invitation_accepted",
        actor=user,
        subject=invitation.cohort,
        invitation_id=invitation.id,
    )
    return member


def accept_with_new_account(
    session: Session,
    invitation: CohortInvitation,
    display_name: str,
    password: str,
    time_zone: str = DEFAULT_TIME_ZONE,
) -> User:
    """Create the invited person's staff account (verified: the link was sent to the address)
    and accept. Refused when the address has an account by now: its owner signs in instead."""
    if account_for(session, invitation) is not None:
        raise CohortError(N_("This email address has an account: sign in to accept"))
    user = User(
        email=invitation.email,
        display_name=display_name.strip(),
        password_hash=hash_password(password),
        email_verified_at=utcnow(),
        time_zone=time_zone if is_time_zone(time_zone) else DEFAULT_TIME_ZONE,
    )
    user.roles = [UserRole(role=Role.STAFF)]
    session.add(user)
    session.flush()
    record(
        session,
        "account.registered",
        actor=user,
        subject=user,
        roles=[Role.STAFF.value],
        invitation_id=invitation.id,
    )
    accept(session, invitation, user)
    return user


def suggestions(session: Session, user: User, cohort: Cohort) -> CohortInvitation | None:
    """The accepted invitation that brought `user` into `cohort`, for the page that suggests
    what to add to their profile; None when they did not come by one."""
    return session.scalar(
        select(CohortInvitation).where(
            CohortInvitation.cohort_id == cohort.id,
            CohortInvitation.user_id == user.id,
            CohortInvitation.accepted_at.is_not(None),
        )
    )


def profile_completed(session: Session, user: User) -> bool:
    profile = registry.profile_for(session, user)
    return profile is not None and profile.completed_at is not None


# What the coordinator sees --------------------------------------------------------------------


@dataclass(frozen=True)
class InvitationCounts:
    invited: int = 0  # waiting for an answer
    accepted: int = 0
    expired: int = 0

    @property
    def total(self) -> int:
        return self.invited + self.accepted + self.expired


def counts(session: Session, cohort: Cohort, now: datetime | None = None) -> InvitationCounts:
    """How the cohort's invitations stand, in one query."""
    now = now or utcnow()
    accepted = CohortInvitation.accepted_at.is_not(None)
    waiting = CohortInvitation.accepted_at.is_(None) & (CohortInvitation.expires_at > now)
    row = session.execute(
        select(
            func.count().filter(accepted),
            func.count().filter(waiting),
            func.count(),
        ).where(CohortInvitation.cohort_id == cohort.id)
    ).one()
    done, open_, total = (int(value or 0) for value in row)
    return InvitationCounts(invited=open_, accepted=done, expired=total - done - open_)


@dataclass(frozen=True)
class InvitationPage(PageNumbers):
    """Invitations not accepted (those waiting, then those expired): people who accepted are
    counted, never named here, as the cohort's own list names members only as their privacy
    choice allows."""

    items: list[CohortInvitation]
    total: int
    page: int
    per_page: int


def open_invitations(
    session: Session, cohort: Cohort, page: int = 1, per_page: int = INVITATIONS_PER_PAGE
) -> InvitationPage | None:
    """One page of the invitations not accepted, the latest sent first: two queries."""
    where = (CohortInvitation.cohort_id == cohort.id, CohortInvitation.accepted_at.is_(None))
    total = session.scalar(select(func.count()).select_from(CohortInvitation).where(*where)) or 0
    empty = InvitationPage([], total, page, per_page)
    if not 1 <= page <= empty.pages:
        return None
    items = list(
        session.scalars(
            select(CohortInvitation)
            .where(*where)
            .order_by(CohortInvitation.expires_at.desc(), CohortInvitation.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    return InvitationPage(items, total, page, per_page)


def imports_of(session: Session, cohort: Cohort, limit: int = 10) -> list[VolunteerImport]:
    """The cohort's latest confirmed imports, newest first."""
    return list(
        session.scalars(
            select(VolunteerImport)
            .where(
                VolunteerImport.cohort_id == cohort.id, VolunteerImport.confirmed_at.is_not(None)
            )
            .order_by(VolunteerImport.confirmed_at.desc(), VolunteerImport.id.desc())
            .limit(limit)
        )
    )


# Keeping no more than needed ------------------------------------------------------------------

UNCONFIRMED_KEPT = timedelta(days=2)
REPORT_KEPT = timedelta(days=30)


def forget_old_imports(session: Session, now: datetime | None = None) -> int:
    """Imports never confirmed go after UNCONFIRMED_KEPT; a confirmed import's refused rows
    (names and addresses of people not invited) after REPORT_KEPT, leaving its counts.
    Returns how many imports were changed or removed."""
    now = now or utcnow()
    changed = 0
    for upload in session.scalars(
        select(VolunteerImport).where(
            VolunteerImport.confirmed_at.is_(None),
            VolunteerImport.created_at < now - UNCONFIRMED_KEPT,
        )
    ):
        session.delete(upload)
        changed += 1
    for upload in session.scalars(
        select(VolunteerImport).where(VolunteerImport.confirmed_at < now - REPORT_KEPT)
    ):
        if upload.rows:
            upload.rows = []
            changed += 1
    return changed
