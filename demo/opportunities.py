"""Demo opportunities: open projects, tele-teaching series and return placements posted by the
demo partner organisations, through the same rules as the posting form. Idempotent: an
opportunity whose organisation already has one of the same title is left alone."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora.auth.models import User
from diaspora.core.time import utcnow
from diaspora.opportunities import services
from diaspora.opportunities.forms import FORMS, OpportunityForm
from diaspora.opportunities.models import Opportunity
from diaspora.opportunities.services import OpportunityInput
from diaspora.organisations.models import Organisation
from diaspora.postings import services as posting_services


def form_of(data: OpportunityInput, *, now: datetime | None = None) -> OpportunityForm:
    """The form of `data`'s kind filled with it, as parsed values rather than typed text: the
    demo's opportunities pass the pages' rules."""
    form_class = FORMS[data.kind]
    values = form_class.initial(data) | {"join_link": data.join_link}
    return form_class(formdata=None, data=values, meta={"csrf": False}, now=now)


@dataclass(frozen=True)
class Posting:
    organisation: str  # the demo organisation's name
    poster: str  # the email of the member who posts it
    data: OpportunityInput


DHAKA = "Dhaka Medical College Hospital"
LAGOS = "Lagos University Teaching Hospital"
ACCRA = "Korle Bu Teaching Hospital"
NAIROBI = "Kenyatta National Hospital"
TRUST = "Northgate Teaching Hospitals NHS Foundation Trust"


def _next(weekday: int, today: date, weeks: int = 1) -> date:
    """The given weekday (Monday 0) at least `weeks` weeks from today."""
    start = today + timedelta(weeks=weeks)
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def _second(weekday: int, today: date) -> date:
    """The second given weekday (Monday 0) of the month after next: always ahead, never past."""
    year, month = divmod(today.month + 1, 12)
    return services.nth_weekday(today.year + year, month + 1, weekday, 2)


def postings(today: date) -> list[Posting]:
    return [
        Posting(
            DHAKA,
            "partner@demo.test",
            OpportunityInput(
                kind="project",
                title="Set up a neonatal resuscitation training programme in Sylhet",
                description=(
                    "We want every labour ward in Sylhet division to have staff trained in "
                    "Helping Babies Breathe within a year.\n\n"
                    "You would help us adapt the course, train a first group of midwives and "
                    "nurses as instructors, and mentor them remotely as they teach their "
                    "colleagues. One visit to Sylhet of two weeks is welcome but not required."
                ),
                country="BD",
                region="Sylhet",
                modality="hybrid",
                professions=["midwife", "childrens_nurse", "doctor"],
                skills=[("neonatal_resuscitation", 4), ("simulation", 2)],
                languages=[("ben", 2), ("syl", 2)],
                starts_on=today + timedelta(days=45),
                ends_on=today + timedelta(days=45 + 365),
                hours_per_month=8,
                places=4,
            ),
        ),
        Posting(
            DHAKA,
            "partner@demo.test",
            OpportunityInput(
                kind="teaching",
                title="Sepsis recognition and escalation for final-year nursing students",
                description=(
                    "A weekly online teaching session for final-year nursing students at Dhaka "
                    "Medical College. Each week covers one case: recognising sepsis early, the "
                    "first hour of treatment, and escalating to a doctor.\n\n"
                    "Book the sessions you can teach; each is booked on its own."
                ),
                country="BD",
                region="Dhaka",
                modality="remote",
                professions=["adult_nurse", "childrens_nurse"],
                skills=[("emergency_care", 3)],
                languages=[("ben", 1)],
                starts_on=_next(1, today),  # a Tuesday
                start_time=time(14, 0),
                host_time_zone="Asia/Dhaka",
                duration_minutes=60,
                capacity=3,
                join_link="https://meet.example.org/dmch-sepsis-teaching",
                audience="Final-year nursing students",
                learners_expected=40,
                recurrence="weekly",
                occurrences=8,
            ),
        ),
        Posting(
            LAGOS,
            "lagos@demo.test",
            OpportunityInput(
                kind="placement",
                title="Return placement: emergency medicine at Lagos University Teaching Hospital",
                description=(
                    "Six months in our emergency department, working alongside our residents "
                    "and helping us introduce a structured triage system."
                ),
                country="NG",
                region="Lagos",
                modality="on_site",
                professions=["doctor", "adult_nurse"],
                skills=[("emergency_care", 3), ("patient_safety", 2)],
                languages=[("yor", 1)],
                host_institution="Lagos University Teaching Hospital, Idi-Araba",
                duration_months=6,
                support_travel=True,
                support_housing=True,
                service_commitment=(
                    "Teach the triage course to two cohorts of nurses before the end of the "
                    "placement."
                ),
                starts_on=today + timedelta(days=120),
                ends_on=today + timedelta(days=240),
                places=2,
            ),
        ),
        Posting(
            ACCRA,
            "accra@demo.test",
            OpportunityInput(
                kind="project",
                title="Improve diabetes care in community clinics around Accra",
                description=(
                    "Help our outreach team write simple protocols for diabetes and "
                    "hypertension, and review them with the clinic nurses by video call."
                ),
                country="GH",
                region="Greater Accra",
                modality="remote",
                professions=["doctor", "pharmacist", "adult_nurse"],
                skills=[("non_communicable_disease", 3), ("health_promotion", 2)],
                languages=[("twi", 1)],
                starts_on=today + timedelta(days=30),
                ends_on=today + timedelta(days=30 + 180),
                hours_per_month=6,
                places=3,
            ),
        ),
        Posting(
            ACCRA,
            "accra@demo.test",
            OpportunityInput(
                kind="teaching",
                title="Monthly case review: emergency obstetric care",
                description=(
                    "A monthly online case review with our obstetric residents, led by a "
                    "visiting specialist."
                ),
                country="GH",
                region="Accra",
                modality="remote",
                professions=["doctor", "midwife"],
                skills=[("maternal_newborn", 3)],
                starts_on=_second(3, today),  # every month on the second Thursday
                start_time=time(12, 0),
                host_time_zone="Africa/Accra",
                duration_minutes=90,
                capacity=2,
                join_link="https://meet.example.org/korlebu-obstetric-review",
                audience="Obstetrics and gynaecology residents",
                learners_expected=15,
                recurrence="month_nth",
                occurrences=6,
            ),
        ),
        Posting(
            TRUST,
            "trust@demo.test",
            OpportunityInput(
                kind="project",
                title="Mentor emergency medicine trainees in Lahore",
                description=(
                    "Our trust's link with a teaching hospital in Lahore pairs NHS emergency "
                    "physicians and nurses with trainees there for monthly remote mentoring."
                ),
                country="PK",
                region="Punjab",
                modality="remote",
                professions=["doctor", "adult_nurse", "paramedic"],
                skills=[("emergency_care", 3), ("mentoring", 2)],
                languages=[("urd", 1), ("pan", 1)],
                starts_on=today + timedelta(days=20),
                ends_on=today + timedelta(days=20 + 270),
                hours_per_month=4,
                places=6,
            ),
        ),
        # Kenya and India are not on the WHO safeguards list: their opportunities carry no
        # marker, beside those in Bangladesh, Nigeria, Ghana and Pakistan, which do.
        Posting(
            NAIROBI,
            "nairobi@demo.test",
            OpportunityInput(
                kind="project",
                title="Build a paediatric early warning score for our wards",
                description=(
                    "Help our paediatric nurses choose, adapt and roll out an early warning "
                    "score, and audit how well it works over six months.\n\n"
                    "Monthly video calls with the ward leads, and reviews of the audit data."
                ),
                country="KE",
                region="Nairobi",
                modality="remote",
                professions=["childrens_nurse", "doctor"],
                skills=[("paediatrics", 3), ("quality_improvement", 2)],
                languages=[("swa", 1)],
                starts_on=today + timedelta(days=40),
                ends_on=today + timedelta(days=40 + 180),
                hours_per_month=5,
                places=3,
            ),
        ),
        Posting(
            NAIROBI,
            "nairobi@demo.test",
            OpportunityInput(
                kind="teaching",
                title="Monthly HIV and TB case discussion for medical interns",
                description=(
                    "A monthly online case discussion with our medical interns: one case of "
                    "HIV and tuberculosis co-infection each month, from diagnosis to follow-up."
                ),
                country="KE",
                region="Nairobi",
                modality="remote",
                professions=["doctor", "pharmacist"],
                skills=[("infectious_disease", 3)],
                starts_on=_next(2, today, weeks=3),  # a Wednesday
                start_time=time(15, 0),
                host_time_zone="Africa/Nairobi",
                duration_minutes=60,
                capacity=3,
                join_link="https://meet.example.org/knh-hiv-tb-cases",
                audience="Medical interns",
                learners_expected=25,
                recurrence="monthly",
                occurrences=4,
            ),
        ),
        Posting(
            TRUST,
            "trust@demo.test",
            OpportunityInput(
                kind="project",
                title="Cardiac nursing skills exchange with a hospital in Kochi",
                description=(
                    "Our trust's link with a cardiac hospital in Kochi, Kerala: NHS cardiac "
                    "nurses share how they run nurse-led heart failure clinics, and learn how "
                    "the Kochi team runs its cardiac rehabilitation programme."
                ),
                country="IN",
                region="Kerala",
                modality="hybrid",
                professions=["adult_nurse", "physiotherapist"],
                skills=[("non_communicable_disease", 3)],
                languages=[("mal", 1)],
                starts_on=today + timedelta(days=60),
                ends_on=today + timedelta(days=60 + 240),
                hours_per_month=4,
                places=4,
            ),
        ),
    ]


def load(session: Session) -> None:
    """Post and publish each demo opportunity that does not exist yet."""
    now = utcnow()
    for posting in postings(now.date()):
        organisation = session.scalar(
            select(Organisation).where(Organisation.name == posting.organisation)
        )
        poster = session.scalar(select(User).where(User.email == posting.poster))
        if organisation is None or poster is None:
            continue  # the demo organisations and accounts load first
        exists = session.scalar(
            select(Opportunity.id).where(
                Opportunity.organisation_id == organisation.id,
                Opportunity.title == posting.data.title,
            )
        )
        if exists is not None:
            continue
        form = form_of(posting.data, now=now)
        if not form.validate():
            raise ValueError(f"Demo opportunity {posting.data.title!r}: {form.errors}")
        opportunity = services.create(session, organisation, poster, form.details(), now=now)
        posting_services.publish(session, opportunity, poster, now=now)
    session.flush()
