"""The API's resources: importing this module declares every operation on the `api` blueprint."""

from diaspora.api.resources import organisations  # noqa: F401
from diaspora.api.views import api

__all__ = ["api"]
