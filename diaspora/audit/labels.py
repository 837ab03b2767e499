"""What each audit action code means, in words an administrator reads in the audit log.

One mapping for every code the code base records (`tests/audit/test_labels.py` collects the
codes from every `record(...)` call and fails when one has no label here). Codes stay as they
are in the database; only the page shows the label, in its reader's language (`translated`).
"""

from diaspora.core.words import N_, Words
from diaspora.languages import translated

ACTION_LABELS: dict[str, Words] = {
    # Accounts and signing in
    "account.registered": N_("Account registered"),
    "account.email_verified": N_("Email address confirmed"),
    "account.email_change_requested": N_("Change of email address asked for"),
    "account.email_changed": N_("Email address changed"),
    "account.password_changed": N_("Password changed"),
    "account.enabled": N_("Account enabled"),
    "account.disabled": N_("Account disabled"),
    "account.admin_created": N_("Administrator created on the server"),
    "account.data_exported": N_("Own data downloaded"),
    "account.erased": N_("Account deleted"),
    "password_check.failed": N_("Wrong password when confirming it is them"),
    "sign_in": N_("Signed in"),
    "sign_in.failed": N_("Sign-in failed"),
    "role.granted": N_("Role given"),
    "role.revoked": N_("Role taken away"),
    # Mobile numbers
    "mobile.code_sent": N_("Mobile number confirmation code sent"),
    "mobile.code_failed": N_("Mobile number confirmation code refused"),
    "mobile.confirmed": N_("Mobile number confirmed"),
    "mobile.change_cancelled": N_("New mobile number dropped before it was confirmed"),
    "mobile.removed": N_("Mobile number removed"),
    "mobile.refused": N_("Mobile number refused by the text message service"),
    "mobile.opted_out": N_("Mobile number stopped: its owner replied STOP"),
    # Second factor
    "factor.enrolled": N_("Second factor set up"),
    "factor.removed": N_("Second factor removed"),
    "factor.used": N_("Second factor given"),
    "factor.failed": N_("Second factor refused"),
    "factor.recovery_codes_created": N_("Recovery codes made"),
    "factor.recovery_code_used": N_("Recovery code used"),
    "factor.device_remembered": N_("Browser remembered"),
    "factor.device_forgotten": N_("Remembered browser forgotten"),
    "factor.reset": N_("Second factor reset"),
    # API tokens
    "token.created": N_("API token made"),
    "token.revoked": N_("API token revoked"),
    # Organisations and memberships
    "organisation.created": N_("Organisation registered"),
    "organisation.updated": N_("Organisation details changed"),
    "organisation.verified": N_("Organisation verified"),
    "organisation.rejected": N_("Organisation rejected"),
    "organisation.email_domains_changed": N_("Organisation email domains changed"),
    "organisation.text_budget_set": N_("Organisation monthly text budget changed"),
    "membership.requested": N_("Asked to join an organisation"),
    "membership.approved": N_("Request to join approved"),
    "membership.removed": N_("Member removed"),
    "membership.invited": N_("Invited to join an organisation"),
    "membership.invitation_withdrawn": N_("Invitation to join withdrawn"),
    "membership.invitation_accepted": N_("Invitation to join accepted"),
    "membership.ownership_handed_over": N_("Ownership handed over"),
    # Professional registrations
    "credential.added": N_("Registration added"),
    "credential.updated": N_("Registration changed"),
    "credential.removed": N_("Registration removed"),
    "credential.verified": N_("Registration verified"),
    "credential.rejected": N_("Registration rejected"),
    # Opportunities
    "opportunity.created": N_("Opportunity created"),
    "opportunity.updated": N_("Opportunity changed"),
    "opportunity.published": N_("Opportunity published"),
    "opportunity.closed": N_("Opportunity closed"),
    "opportunity.completed": N_("Opportunity completed"),
    "opportunity.cancelled": N_("Opportunity cancelled"),
    "opportunity.session_cancelled": N_("Tele-teaching session cancelled"),
    # Engagements
    "engagement.interested": N_("Said they are interested"),
    "engagement.applied": N_("Applied"),
    "engagement.accepted": N_("Application accepted"),
    "engagement.declined": N_("Application declined"),
    "engagement.withdrawn": N_("Withdrew"),
    "engagement.expired": N_("Application expired unanswered"),
    "engagement.active": N_("Engagement started"),
    "engagement.completed": N_("Engagement marked as completed"),
    "engagement.no_show": N_("Recorded as did not attend"),
    "engagement.cancelled": N_("Engagement cancelled"),
    "engagement.release_requested": N_("Line manager asked for release"),
    "engagement.release_confirmed": N_("Line manager confirmed release"),
    "engagement.release_declined": N_("Line manager declined release"),
    "invitation.sent": N_("Invited to apply"),
    "invitation.accepted": N_("Invitation to apply accepted"),
    "invitation.declined": N_("Invitation to apply declined"),
    # Bookings
    "booking.attendance_recorded": N_("Attendance recorded"),
    "booking.calendar_feed_created": N_("Calendar feed turned on"),
    "booking.calendar_feed_removed": N_("Calendar feed turned off"),
    # Hours and certificates
    "hours.logged": N_("Hours logged"),
    "hours.approved": N_("Hours approved"),
    "hours.declined": N_("Hours declined"),
    "certificate.issued": N_("Certificate issued"),
    "certificate.revoked": N_("Certificate revoked"),
    # Plans
    "plan.started": N_("Plan started"),
    "plan.updated": N_("Plan changed"),
    "plan.deleted": N_("Plan deleted"),
    "plan_template.saved": N_("Plan template saved"),
    "plan_template.milestone_saved": N_("Plan template milestone saved"),
    "plan_template.milestone_removed": N_("Plan template milestone removed"),
    # Cohorts
    "cohort.created": N_("Cohort created"),
    "cohort.updated": N_("Cohort changed"),
    "cohort.archived": N_("Cohort archived"),
    "cohort.restored": N_("Cohort restored"),
    "cohort.member_added": N_("Added to a cohort"),
    "cohort.member_removed": N_("Removed from a cohort"),
    "cohort.link_created": N_("Cohort invitation link made"),
    "cohort.link_removed": N_("Cohort invitation link removed"),
    "cohort.joined": N_("Joined a cohort"),
    "cohort.left": N_("Left a cohort"),
    "cohort.messaged": N_("Cohort messaged"),
    "cohort.volunteers_imported": N_("Volunteers imported into a cohort"),
    "cohort.invitation_accepted": N_("Cohort invitation from an import accepted"),
    # Exports and the outbox
    "directory.exported": N_("Volunteer directory exported"),
    "impact.exported": N_("Impact figures exported"),
    "notification.retried": N_("Failed email sent again"),
    "notification.retried_all": N_("All failed emails sent again"),
}

