"""Regression tests for two findings of an outside security test.

Finding 1: a staff member could name their own mailbox (or any free-mail address) as their
line manager and confirm their own release. A manager's address must be at an NHS mail domain
or at a domain an administrator confirmed for a verified NHS trust.
Finding 2: deleting an account left traces: messages to others naming the person, places
they held, and a certificate page that read as a forgery.
"""

from datetime import date

import pytest
from sqlalchemy import select

from diaspora.api import tokens
from diaspora.audit.models import AuditEvent
from diaspora.bookings import services as bookings
from diaspora.bookings.models import CalendarFeed
from diaspora.bookings.transactions import run_change
from diaspora.cohorts import services as cohorts
from diaspora.cohorts.models import CohortMessage
from diaspora.contributions import services as contributions
from diaspora.engagements import services as engagements
from diaspora.engagements.models import Engagement, ReleaseStatus
from diaspora.engagements.models import EngagementState as S
from diaspora.engagements.services import EngagementError
from diaspora.mydata.services import erase_account
from diaspora.notifications.models import Channel, DeliveryState, Notification
from diaspora.notifications.services import notify
from diaspora.organisations import services as organisations
from tests.factories import PASSWORD
from tests.helpers import csrf_token, error_summary, sign_in, submit

# Finding 1: line-manager release ---------------------------------------------------------------


@pytest.fixture
def staff(make):
    user = make.user(roles=["staff"], name="Sadia Rahman", email="sadia.rahman@nhs.net")
    make.profile(user)
    return user


@pytest.fixture
def placement(make):
    organisation = make.organisation(
        owner=make.user(roles=["partner"], name="Maya Manager"), name="Sylhet Health Trust"
    )
    return make.opportunity(
        organisation,
        kind="placement",
        modality="on_site",
        title="Return placement",
        country="BD",
        hours_per_month=40,
    )


@pytest.fixture
def accepted(make, placement, staff, smtp):
    return make.engagement(placement, staff, state="accepted", release_status="needed")


@pytest.fixture
def staff_client(app, client, staff):
    browser = app.test_client()
    sign_in(browser, staff.email)
    return browser


def ask(browser, engagement, address):
    url = f"/engagements/{engagement.id}/release"
    return browser.post(
        url, data={"manager_email": address, "csrf_token": csrf_token(browser, url)}
    )


def request(app, db, engagement, address="ward.manager@leedsth.nhs.uk") -> str:
    with app.test_request_context():
        token = engagements.request_release(db.session, engagement, address)
    db.session.commit()
    return f"/release/{token}"


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    "address",
    [
        "my.other.self@gmail.com",
        "boss@example.org",
        "boss@evilnhs.net",
        "boss@nhs.net.evil.com",
        "boss@nhs.uk.evil.com",
        "boss@evil-nhs.uk",
        "boss@nhsuk.com",
    ],
)
def test_finding_1_a_manager_outside_nhs_mail_is_refused(db, staff_client, accepted, address):
    response = ask(staff_client, accepted, address)
    assert response.status_code == 200
    assert error_summary(response) == [engagements.NHS_ADDRESS]
    assert f'value="{address}"' in text(response)  # what was typed is kept
    db.session.refresh(accepted)
    assert accepted.release_status == ReleaseStatus.NEEDED
    assert accepted.release_manager_email is None


@pytest.mark.parametrize(
    "address",
    ["boss@nhs.net", "Boss@NHS.NET", "boss@leedsth.nhs.uk", "boss@nhs.scot", "b@setrust.hscni.net"],
)
def test_finding_1_nhs_mail_domains_are_accepted(app, db, accepted, address):
    request(app, db, accepted, address)
    assert accepted.release_status == ReleaseStatus.REQUESTED
    assert accepted.release_manager_email == address.lower()


@pytest.mark.parametrize(
    "address",
    [
        "sadia.rahman@nhs.net",
        "SADIA.RAHMAN@nhs.net",
        "sadia.rahman+release@nhs.net",
        " Sadia.Rahman+x@NHS.net ",
    ],
)
def test_finding_1_their_own_mailbox_is_refused_however_written(
    db, staff_client, accepted, address
):
    response = ask(staff_client, accepted, address)
    assert response.status_code == 200
    assert error_summary(response) == [engagements.OWN_ADDRESS]
    db.session.refresh(accepted)
    assert accepted.release_manager_email is None


