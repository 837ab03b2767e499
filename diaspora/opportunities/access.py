"""Who may see and who may manage an opportunity: the checks every area's routes share."""

from flask import abort
from sqlalchemy.orm import Session

from diaspora.auth.models import Role, User
from diaspora.extensions import db
from diaspora.opportunities.models import Opportunity, OpportunityStatus
from diaspora.organisations.access import (
    is_verified_member,
    refuse_organisation_action,
    waiting_memberships,
)


def manages(session: Session, user: User, opportunity: Opportunity) -> bool:
    """Active members of the verified organisation that posted it manage an opportunity."""
    return is_verified_member(session, user, opportunity.organisation_id)


def can_see(session: Session, user: User, opportunity: Opportunity) -> bool:
    """Anyone signed in sees a published opportunity; a draft only its organisation and admins."""
    if opportunity.status != OpportunityStatus.DRAFT:
        return True
    return user.has_role(Role.ADMIN) or manages(session, user, opportunity)


def visible_or_404(user: User, opportunity_id: int) -> Opportunity:
    opportunity = db.session.get(Opportunity, opportunity_id)
    if opportunity is None or not can_see(db.session, user, opportunity):
        abort(404)
    return opportunity


def managed_or_404(user: User, opportunity_id: int) -> Opportunity:
    """The opportunity, if `user` manages it: 404 if they may not know of it, 403 if they may.
    A member whose organisation is waiting for verification (or who asked to join it) is told
    so, drafts included, as their organisation's opportunities are theirs to know of."""
    opportunity = db.session.get(Opportunity, opportunity_id)
    if opportunity is None:
        abort(404)
    if manages(db.session, user, opportunity):
        return opportunity
    if waiting_memberships(db.session, user, opportunity.organisation_id):
        refuse_organisation_action(db.session, user, opportunity.organisation_id)
    if not can_see(db.session, user, opportunity):
        abort(404)
    abort(403)
