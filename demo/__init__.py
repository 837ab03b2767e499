"""The demo world that `flask demo load` (demo/cli.py) creates, to click through. Idempotent.

Kept out of the `diaspora` package: only that command, the tests and the benchmarks load it.

The world: seven organisations (an NHS trust, a UK charity, four verified partner hospitals, a
university waiting for verification), an account for each role, and 51 NHS staff with complete
profiles and professional registrations (see STAFF below). A second run adds nothing, and never
changes a profile that already exists.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select

from demo import (
    bookings,
    cohorts,
    contributions,
    engagements,
    impact,
    matching,
    milestones,
    opportunities,
)
from diaspora.auth.models import Role, User, UserRole
from diaspora.auth.services import hash_password, normalise_email
from diaspora.core.time import utcnow
from diaspora.credentials.models import Credential, CredentialStatus
from diaspora.extensions import db
from diaspora.factors import services as factors
from diaspora.factors.models import TotpFactor
from diaspora.organisations.models import MemberRole, Membership, Organisation, Verification
from diaspora.reference.catalogue import grades, professions
from diaspora.reference.places import country_name
from diaspora.registry.models import (
    AvailabilityWindow,
    CountryTie,
    LanguageSkill,
    Modality,
    ProfileSkill,
    StaffProfile,
    Visibility,
)
from diaspora.registry.services import TAG_PREFIX, refresh_search_text, skill_label, tag_slug

DEMO_PASSWORD = "diaspora-demo-2026"
# The demo accounts that must use a second factor (the administrator and members of
# organisations) share this authenticator-app key, published like the password: demo only.
DEMO_TOTP_SECRET = "DIASPORADEMOTOTPDIASPORADEMOTOTP"

ORGANISATIONS = [
    # (key, name, kind, country, website, description, verified)
    (
        "trust",
        "Northgate Teaching Hospitals NHS Foundation Trust",
        "nhs_trust",
        "GB",
        "https://www.northgate-hospitals.example",
        "An NHS trust whose staff volunteer with partner hospitals abroad.",
        True,
    ),
    (
        "charity",
        "Sylhet Health Link",
        "charity",
        "GB",
        "https://www.sylhethealthlink.example",
        "A small UK charity funding maternal and newborn health projects in Bangladesh.",
        True,
    ),
    (
        "dhaka",
        "Dhaka Medical College Hospital",
        "partner_institution",
        "BD",
        "https://dmch.example",
        "A large teaching hospital in Dhaka.",
        True,
    ),
    (
        "lagos",
        "Lagos University Teaching Hospital",
        "partner_institution",
        "NG",
        "https://luth.example",
        "A teaching hospital in Lagos.",
        True,
    ),
    (
        "accra",
        "Korle Bu Teaching Hospital",
        "partner_institution",
        "GH",
        "https://korlebu.example",
        "A national referral hospital in Accra.",
        True,
    ),
    (
        "nairobi",
        "Kenyatta National Hospital",
        "partner_institution",
        "KE",
        "https://knh.example",
        "The national referral and teaching hospital in Nairobi.",
        True,
    ),
    (
        "manila",
        "University of the Philippines Manila College of Nursing",
        "university",
        "PH",
        "https://upm-nursing.example",
        "A nursing school in Manila.",
        False,
    ),
]

# Where each organisation works: its tele-teaching sessions start in this zone.
TIME_ZONES = {
    "trust": "Europe/London",
    "charity": "Europe/London",
    "dhaka": "Asia/Dhaka",
    "lagos": "Africa/Lagos",
    "accra": "Africa/Accra",
    "nairobi": "Africa/Nairobi",
    "manila": "Asia/Manila",
}

# (email, name, roles, organisation key or None, membership role)
ROLE_ACCOUNTS = [
    ("admin@demo.test", "Ada Administrator", [Role.ADMIN], None, None),
    ("coordinator@demo.test", "Nasreen Chowdhury", [], "charity", MemberRole.OWNER),
    ("partner@demo.test", "Dr Farhana Rahman", [], "dhaka", MemberRole.OWNER),
    ("staff@demo.test", "Dr Adebayo Okonkwo", [Role.STAFF], None, None),
    ("lagos@demo.test", "Dr Chiamaka Eze", [], "lagos", MemberRole.OWNER),
    ("accra@demo.test", "Kwame Mensah", [], "accra", MemberRole.OWNER),
    ("nairobi@demo.test", "Dr Njeri Mwangi", [], "nairobi", MemberRole.OWNER),
    ("manila@demo.test", "Maria Santos", [], "manila", MemberRole.OWNER),
    ("trust@demo.test", "Helen Carter", [], "trust", MemberRole.OWNER),
]

# Staff ------------------------------------------------------------------------------------
#
# Names come from the communities the service serves, some in the scripts people write them in.
# Each person's profession, specialty and community are chosen by hand, so that together they
# look like NHS staff: more nurses than doctors, then allied health professionals, midwives,
# pharmacy, healthcare scientists. The rest (grade, years, skills and their levels, hours,
# windows, visibility, registration numbers) is drawn from a random generator seeded with the
# person's email address: every run, on every machine, makes the same people.


@dataclass(frozen=True)
class Community:
    country: str
    languages: tuple[tuple[str, int], ...]  # (ISO 639-3, proficiency) besides English
    uk_born: bool = False  # grew up in the UK: a heritage tie, English native
    worked: tuple[str, ...] = ()  # countries where some of them worked before the UK


COMMUNITIES = {
    "sylhet": Community("BD", (("syl", 4), ("ben", 3))),
    "dhaka": Community("BD", (("ben", 4),)),
    "sylhet_uk": Community("BD", (("syl", 3), ("ben", 1)), uk_born=True),
    "yoruba": Community("NG", (("yor", 4), ("pcm", 3))),
    "igbo": Community("NG", (("ibo", 4), ("pcm", 3))),
    "hausa": Community("NG", (("hau", 4),)),
    "akan": Community("GH", (("twi", 4),)),
    "punjab": Community("PK", (("pan", 4), ("urd", 3)), worked=("SA",)),
    "karachi": Community("PK", (("urd", 4),)),
    "punjab_uk": Community("PK", (("pan", 3), ("urd", 2)), uk_born=True),
    "luzon": Community("PH", (("tgl", 4),), worked=("SA", "AE")),
    "visayas": Community("PH", (("ceb", 4), ("tgl", 3)), worked=("SA",)),
    "kerala": Community("IN", (("mal", 4), ("hin", 2)), worked=("AE", "SA")),
    "hindi": Community("IN", (("hin", 4),)),
    "tamil": Community("IN", (("tam", 4),)),
    "shona": Community("ZW", (("sna", 4),), worked=("ZA",)),
    "kikuyu": Community("KE", (("kik", 4), ("swa", 3))),
    "luo": Community("KE", (("swa", 3),), worked=("UG",)),
    "chewa": Community("MW", (("nya", 4),)),
}

DEMO_TRUST = "Northgate Teaching Hospitals NHS Foundation Trust"
ACUTE_TRUSTS = (
    DEMO_TRUST,
    DEMO_TRUST,
    "Eastbridge University Hospitals NHS Trust",
    "Kingsmead and District Hospitals NHS Trust",
)
MENTAL_HEALTH_TRUST = "Westmoor Mental Health NHS Foundation Trust"
COMMUNITY_TRUST = "Riverside Community Health NHS Trust"
AMBULANCE_TRUST = "Greater Ashford Ambulance Service NHS Trust"
GP_PRACTICES = ("Brickfield Lane Medical Practice", "Marsh Road Surgery")
PRIMARY_CARE_NETWORK = "Marsh Road Primary Care Network"


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    community: str
    profession: str
    specialty: str
    skills: tuple[str, ...]  # the skills their specialty brings, taught at a high level
    employer: str = ""  # empty: one of the acute trusts
    tag: str = ""  # a skill in their own words


def _p(n: int, *args, **kwargs) -> Person:
    return Person(f"staff{n:02d}@demo.test", *args, **kwargs)


# fmt: off
STAFF = [
    _p(1, "Dr Tanvir Ahmed", "sylhet", "doctor", "Emergency medicine", ("emergency_care",)),
    _p(2, "Shirin Akter", "sylhet", "midwife", "Community midwifery", ("maternal_newborn",),
       employer=COMMUNITY_TRUST),
    _p(3, "Dr Mohammad Rafiq", "dhaka", "doctor", "Obstetrics and gynaecology",
       ("maternal_newborn",), tag="Emergency obstetric care"),
    _p(4, "Nusrat Jahan", "sylhet_uk", "adult_nurse", "Acute medicine", ("emergency_care",)),
    _p(5, "Imran Hossain", "sylhet", "operating_department_practitioner",
       "Anaesthetics and recovery", ("anaesthesia", "surgery")),
    _p(6, "রুমানা ইসলাম", "dhaka", "childrens_nurse", "Neonatal intensive care",
       ("neonatal_resuscitation", "paediatrics")),
    _p(7, "Dr Kamrul Hasan", "sylhet", "doctor", "General practice",
       ("non_communicable_disease",), employer=GP_PRACTICES[0]),
    _p(8, "Farzana Begum", "sylhet_uk", "pharmacist", "Hospital pharmacy",
       ("pharmacy_practice",), tag="Antimicrobial stewardship"),
    _p(9, "Sabbir Khan", "dhaka", "radiographer", "Diagnostic radiography", ("diagnostics",)),
    _p(10, "Taslima Nasreen", "sylhet", "midwife", "Intrapartum care",
       ("maternal_newborn", "neonatal_resuscitation"), tag="Helping Babies Breathe"),
    _p(11, "Dr Olúwaseun Adéyẹmí", "yoruba", "doctor", "Cardiology",
       ("non_communicable_disease",)),
    _p(12, "Ngozi Okafor", "igbo", "adult_nurse", "Intensive care", ("anaesthesia",)),
    _p(13, "Dr Emeka Nwosu", "igbo", "doctor", "General surgery", ("surgery",)),
    _p(14, "Funmilayo Adébáyọ̀", "yoruba", "mental_health_nurse", "Community mental health",
       ("mental_health",), employer=MENTAL_HEALTH_TRUST),
    _p(15, "Dr Ifeanyi Obi", "igbo", "doctor", "Psychiatry", ("mental_health",),
       employer=MENTAL_HEALTH_TRUST),
    _p(16, "Bukola Ogunleye", "yoruba", "midwife", "Antenatal care", ("maternal_newborn",)),
    _p(17, "Tunde Bakare", "yoruba", "adult_nurse", "Trauma and orthopaedic nursing",
       ("surgery", "rehabilitation")),
    _p(18, "Chinwe Nwachukwu", "igbo", "biomedical_scientist",
       "Haematology and blood transfusion", ("diagnostics",)),
    _p(19, "Dr Yusuf Abubakar", "hausa", "doctor", "Infectious diseases",
       ("infectious_disease", "infection_prevention")),
    _p(20, "Aisha Bello", "hausa", "adult_nurse", "Renal nursing",
       ("non_communicable_disease",)),
    _p(21, "Dr Kofi Asante", "akan", "doctor", "Paediatrics", ("paediatrics",)),
    _p(22, "Abena Owusu", "akan", "adult_nurse", "Tissue viability", ("patient_safety",)),
    _p(23, "Yaw Boateng", "akan", "adult_nurse", "Emergency nursing", ("emergency_care",)),
    _p(24, "Akosua Darko", "akan", "physiotherapist", "Respiratory physiotherapy",
       ("rehabilitation",)),
    _p(25, "Dr Kwabena Osei", "akan", "dentist", "Oral surgery", ("surgery",)),
    _p(26, "Dr Ayesha Siddiqui", "karachi", "doctor", "Obstetrics and gynaecology",
       ("maternal_newborn",)),
    _p(27, "عمران ملک", "punjab", "pharmacist", "Primary care pharmacy", ("pharmacy_practice",),
       employer=PRIMARY_CARE_NETWORK),
    _p(28, "Dr Fatima Zahra", "karachi", "doctor", "General practice",
       ("non_communicable_disease", "health_promotion"), employer=GP_PRACTICES[1]),
    _p(29, "Bilal Chaudhry", "punjab_uk", "paramedic", "Urgent and emergency care",
       ("emergency_care",), employer=AMBULANCE_TRUST, tag="Major incident planning"),
    _p(30, "Sana Qureshi", "karachi", "pharmacy_technician", "Aseptic services",
       ("pharmacy_practice",)),
    _p(31, "Dr Hina Aslam", "punjab", "practitioner_psychologist", "Clinical psychology",
       ("mental_health",), employer=MENTAL_HEALTH_TRUST),
    _p(32, "Usman Tariq", "punjab", "radiographer", "Computed tomography", ("diagnostics",)),
    _p(33, "Rizwan Ahmed", "punjab", "adult_nurse", "Diabetes specialist nursing",
       ("non_communicable_disease", "health_promotion")),
    _p(34, "Maryam Javed", "punjab_uk", "occupational_therapist", "Stroke rehabilitation",
       ("rehabilitation",), employer=COMMUNITY_TRUST),
    _p(35, "Asif Iqbal", "karachi", "learning_disability_nurse",
       "Community learning disability nursing", ("mental_health",), employer=COMMUNITY_TRUST),
    _p(36, "Jocelyn Reyes", "luzon", "adult_nurse", "Theatre nursing", ("surgery",)),
    _p(37, "Dr Mark Villanueva", "luzon", "doctor", "General internal medicine",
       ("non_communicable_disease",)),
    _p(38, "Cristina Dela Cruz", "visayas", "adult_nurse", "Critical care", ("anaesthesia",)),
    _p(39, "Paolo Garcia", "luzon", "adult_nurse", "Acute and general medicine",
       ("emergency_care",)),
    _p(40, "Angelica Ramos", "visayas", "adult_nurse", "Care of older people",
       ("non_communicable_disease",)),
    _p(41, "Dr Priya Nair", "kerala", "doctor", "Neonatology",
       ("neonatal_resuscitation", "paediatrics")),
    _p(42, "Arjun Menon", "kerala", "adult_nurse", "Cardiac nursing",
       ("non_communicable_disease",)),
    _p(43, "Dr Deepa Pillai", "kerala", "clinical_scientist", "Clinical biochemistry",
       ("diagnostics", "data_analysis")),
    _p(44, "Rahul Sharma", "hindi", "dietitian", "Diabetes and nutrition",
       ("non_communicable_disease", "health_promotion")),
    _p(45, "Lakshmi Iyer", "tamil", "speech_language_therapist", "Adult dysphagia",
       ("rehabilitation",), employer=COMMUNITY_TRUST),
    _p(46, "Tendai Moyo", "shona", "mental_health_nurse", "Inpatient mental health",
       ("mental_health",), employer=MENTAL_HEALTH_TRUST),
    _p(47, "Dr Rudo Chikwanha", "shona", "doctor", "Public health medicine",
       ("public_health", "epidemiology")),
    _p(48, "Wanjiru Kamau", "kikuyu", "midwife", "Postnatal care", ("maternal_newborn",)),
    _p(49, "Dr Otieno Odhiambo", "luo", "doctor", "Genitourinary and HIV medicine",
       ("infectious_disease",)),
    _p(50, "Grace Banda", "chewa", "adult_nurse", "District nursing", ("health_promotion",),
       employer=COMMUNITY_TRUST),
    Person("staff@demo.test", "Dr Adebayo Okonkwo", "yoruba", "doctor",
           "Obstetrics and gynaecology", ("maternal_newborn", "simulation"), employer=DEMO_TRUST,
           tag="Emergency obstetric care"),
]
# fmt: on

# Skills people in each group often add beside their specialty's.
# fmt: off
GROUP_SKILLS = {
    "Medical": ("clinical_teaching", "simulation", "mentoring", "quality_improvement",
                "patient_safety", "clinical_audit", "research_methods", "leadership",
                "telemedicine", "curriculum_design", "grant_writing"),
    "Nursing and midwifery": ("nursing_education", "mentoring", "infection_prevention",
                              "patient_safety", "nursing_leadership", "quality_improvement",
                              "clinical_teaching", "digital_health", "simulation"),
    "Allied health professions": ("clinical_teaching", "mentoring", "service_management",
                                  "quality_improvement", "digital_health", "patient_safety",
                                  "curriculum_design"),
    "Pharmacy": ("patient_safety", "infection_prevention", "clinical_audit", "mentoring",
                 "quality_improvement", "digital_health"),
    "Dental": ("clinical_teaching", "infection_prevention", "mentoring", "patient_safety"),
    "Healthcare science": ("quality_improvement", "data_analysis", "research_methods",
                           "clinical_teaching", "health_informatics"),
    "Psychology": ("research_methods", "clinical_teaching", "mentoring", "curriculum_design"),
}
MIDWIFE_SKILLS = ("midwifery_education", "neonatal_resuscitation", "mentoring",
                  "infection_prevention", "simulation", "health_promotion")
# fmt: on

# Registration with the person's home council (name as the council calls itself).
HOME_COUNCILS = {
    ("BD", "Medical"): "Bangladesh Medical and Dental Council",
    ("BD", "Nursing and midwifery"): "Bangladesh Nursing and Midwifery Council",
    ("NG", "Medical"): "Medical and Dental Council of Nigeria",
    ("NG", "Nursing and midwifery"): "Nursing and Midwifery Council of Nigeria",
    ("GH", "Medical"): "Medical and Dental Council, Ghana",
    ("GH", "Nursing and midwifery"): "Nursing and Midwifery Council of Ghana",
    ("PK", "Medical"): "Pakistan Medical and Dental Council",
    ("PK", "Nursing and midwifery"): "Pakistan Nursing and Midwifery Council",
    ("PH", "Medical"): "Professional Regulation Commission",
    ("PH", "Nursing and midwifery"): "Professional Regulation Commission",
    ("IN", "Medical"): "National Medical Commission",
    ("IN", "Nursing and midwifery"): "Kerala Nurses and Midwives Council",
    ("ZW", "Medical"): "Medical and Dental Practitioners Council of Zimbabwe",
    ("ZW", "Nursing and midwifery"): "Nursing Council of Zimbabwe",
    ("KE", "Medical"): "Kenya Medical Practitioners and Dentists Council",
    ("KE", "Nursing and midwifery"): "Nursing Council of Kenya",
    ("MW", "Nursing and midwifery"): "Nurses and Midwives Council of Malawi",
}

# One registration runs out soon, so the reminders and the "expires soon" tag have something
# to show. Everyone else's is at least 90 days away.
EXPIRING_SOON = "staff12@demo.test"
EXPIRING_IN_DAYS = 45
# One registration was rejected (a mistyped number) and entered again.
REJECTED = "staff32@demo.test"
PRIVATE = {
    "staff06@demo.test",
    "staff19@demo.test",
    "staff30@demo.test",
    "staff39@demo.test",
    "staff46@demo.test",
}
UNAVAILABLE_FOR_NOW = {"staff16@demo.test": 120, "staff38@demo.test": 75}  # days from today


COUNTRY_IN_A_SENTENCE = {"PH": "the Philippines"}


def _grade(rng: random.Random, person: Person, years: int) -> str:
    group = professions()[person.profession].group
    if group in ("Medical", "Dental"):
        if person.profession == "dentist":
            return "specialty_doctor"
        if person.specialty == "General practice":
            return "gp_registrar" if years < 5 else "gp"
        if years <= 5:  # most doctors trained abroad start as trust doctors or core trainees
            return rng.choice(("locally_employed_doctor", "core_trainee"))
        if years <= 11:
            return rng.choice(
                (
                    "specialty_registrar",
                    "specialty_registrar",
                    "specialty_doctor",
                    "locally_employed_doctor",
                )
            )
        return rng.choice(
            ("consultant", "consultant", "consultant", "specialty_doctor", "associate_specialist")
        )
    if person.profession == "pharmacy_technician":
        return "afc_5"
    if person.profession == "practitioner_psychologist":
        return "afc_8a" if years < 12 else "afc_8b"
    if person.profession == "clinical_scientist":
        return "afc_7" if years < 12 else "afc_8a"
    if person.profession == "pharmacist":
        return "afc_6" if years < 3 else ("afc_7" if years < 10 else "afc_8a")
    if years < 3:
        return "afc_5"
    if years < 8:
        return "afc_6"
    return (
        rng.choice(("afc_6", "afc_7", "afc_7")) if years < 16 else rng.choice(("afc_7", "afc_8a"))
    )


def _skills(rng: random.Random, person: Person) -> list[tuple[str, str | None, int]]:
    """(code, tag, level): the specialty's skills at a high level, two to four more."""
    group = professions()[person.profession].group
    chosen = [(code, None, rng.choice((3, 4, 4))) for code in person.skills]
    pool = MIDWIFE_SKILLS if person.profession == "midwife" else GROUP_SKILLS[group]
    extra = [code for code in pool if code not in person.skills]
    for code in rng.sample(extra, rng.randint(2, 4)):
        chosen.append((code, None, rng.choice((1, 2, 2, 3, 3, 4))))
    if person.tag:
        chosen.append((TAG_PREFIX + tag_slug(person.tag), person.tag, rng.choice((3, 4))))
    return chosen