def test_finding_1_an_address_they_are_changing_to_is_refused(app, db, accepted, staff):
    staff.pending_email = "sadia@leedsth.nhs.uk"
    db.session.commit()
    with app.test_request_context(), pytest.raises(EngagementError) as refused:
        engagements.request_release(db.session, accepted, "Sadia+boss@LeedsTH.nhs.uk")
    assert refused.value.errors == {"manager_email": engagements.OWN_ADDRESS}


def test_finding_1_mailbox_keys_see_through_tags_case_and_gmail_dots():
    key = engagements.mailbox_key
    assert key("Jo.Bloggs+x@NHS.net") == key("jo.bloggs@nhs.net")
    assert key("jo.bloggs@nhs.net") != key("jobloggs@nhs.net")  # dots matter at nhs.net
    assert key("J.O.Bloggs+y@googlemail.com") == key("jobloggs@gmail.com")


def test_finding_1_the_manager_sees_whom_and_what_before_answering(app, db, client, accepted):
    link = request(app, db, accepted)
    page = text(client.get(link))
    for shown in (
        "Sadia Rahman",
        "Return placement",
        "Sylhet Health Trust",
        "Bangladesh",
        "40 hours a month",
        engagements.dates_of(accepted.opportunity, accepted),
    ):
        assert shown in page
    assert 'method="post"' in page and 'name="csrf_token"' in page
    db.session.refresh(accepted)
    assert accepted.release_status == ReleaseStatus.REQUESTED  # a GET confirms nothing


def test_finding_1_an_answer_without_the_forms_token_is_refused(app, db, client, accepted):
    link = request(app, db, accepted)
    response = client.post(link, data={"decision": "confirm"})
    assert response.status_code == 400
    db.session.refresh(accepted)
    assert accepted.release_status == ReleaseStatus.REQUESTED


def test_finding_1_the_link_works_once(app, db, client, accepted):
    link = request(app, db, accepted)
    token = csrf_token(client, link)
    assert client.post(link, data={"decision": "confirm", "csrf_token": token}).status_code == 302
    again = client.post(link, data={"decision": "decline", "csrf_token": token})
    assert "This request has been answered" in text(again)
    db.session.refresh(accepted)
    assert accepted.release_status == ReleaseStatus.CONFIRMED


@pytest.mark.parametrize("ending", ["withdrawn", "cancelled", "new address"])
def test_finding_1_the_link_dies_when_withdrawn(app, db, client, make, accepted, ending):
    link = request(app, db, accepted)
    token = csrf_token(client, link)
    owner = accepted.opportunity.organisation.memberships[0].user
    with app.test_request_context():
        if ending == "withdrawn":
            engagements.withdraw(db.session, accepted, accepted.user)
        elif ending == "cancelled":
            engagements.cancel(db.session, accepted, owner, reason="Funding ended")
        else:
            engagements.request_release(db.session, accepted, "other.manager@nhs.net")
    db.session.commit()
    status = accepted.release_status
    response = client.post(link, data={"decision": "confirm", "csrf_token": token})
    assert "Release Sadia Rahman" not in text(response)
    assert "This link does not work" in text(response) or "no longer needed" in text(response)
    db.session.refresh(accepted)
    assert accepted.release_status == status != ReleaseStatus.CONFIRMED


# Finding 1: the domains of verified NHS employers ----------------------------------------------

TRUST_DOMAIN = "mft.example.org"


@pytest.fixture
def trust_owner(make):
    return make.user(roles=[], name="Tariq Owner", email="tariq.owner@mft.example.org")


@pytest.fixture
def trust(make, trust_owner):
    organisation = make.organisation(
        owner=trust_owner, kind="nhs_trust", country="GB", name="Example Hospitals Trust"
    )
    organisation.email_domains = [TRUST_DOMAIN]
    make.session.commit()
    return organisation


@pytest.fixture
def admin_client(app, client, make):
    admin = make.user(roles=["admin"], name="Ada Admin")
    sign_in(client, admin.email)
    client.admin = admin
    return client


