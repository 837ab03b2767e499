"""Importing volunteers from a spreadsheet: upload, preview, confirm once, invitations sent
once through the outbox, accepted by creating an account or signing in, and nobody listed
anywhere before they have accepted and completed their profile."""

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from diaspora.api import tokens
from diaspora.audit.models import AuditEvent
from diaspora.auth.models import User
from diaspora.cohorts import jobs, volunteers
from diaspora.cohorts.models import CohortInvitation, CohortMember, VolunteerImport
from diaspora.core.time import utcnow
from diaspora.notifications.models import Channel, Notification
from diaspora.registry.models import StaffProfile
from tests.helpers import csrf_token, error_summary, sign_in, sign_out, submit

HEADER = "name,email,profession,countries,languages\r\n"
GOOD = (
    "Ayesha Rahman,ayesha.rahman@example.org,Midwife,Bangladesh; IN,Bengali; syl\r\n"
    "Kwame Mensah,KWAME@example.org,Doctor,GH,Twi; English\r\n"
)
BAD = (
    ",not-an-address,Wizard,Narnia,Klingon\r\n"
    "Ayesha R.,ayesha.rahman@example.org,,,\r\n"
    '"=HYPERLINK(""http://evil.example"")",formula@example.org,Astronaut,,\r\n'
)


def _html(response) -> str:
    return response.get_data(as_text=True)


def _upload(client, cohort, text: str | bytes, filename: str = "volunteers.csv"):
    """POST the file as a browser does. The multipart body is built here, in memory: werkzeug's
    test client would spool a large one to a temporary file it leaves open."""
    data = text.encode() if isinstance(text, str) else text
    url = f"/cohorts/{cohort.id}/import"
    boundary = "----volunteers-boundary"
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="csrf_token"\r\n\r\n'
            f"{csrf_token(client, url)}\r\n"
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _import_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/imports/(\d+)$", response.location).group(1))


def _confirm(client, cohort, import_id: int):
    preview = f"/cohorts/{cohort.id}/imports/{import_id}"
    return submit(client, f"{preview}/confirm", {}, page=f"/cohorts/{cohort.id}/import")


def _emails(db, address: str) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(
                Notification.address == address, Notification.channel == Channel.EMAIL
            )
        )
    )


def _link(notification: Notification) -> str:
    return re.search(r"https?://[^/\s]+(/\S+)", notification.body).group(1)


@pytest.fixture
def cohort(make, charity):
    return make.cohort(charity, name="Sylhet midwives 2027")


@pytest.fixture
def signed_in(client, coordinator):
    sign_in(client, coordinator.email)
    return coordinator


# Who may import ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "partner", "other coordinator"])
def test_only_the_cohorts_coordinators_may_import(client, db, make, login_as, cohort, role):
    upload = volunteers.start_import(db.session, cohort, make.user(), (HEADER + GOOD).encode())
    db.session.commit()
    if role == "other coordinator":
        sign_in(client, make.coordinator().email)
    else:
        login_as(role)
    base = f"/cohorts/{cohort.id}"
    for url in (
        f"{base}/import",
        f"{base}/import/template.csv",
        f"{base}/imports/{upload.id}",
        f"{base}/imports/{upload.id}/problems.csv",
        f"{base}/invitations",
    ):
        assert client.get(url).status_code == 404, url
    token = csrf_token(client, "/cohorts/mine")
    response = client.post(f"{base}/imports/{upload.id}/confirm", data={"csrf_token": token})
    assert response.status_code == 404
    assert db.session.get(VolunteerImport, upload.id).confirmed_at is None
    assert db.session.scalar(select(func.count()).select_from(CohortInvitation)) == 0


def test_an_administrator_sees_the_cohort_but_not_its_imports(client, db, make, login_as, cohort):
    upload = volunteers.start_import(db.session, cohort, make.user(), (HEADER + GOOD).encode())
    db.session.commit()
    login_as("admin")
    assert client.get(f"/cohorts/{cohort.id}").status_code == 200
    for url in (f"/cohorts/{cohort.id}/import", f"/cohorts/{cohort.id}/imports/{upload.id}"):
        assert client.get(url).status_code == 403, url


