"""The API's resources, one module per area. RESOURCES is the one list of what the `api`
blueprint serves (diaspora/api/views.py) and the OpenAPI document describes."""

from diaspora.api.resources import (
    account,
    bookings,
    engagements,
    impact,
    matches,
    notifications,
    opportunities,
    organisations,
    plans,
)

RESOURCES = [
    account.resource,
    bookings.resource,
    engagements.resource,
    impact.resource,
    matches.resource,
    notifications.resource,
    opportunities.resource,
    organisations.resource,
    plans.resource,
]
OPERATIONS = [op for resource in RESOURCES for op in resource.operations]