def domains_url(organisation) -> str:
    return f"/admin/organisations/{organisation.id}/email-domains"


def set_domains(admin_client, organisation, value: str):
    return submit(
        admin_client,
        domains_url(organisation),
        {"email_domains": value},
        page=f"/admin/organisations/{organisation.id}",
    )


def domain_events(db, organisation) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "organisation.email_domains_changed",
                AuditEvent.subject_id == organisation.id,
            )
        )
    )


@pytest.mark.parametrize("address", ["ward.manager@mft.example.org", "Boss@Wards.MFT.example.org"])
def test_finding_1_an_address_at_a_verified_trusts_domain_is_accepted(
    app, db, staff_client, accepted, trust, address, smtp
):
    response = ask(staff_client, accepted, address)
    assert response.status_code == 302, error_summary(response)
    db.session.refresh(accepted)
    assert accepted.release_status == ReleaseStatus.REQUESTED
    assert accepted.release_manager_email == address.lower()
    assert smtp.delivered(1)[0]["To"] == address.lower()


@pytest.mark.parametrize(
    "address", ["boss@evilmft.example.org", "boss@mft.example.org.evil.com", "boss@example.org"]
)
def test_finding_1_a_trusts_domain_is_matched_on_whole_labels(
    db, staff_client, accepted, trust, address
):
    response = ask(staff_client, accepted, address)
    assert error_summary(response) == [engagements.NHS_ADDRESS]
    db.session.refresh(accepted)
    assert accepted.release_manager_email is None


@pytest.mark.parametrize(
    ("verification", "kind"),
    [("pending", "nhs_trust"), ("rejected", "nhs_trust"), ("verified", "charity")],
)
def test_finding_1_the_domains_of_an_unverified_or_non_nhs_organisation_count_for_nothing(
    app, db, staff_client, accepted, trust, verification, kind
):
    trust.verification, trust.kind = verification, kind
    db.session.commit()
    response = ask(staff_client, accepted, "ward.manager@mft.example.org")
    assert error_summary(response) == [engagements.NHS_ADDRESS]
    db.session.refresh(accepted)
    assert accepted.release_status == ReleaseStatus.NEEDED
    with app.test_request_context(), pytest.raises(EngagementError) as refused:
        engagements.request_release(db.session, accepted, "ward.manager@mft.example.org")
    assert refused.value.errors == {"manager_email": engagements.NHS_ADDRESS}


def test_finding_1_a_trust_sent_back_to_verification_stops_counting_at_once(
    app, db, client, accepted, trust, trust_owner
):
    link = request(app, db, accepted, "ward.manager@mft.example.org")
    assert "Release Sadia Rahman" in text(client.get(link))
    token = csrf_token(client, link)
    reverify = organisations.update_organisation(
        db.session, trust, trust_owner, name="Example Hospitals Group"
    )
    db.session.commit()
    assert reverify and trust.verification == "pending"
    with app.test_request_context(), pytest.raises(EngagementError):
        engagements.request_release(db.session, accepted, "other.manager@mft.example.org")
    db.session.rollback()
    # The link sent while the domain counted cannot be answered any more either.
    response = client.post(link, data={"decision": "confirm", "csrf_token": token})
    assert "This address cannot confirm the release" in text(response)
    db.session.refresh(accepted)
    assert accepted.release_status == ReleaseStatus.REQUESTED


@pytest.mark.parametrize(
    "address",
    ["sadia.rahman@mft.example.org", "Sadia.Rahman+boss@MFT.example.org"],
)
def test_finding_1_their_own_mailbox_is_refused_even_at_a_trusts_domain(
    db, staff, staff_client, accepted, trust, address
):
    staff.email = "sadia.rahman@mft.example.org"
    db.session.commit()
    response = ask(staff_client, accepted, address)
    assert error_summary(response) == [engagements.OWN_ADDRESS]
    db.session.refresh(accepted)
    assert accepted.release_manager_email is None