def test_another_cohorts_import_is_not_found(client, make, db, charity, signed_in, cohort):
    other = make.cohort(charity, name="Another cohort")
    upload = volunteers.start_import(db.session, other, signed_in, (HEADER + GOOD).encode())
    db.session.commit()
    assert client.get(f"/cohorts/{cohort.id}/imports/{upload.id}").status_code == 404
    assert client.get(f"/cohorts/{other.id}/imports/{upload.id}").status_code == 200


def test_signed_out_people_are_sent_to_sign_in(client, cohort):
    response = client.get(f"/cohorts/{cohort.id}/import")
    assert response.status_code == 302 and "/account/sign-in" in response.location


# Uploading -----------------------------------------------------------------------------------


def test_the_page_states_the_limits_and_offers_the_template(client, signed_in, cohort):
    page = client.get(f"/cohorts/{cohort.id}")
    assert "Import volunteers" in _html(page)
    html = _html(client.get(f"/cohorts/{cohort.id}/import"))
    assert "up to 1 MB and 2,000 rows" in html
    assert 'enctype="multipart/form-data"' in html and 'type="file"' in html
    template = client.get(f"/cohorts/{cohort.id}/import/template.csv")
    assert template.mimetype == "text/csv"
    assert "attachment" in template.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(template.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["name", "email", "profession", "countries", "languages"]
    assert len(rows) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ((HEADER + "Zoë Brown,zoe@example.org,,,\r\n").encode("cp1252"), "not saved as UTF-8"),
        ((HEADER + "Zoë Brown,zoe@example.org,,,\r\n").encode("utf-16"), "not saved as UTF-8"),
        ((HEADER + "x" * 1_000_001).encode(), "larger than 1 MB"),
        (b"name,phone\r\nAma,0123\r\n", "does not know: phone"),
    ],
)
def test_a_file_that_cannot_be_used_is_explained(client, db, signed_in, cohort, data, message):
    response = _upload(client, cohort, data)
    assert response.status_code == 200
    [summary] = error_summary(response)
    assert message in summary
    assert 'href="#file"' in _html(response)
    assert "<title>Error: " in _html(response)
    assert db.session.scalar(select(func.count()).select_from(VolunteerImport)) == 0


def test_no_file_is_an_error(client, signed_in, cohort):
    response = submit(client, f"/cohorts/{cohort.id}/import", {})
    assert error_summary(response) == ["Select a CSV file of volunteers"]


def test_a_request_over_the_service_limit_is_refused(client, signed_in, cohort):
    response = _upload(client, cohort, HEADER + "x" * 1_100_000)
    assert response.status_code == 413


# Preview -------------------------------------------------------------------------------------


def test_the_preview_names_every_bad_row_and_who_is_already_there(
    client, db, make, signed_in, cohort, person
):
    member = person("Shirin Akter")
    db.session.add(CohortMember(cohort_id=cohort.id, user_id=member.id))
    earlier = volunteers.start_import(
        db.session, cohort, signed_in, (HEADER + "Old Friend,old@example.org,,,\r\n").encode()
    )
    volunteers.confirm(db.session, earlier, signed_in)
    db.session.commit()
    text = (
        HEADER + GOOD + BAD + f"Shirin Akter,{member.email},,,\r\nOld Friend,old@example.org,,,\r\n"
    )

    response = client.get(
        f"/cohorts/{cohort.id}/imports/{_import_id(_upload(client, cohort, text))}"
    )
    html = _html(response)
    assert response.status_code == 200
    assert "Check the volunteers to invite" in html
    assert "Send 2 invitations" in html
    rows = re.findall(r"<tr class=\"nhsuk-table__row\" role=\"row\">(.*?)</tr>", html, re.S)
    text_rows = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]
    # problems first, each bad row by its number with every reason; then members, invited, new
    assert re.search(
        r"Row 4 .*Name is missing.*not a valid email.*Unknown profession: Wizard"
        r".*Unknown country: Narnia.*Unknown language: Klingon",
        text_rows[1],
    )
    assert "Row 5" in text_rows[2] and "Same email address as row 2" in text_rows[2]
    assert "Row 6" in text_rows[3] and "Unknown profession: Astronaut" in text_rows[3]
    assert "=HYPERLINK" in html  # shown as the text it is
    assert "Already a member" in text_rows[4] and "Shirin Akter" in text_rows[4]
    assert "Already invited" in text_rows[5] and "Old Friend" in text_rows[5]
    assert "Will be invited" in text_rows[6] and "Will be invited" in text_rows[7]


