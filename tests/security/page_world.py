"""The page matrix's world: one owner's records, and the outsiders who try to reach them.

The owners:
- `owner` owns `org`, a verified partner hospital in Bangladesh, with a pending request to join
  from `applicant` (`request`);
- `coordinator` is a member of `charity`, a verified charity in the UK, which runs `cohort`
  (its member `volunteer`, a join link since turned off, a message) and coordinates
  `volunteer`'s plan; `coordinator` wrote `template` (with `template_item`);
- `volunteer`, an NHS staff member whose profile only coordinators may see: applied to
  `project` (`engagement`, active, with approved hours and a `certificate`), booked `teaching`'s
  `session`, holds a registration (`credential`), an invitation to `placement`, a `plan` with a
  `milestone`, an in-app `message` and a failed email (`failed_email`), an API token and a
  calendar feed;
- `hidden`, a staff member with a private profile.

The outsiders are nobody's in that world (see OUTSIDERS); each gets a client of their own.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from diaspora.api import tokens
from diaspora.auth.services import fingerprint, make_token
from diaspora.bookings import services as bookings
from diaspora.cohorts import services as cohorts
from diaspora.cohorts.models import CohortMessage, VolunteerImport
from diaspora.contributions import codes
from diaspora.contributions.models import Certificate, HoursLog
from diaspora.core.time import utcnow
from diaspora.credentials.models import Credential
from diaspora.factors import services as factors
from diaspora.factors.models import Passkey
from diaspora.matching.models import Invitation
from diaspora.milestones.models import Milestone, Plan, PlanTemplate, TemplateMilestone
from diaspora.notifications.models import Notification
from diaspora.organisations import services as organisations
from diaspora.organisations.models import Membership, MembershipStatus, OrganisationInvitation
from diaspora.registry.models import AvailabilityWindow
from tests.helpers import csrf_token, sign_in

OUTSIDERS = (
    "anonymous",
    "staff",  # a staff member with a completed profile, in nothing of the owner's
    "other_partner",  # the owner of another verified partner organisation
    "other_coordinator",  # a coordinator of another verified charity
    "pending_charity_owner",  # created a charity still waiting for verification
    "removed_member",  # joined `org` through an invitation, then was removed
    "disabled",  # a member of `org` and `cohort`, signed in, then disabled
)
SIGNED_IN = frozenset(OUTSIDERS) - {"anonymous", "disabled"}

# What the owners keep to themselves: none of it may appear in any outsider's answer.
VOLUNTEER_EMAIL = "volunteer.private@nhs.example"
HIDDEN_EMAIL = "hidden.private@nhs.example"
OWNER_EMAIL = "owner.private@hospital.example"
HIDDEN_NAME = "Hidden Hosseini"
VOLUNTEER_BIO = "Bio-secret-7f3a: my sister's clinic"
VOLUNTEER_EMPLOYER = "Employer-secret-1c9e NHS Trust"
CREDENTIAL_NUMBER = "7654321"
MESSAGE_BODY = "Cohort-secret-5d2b: meet at the airport"
APPLICATION_NOTE = "Application-secret-9e4c"
PLAN_SCHEME = "Plan-secret-3b8d scheme"


@dataclass(frozen=True)
class Outsider:
    name: str
    user: object | None
    client: object
    csrf: str


class World:
    def __init__(self, app, make, session) -> None:
        self.app = app
        self.make = make
        self.session = session
        with session.no_autoflush:
            self._owners()
            self._records()
            self._outsiders()
        session.commit()

    # The owners and their records ---------------------------------------------------------

    def _owners(self) -> None:
        make = self.make
        self.owner = make.user(roles=["partner"], email=OWNER_EMAIL, name="Owner Okafor")
        self.org = make.organisation(owner=self.owner, name="Owner Hospital")
        self.applicant = make.user(name="Applicant Ahmed")
        self.request = Membership(
            user=self.applicant, organisation=self.org, status=MembershipStatus.REQUESTED
        )
        self.session.add(self.request)
        self.charity = make.organisation(kind="charity", country="GB", name="Owner Charity")
        self.coordinator = make.coordinator(self.charity, name="Coordinator Chen")
        self.profile = make.profile(
            make.user(email=VOLUNTEER_EMAIL, name="Volunteer Varma"),
            visibility="coordinators",
            bio=VOLUNTEER_BIO,
            nhs_employer=VOLUNTEER_EMPLOYER,
        )
        self.volunteer = self.profile.user
        self.hidden_profile = make.profile(
            make.user(email=HIDDEN_EMAIL, name=HIDDEN_NAME), visibility="private"
        )

    def _records(self) -> None:
        make, session = self.make, self.session
        self.window = AvailabilityWindow(
            profile=self.profile,
            starts_on=date.today() + timedelta(days=30),
            ends_on=date.today() + timedelta(days=60),
        )
        session.add(self.window)

        self.project = make.opportunity(self.org, title="Owner project")
        self.draft = make.opportunity(self.org, status="draft", title="Owner draft")
        self.teaching = make.opportunity(self.org, kind="teaching", title="Owner teaching")
        self.placement = make.opportunity(self.org, kind="placement", title="Owner placement")
        self.session_ = self.teaching.sessions[0]
        self.engagement = make.engagement(
            self.project,
            self.volunteer,
            state="active",
            message=APPLICATION_NOTE,
            started_at=utcnow() - timedelta(days=60),
        )
        self.booking = bookings.book(session, self.volunteer.id, self.session_.id)
        month = date.today().replace(day=1)
        self.hours = HoursLog(
            engagement=self.engagement, month=month, minutes=420, status="approved"
        )
        self.pending_hours = HoursLog(
            engagement=self.engagement,
            month=(month - timedelta(days=1)).replace(day=1),
            minutes=60,
        )
        self.certificate = Certificate(
            engagement=self.engagement,
            code=codes.new_code(),
            person_name="Volunteer Varma",
            organisation_name=self.org.name,
            country="BD",
            activity="Owner project",
            minutes=420,
            starts_on=date.today() - timedelta(days=60),
        )
        self.credential = Credential(
            profile=self.profile, regulator="GMC", number=CREDENTIAL_NUMBER
        )
        self.invitation = Invitation(
            opportunity=self.placement, user=self.volunteer, invited_by_id=self.owner.id
        )
        session.add_all([self.hours, self.pending_hours, self.certificate, self.credential])
        session.add(self.invitation)

        self.cohort = make.cohort(
            self.charity, members=(self.volunteer,), created_by=self.coordinator
        )
        self.cohort_member = self.cohort.members[0]
        self.cohort_message = CohortMessage(
            cohort_id=self.cohort.id,
            sender_id=self.coordinator.id,
            subject="Travel",
            body=MESSAGE_BODY,
            recipients=1,
        )
        session.add(self.cohort_message)
        # A spreadsheet of volunteers the coordinator uploaded, waiting to be confirmed.
        self.volunteer_import = VolunteerImport(
            cohort=self.cohort,
            created_by_id=self.coordinator.id,
            rows=[
                {
                    "line": 2,
                    "name": "Imported Person",
                    "email": "imported.person@example.org",
                    "profession_text": "",
                    "countries_text": "",
                    "languages_text": "",
                    "profession": None,
                    "countries": [],
                    "languages": [],
                    "problems": [],
                }
            ],
            row_count=1,
            invited=0,
        )
        session.add(self.volunteer_import)

        self.template = PlanTemplate(
            name="Owner scheme", scheme="OWN", months=12, created_by_id=self.coordinator.id
        )
        self.template_item = TemplateMilestone(
            template=self.template, title="Arrive", anchor="start", offset_days=0
        )
        self.plan = Plan(
            owner=self.volunteer,
            template=self.template,
            scheme=PLAN_SCHEME,
            starts_on=date.today(),
            expected_end_on=date.today() + timedelta(days=365),
            coordinator_id=self.coordinator.id,
        )
        self.milestone = Milestone(
            plan=self.plan, title="Visa", due_on=date.today() + timedelta(days=20)
        )
        session.add_all([self.template, self.template_item, self.plan, self.milestone])

        self.message = Notification(
            recipient_id=self.volunteer.id,
            kind="cohort_message",
            channel="in_app",
            subject="A message",
            body=MESSAGE_BODY,
        )
        self.failed_email = Notification(
            recipient_id=self.volunteer.id,
            kind="cohort_message",
            channel="email",
            subject="A message",
            body=MESSAGE_BODY,
            state="failed",
            attempts=5,
        )
        session.add_all([self.message, self.failed_email])
        session.flush()

        with self.app.test_request_context():
            self.api_token, _ = tokens.create(session, self.volunteer, "Laptop", "read-write")
            bookings.new_feed(session, self.volunteer)
            self.passkey = Passkey(
                user_id=self.volunteer.id,
                name="Volunteer's phone",
                credential_id=b"volunteer-credential",
                public_key=b"volunteer-public-key",
            )
            session.add(self.passkey)
            _token, self.device = factors.remember_device(session, self.volunteer, "Firefox")
            # A join link, then turned off: the old link must let nobody in.
            self.withdrawn_join_link = cohorts.new_link(session, self.cohort, self.coordinator)
            cohorts.turn_off_link(session, self.cohort, self.coordinator)
        session.commit()

    # The outsiders ------------------------------------------------------------------------

    def _outsiders(self) -> None:
        make, session = self.make, self.session
        self.users = {
            "anonymous": None,
            "staff": make.profile(make.user(name="Outsider Staff")).user,
            "other_partner": make.user(roles=["partner"], name="Other Partner"),
            "other_coordinator": make.coordinator(name="Other Coordinator"),
            "pending_charity_owner": make.user(name="Pending Charity Owner"),
            "removed_member": make.user(name="Removed Member"),
            "disabled": make.user(name="Disabled Member"),
        }
        make.organisation(owner=self.users["other_partner"], name="Other Hospital")
        pending, removed, disabled = (
            self.users[name] for name in ("pending_charity_owner", "removed_member", "disabled")
        )
        with self.app.test_request_context():
            # The way the pages do it: creating an organisation makes its creator the owner.
            self.pending_org_id = organisations.create_organisation(
                session, pending, name="Pending Charity", kind="charity", country="GB"
            ).id
            # An invitation accepted, then the member removed: the link must not bring them back.
            used = OrganisationInvitation(
                organisation=self.org, email_fingerprint=fingerprint(removed.email)
            )
            session.add(used)
            session.flush()
            self.withdrawn_invitation = make_token(
                "invite", {"i": used.id, "e": used.email_fingerprint}
            )
            joined = organisations.accept_invitation(session, used, removed)
            session.flush()
            organisations.remove_member(session, joined, self.owner)
            # An invitation still open, which only the organisation's owners may withdraw.
            self.open_invitation = OrganisationInvitation(
                organisation=self.org, email_fingerprint=fingerprint("someone@example.org")
            )
            session.add(self.open_invitation)
            session.flush()
            session.add(
                Membership(user=disabled, organisation=self.org, status=MembershipStatus.ACTIVE)
            )
            self.cohort.members.append(type(self.cohort_member)(user=disabled))
        session.commit()
        # Members of organisations have set up their second factor (tests/factors checks
        # that they must): this matrix is about what each may reach once signed in.
        for member in (pending, disabled):
            make.second_factor(member)

    def sign_in(self, name: str) -> Outsider:
        """A client for the outsider, signed in unless anonymous (the disabled one is disabled
        after signing in, so its session cookie outlives the account), with a CSRF token valid
        for its session."""
        client = self.app.test_client()
        user = self.users[name]
        if user is not None:
            sign_in(client, user.email)
        if name == "disabled":
            user.active = False
            self.session.commit()
        page = "/account" if name in SIGNED_IN else "/account/sign-in"
        return Outsider(name, user, client, csrf_token(client, page))

    # Path arguments -----------------------------------------------------------------------

    def ids(self) -> dict[str, object]:
        """Path argument name -> the owner's record it names (see OVERRIDES for the rest)."""
        return {
            "organisation_id": self.org.id,
            "membership_id": self.request.id,
            "user_id": self.volunteer.id,
            "profile_id": self.profile.id,
            "opportunity_id": self.project.id,
            "session_id": self.session_.id,
            "engagement_id": self.engagement.id,
            "certificate_id": self.certificate.id,
            "code": self.certificate.code,
            "cohort_id": self.cohort.id,
            "member_id": self.cohort_member.id,
            "import_id": self.volunteer_import.id,
            "credential_id": self.credential.id,
            "token_id": self.api_token.id,
            "passkey_id": self.passkey.id,
            "device_id": self.device.id,
            "notification_id": self.message.id,
            "invitation_id": self.invitation.id,
            "plan_id": self.plan.id,
            "milestone_id": self.milestone.id,
            "template_id": self.template.id,
            "item_id": self.template_item.id,
            "what": "hours",
            "action": "close",
            # Links a person is sent: a made-up one (anyone holding a real one may use it).
            "token": "not-a-real-link",
        }

    def overrides(self) -> dict[str, dict[str, object]]:
        """Endpoint -> path arguments that differ from `ids()`."""
        profile = self.profile
        return {
            "notifications.retry": {"notification_id": self.failed_email.id},
            "impact.organisation": {"organisation_id": self.charity.id},
            "impact.export_organisation": {"organisation_id": self.charity.id},
            "opportunities.cancel_session": {"opportunity_id": self.teaching.id},
            "matching.dismiss": {"opportunity_id": self.teaching.id},
            "matching.restore": {"opportunity_id": self.teaching.id},
            "organisations.accept_invitation": {"token": self.withdrawn_invitation},
            "organisations.withdraw_invitation": {"invitation_id": self.open_invitation.id},
            "cohorts.join": {"token": self.withdrawn_join_link},
            "registry.remove_window": {"item_id": self.window.id},
            "registry.remove_country": {"item_id": profile.ties[0].id},
            "registry.remove_language": {"item_id": profile.languages[0].id},
            "registry.remove_skill": {"item_id": profile.skills[0].id},
        }
