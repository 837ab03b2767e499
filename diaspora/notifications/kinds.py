"""The kinds of message the service sends, and how each is emailed unless a person says
otherwise. Every area's kinds are listed here, so the preferences page can offer them all."""

from dataclasses import dataclass

from diaspora.core.words import N_


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    hint: str
    digest: bool = False  # default: in the daily summary rather than at once
    can_digest: bool = True  # False for messages whose time matters (a session about to start)


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "engagement_update",
            N_("Applications and engagements"),
            N_("When an organisation answers your application, or an engagement starts or ends."),
        ),
        Kind(
            "booking_update",
            N_("Teaching session changes"),
            N_(
                "When a session you booked moves or is cancelled, or you get a place from the "
                "waiting list."
            ),
        ),
        Kind(
            "booking_reminder",
            N_("Teaching session reminders"),
            N_("A day and an hour before a session you booked. Always sent at that time."),
            can_digest=False,
        ),
        Kind(
            "hours_update",
            N_("Hours and certificates"),
            N_("When hours you logged are approved or questioned, or a certificate is ready."),
            digest=True,
        ),
        Kind(
            "milestone_reminder",
            N_("Plan milestone reminders"),
            N_("Before a milestone in your earn, learn and return plan is due."),
            digest=True,
        ),
        Kind(
            "milestone_overdue",
            N_("Overdue milestones"),
            N_(
                "When a milestone in your plan, or in the plan of someone you coordinate, "
                "is overdue."
            ),
        ),
        Kind(
            "credential_expiry",
            N_("Registration expiry"),
            N_("60 and 14 days before a professional registration you added expires."),
        ),
        Kind(
            "token_expiry",
            N_("API token expiry"),
            N_("A week before a personal access token you made for the API expires."),
            can_digest=False,
        ),
        Kind(
            "match_invitation",
            N_("Invitations to apply"),
            N_("When an organisation or your coordinator invites you to an opportunity."),
        ),
        Kind(
            "opportunity_alert",
            N_("New opportunities that match you"),
            N_(
                "Opportunities that match your profile, at once or in a weekly digest as you chose "
                "on your recommendations page."
            ),
            can_digest=False,
        ),
        Kind(
            "cohort_message",
            N_("Messages to your cohorts"),
            N_("When a coordinator writes to a cohort you belong to."),
        ),
        Kind(
            "cohort_update",
            N_("Cohort invitations and changes"),
            N_("When you are invited to a cohort, added to one or removed from one."),
        ),
    )
}


def kind_of(name: str) -> Kind:
    """The registered kind, or one emailed at once for a kind not listed yet."""
    return KINDS.get(name) or Kind(name, name.replace("_", " ").capitalize(), "")