def test_the_preview_costs_the_same_queries_whatever_the_number_of_rows(
    client, db, signed_in, cohort, queries
):
    def cost(rows: int) -> int:
        body = "".join(f"Person {n},p{n}@example.org,Midwife,BD,ben\r\n" for n in range(rows))
        import_id = _import_id(_upload(client, cohort, HEADER + body))
        with queries.count():
            assert client.get(f"/cohorts/{cohort.id}/imports/{import_id}").status_code == 200
        return len(queries)

    assert cost(3) == cost(120)


def test_the_preview_is_paged(client, signed_in, cohort):
    body = "".join(f"Person {n},p{n}@example.org,,,\r\n" for n in range(60))
    import_id = _import_id(_upload(client, cohort, HEADER + body))
    url = f"/cohorts/{cohort.id}/imports/{import_id}"
    assert "Person 59" not in _html(client.get(url))
    assert "Person 59" in _html(client.get(url + "?page=2"))
    assert client.get(url + "?page=3").status_code == 404


def test_the_problem_report_writes_formulas_back_as_text(client, signed_in, cohort):
    import_id = _import_id(_upload(client, cohort, HEADER + GOOD + BAD))
    report = client.get(f"/cohorts/{cohort.id}/imports/{import_id}/problems.csv")
    assert report.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(report.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["row", "name", "email", "profession", "countries", "languages", "problems"]
    assert [row[0] for row in rows[1:]] == ["4", "5", "6"]
    assert rows[3][1] == '\'=HYPERLINK("http://evil.example")'
    assert rows[3][6] == "Unknown profession: Astronaut"


def test_problems_are_kept_as_messages_and_read_in_the_viewers_language(
    client, db, signed_in, cohort
):
    import_id = _import_id(_upload(client, cohort, HEADER + GOOD + BAD))
    upload = db.session.get(VolunteerImport, import_id)
    assert upload.rows[4]["problems"] == [
        {"msgid": "Unknown profession: %(value)s", "values": {"value": "Astronaut"}}
    ]
    signed_in.language = "fr"
    db.session.commit()

    html = _html(client.get(f"/cohorts/{cohort.id}/imports/{import_id}"))
    assert "Le nom est manquant" in html
    assert "Pays inconnu : Narnia" in html
    assert "Même adresse e-mail que la ligne 2" in html
    assert "Unknown" not in html
    report = client.get(f"/cohorts/{cohort.id}/imports/{import_id}/problems.csv")
    rows = list(csv.reader(io.StringIO(report.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == [
        "ligne",
        "name",
        "email",
        "profession",
        "countries",
        "languages",
        "problèmes",
    ]
    assert rows[3][6] == "Profession inconnue : Astronaut"


# Confirming ----------------------------------------------------------------------------------


def test_confirming_invites_each_good_row_once_through_the_outbox(
    client, db, make, signed_in, cohort
):
    has_account = make.user(email="kwame@example.org", name="Kwame Mensah", roles=["staff"])
    import_id = _import_id(_upload(client, cohort, HEADER + GOOD + BAD))
    response = _confirm(client, cohort, import_id)
    assert response.status_code == 302 and response.location.endswith("/invitations")
    page = client.get(response.location)
    assert "2 people have been sent an invitation to join the cohort." in _html(page)

    [new] = _emails(db, "ayesha.rahman@example.org")
    assert new.subject == "You are invited to join Sylhet midwives 2027"
    assert "Hello Ayesha Rahman" in new.body and "/cohorts/invitations/" in new.body
    assert "ayesha" not in _link(new).lower()  # no personal data in the link
    # The address with an account is invited to the cohort, in their inbox and by email.
    told = list(
        db.session.scalars(select(Notification).where(Notification.recipient_id == has_account.id))
    )
    assert sorted(n.channel for n in told) == ["email", "inbox"]
    assert told[0].kind == "cohort_update" and "/cohorts/invitations/" in told[0].link
    # Nothing for the refused rows.
    assert _emails(db, "formula@example.org") == []

    invitations = list(db.session.scalars(select(CohortInvitation).order_by(CohortInvitation.id)))
    assert [(i.email, i.name, i.profession, i.countries, i.languages) for i in invitations] == [
        ("ayesha.rahman@example.org", "Ayesha Rahman", "midwife", ["BD", "IN"], ["ben", "syl"]),
        ("kwame@example.org", "Kwame Mensah", "doctor", ["GH"], ["twi", "eng"]),
    ]
    assert all(
        timedelta(days=29) < i.expires_at.replace(tzinfo=None) - utcnow().replace(tzinfo=None)
        for i in invitations
    )
    upload = db.session.get(VolunteerImport, import_id)
    assert upload.invited == 2 and [row["line"] for row in upload.rows] == [4, 5, 6]

    # The audit says who and how many, nothing personal.
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "cohort.volunteers_imported")
    )
    assert event.actor_id == signed_in.id and event.subject_id == cohort.id
    assert event.details == {
        "import_id": import_id,
        "rows": 5,
        "invited": 2,
        "refused": 3,
        "already": 0,
    }
    assert "@" not in str(event.details)

    # Confirmed once: a second confirmation sends nothing.
    again = _confirm(client, cohort, import_id)
    assert "already been confirmed" in _html(client.get(again.location))
    # The same file again: everyone is "already invited", nobody is invited twice.
    second = _import_id(_upload(client, cohort, HEADER + GOOD))
    html = _html(client.get(f"/cohorts/{cohort.id}/imports/{second}"))
    assert html.count("Already invited") >= 2 and "Nobody in this file can be invited" in html
    _confirm(client, cohort, second)
    assert len(_emails(db, "ayesha.rahman@example.org")) == 1
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.recipient_id == has_account.id)
        )
        == 2
    )
    assert db.session.scalar(select(func.count()).select_from(CohortInvitation)) == 2