@pytest.mark.parametrize(
    "value",
    [
        "gmail.com",
        "GMail.com",
        "mft.example.org\ngooglemail.com",
        "mail.gmail.com",
        "outlook.com",
        "hotmail.co.uk",
        "proton.me",
        "yandex.com",
        "co.uk",
        "org.uk",
        "uk",
        "not a domain!",
        "-bad.example.org",
        "a.example.org b.example.org c.example.org d.example.org e.example.org f.example.org",
    ],
)
def test_finding_1_an_administrator_cannot_confirm_a_free_mail_or_public_domain(
    db, admin_client, trust, value
):
    response = set_domains(admin_client, trust, value)
    assert response.status_code == 200
    assert len(error_summary(response)) == 1
    db.session.refresh(trust)
    assert trust.email_domains == [TRUST_DOMAIN]
    assert domain_events(db, trust) == []


def test_finding_1_every_listed_free_mail_domain_is_refused():
    for domain in ("gmail.com", "hotmail.com", "live.com", "yahoo.co.uk", "icloud.com", "me.com"):
        assert domain in organisations.FREE_MAIL_DOMAINS
    for domain in organisations.FREE_MAIL_DOMAINS:
        with pytest.raises(organisations.OrganisationError, match="free email service"):
            organisations.clean_email_domains(domain)


def test_finding_1_confirming_domains_is_audited_before_and_after(
    db, admin_client, trust, staff_client, accepted
):
    page = text(admin_client.get(f"/admin/organisations/{trust.id}"))
    assert "Email domains this organisation uses" in page
    response = set_domains(admin_client, trust, " MFT.example.org\r\n@Wards.Example.net. ")
    assert response.status_code == 302
    db.session.refresh(trust)
    assert trust.email_domains == [TRUST_DOMAIN, "wards.example.net"]
    [event] = domain_events(db, trust)
    assert event.actor_id == admin_client.admin.id
    assert event.details["before"] == {"email_domains": [TRUST_DOMAIN]}
    assert event.details["after"] == {"email_domains": [TRUST_DOMAIN, "wards.example.net"]}
    assert ask(staff_client, accepted, "boss@wards.example.net").status_code == 302
    # Removing a domain takes it away from releases.
    assert set_domains(admin_client, trust, "").status_code == 302
    db.session.refresh(trust)
    assert trust.email_domains == []
    assert len(domain_events(db, trust)) == 2
    assert error_summary(ask(staff_client, accepted, "boss@mft.example.org")) == [
        engagements.NHS_ADDRESS
    ]


@pytest.mark.parametrize("who", ["owner", "staff", "coordinator"])
def test_finding_1_only_administrators_set_an_organisations_domains(
    app, db, client, make, trust, trust_owner, who
):
    user = {"owner": trust_owner, "staff": make.user(), "coordinator": make.coordinator()}[who]
    sign_in(client, user.email)
    token = csrf_token(client, "/account")
    response = client.post(
        domains_url(trust), data={"email_domains": "gmail.com", "csrf_token": token}
    )
    assert response.status_code in (403, 404)
    assert client.get(f"/admin/organisations/{trust.id}").status_code in (403, 404)
    if who == "owner":
        edit = f"/organisations/{trust.id}/edit"
        assert "email_domains" not in text(client.get(edit))
        submit(
            client,
            edit,
            {
                "name": trust.name,
                "kind": "nhs_trust",
                "country": "GB",
                "email_domains": "gmail.com",
            },
        )
    db.session.refresh(trust)
    assert trust.email_domains == [TRUST_DOMAIN]
    assert domain_events(db, trust) == []


# Finding 2: erasure leaves no traces -----------------------------------------------------------

NAME = "Zainab Quarshie-Oyelaran"
APPLICATION = "Zz-I ran the neonatal unit at Lagos Island for six years."


@pytest.fixture
def person(make):
    user = make.user(roles=["staff"], name=NAME, email="zainab@nhs.net")
    make.profile(user)
    return user


@pytest.fixture
def owner(make):
    return make.user(roles=["partner"], name="Maya Manager", email="maya@example.org")


@pytest.fixture
def organisation(make, owner):
    return make.organisation(owner=owner, name="Sylhet Health Trust")


