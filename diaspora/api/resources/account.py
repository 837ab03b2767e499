"""Account: who the token acts for, and revoking the token that makes the call."""

from flask import g
from marshmallow import Schema, fields

from diaspora.api import tokens
from diaspora.api.spec import Resource
from diaspora.core.time import as_utc
from diaspora.extensions import db
from diaspora.organisations.access import roles_of

resource = Resource()
TAG = "Account"


class MeSchema(Schema):
    id = fields.Integer(required=True)
    display_name = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    token = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


@resource.operation("GET", "/me", tag=TAG, summary="Who the token acts for", response=MeSchema)
def get_me():
    """The token's owner and their roles: what every other call is allowed by."""
    user = g.api_user
    return {
        "id": user.id,
        "display_name": user.display_name,
        "roles": sorted(roles_of(db.session, user)),
        "token": {
            "name": g.api_token.name,
            "scope": g.api_token.scope,
            "expires_at": as_utc(g.api_token.expires_at).isoformat(),
        },
    }


@resource.operation("DELETE", "/token", tag=TAG, summary="Revoke this token", status=204)
def revoke_token():
    """Revoke the token making the call: for a system being switched off, or a leaked token."""
    tokens.revoke(db.session, g.api_token, g.api_user)
    db.session.commit()