def test_two_imports_confirmed_together_invite_a_person_once(db, make, coordinator, cohort):
    first = volunteers.start_import(db.session, cohort, coordinator, (HEADER + GOOD).encode())
    second = volunteers.start_import(db.session, cohort, coordinator, (HEADER + GOOD).encode())
    assert volunteers.confirm(db.session, first, coordinator) == 2
    assert volunteers.confirm(db.session, second, coordinator) == 0
    with pytest.raises(volunteers.CohortError):
        volunteers.confirm(db.session, first, coordinator)
    assert len(_emails(db, "ayesha.rahman@example.org")) == 1


def test_an_archived_cohort_takes_no_import(client, db, signed_in, cohort):
    import_id = _import_id(_upload(client, cohort, HEADER + GOOD))
    cohort.archived_at = utcnow()
    db.session.commit()
    assert client.get(f"/cohorts/{cohort.id}/import").status_code == 302
    _confirm_page = f"/cohorts/{cohort.id}/imports/{import_id}"
    token = csrf_token(client, _confirm_page)
    client.post(f"{_confirm_page}/confirm", data={"csrf_token": token})
    assert db.session.scalar(select(func.count()).select_from(CohortInvitation)) == 0


def test_confirming_needs_the_csrf_token(client, db, signed_in, cohort):
    import_id = _import_id(_upload(client, cohort, HEADER + GOOD))
    response = client.post(f"/cohorts/{cohort.id}/imports/{import_id}/confirm", data={})
    assert response.status_code == 400
    assert db.session.get(VolunteerImport, import_id).confirmed_at is None


# The status page ----------------------------------------------------------------------------