# What a record's type is called on the page.
SUBJECT_LABELS: dict[str, Words] = {
    "User": N_("Person"),
    "Organisation": N_("Organisation"),
    "Membership": N_("Membership"),
    "OrganisationInvitation": N_("Invitation to join"),
    "Credential": N_("Registration"),
    "Opportunity": N_("Opportunity"),
    "TeachingSession": N_("Tele-teaching session"),
    "Engagement": N_("Engagement"),
    "HoursLog": N_("Hours entry"),
    "Certificate": N_("Certificate"),
    "Plan": N_("Plan"),
    "PlanTemplate": N_("Plan template"),
    "TemplateMilestone": N_("Plan template milestone"),
    "Cohort": N_("Cohort"),
    "CohortMember": N_("Cohort membership"),
    "CohortMessage": N_("Cohort message"),
    "AccessToken": N_("API token"),
    "CalendarFeed": N_("Calendar feed"),
    "Invitation": N_("Invitation to apply"),
    "Milestone": N_("Milestone"),
    "StaffProfile": N_("Profile"),
    "Passkey": N_("Passkey"),
    "TotpFactor": N_("Authenticator app"),
    "Notification": N_("Email"),
}

# What each key of an event's details is called on the page (nested ones too: an
# organisation's fields, a membership's role and status).
DETAIL_LABELS: dict[str, Words] = {
    "after": N_("After"),
    "already": N_("Already members or invited"),
    "attempt": N_("Attempt"),
    "attended": N_("Attended"),
    "before": N_("Before"),
    "bookings_cancelled": N_("Bookings cancelled"),
    "changed": N_("Changed"),
    "cohort_id": N_("Cohort"),
    "count": N_("Count"),
    "country": N_("Country"),
    "credentials_erased": N_("Registrations erased"),
    "days": N_("Days"),
    "description": N_("Description"),
    "device": N_("Remembered browser"),
    "email_domains": N_("Email domains"),
    "end": N_("End"),
    "engagement_id": N_("Engagement"),
    "engagements_ended": N_("Engagements ended"),
    "export": N_("Export"),
    "filters": N_("Filters"),
    "import_id": N_("Import"),
    "invitation_id": N_("Invitation"),
    "invited": N_("Invited"),
    "kind": N_("Kind"),
    "left": N_("Codes left"),
    "link_replaced": N_("Link replaced"),
    "member_id": N_("Member"),
    "membership_role": N_("Membership role"),
    "membership_status": N_("Membership status"),
    "memberships_removed": N_("Memberships removed"),
    "message_id": N_("Message"),
    "minutes": N_("Minutes"),
    "moved": N_("Milestones moved"),
    "name": N_("Name"),
    "named": N_("People named"),
    "no_show": N_("Did not attend"),
    "opportunity_id": N_("Opportunity"),
    "ownership_handed_over": N_("Ownership handed over"),
    "passkey": N_("Passkey"),
    "people": N_("People"),
    "previous_status": N_("Previous status"),
    "profile_erased": N_("Profile erased"),
    "profile_id": N_("Profile"),
    "purpose": N_("Purpose"),
    "reason": N_("Reason"),
    "recipients": N_("Recipients"),
    "refused": N_("Rows refused"),
    "replaces": N_("Replaces"),
    "role": N_("Role"),
    "roles": N_("Roles"),
    "rows": N_("Rows"),
    "scope": N_("Scope"),
    "segments": N_("Segments"),
    "sent_back_to_verification": N_("Sent back to verification"),
    "session_id": N_("Session"),
    "start": N_("Start"),
    "status": N_("Status"),
    "template_id": N_("Template"),
    "time_zone": N_("Time zone"),
    "tokens_revoked": N_("Tokens revoked"),
    "verification": N_("Verification"),
    "via": N_("Via"),
    "waiting": N_("Waiting"),
    "website": N_("Website"),
}


def action_label(code: str) -> str:
    """The label of an action code; a code without one (from an older release) as it is."""
    return ACTION_LABELS.get(code, code)


def subject_label(kind: str | None) -> str:
    if not kind:
        return ""
    return SUBJECT_LABELS.get(kind, kind)


def detail_label(key: str) -> str:
    """The label of a details key; a key without one (from an older release) in words."""
    return DETAIL_LABELS.get(key) or key.replace("_", " ").capitalize()


def action_choices() -> list[tuple[str, str]]:
    """(code, label) for every action, in the reader's language and in its order: the choices
    of the audit log's filter."""
    labels = [(code, translated(label)) for code, label in ACTION_LABELS.items()]
    return sorted(labels, key=lambda item: item[1].lower())