@pytest.fixture
def delete_account(app, client):
    """delete_account(user): they delete their account from the page, in a browser of theirs."""

    def _delete(user) -> None:
        browser = app.test_client()
        sign_in(browser, user.email)
        response = submit(browser, "/account/my-data/delete", {"password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)

    return _delete


def messages_to(db, user) -> list[Notification]:
    db.session.expire_all()
    query = select(Notification).where(Notification.recipient_id == user.id)
    return list(db.session.scalars(query.order_by(Notification.id)))


def test_finding_2_messages_to_others_no_longer_name_the_person(
    delete_account, app, db, client, make, person, owner, organisation
):
    project = make.opportunity(organisation, title="Neonatal course")
    placement = make.opportunity(organisation, kind="placement", title="Return placement")
    with app.test_request_context():
        engagements.express_interest(db.session, person, placement)
        applied = engagements.apply(db.session, person, project, APPLICATION)
        engagements.decide(db.session, applied, owner, accept=True, message="")
        engagements.change(db.session, applied, owner, "active")
        contributions.log_hours(
            db.session,
            applied,
            contributions.HoursInput(month=date(2026, 11, 1), minutes=420),
            date.today(),
        )
    db.session.commit()
    told = messages_to(db, owner)
    assert any(NAME in row.subject + row.body for row in told)  # the control
    assert any(APPLICATION in row.body for row in told)

    delete_account(person)

    for row in messages_to(db, owner):
        assert NAME not in row.subject + row.body
        assert "Quarshie" not in row.subject + row.body
        assert APPLICATION not in row.body
    subjects = {row.subject for row in messages_to(db, owner)}
    assert "A former member applied for Neonatal course" in subjects
    sign_in(client, owner.email)
    inbox = client.get("/notifications").get_data(as_text=True)
    assert "Quarshie" not in inbox and "former member" in inbox
    _token, secret = tokens.create(db.session, owner, "Rota", "read")
    db.session.commit()
    api = client.get("/api/v1/notifications", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200
    assert "Quarshie" not in api.get_data(as_text=True)


def test_finding_2_older_messages_are_found_by_the_name_alone(
    delete_account, app, db, make, person, owner, organisation
):
    """Rows written before messages recorded whom they name: found by the whole name, in the
    kinds of message that name people; nothing else is touched."""

    def row(subject: str, body: str, kind: str = "engagement_update") -> Notification:
        note = Notification(
            recipient_id=owner.id,
            kind=kind,
            channel=Channel.INBOX,
            subject=subject,
            body=body,
            state=DeliveryState.SENT,
        )
        db.session.add(note)
        return note

    old = row(f"{NAME} applied for X", f"Hello Maya,\n\n{NAME} has applied for X.")
    other = row("Zainab Quarshie applied for Y", "Zainab Quarshie has applied.")
    unrelated = row(f"Due soon: meet {NAME}", "Reminder", kind="milestone_reminder")
    db.session.commit()

    delete_account(person)

    db.session.expire_all()
    assert old.subject == "A former member applied for X"
    assert old.body == "Hello Maya,\n\nA former member has applied for X."
    assert other.subject == "Zainab Quarshie applied for Y"  # another name, not theirs
    assert unrelated.subject == f"Due soon: meet {NAME}"  # a kind that names nobody else


def test_finding_2_a_booked_place_goes_to_the_first_person_waiting(
    delete_account, app, db, make, person, organisation
):
    teaching = make.opportunity(organisation, kind="teaching", capacity=1)
    (occurrence,) = teaching.sessions
    waiting = make.profile(make.user(roles=["staff"])).user
    run_change(db.session, lambda: bookings.book(db.session, person.id, occurrence.id))
    run_change(
        db.session,
        lambda: bookings.book(db.session, waiting.id, occurrence.id, join_waiting_list=True),
    )
    bookings.new_feed(db.session, person)
    db.session.commit()

    delete_account(person)

    db.session.expire_all()
    states = {
        e.user_id: e.state
        for e in db.session.scalars(select(Engagement).where(Engagement.session_id.is_not(None)))
    }
    assert states == {person.id: S.WITHDRAWN, waiting.id: S.ACCEPTED}
    assert db.session.get(type(occurrence), occurrence.id).booked == 1
    assert any("You have a place" in row.subject for row in messages_to(db, waiting))
    assert db.session.scalars(select(CalendarFeed)).all() == []


def test_finding_2_engagements_in_progress_end_and_their_release_link_dies(
    delete_account, app, db, client, make, person, owner, organisation, smtp
):
    placement = make.opportunity(organisation, kind="placement", modality="on_site")
    project = make.opportunity(organisation, title="Started project")
    offered = make.engagement(placement, person, state="accepted", release_status="needed")
    started = make.engagement(project, person, state="active")
    link = request(app, db, offered, "boss@nhs.net")

    delete_account(person)

    db.session.expire_all()
    assert db.session.get(Engagement, offered.id).state == S.WITHDRAWN
    assert db.session.get(Engagement, started.id).state == S.CANCELLED
    assert "This link does not work" in client.get(link).get_data(as_text=True)
    subjects = {row.subject for row in messages_to(db, owner)}
    assert f"A former member withdrew from {placement.title}" in subjects
    assert "A former member left Started project" in subjects


def test_finding_2_a_withdrawn_certificate_says_so_without_the_name(
    delete_account, app, db, client, make, person, organisation
):
    project = make.opportunity(organisation, title="Neonatal course")
    engagement = make.engagement(project, person, state="completed")
    db.session.add(
        contributions.HoursLog(
            engagement=engagement, month=date(2026, 10, 1), minutes=120, status="approved"
        )
    )
    db.session.commit()
    certificate = contributions.issue_certificate(db.session, engagement)
    db.session.commit()
    code = certificate.code
    assert NAME in client.get(f"/certificates/{code}").get_data(as_text=True)

    delete_account(person)

    response = client.get(f"/certificates/{code}")
    page = response.get_data(as_text=True)
    assert "No certificate has this code" not in page
    assert "This certificate has been withdrawn" in page
    assert "withdrawn on" in page and "holder" in page
    assert "Quarshie" not in page


def test_finding_2_cohort_messages_lose_the_name(
    delete_account, app, db, make, person, organisation
):
    coordinator = make.coordinator()
    member = make.profile(make.user(roles=["staff"], name="Kemi Ade")).user
    cohort = make.cohort(members=(person, member, coordinator))
    with app.test_request_context():
        cohorts.send_message(
            db.session, cohort, coordinator, f"Welcome {NAME}", f"Please welcome {NAME}."
        )
        cohorts.send_message(db.session, cohort, person, "Hello all", "From me")
    db.session.commit()

    delete_account(person)

    db.session.expire_all()
    sent = db.session.scalars(select(CohortMessage).order_by(CohortMessage.id))
    texts = [m.subject + m.body for m in sent]
    assert texts and all("Quarshie" not in text for text in texts)
    assert "Welcome a former member" in texts[0]
    for row in messages_to(db, member):
        assert "Quarshie" not in row.subject + row.body


def test_finding_2_erasure_by_the_service_keeps_other_peoples_words(db, make, person, owner):
    """A short application message is removed only where it stands as whole lines."""
    project = make.opportunity(title="Hi-tech clinic")
    make.engagement(project, person, state="applied", message="Hi")
    note = Notification(
        recipient_id=owner.id,
        about_user_id=person.id,
        kind="engagement_update",
        channel=Channel.INBOX,
        subject=f"{NAME} applied for Hi-tech clinic",
        body=f"{NAME} has applied for Hi-tech clinic.\n\nTheir message:\n\nHi\n\nThis is it.",
        state=DeliveryState.SENT,
    )
    db.session.add(note)
    db.session.commit()

    erase_account(db.session, person, PASSWORD)
    db.session.commit()

    db.session.refresh(note)
    assert note.subject == "A former member applied for Hi-tech clinic"
    assert "Hi-tech clinic" in note.body and "This is it." in note.body
    assert "\n\nHi\n\n" not in note.body and note.about_user_id is None


def test_finding_2_messages_record_whom_they_name_but_not_their_recipient(app, db, make, owner):
    other = make.user(name="Kemi Ade")
    with app.test_request_context():
        (about_other, *_) = notify(
            db.session,
            owner,
            "hours_update",
            subject="S",
            template="notifications_message",
            about=other,
            message="M",
        )
        (about_self, *_) = notify(
            db.session,
            owner,
            "hours_update",
            subject="S",
            template="notifications_message",
            about=owner,
            message="M",
            dedupe_key="self",
        )
    assert about_other.about_user_id == other.id
    assert about_self.about_user_id is None