def test_the_coordinator_sees_invited_accepted_and_expired(
    client, db, make, signed_in, cohort, queries
):
    upload = volunteers.start_import(
        db.session,
        cohort,
        signed_in,
        (HEADER + GOOD + "Lapsed Person,lapsed@example.org,,,\r\n").encode(),
    )
    volunteers.confirm(db.session, upload, signed_in)
    invitations = {i.email: i for i in db.session.scalars(select(CohortInvitation))}
    invitations["lapsed@example.org"].expires_at = utcnow() - timedelta(days=1)
    volunteers.accept_with_new_account(
        db.session,
        invitations["ayesha.rahman@example.org"],
        "Ayesha Rahman",
        "quiet harbour lantern",
    )
    db.session.commit()

    with queries.count():
        page = client.get(f"/cohorts/{cohort.id}/invitations")
    html = _html(page)
    assert page.status_code == 200
    summary = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "Waiting for an answer 1" in summary and "Accepted 1" in summary
    assert "Expired 1" in summary
    assert "Kwame Mensah" in html and "Lapsed Person" in html
    assert "Ayesha Rahman" not in html  # accepted: counted, not named here
    few = len(queries)

    more = volunteers.start_import(
        db.session,
        cohort,
        signed_in,
        (HEADER + "".join(f"P {n},p{n}@example.org,,,\r\n" for n in range(30))).encode(),
    )
    volunteers.confirm(db.session, more, signed_in)
    db.session.commit()
    with queries.count():
        client.get(f"/cohorts/{cohort.id}/invitations")
    assert len(queries) == few


def test_an_expired_invitation_is_renewed_by_a_new_import_and_the_old_link_dies(
    client, db, signed_in, cohort
):
    first = volunteers.start_import(db.session, cohort, signed_in, (HEADER + GOOD).encode())
    volunteers.confirm(db.session, first, signed_in)
    db.session.commit()
    [email] = _emails(db, "ayesha.rahman@example.org")
    old_link = _link(email)
    invitation = db.session.scalar(
        select(CohortInvitation).where(CohortInvitation.email == "ayesha.rahman@example.org")
    )
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    sign_out(client)
    assert client.get(old_link).status_code == 404

    sign_in(client, signed_in.email)
    second = _import_id(_upload(client, cohort, HEADER + GOOD))
    assert "Send 1 invitation" in _html(client.get(f"/cohorts/{cohort.id}/imports/{second}"))
    _confirm(client, cohort, second)
    emails = _emails(db, "ayesha.rahman@example.org")
    assert len(emails) == 2
    sign_out(client)
    assert client.get(old_link).status_code == 404
    assert client.get(_link(emails[1])).status_code == 200


# Accepting ------------------------------------------------------------------------------------


@pytest.fixture
def invited(db, coordinator, cohort):
    """Confirmed import of GOOD: the link emailed to Ayesha, who has no account."""
    upload = volunteers.start_import(db.session, cohort, coordinator, (HEADER + GOOD).encode())
    volunteers.confirm(db.session, upload, coordinator)
    db.session.commit()
    [email] = _emails(db, "ayesha.rahman@example.org")
    return _link(email)


def test_a_new_person_creates_their_account_from_the_link_and_joins(client, db, cohort, invited):
    page = client.get(invited)
    html = _html(page)
    assert page.status_code == 200
    assert "Join Sylhet midwives 2027" in html
    assert 'value="Ayesha Rahman"' in html  # the name pre-filled
    assert "ayesha.rahman@example.org" in html  # the address shown, not typed

    weak = submit(client, invited, {"display_name": "Ayesha Rahman", "password": "ayesha"})
    assert weak.status_code == 200 and error_summary(weak)
    assert 'value="Ayesha Rahman"' in _html(weak)  # kept on error

    assert 'data-browser-time-zone="fill"' in html  # asked, filled in from the browser

    response = submit(
        client,
        invited,
        {
            "display_name": "Ayesha Rahman",
            "password": "quiet harbour lantern",
            "time_zone": "Asia/Dhaka",
        },
    )
    assert response.status_code == 302
    assert response.location.endswith(f"/cohorts/{cohort.id}/welcome")
    user = db.session.scalar(select(User).where(User.email == "ayesha.rahman@example.org"))
    assert user.email_verified and user.has_role("staff")
    assert user.time_zone == "Asia/Dhaka"
    assert db.session.scalar(
        select(CohortMember).where(
            CohortMember.cohort_id == cohort.id, CohortMember.user_id == user.id
        )
    )
    invitation = db.session.scalar(
        select(CohortInvitation).where(CohortInvitation.user_id == user.id)
    )
    assert invitation.accepted_at is not None
    # A profile is started with the imported profession, private and not completed.
    profile = db.session.scalar(select(StaffProfile).where(StaffProfile.user_id == user.id))
    assert profile.profession == "midwife" and profile.completed_at is None
    assert profile.visibility == "private"

    welcome = client.get(response.location)  # signed in
    html = _html(welcome)
    assert welcome.status_code == 200 and "Welcome to Sylhet midwives 2027" in html
    assert "Profession: Midwife" in html
    assert "/profile/countries?country=BD" in html and "/profile/languages?language=syl" in html
    countries = _html(client.get("/profile/countries?country=BD"))
    assert re.search(r'<option value="BD" selected', countries)
    work = _html(client.get("/profile/work"))
    assert re.search(r'<option value="midwife" selected', work)

    # The link works once.
    sign_out(client)
    assert client.get(invited).status_code == 404


