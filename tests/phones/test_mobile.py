"""A person's mobile number: added, confirmed by a code texted through (a local) Notify,
changed, removed; throttled, audited, exported and erased, never in a URL or a log."""

import logging
from datetime import timedelta

import pytest
import time_machine

from diaspora.audit.models import AuditEvent
from diaspora.core.time import utcnow
from diaspora.mydata import services as mydata
from diaspora.notifications import services as notifications
from diaspora.notifications.jobs import deliver_due
from diaspora.notifications.models import Channel, Notification
from diaspora.phones import services
from diaspora.phones.models import MobileNumber
from tests.factories import PASSWORD
from tests.helpers import error_summary, submit

MANAGE = "/account/mobile"
CONFIRM = "/account/mobile/confirm"
NUMBER = "+447911123456"


def _html(response) -> str:
    return response.get_data(as_text=True)


def _actions(db, user) -> list[str]:
    return list(
        db.session.scalars(
            db.select(AuditEvent.action)
            .where(AuditEvent.action.like("mobile.%"), AuditEvent.actor_id == user.id)
            .order_by(AuditEvent.id)
        )
    )


def _add(client, number="07911 123456", country="GB"):
    return submit(client, MANAGE, {"country": country, "number": number})


def _code(notify, number=NUMBER) -> str:
    deliver_due()
    return notify.codes_for(number)[-1]


def test_without_notify_settings_the_page_says_texts_are_off(client, login_as):
    login_as("staff")
    html = _html(client.get(MANAGE))
    assert "Text messages are not available on this service" in html
    assert 'name="number"' not in html
    assert _add(client).status_code == 404
    prefs = _html(client.get("/notifications/preferences"))
    assert "Text messages are not available on this service" in prefs
    assert 'value="sms"' not in prefs


def test_a_person_adds_and_confirms_a_number_with_the_texted_code(
    client, login_as, db, notify, caplog
):
    me = login_as("staff")
    with caplog.at_level(logging.DEBUG):
        response = _add(client)
        assert response.status_code == 302 and response.location.endswith(CONFIRM)
        code = _code(notify)
    page = _html(client.get(CONFIRM))
    assert "+44 7911 123456" in page
    [row] = db.session.scalars(db.select(MobileNumber).filter_by(user_id=me.id)).all()
    assert row.pending_number == NUMBER and row.number is None
    assert code not in (row.code_digest or "") and len(row.code_digest) == 64

    response = submit(client, CONFIRM, {"code": code})
    assert response.status_code == 302
    db.session.expire_all()
    assert (row.number, row.pending_number) == (NUMBER, None)
    account = _html(client.get("/account"))
    assert "+44 7911 123456 (Confirmed)" in account
    assert _actions(db, me) == ["mobile.code_sent", "mobile.confirmed"]
    # the number never reaches the logs or the audit details
    assert "7911" not in caplog.text
    assert all("7911" not in str(e.details) for e in db.session.scalars(db.select(AuditEvent)))
    # the code's text was emptied once sent
    sent = db.session.scalar(db.select(Notification).filter_by(channel=Channel.SMS))
    assert sent.body == ""
    # now texts can be chosen
    prefs = _html(client.get("/notifications/preferences"))
    assert 'value="sms"' in prefs
    response = submit(client, "/notifications/preferences", {"engagement_update": "sms"})
    assert response.status_code == 302
    assert notifications.preference_for(db.session, me.id, "engagement_update") == ("sms", False)


def test_a_wrong_code_counts_and_too_many_end_the_code(client, login_as, db, notify, app):
    me = login_as("staff")
    _add(client)
    code = _code(notify)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = submit(client, CONFIRM, {"code": wrong})
    assert error_summary(response) == [
        "The code is not correct. Check the text message and try again"
    ]
    response = submit(client, CONFIRM, {"code": "12"})
    assert error_summary(response) == ["Enter the code as 6 numbers, like 123456"]
    for _ in range(app.config["MOBILE_CODE_ATTEMPTS"] - 1):
        response = submit(client, CONFIRM, {"code": wrong})
    assert "wrong too many times" in error_summary(response)[0]
    response = submit(client, CONFIRM, {"code": code})  # the right code no longer works
    assert "Ask for a new code" in error_summary(response)[0]
    assert _actions(db, me).count("mobile.code_failed") == app.config["MOBILE_CODE_ATTEMPTS"]


def test_a_code_expires(client, login_as, notify):
    login_as("staff")
    _add(client)
    code = _code(notify)
    with time_machine.travel(utcnow() + timedelta(minutes=11), tick=False):
        response = submit(client, CONFIRM, {"code": code})
    assert error_summary(response) == ["This code has expired. Ask for a new code"]