def _uk_number(
    rng: random.Random, regulator: str, person: Person, years: int, today: date, overseas: bool
) -> str:
    if regulator == "GMC":
        return f"{rng.choice('67')}{rng.randrange(10**6):06d}"
    if regulator == "NMC":
        # Year and month (A to L) first registered, four digits, and the route: O overseas.
        year = (today.year - min(years, 20)) % 100
        return f"{year:02d}{'ABCDEFGHIJKL'[rng.randrange(12)]}{rng.randrange(1000, 10000)}" + (
            "O" if overseas else "E"
        )
    if regulator == "HCPC":
        return f"{professions()[person.profession].hcpc_prefix}{rng.randrange(10000, 1000000)}"
    if regulator == "GPhC":
        first = "5" if person.profession == "pharmacy_technician" else "2"
        return f"{first}{rng.randrange(10**6):06d}"
    if regulator == "GDC":
        return f"{rng.randrange(60000, 300000)}"
    raise ValueError(regulator)


def _expiry(rng: random.Random, regulator: str, today: date) -> date | None:
    if regulator == "GMC":
        return None  # a GMC registration does not lapse on a date; revalidation is separate
    return today + timedelta(days=rng.randint(90, 1000))


@dataclass
class CredentialSpec:
    regulator: str
    number: str
    status: str
    country: str = "GB"
    regulator_name: str = ""
    expires_on: date | None = None
    verified_days_ago: int | None = None
    note: str = ""