def test_the_account_form_needs_the_csrf_token(client, db, invited):
    response = client.post(invited, data={"display_name": "A", "password": "quiet harbour lantern"})
    assert response.status_code == 400
    assert db.session.scalar(select(User).where(User.email == "ayesha.rahman@example.org")) is None


def test_a_person_with_an_account_signs_in_and_joins(client, db, make, coordinator, cohort):
    kwame = make.user(email="kwame@example.org", name="Kwame Mensah", roles=["staff"])
    upload = volunteers.start_import(db.session, cohort, coordinator, (HEADER + GOOD).encode())
    volunteers.confirm(db.session, upload, coordinator)
    db.session.commit()
    link = db.session.scalar(
        select(Notification.link).where(
            Notification.recipient_id == kwame.id, Notification.channel == Channel.INBOX
        )
    )
    signed_out = _html(client.get(link))
    assert "already has an account" in signed_out and "Create your account" not in signed_out
    assert f"next={link.replace('/', '%2F')}" in signed_out or f"next={link}" in signed_out

    someone_else = make.user(roles=["staff"])
    sign_in(client, someone_else.email)
    assert client.get(link).status_code == 403
    assert submit(client, link, {}, page="/cohorts/mine").status_code == 403
    sign_out(client)

    sign_in(client, kwame.email)
    assert "Join cohort" in _html(client.get(link))
    response = submit(client, link, {})
    assert response.location.endswith(f"/cohorts/{cohort.id}/welcome")
    assert db.session.scalar(
        select(CohortMember).where(
            CohortMember.cohort_id == cohort.id, CohortMember.user_id == kwame.id
        )
    )
    assert client.get(link).status_code == 404


def test_a_bad_or_tampered_link_does_not_work(client, invited):
    assert client.get(invited[:-3] + "abc").status_code == 404
    assert client.get("/cohorts/invitations/nonsense").status_code == 404


def test_the_welcome_page_is_for_members_only(client, make, login_as, cohort):
    login_as("staff")
    assert client.get(f"/cohorts/{cohort.id}/welcome").status_code == 404


# Nobody is listed before accepting and choosing ------------------------------------------------


