"""The signed-in person's registry access, worked out once per request.

The header asks on every page whether to offer "Find volunteers" and "Verify registrations";
both answers come from one look at the person's memberships.
"""

from flask import g
from flask_login import current_user

from diaspora.extensions import db
from diaspora.registry.privacy import ViewerAccess, access_of


def viewer_access() -> ViewerAccess:
    if "viewer_access" not in g:
        g.viewer_access = access_of(db.session, current_user)
    return g.viewer_access
