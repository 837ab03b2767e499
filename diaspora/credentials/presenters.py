"""Credentials as the dicts the templates (and the nhsuk macros) take."""

from datetime import date
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from diaspora.credentials import services
from diaspora.credentials.models import Credential, CredentialStatus
from diaspora.languages import current_language, translated
from diaspora.reference.catalogue import professions
from diaspora.reference.places import country_name
from diaspora.registry.presenters import long_date

STATUS_TAGS = {
    CredentialStatus.UNVERIFIED: {"text": _l("Waiting for verification"), "colour": "grey"},
    CredentialStatus.VERIFIED: {"text": _l("Verified"), "colour": "green"},
    CredentialStatus.REJECTED: {"text": _l("Rejected"), "colour": "red"},
}


def expiry_tag(credential: Credential, on: date | None = None) -> dict[str, str] | None:
    warning = services.expiry_warning(credential, on)
    if warning is None:
        return None
    return {"text": translated(warning), "colour": "red" if warning == "Expired" else "orange"}


def profession_name(code: str | None) -> str:
    profession = professions().get(code or "")
    return profession.name if profession else gettext("Not given")


def present(credential: Credential, on: date | None = None) -> dict[str, Any]:
    """Everything a page shows about one credential. `decided_at` stays a datetime, for the
    `local_datetime` filter (the viewer's time zone)."""
    is_other = credential.regulator == services.OTHER
    return {
        "id": credential.id,
        "regulator": services.regulator_label(credential.regulator, credential.regulator_name),
        "regulator_code": credential.regulator,
        "number": credential.number,
        "country": country_name(credential.country, current_language()) if is_other else "",
        "expires": long_date(credential.expires_on) or gettext("Not given"),
        "expiry_tag": expiry_tag(credential, on),
        "status": credential.status,
        "status_tag": STATUS_TAGS[CredentialStatus(credential.status)],
        "decided_by": credential.verified_by.display_name if credential.verified_by else "",
        "decided_at": credential.verified_at,
        "note": credential.note,
        "register_url": services.REGISTER_SEARCH_URLS.get(credential.regulator),
    }


def present_for_review(credential: Credential, on: date | None = None) -> dict[str, Any]:
    """For the verification queue: the person and their profession too."""
    item = present(credential, on)
    item["person"] = credential.profile.user.display_name
    item["profession"] = profession_name(credential.profile.profession)
    item["added_at"] = credential.created_at
    return item
