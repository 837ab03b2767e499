"""The signed-in person's registry access and roles, worked out once per request.

The header asks on every page whether to offer "Find volunteers", "Verify registrations" and
"Plans"; every answer comes from one look at the person's memberships.
"""

from flask import Flask, g
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from diaspora.extensions import db
from diaspora.registry.privacy import ViewerAccess, access_of


def viewer_access() -> ViewerAccess:
    if "viewer_access" not in g:
        g.viewer_access = access_of(db.session, current_user)
    return g.viewer_access


def viewer_has_role(*roles: str) -> bool:
    """For templates: whether the signed-in person has one of these roles, stored or given by
    their verified memberships. False when the query fails, so an error page still renders."""
    if not current_user.is_authenticated:
        return False
    try:
        return bool(viewer_access().roles.intersection(roles))
    except SQLAlchemyError:
        return False


def register_viewer(app: Flask) -> None:
    """Templates ask `has_role(...)` to decide which links the header offers."""

    @app.context_processor
    def _roles() -> dict:
        return {"has_role": viewer_has_role}
