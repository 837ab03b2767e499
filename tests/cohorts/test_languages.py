"""Cohort messages and emails reach each person in their own language, whoever sent them: the
coordinator writes in English, a member who reads Bengali gets Bengali, one who reads Arabic
gets Arabic, through the outbox and a real SMTP server."""

from datetime import datetime, timedelta

from sqlalchemy import select

from diaspora.cohorts import services
from diaspora.notifications.jobs import deliver_due
from diaspora.notifications.models import Channel, Notification, NotificationPreference
from tests.helpers import sign_in, submit


def _body(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def _member(make, name: str, language: str | None):
    user = make.user(roles=["staff"], name=name)
    user.language = language
    make.profile(user)
    return user


def test_a_cohort_message_is_emailed_in_each_members_language(
    client, db, make, smtp, charity, coordinator
):
    reads_bengali = _member(make, "Ayesha Rahman", "bn")
    reads_arabic = _member(make, "Omar Haddad", "ar")
    reads_english = _member(make, "Kwame Mensah", None)
    cohort = make.cohort(
        charity, name="Sylhet midwives 2027", members=(reads_bengali, reads_arabic, reads_english)
    )
    sign_in(client, coordinator.email)
    url = f"/cohorts/{cohort.id}/message"
    response = submit(client, url, {"subject": "Clinic dates", "body": "We meet on Friday."})
    assert response.status_code == 302
    # The coordinator reads the service in English: the confirmation is English.
    assert "Your message has been sent to 3 members." in client.get(response.location).text

    smtp.delivered(3)
    bengali = _body(smtp.to(reads_bengali.email)[0])
    arabic = _body(smtp.to(reads_arabic.email)[0])
    english = _body(smtp.to(reads_english.email)[0])
    # The template's words are translated; the coordinator's own words are kept as written.
    wrote = 'Sylhet Health Link-এর Nasreen Chowdhury "Sylhet midwives 2027" দলের সবাইকে লিখেছেন:'
    assert wrote in bengali
    assert "আপনি দলে আছেন বলে এটি পাচ্ছেন।" in bengali
    wrote = (
        "كتب Nasreen Chowdhury من Sylhet Health Link إلى جميع "
        "أعضاء المجموعة «Sylhet midwives 2027»:"
    )
    assert wrote in arabic
    assert "تصلك هذه الرسالة لأنك عضو في المجموعة." in arabic
    for body in (bengali, arabic):
        assert "Clinic dates" in body and "We meet on Friday." in body
        assert "wrote to everyone" not in body and "You get this because" not in body
    # The lines under the email follow the recipient too.
    assert "আপনার বার্তা: http" in bengali and "কোন ইমেল পাবেন তা বেছে নিন: http" in bengali
    assert "رسائلك: http" in arabic and "Your messages:" not in arabic
    assert "wrote to everyone in the cohort" in english
    assert "Your messages: http" in english

    # Their inboxes hold the same words.
    inbox = db.session.scalar(
        select(Notification).where(
            Notification.recipient_id == reads_arabic.id, Notification.channel == Channel.INBOX
        )
    )
    assert "إلى جميع أعضاء المجموعة" in inbox.body


def test_the_subject_of_a_cohort_change_is_in_the_recipients_language(
    db, make, smtp, charity, coordinator
):
    reads_bengali = _member(make, "Ayesha Rahman", "bn")
    reads_arabic = _member(make, "Omar Haddad", "ar")
    cohort = make.cohort(charity, name="Sylhet midwives 2027")
    for person in (reads_bengali, reads_arabic):
        services.add_member(db.session, cohort, coordinator, person.profile.id)
    db.session.commit()

    smtp.delivered(2)
    [bengali] = smtp.to(reads_bengali.email)
    [arabic] = smtp.to(reads_arabic.email)
    assert bengali["Subject"] == "আপনাকে Sylhet midwives 2027-এ যোগ করা হয়েছে"
    assert 'Sylhet Health Link আপনাকে তাদের "Sylhet midwives 2027" দলে যোগ করেছে।' in _body(bengali)
    assert arabic["Subject"] == "أُضفت إلى Sylhet midwives 2027"
    assert "أضافتك Sylhet Health Link إلى مجموعتها «Sylhet midwives 2027»." in _body(arabic)


def test_the_daily_summary_is_written_in_the_recipients_language(
    db, make, smtp, charity, coordinator
):
    reads_arabic = _member(make, "Omar Haddad", "ar")
    reads_arabic.time_zone = "Asia/Dubai"
    db.session.add(
        NotificationPreference(
            user_id=reads_arabic.id, kind="cohort_message", channel="email", digest=True
        )
    )
    cohort = make.cohort(charity, name="Sylhet midwives 2027", members=(reads_arabic,))
    db.session.commit()
    for subject in ("Clinic dates", "Training"):
        services.send_message(db.session, cohort, coordinator, subject, "See you there.")
    db.session.commit()

    summary_at = db.session.scalar(
        select(Notification.due_at).where(
            Notification.recipient_id == reads_arabic.id, Notification.channel == Channel.EMAIL
        )
    )
    deliver_due(now=datetime.fromisoformat(str(summary_at)) + timedelta(minutes=1))
    [summary] = smtp.wait_for(1)
    body = _body(summary)
    assert summary["Subject"] == "ملخصك اليومي"
    assert body.startswith("مرحبًا Omar Haddad،\n\nإليك رسالتان من اليوم الماضي.")
    assert "افتحها في الخدمة:" in body and "Open it in the service" not in body
