"""Hours logs and certificates as the dicts the templates (and the nhsuk macros) take."""

from typing import Any

from flask import url_for

from diaspora.contributions import services
from diaspora.contributions.models import Certificate, HoursLog, HoursStatus
from diaspora.contributions.pdf import CertificateFacts, date_range, long_date
from diaspora.core.time import as_utc
from diaspora.core.urls import external_url
from diaspora.engagements.models import Engagement
from diaspora.reference.places import country_name

STATUS_TAGS = {
    HoursStatus.PENDING: {"text": "Waiting for review", "colour": "grey"},
    HoursStatus.APPROVED: {"text": "Approved", "colour": "green"},
    HoursStatus.DECLINED: {"text": "Declined", "colour": "red"},
}


hours_text = services.hours_text


def learners_text(count: int) -> str:
    return f"{count:,}"


def engagement_link(engagement: Engagement) -> dict[str, str]:
    return {
        "href": url_for("engagements.detail", engagement_id=engagement.id),
        "text": "Back to your engagement",
    }


def session_day(engagement: Engagement) -> str:
    if engagement.session is None:
        return ""
    return long_date(services.work_began(engagement))


def present_log(log: HoursLog) -> dict[str, Any]:
    return {
        "id": log.id,
        "month": services.month_label(log.month),
        "hours": hours_text(log.minutes),
        "learners": learners_text(log.learners_reached),
        "note": log.note,
        "status": log.status,
        "status_tag": STATUS_TAGS[HoursStatus(log.status)],
        "reason": log.decline_reason,
        "decided_at": log.decided_at,
        "logged_at": log.created_at,
    }


def present_for_review(log: HoursLog) -> dict[str, Any]:
    item = present_log(log)
    item["person"] = log.engagement.user.display_name
    item["session"] = session_day(log.engagement)
    item["decided_by"] = log.decided_by.display_name if log.decided_by else ""
    return item


def certificate_state(certificate: Certificate) -> str:
    if certificate.withdrawn_at is not None:
        return "withdrawn"
    if certificate.superseded_at is not None:
        return "replaced"
    if certificate.revoked_at is not None:
        return "revoked"
    return "genuine"


def present_certificate(certificate: Certificate) -> dict[str, Any]:
    """The copied facts, as the public verification page shows them."""
    return {
        "id": certificate.id,
        "code": certificate.code,
        "state": certificate_state(certificate),
        "person": certificate.person_name,
        "organisation": certificate.organisation_name,
        "country": country_name(certificate.country) or certificate.country,
        "activity": certificate.activity,
        "hours": hours_text(certificate.minutes),
        "learners": learners_text(certificate.learners_reached)
        if certificate.learners_reached
        else "",
        "dates": date_range(certificate.starts_on, certificate.ends_on),
        "issued": long_date(as_utc(certificate.issued_at).date()),
        "revoked": long_date(as_utc(certificate.revoked_at).date())
        if certificate.revoked_at
        else "",
        "withdrawn": long_date(as_utc(certificate.withdrawn_at).date())
        if certificate.withdrawn_at
        else "",
        "replaced": long_date(as_utc(certificate.superseded_at).date())
        if certificate.superseded_at
        else "",
    }


def certificate_facts(certificate: Certificate) -> CertificateFacts:
    """What the PDF says: the same copied facts, and the verification page's full address."""
    item = present_certificate(certificate)
    return CertificateFacts(
        code=certificate.code,
        person_name=item["person"],
        organisation_name=item["organisation"],
        country=item["country"],
        activity=item["activity"],
        hours=item["hours"],
        learners=item["learners"],
        dates=item["dates"],
        issued=item["issued"],
        verify_url=external_url("contributions.verify", code=certificate.code),
        issued_at=as_utc(certificate.issued_at),
    )