def test_resends_are_spaced_and_limited_a_day(client, login_as, notify, app):
    login_as("staff")
    _add(client)
    response = submit(client, "/account/mobile/resend", {}, page=CONFIRM)
    assert "Wait a minute" in _html(client.get(CONFIRM))
    moment = utcnow()
    for _ in range(app.config["MOBILE_CODES_PER_DAY"]):
        moment += timedelta(minutes=2)
        with time_machine.travel(moment, tick=False):
            response = submit(client, "/account/mobile/resend", {}, page=CONFIRM)
            page = _html(client.get(CONFIRM))
    assert response.status_code == 302
    assert "too many codes today" in page


def test_a_change_needs_confirmation_and_the_old_number_works_until_then(
    client, login_as, db, notify
):
    me = login_as("staff")
    _add(client)
    submit(client, CONFIRM, {"code": _code(notify)})
    _add(client, "+880 1712 345678", "")
    db.session.expire_all()
    assert services.usable_number(db.session, me.id) == NUMBER
    assert "a new number is waiting for its code" in _html(client.get("/account"))
    submit(client, CONFIRM, {"code": _code(notify, "+8801712345678")})
    assert services.usable_number(db.session, me.id) == "+8801712345678"
    assert _actions(db, me)[-1] == "mobile.confirmed"
    event = db.session.scalar(db.select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert event.details == {"changed": True}


def test_form_errors_in_nhs_style(client, login_as, notify):
    login_as("staff")
    assert error_summary(_add(client, "")) == ["Enter a mobile number"]
    assert error_summary(_add(client, "020 7946 0000")) == [
        "Enter a mobile number: this is a landline or another kind of number"
    ]
    assert error_summary(_add(client, "07911 123456", "")) == [
        "Select the country of your mobile number, or enter it with its country code, "
        "like +44 7911 123456"
    ]


def test_removing_the_number_cancels_waiting_texts_and_texts_go_by_email(
    client, login_as, db, notify
):
    me = login_as("staff")
    _add(client)
    submit(client, CONFIRM, {"code": _code(notify)})
    submit(client, "/notifications/preferences", {"engagement_update": "sms"})
    waiting = notifications.notify(
        db.session,
        me,
        "engagement_update",
        subject="Answered",
        template="notifications_message",
        message="x",
        due_at=utcnow() + timedelta(hours=1),
    )
    db.session.commit()
    assert {row.channel for row in waiting} == {Channel.INBOX, Channel.SMS}
    response = submit(client, "/account/mobile/remove", {})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(db.select(MobileNumber).filter_by(user_id=me.id)) is None
    text = next(row for row in waiting if row.channel == Channel.SMS)
    assert db.session.get(Notification, text.id).state == "cancelled"
    later = notifications.notify(
        db.session,
        me,
        "engagement_update",
        subject="Again",
        template="notifications_message",
        message="y",
    )
    assert {row.channel for row in later} == {Channel.INBOX, Channel.EMAIL}
    assert _actions(db, me)[-1] == "mobile.removed"


def test_the_number_is_in_the_data_export_and_goes_with_the_account(client, login_as, db, notify):
    me = login_as("staff")
    _add(client)
    submit(client, CONFIRM, {"code": _code(notify)})
    exported = mydata.export_data(db.session, me)
    assert exported["mobile_number"]["number"] == NUMBER
    assert exported["mobile_number"]["confirmed_at"]
    mydata.erase_account(db.session, me, PASSWORD)
    db.session.commit()
    assert db.session.scalar(db.select(MobileNumber).filter_by(user_id=me.id)) is None
    assert db.session.scalar(db.select(Notification).filter_by(recipient_id=me.id)) is None


@pytest.mark.parametrize("path", [MANAGE, CONFIRM, "/account/mobile/remove"])
def test_the_pages_need_a_signed_in_person(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/account/sign-in" in response.location


def test_the_state_of_the_number_is_in_the_person_language(client, login_as, db):
    me = login_as("staff")
    me.language = "fr"
    db.session.add(
        MobileNumber(
            user_id=me.id, number=NUMBER, confirmed_at=utcnow(), code_attempts=0, codes_sent=0
        )
    )
    db.session.commit()
    assert "+44 7911 123456 (Confirmé)" in _html(client.get("/account"))
    services.opt_out(db.session, NUMBER, utcnow())
    db.session.commit()
    assert "Arrêté : vous avez répondu STOP" in _html(client.get(MANAGE))
