"""What each audit action code means, in words an administrator reads in the audit log.

One mapping for every code the code base records (`tests/audit/test_labels.py` collects the
codes from every `record(...)` call and fails when one has no label here). Codes stay as they
are in the database; only the page shows the label.
"""

ACTION_LABELS: dict[str, str] = {
    # Accounts and signing in
    "account.registered": "Account registered",
    "account.email_verified": "Email address confirmed",
    "account.email_change_requested": "Change of email address asked for",
    "account.email_changed": "Email address changed",
    "account.password_changed": "Password changed",
    "account.enabled": "Account enabled",
    "account.disabled": "Account disabled",
    "account.admin_created": "Administrator created on the server",
    "account.data_exported": "Own data downloaded",
    "account.erased": "Account deleted",
    "password_check.failed": "Wrong password when confirming it is them",
    "sign_in": "Signed in",
    "sign_in.failed": "Sign-in failed",
    "role.granted": "Role given",
    "role.revoked": "Role taken away",
    # Mobile numbers
    "mobile.code_sent": "Mobile number confirmation code sent",
    "mobile.code_failed": "Mobile number confirmation code refused",
    "mobile.confirmed": "Mobile number confirmed",
    "mobile.change_cancelled": "New mobile number dropped before it was confirmed",
    "mobile.removed": "Mobile number removed",
    "mobile.refused": "Mobile number refused by the text message service",
    "mobile.opted_out": "Mobile number stopped: its owner replied STOP",
    # Second factor
    "factor.enrolled": "Second factor set up",
    "factor.removed": "Second factor removed",
    "factor.used": "Second factor given",
    "factor.failed": "Second factor refused",
    "factor.recovery_codes_created": "Recovery codes made",
    "factor.recovery_code_used": "Recovery code used",
    "factor.device_remembered": "Browser remembered",
    "factor.device_forgotten": "Remembered browser forgotten",
    "factor.reset": "Second factor reset",
    # API tokens
    "token.created": "API token made",
    "token.revoked": "API token revoked",
    # Organisations and memberships
    "organisation.created": "Organisation registered",
    "organisation.updated": "Organisation details changed",
    "organisation.verified": "Organisation verified",
    "organisation.rejected": "Organisation rejected",
    "organisation.email_domains_changed": "Organisation email domains changed",
    "organisation.text_budget_set": "Organisation monthly text budget changed",
    "membership.requested": "Asked to join an organisation",
    "membership.approved": "Request to join approved",
    "membership.removed": "Member removed",
    "membership.invited": "Invited to join an organisation",
    "membership.invitation_withdrawn": "Invitation to join withdrawn",
    "membership.invitation_accepted": "Invitation to join accepted",
    "membership.ownership_handed_over": "Ownership handed over",
    # Professional registrations
    "credential.added": "Registration added",
    "credential.updated": "Registration changed",
    "credential.removed": "Registration removed",
    "credential.verified": "Registration verified",
    "credential.rejected": "Registration rejected",
    # Opportunities
    "opportunity.created": "Opportunity created",
    "opportunity.updated": "Opportunity changed",
    "opportunity.published": "Opportunity published",
    "opportunity.closed": "Opportunity closed",
    "opportunity.completed": "Opportunity completed",
    "opportunity.cancelled": "Opportunity cancelled",
    "opportunity.session_cancelled": "Tele-teaching session cancelled",
    # Engagements
    "engagement.interested": "Said they are interested",
    "engagement.applied": "Applied",
    "engagement.accepted": "Application accepted",
    "engagement.declined": "Application declined",
    "engagement.withdrawn": "Withdrew",
    "engagement.expired": "Application expired unanswered",
    "engagement.active": "Engagement started",
    "engagement.completed": "Engagement marked as completed",
    "engagement.no_show": "Recorded as did not attend",
    "engagement.cancelled": "Engagement cancelled",
    "engagement.release_requested": "Line manager asked for release",
    "engagement.release_confirmed": "Line manager confirmed release",
    "engagement.release_declined": "Line manager declined release",
    "invitation.sent": "Invited to apply",
    "invitation.accepted": "Invitation to apply accepted",
    "invitation.declined": "Invitation to apply declined",
    # Bookings
    "booking.attendance_recorded": "Attendance recorded",
    "booking.calendar_feed_created": "Calendar feed turned on",
    "booking.calendar_feed_removed": "Calendar feed turned off",
    # Hours and certificates
    "hours.logged": "Hours logged",
    "hours.approved": "Hours approved",
    "hours.declined": "Hours declined",
    "certificate.issued": "Certificate issued",
    "certificate.revoked": "Certificate revoked",
    # Plans
    "plan.started": "Plan started",
    "plan.updated": "Plan changed",
    "plan.deleted": "Plan deleted",
    "plan_template.saved": "Plan template saved",
    "plan_template.milestone_saved": "Plan template milestone saved",
    "plan_template.milestone_removed": "Plan template milestone removed",
    # Cohorts
    "cohort.created": "Cohort created",
    "cohort.updated": "Cohort changed",
    "cohort.archived": "Cohort archived",
    "cohort.restored": "Cohort restored",
    "cohort.member_added": "Added to a cohort",
    "cohort.member_removed": "Removed from a cohort",
    "cohort.link_created": "Cohort invitation link made",
    "cohort.link_removed": "Cohort invitation link removed",
    "cohort.joined": "Joined a cohort",
    "cohort.left": "Left a cohort",
    "cohort.messaged": "Cohort messaged",
    "cohort.volunteers_imported": "Volunteers imported into a cohort",
    "cohort.invitation_accepted": "Cohort invitation from an import accepted",
    # Exports and the outbox
    "directory.exported": "Volunteer directory exported",
    "impact.exported": "Impact figures exported",
    "notification.retried": "Failed email sent again",
    "notification.retried_all": "All failed emails sent again",
}

# What a record's type is called on the page.
SUBJECT_LABELS: dict[str, str] = {
    "User": "Person",
    "Organisation": "Organisation",
    "Membership": "Membership",
    "OrganisationInvitation": "Invitation to join",
    "Credential": "Registration",
    "Opportunity": "Opportunity",
    "TeachingSession": "Tele-teaching session",
    "Engagement": "Engagement",
    "HoursLog": "Hours entry",
    "Certificate": "Certificate",
    "Plan": "Plan",
    "PlanTemplate": "Plan template",
    "TemplateMilestone": "Plan template milestone",
    "Cohort": "Cohort",
    "CohortMember": "Cohort membership",
    "CohortMessage": "Cohort message",
    "AccessToken": "API token",
    "CalendarFeed": "Calendar feed",
    "Invitation": "Invitation to apply",
    "Milestone": "Milestone",
    "StaffProfile": "Profile",
    "Passkey": "Passkey",
    "TotpFactor": "Authenticator app",
    "Notification": "Email",
}


def action_label(code: str) -> str:
    """The label of an action code; a code without one (from an older release) as it is."""
    return ACTION_LABELS.get(code, code)


def subject_label(kind: str | None) -> str:
    if not kind:
        return ""
    return SUBJECT_LABELS.get(kind, kind)


def action_choices() -> list[tuple[str, str]]:
    """(code, label) for every action, by label: the choices of the audit log's filter."""
    return sorted(ACTION_LABELS.items(), key=lambda item: item[1].lower())