@dataclass
class ProfileSpec:
    """Everything one demo staff member's profile holds, decided without the database."""

    person: Person
    grade: str
    years: int
    employer: str
    bio: str
    ties: list[tuple[str, str]]
    languages: list[tuple[str, int]]
    skills: list[tuple[str, str | None, int]]
    hours: int
    modality: str
    notice_weeks: int
    unavailable_until: date | None
    windows: list[tuple[date, date]]
    visibility: str
    consent: bool
    active_days_ago: int
    credentials: list[CredentialSpec] = field(default_factory=list)


def _bio(rng: random.Random, spec: ProfileSpec, trained_home: bool, today: date) -> str:
    person = spec.person
    profession = professions()[person.profession]
    community = COMMUNITIES[person.community]
    country = COUNTRY_IN_A_SENTENCE.get(community.country) or country_name(community.country)
    grade = grades()[spec.grade]["name"].split(" (")[0]
    specialty = person.specialty[0].lower() + person.specialty[1:]
    if person.specialty == "General practice":
        opening = f"{'GP' if spec.grade == 'gp' else 'GP specialty trainee'} at {spec.employer}."
    elif profession.group in ("Medical", "Dental"):
        opening = f"{grade} in {specialty} at {spec.employer}."
    else:
        opening = f"{profession.name} ({grade}) in {specialty} at {spec.employer}."
    if community.uk_born:
        origin = f"I grew up in the UK in a family from {country} and still visit often."
    elif trained_home:
        uk_years = rng.randint(max(1, spec.years // 2), max(1, spec.years - 2))
        since = today.year - uk_years
        origin = f"I was born and trained in {country} and have worked in the NHS since {since}."
    else:
        origin = f"I was born in {country} and trained in the UK."
    skill = skill_label(person.skills[0]).lower()
    offers = {
        Modality.REMOTE: f"I would like to teach {skill} online to colleagues in {country}.",
        Modality.ON_SITE: f"I can join short visits to partner hospitals to help with {skill}.",
        Modality.BOTH: f"Happy to teach {skill} online and to visit partner hospitals in "
        f"{country} when I can.",
    }
    return " ".join((opening, origin, offers[Modality(spec.modality)]))


def staff_profile_spec(person: Person, today: date) -> ProfileSpec:
    """The same profile for the same person, every time (the generator is seeded by email)."""
    rng = random.Random(f"diaspora-demo:{person.email}")
    community = COMMUNITIES[person.community]
    profession = professions()[person.profession]
    years = rng.randint(2, 26)
    if profession.group in ("Medical", "Dental", "Psychology", "Healthcare science"):
        years = max(years, rng.randint(4, 8))  # long trainings
    if person.email == "staff@demo.test":
        years = 18
    grade = _grade(rng, person, years)
    if person.email == "staff@demo.test":
        grade = "consultant"
    employer = person.employer or rng.choice(ACUTE_TRUSTS)

    overseas = not community.uk_born
    # Most trained at home; some nurses and therapists came to train in the UK.
    trained_home = overseas and (profession.group in ("Medical", "Dental") or rng.random() < 0.7)
    if community.uk_born:
        ties = [(community.country, "heritage")]
    else:
        ties = [(community.country, "born")]
        if trained_home:
            ties.append((community.country, "trained"))
        if community.worked and rng.random() < 0.4:
            ties.append((rng.choice(community.worked), "worked"))

    english = 4 if community.uk_born else rng.choice((3, 3, 3, 2))
    languages = [*community.languages, ("eng", english)]
    if person.email == "staff@demo.test":
        languages = [("yor", 4), ("ibo", 2), ("pcm", 3), ("eng", 3)]

    hours = rng.choice((2, 4, 4, 6, 8, 8, 10, 12, 16, 20))
    modality = rng.choice((Modality.REMOTE,) * 9 + (Modality.BOTH,) * 7 + (Modality.ON_SITE,) * 4)
    if person.email == "staff@demo.test":
        hours, modality = 8, Modality.BOTH
    windows = []
    if modality != Modality.REMOTE:
        start = today + timedelta(days=rng.randint(30, 150))
        for _ in range(rng.choice((1, 1, 2))):
            end = start + timedelta(days=rng.choice((7, 10, 14, 21, 28)))
            windows.append((start, end))
            start = end + timedelta(days=rng.randint(60, 150))
    away = UNAVAILABLE_FOR_NOW.get(person.email)

    if person.email in PRIVATE:
        visibility, consent = Visibility.PRIVATE, False
    else:
        visibility = rng.choice(
            (Visibility.VERIFIED_ORGANISATIONS,) * 2 + (Visibility.COORDINATORS,)
        )
        consent = rng.random() < 0.85
    if person.email == "staff@demo.test":
        visibility, consent = Visibility.VERIFIED_ORGANISATIONS, True

    spec = ProfileSpec(
        person=person,
        grade=grade,
        years=years,
        employer=employer,
        bio="",
        ties=ties,
        languages=languages,
        skills=_skills(rng, person),
        hours=hours,
        modality=modality,
        notice_weeks=rng.choice((2, 4, 4, 6, 8, 12)),
        unavailable_until=today + timedelta(days=away) if away else None,
        windows=windows,
        visibility=visibility,
        consent=consent,
        active_days_ago=rng.randint(0, 120),
    )
    spec.bio = _bio(rng, spec, trained_home, today)
    spec.credentials = _credential_specs(rng, spec, today, trained_home=trained_home)
    return spec


def _credential_specs(
    rng: random.Random, spec: ProfileSpec, today: date, *, trained_home: bool
) -> list[CredentialSpec]:
    person = spec.person
    profession = professions()[person.profession]
    regulator = profession.regulator
    number = _uk_number(rng, regulator, person, spec.years, today, trained_home)
    uk = CredentialSpec(
        regulator, number, CredentialStatus.UNVERIFIED, expires_on=_expiry(rng, regulator, today)
    )
    if rng.random() < 0.6 or person.email == "staff@demo.test":
        uk.status = CredentialStatus.VERIFIED
        uk.verified_days_ago = rng.randint(3, 200)
        uk.note = f"Checked on the {regulator} register."
    if person.email == EXPIRING_SOON:
        uk.expires_on = today + timedelta(days=EXPIRING_IN_DAYS)
    credentials = [uk]
    if person.email == REJECTED:
        wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
        credentials.insert(
            0,
            CredentialSpec(
                regulator,
                wrong,
                CredentialStatus.REJECTED,
                expires_on=uk.expires_on,
                verified_days_ago=rng.randint(20, 40),
                note=f"No registrant with this number on the {regulator} register: mistyped?",
            ),
        )
    council = HOME_COUNCILS.get((COMMUNITIES[person.community].country, profession.group))
    wants_home = person.email == "staff@demo.test" or rng.random() < 0.5
    if trained_home and council and wants_home:
        credentials.append(
            CredentialSpec(
                "OTHER",
                f"{rng.randrange(10000, 100000)}",
                CredentialStatus.UNVERIFIED,
                country=COMMUNITIES[person.community].country,
                regulator_name=council,
            )
        )
    return credentials


def _create_profile(user: User, spec: ProfileSpec, admin: User, now: datetime) -> StaffProfile:
    person = spec.person
    profile = StaffProfile(
        user=user,
        profession=person.profession,
        grade=spec.grade,
        specialty=person.specialty,
        nhs_employer=spec.employer,
        years_experience=spec.years,
        bio=spec.bio,
        hours_per_month=spec.hours,
        modality=spec.modality,
        notice_weeks=spec.notice_weeks,
        unavailable_until=spec.unavailable_until,
        visibility=spec.visibility,
        consent_to_contact=spec.consent,
        completed_at=now - timedelta(days=spec.active_days_ago + 30),
        last_active_at=now - timedelta(days=spec.active_days_ago),
    )
    db.session.add(profile)
    profile.ties = [CountryTie(country=c, kind=k) for c, k in spec.ties]
    profile.languages = [LanguageSkill(language=c, proficiency=p) for c, p in spec.languages]
    profile.skills = [ProfileSkill(code=c, tag=t, level=lv) for c, t, lv in spec.skills]
    profile.windows = [AvailabilityWindow(starts_on=s, ends_on=e) for s, e in spec.windows]
    for item in spec.credentials:
        verified_at = (
            now - timedelta(days=item.verified_days_ago)
            if item.verified_days_ago is not None
            else None
        )
        db.session.add(
            Credential(
                profile=profile,
                regulator=item.regulator,
                regulator_name=item.regulator_name,
                country=item.country,
                number=item.number,
                expires_on=item.expires_on,
                status=item.status,
                verified_by=admin if verified_at else None,
                verified_at=verified_at,
                note=item.note,
                created_at=(verified_at or now) - timedelta(days=7),
            )
        )
    refresh_search_text(profile)
    return profile


def _user(email: str, name: str, roles: list[str], password_hash: str) -> User:
    email = normalise_email(email)
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(
            email=email, display_name=name, password_hash=password_hash, email_verified_at=utcnow()
        )
        user.roles = [UserRole(role=role) for role in roles]
        db.session.add(user)
    return user


def _demo_second_factor(user: User) -> None:
    """The demo authenticator app for an account that must have a second factor, unless it
    has one (a demo user may have set up their own)."""
    if not factors.must_use_second_factor(db.session, user) or factors.has_factor(db.session, user):
        return
    db.session.add(TotpFactor(user_id=user.id, secret=factors.encrypt_secret(DEMO_TOTP_SECRET)))


def load_demo() -> dict[str, int]:
    """Create whatever part of the demo world is missing; return counts of what exists."""
    password_hash = hash_password(DEMO_PASSWORD)  # one hash for every demo account: fast to load
    admin = _user("admin@demo.test", "Ada Administrator", [Role.ADMIN], password_hash)
    db.session.flush()

    organisations: dict[str, Organisation] = {}
    for key, name, kind, country, website, description, verified in ORGANISATIONS:
        org = db.session.scalar(select(Organisation).where(Organisation.name == name))
        if org is None:
            org = Organisation(
                name=name,
                kind=kind,
                country=country,
                website=website,
                description=description,
                time_zone=TIME_ZONES[key],
            )
            if verified:
                org.verification = Verification.VERIFIED
                org.verified_by_id = admin.id
                org.verified_at = utcnow()
            db.session.add(org)
        organisations[key] = org
    db.session.flush()

    for email, name, roles, org_key, member_role in ROLE_ACCOUNTS:
        user = _user(email, name, roles, password_hash)
        db.session.flush()
        if org_key is None:
            continue
        org = organisations[org_key]
        exists = db.session.scalar(
            select(Membership).where(
                Membership.user_id == user.id, Membership.organisation_id == org.id
            )
        )
        if exists is None:
            db.session.add(Membership(user=user, organisation=org, role=member_role))
    db.session.flush()
    for email, *_rest in ROLE_ACCOUNTS:
        _demo_second_factor(_user(email, "", [], password_hash))

    staff = [_user(p.email, p.name, [Role.STAFF], password_hash) for p in STAFF]
    db.session.flush()
    with_profile = set(db.session.scalars(select(StaffProfile.user_id)))
    now = utcnow()
    for person, user in zip(STAFF, staff, strict=True):
        if user.id in with_profile:
            continue  # never touch a profile that exists: people may have changed it
        user.display_name = person.name  # accounts made by an older demo kept older names
        _create_profile(user, staff_profile_spec(person, now.date()), admin, now)
    db.session.flush()

    # Each area's demo builds on the people and organisations above, in dependency order.
    for area in (
        opportunities,
        engagements,
        bookings,
        contributions,
        milestones,
        matching,
        cohorts,
        impact,
    ):
        area.load(db.session)
        db.session.flush()

    return {
        "users": db.session.query(User).count(),
        "organisations": db.session.query(Organisation).count(),
        "profiles": db.session.query(StaffProfile).count(),
        "credentials": db.session.query(Credential).count(),
    }
