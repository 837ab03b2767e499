"""Regression tests for two findings of an outside security test.

Finding 1: a staff member could name their own mailbox (or any free-mail address) as their
line manager and confirm their own release.
Finding 2: deleting an account left traces: messages to others naming the person, places
they held, and a certificate page that read as a forgery.
"""

import pytest

from diaspora.engagements import services as engagements
from diaspora.engagements.models import ReleaseStatus
from diaspora.engagements.services import EngagementError
from tests.helpers import csrf_token, error_summary, sign_in

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
def accepted(make, placement, staff):
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
    assert refused.value.problems == {"manager_email": engagements.OWN_ADDRESS}


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