def test_imported_people_appear_nowhere_until_their_profile_is_complete(
    client, db, make, charity, coordinator, cohort, invited
):
    hospital_owner = make.user(roles=[], name="Pat Partner")
    hospital = make.organisation(owner=hospital_owner, name="Sylhet Hospital")
    opportunity = make.opportunity(hospital, professions=("midwife",), skills=())
    _, secret = tokens.create(db.session, hospital_owner, "candidates", "read")
    db.session.commit()

    def listed() -> dict[str, bool]:
        sign_in(client, coordinator.email)
        directory = _html(client.get("/directory/?q=Rahman"))
        add = _html(client.get(f"/cohorts/{cohort.id}/add?q=Rahman"))
        cohort_page = _html(client.get(f"/cohorts/{cohort.id}"))
        sign_out(client)
        api = client.get(
            f"/api/v1/opportunities/{opportunity.id}/candidates",
            headers={"Authorization": f"Bearer {secret}"},
        ).get_json()
        return {
            "directory": "Ayesha Rahman" in directory,
            "add people": "Ayesha Rahman" in add,
            "cohort page": "Ayesha Rahman" in cohort_page,
            "candidates": any("Ayesha" in item["name"] for item in api["items"]),
        }

    nowhere = dict.fromkeys(("directory", "add people", "cohort page", "candidates"), False)
    assert listed() == nowhere  # invited, not accepted

    submit(client, invited, {"display_name": "Ayesha Rahman", "password": "quiet harbour lantern"})
    sign_out(client)
    assert listed() == nowhere  # accepted, profile not completed

    user = db.session.scalar(select(User).where(User.email == "ayesha.rahman@example.org"))
    # She completes her profile and chooses who sees it (as the registry's journey ends).
    db.session.delete(
        db.session.scalar(select(StaffProfile).where(StaffProfile.user_id == user.id))
    )
    db.session.flush()
    make.profile(user, visibility="verified_organisations", profession="midwife", skills=())
    assert listed() == dict.fromkeys(nowhere, True)  # completed, visible by her choice


# Keeping no more than needed -------------------------------------------------------------------


def test_old_uploads_are_forgotten(db, coordinator, cohort):
    kept = volunteers.start_import(db.session, cohort, coordinator, (HEADER + GOOD + BAD).encode())
    stale = volunteers.start_import(db.session, cohort, coordinator, (HEADER + GOOD).encode())
    stale.created_at = utcnow() - timedelta(days=3)
    volunteers.confirm(db.session, kept, coordinator)
    kept.confirmed_at = utcnow() - timedelta(days=31)
    db.session.commit()
    stale_id = stale.id
    assert jobs.forget_old_imports() == 2
    assert db.session.get(VolunteerImport, stale_id) is None
    assert kept.rows == [] and kept.invited == 2
    assert jobs.forget_old_imports() == 0


def test_erasure_removes_invitations_to_the_address(db, make, coordinator, cohort):
    from diaspora.cohorts import services

    kwame = make.user(email="kwame@example.org", roles=["staff"])
    upload = volunteers.start_import(db.session, cohort, coordinator, (HEADER + GOOD).encode())
    volunteers.confirm(db.session, upload, coordinator)
    services.forget(db.session, kwame)
    db.session.flush()
    assert [i.email for i in db.session.scalars(select(CohortInvitation))] == [
        "ayesha.rahman@example.org"
    ]


def test_a_persons_copy_of_their_data_holds_their_invitations(db, make, coordinator, cohort):
    from diaspora.cohorts import services

    kwame = make.user(email="kwame@example.org", roles=["staff"])
    upload = volunteers.start_import(db.session, cohort, coordinator, (HEADER + GOOD).encode())
    volunteers.confirm(db.session, upload, coordinator)
    [invitation] = services.export_for(db.session, kwame)["invitations"]
    assert invitation["cohort"] == "Sylhet midwives 2027"
    assert (invitation["name"], invitation["profession"]) == ("Kwame Mensah", "doctor")
    assert invitation["accepted_at"] is None


def test_a_person_invited_by_another_import_at_the_same_moment_is_skipped(
    db, coordinator, cohort, monkeypatch
):
    """Two confirmations racing: the second did not see the first's invitations when it
    checked, so its insert meets the unique constraint; it invites only the others."""
    first = volunteers.start_import(db.session, cohort, coordinator, (HEADER + GOOD).encode())
    extra = "Lina Haddad,lina@example.org,,,\r\n"
    second = volunteers.start_import(
        db.session, cohort, coordinator, (HEADER + GOOD + extra).encode()
    )
    assert volunteers.confirm(db.session, first, coordinator) == 2
    monkeypatch.setattr(volunteers, "_standing", lambda *args: {})  # the check came too early
    assert volunteers.confirm(db.session, second, coordinator) == 1
    db.session.flush()
    assert len(_emails(db, "ayesha.rahman@example.org")) == 1
    assert len(_emails(db, "lina@example.org")) == 1
    assert db.session.scalar(select(func.count()).select_from(CohortInvitation)) == 3
