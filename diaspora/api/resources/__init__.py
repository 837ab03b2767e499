"""The API's resources: importing this module declares every operation on the `api` blueprint."""

from diaspora.api.resources import (  # noqa: F401
    bookings,
    engagements,
    impact,
    matches,
    notifications,
    opportunities,
    organisations,
    plans,
)
from diaspora.api.views import api

__all__ = ["api"]
