"""Hours logs and certificates as the dicts the templates (and the nhsuk macros) take."""

from datetime import date
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal
from flask import url_for
from flask_babel import gettext

from diaspora.contributions import services
from diaspora.contributions.models import Certificate, HoursLog, HoursStatus
from diaspora.contributions.pdf import CertificateFacts, CertificateWords
from diaspora.core.time import as_utc
from diaspora.core.urls import external_url
from diaspora.core.words import N_
from diaspora.engagements.models import Engagement
from diaspora.languages import current_language, format_local, format_number, translated
from diaspora.reference.places import country_name
from diaspora.registry.presenters import long_date

STATUS_TAGS = {
    HoursStatus.PENDING: {"text": N_("Waiting for review"), "colour": "grey"},
    HoursStatus.APPROVED: {"text": N_("Approved"), "colour": "green"},
    HoursStatus.DECLINED: {"text": N_("Declined"), "colour": "red"},
}


def hours_text(minutes: int) -> str:
    """2.5 hours, in the reader's language ("2,5 heures" in French)."""
    hours = format_decimal(round(Decimal(minutes) / 60, 2), "0.##", locale=current_language())
    if minutes == 60:
        return gettext("%(hours)s hour", hours=hours)
    return gettext("%(hours)s hours", hours=hours)


def month_label(month: date) -> str:
    """The month and year ("March 2026"), in the reader's language."""
    return format_local(month, "%B %Y")


def learners_text(count: int) -> str:
    return format_number(count)


def status_tag(status: str) -> dict[str, str]:
    tag = STATUS_TAGS[HoursStatus(status)]
    return {"text": translated(tag["text"]), "colour": tag["colour"]}


def engagement_link(engagement: Engagement) -> dict[str, str]:
    return {
        "href": url_for("engagements.detail", engagement_id=engagement.id),
        "text": gettext("Back to your engagement"),
    }


def session_day(engagement: Engagement) -> str:
    if engagement.session is None:
        return ""
    return format_local(services.work_began(engagement), "%-d %B %Y")


def present_log(log: HoursLog) -> dict[str, Any]:
    return {
        "id": log.id,
        "month": month_label(log.month),
        "hours": hours_text(log.minutes),
        "learners": learners_text(log.learners_reached),
        "note": log.note,
        "status": log.status,
        "status_tag": status_tag(log.status),
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


def date_range(starts_on: date | None, ends_on: date | None) -> str:
    if starts_on and ends_on and starts_on != ends_on:
        return gettext("%(start)s to %(end)s", start=long_date(starts_on), end=long_date(ends_on))
    if starts_on or ends_on:
        return long_date(starts_on or ends_on)
    return gettext("Not recorded")


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
        "country": country_name(certificate.country, current_language()) or certificate.country,
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


def certificate_words() -> CertificateWords:
    """The certificate's words in the language of the person downloading it."""
    return CertificateWords(
        title=gettext("Certificate of contribution"),
        certifies=gettext("This certifies that"),
        contributed=gettext("contributed to the work of %(organisation)s"),
        activity=gettext("Activity"),
        organisation=gettext("Organisation"),
        country=gettext("Country"),
        hours=gettext("Approved hours"),
        learners=gettext("Learners reached"),
        dates=gettext("Dates"),
        issued=gettext("Issued"),
        code=gettext("Certificate code"),
        hours_sentence=gettext(
            "The hours shown were logged by the person named and approved by the organisation."
        ),
        evidence_sentence=gettext(
            "The person named may use this certificate as supporting information for their "
            "appraisal and revalidation, for example as a record of continuing professional "
            "development. Whether it counts is for their appraiser and regulator to decide."
        ),
        check=gettext("Check that this certificate is genuine"),
        scan=gettext("Scan the QR code or go to %(url)s"),
        name_unshown=gettext("(the name is shown on the verification page)"),
        lossy_note=gettext(
            "Some words are written in a script this document cannot show. "
            "The verification page shows them in full."
        ),
    )
