from tests.notifications.conftest import notify  # noqa: F401  (a local GOV.UK Notify)
