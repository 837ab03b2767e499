"""A realistic registry of NHS diaspora staff, generated and bulk-loaded fast.

`load_registry(url, profiles)` fills a freshly migrated database with `profiles` staff members
(accounts, roles, profiles, country ties, languages, skills, travel windows, credentials) and one
coordinator of a verified charity to search as. Rows are built in Python from a seeded random
generator, so every run loads the same data, and written with PostgreSQL's COPY or one SQLite
executemany per table: never through the ORM one object at a time.

The shape follows the NHS workforce and its international recruits, roughly:
- professions weighted like NHS staff on such a register: many nurses, then doctors, then
  allied health professionals, pharmacy, healthcare science, dental and others;
- country ties skewed to India, the Philippines, Nigeria, Pakistan, Bangladesh, Ghana and
  Zimbabwe (the largest sources of NHS international recruits), with a long tail; a share are
  UK-born with family heritage elsewhere; 1 to 3 ties each;
- 1 to 4 languages: the languages of the person's countries, and English for almost everyone;
- 2 to 8 skills from the catalogue, weighted by profession, at levels 1 to 4, a few free tags;
- visibility mostly to coordinators or verified organisations, 15% private; 90% completed.
"""

import random
import secrets
import sys
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import create_engine, make_url, text

from diaspora.reference.catalogue import language_names, skills

SEED = 20261122
TODAY = date(2026, 11, 22)
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

# (code, weight): the share of the register each profession makes up.
PROFESSIONS = [
    ("adult_nurse", 27),
    ("mental_health_nurse", 5),
    ("childrens_nurse", 4),
    ("learning_disability_nurse", 1),
    ("midwife", 5),
    ("nursing_associate", 2),
    ("doctor", 26),
    ("physiotherapist", 4),
    ("occupational_therapist", 3),
    ("radiographer", 3),
    ("paramedic", 2),
    ("speech_language_therapist", 1),
    ("dietitian", 1),
    ("operating_department_practitioner", 1),
    ("podiatrist", 0.5),
    ("orthoptist", 0.2),
    ("prosthetist_orthotist", 0.2),
    ("art_therapist", 0.2),
    ("pharmacist", 4),
    ("pharmacy_technician", 1),
    ("biomedical_scientist", 2),
    ("clinical_scientist", 1),
    ("practitioner_psychologist", 1),
    ("dentist", 1),
    ("dental_care_professional", 0.5),
    ("manager", 2),
    ("educator", 1),
    ("other", 0.4),
]
MEDICAL_GRADES = [
    ("consultant", 28),
    ("specialty_registrar", 20),
    ("specialty_doctor", 12),
    ("core_trainee", 9),
    ("fy1", 4),
    ("fy2", 4),
    ("gp", 10),
    ("gp_registrar", 4),
    ("specialist", 3),
    ("associate_specialist", 1),
    ("staff_grade", 1),
    ("locally_employed_doctor", 4),
]
AFC_GRADES = [
    ("afc_3", 1),
    ("afc_4", 3),
    ("afc_5", 30),
    ("afc_6", 34),
    ("afc_7", 21),
    ("afc_8a", 7),
    ("afc_8b", 3),
    ("afc_8c", 1),
]
SPECIALTIES = {
    "doctor": [
        "Paediatrics",
        "Obstetrics and gynaecology",
        "Emergency medicine",
        "Anaesthetics",
        "General surgery",
        "Psychiatry",
        "General practice",
        "Cardiology",
        "Infectious diseases",
        "Neonatology",
        "Trauma and orthopaedics",
        "Respiratory medicine",
        "Renal medicine",
        "Diabetes and endocrinology",
        "Public health medicine",
    ],
    "nurse": [
        "Critical care",
        "Emergency nursing",
        "Theatres",
        "Renal nursing",
        "Oncology",
        "Community nursing",
        "Neonatal intensive care",
        "Infection prevention",
        "Diabetes specialist nursing",
        "Tissue viability",
        "Cardiac nursing",
        "Stroke care",
    ],
    "midwife": ["Labour ward", "Community midwifery", "Fetal medicine", "Maternity triage"],
    "other": [
        "Musculoskeletal",
        "Neurological rehabilitation",
        "Paediatric therapy",
        "Medicines optimisation",
        "Diagnostic imaging",
        "Haematology",
        "Microbiology",
        "Service improvement",
        "Education and training",
    ],
}
SPECIALTY_GROUP = {
    "doctor": "doctor",
    "midwife": "midwife",
    "adult_nurse": "nurse",
    "mental_health_nurse": "nurse",
    "childrens_nurse": "nurse",
    "learning_disability_nurse": "nurse",
    "nursing_associate": "nurse",
}

# Country of origin: weight, languages ((ISO 639-3, weight) pairs), typical given and family names.
ORIGINS = {
    "IN": (
        20,
        [("hin", 5), ("mal", 4), ("pan", 2), ("guj", 2), ("tam", 2), ("tel", 2), ("ben", 1)],
        "Priya Anjali Deepa Rahul Arjun Sunita Vikram Lakshmi Ravi Meera Sanjay Kavya Suresh Anil",
        "Sharma Patel Nair Menon Singh Reddy Iyer Kumar Gupta Pillai Joshi Desai Rao Thomas",
    ),
    "PH": (
        13,
        [("tgl", 8), ("ceb", 3), ("ilo", 2)],
        "Maria Jose Angelica Mark Kristine John Mary Grace Rowena Jerome Joy Carlo Liza",
        "Santos Reyes Cruz Bautista Garcia Mendoza Ramos Aquino Dela Cruz Villanueva Castillo",
    ),
    "NG": (
        12,
        [("yor", 5), ("ibo", 4), ("hau", 2), ("pcm", 3)],
        "Chinedu Oluwaseun Ngozi Adebayo Funmilayo Emeka Aisha Chiamaka Tunde Ifeoma Bola Uche",
        "Okafor Adeyemi Okeke Balogun Nwosu Eze Ogunleye Abubakar Okonkwo Adebayo Ibrahim Obi",
    ),
    "PK": (
        9,
        [("urd", 6), ("pan", 4), ("pus", 2), ("skr", 1)],
        "Ayesha Ahmed Fatima Imran Zainab Usman Sana Bilal Hina Kashif Nadia Faisal",
        "Khan Hussain Malik Butt Qureshi Chaudhry Raza Iqbal Sheikh Mirza Javed Akhtar",
    ),
    "BD": (
        6,
        [("ben", 8), ("syl", 4)],
        "Nasrin Rahim Farhana Kamal Shirin Tanvir Rumana Jahid Sultana Arif Nusrat Mahmud",
        "Rahman Uddin Akter Hossain Chowdhury Islam Begum Miah Ahmed Sarkar Haque Karim",
    ),
    "GH": (
        6,
        [("twi", 7), ("ewe", 2)],
        "Kwame Ama Kofi Akosua Yaw Abena Kwabena Efua Kojo Adwoa Kwesi Esi",
        "Mensah Asante Owusu Boateng Osei Agyeman Appiah Darko Acheampong Amoah Ofori Addo",
    ),
    "ZW": (
        5,
        [("sna", 7), ("nde", 3)],
        "Tendai Rudo Tatenda Chipo Farai Nyasha Tafadzwa Kudzai Blessing Memory Tinashe",
        "Moyo Ncube Dube Sibanda Chikwanha Mutasa Nyathi Mpofu Gumbo Chirwa Zvobgo",
    ),
    "KE": (
        3,
        [("swa", 8)],
        "Wanjiru Otieno Achieng Kamau Njeri Mwangi Akinyi Kiprono Wambui",
        "Mwangi Otieno Kamau Wanjiku Odhiambo Kiptoo Njoroge Ochieng Chebet",
    ),
    "LK": (
        3,
        [("sin", 5), ("tam", 3)],
        "Dilani Nuwan Chamari Kasun Tharushi Ruwan",
        "Perera Fernando Silva Jayasinghe Wickramasinghe Bandara",
    ),
    "NP": (
        2,
        [("nep", 8)],
        "Sita Ram Anita Bikash Sunita Prakash",
        "Shrestha Gurung Thapa Rai Tamang Adhikari",
    ),
    "SD": (2, [("ara", 8)], "Mohamed Amna Osman Hiba Khalid", "Elamin Abdalla Osman Ali Hassan"),
    "EG": (2, [("ara", 8)], "Ahmed Mona Mahmoud Rania Omar", "Mostafa Hassan Ibrahim Fahmy"),
    "IQ": (1, [("ara", 8)], "Ali Zahra Hussein Noor", "Al-Saadi Jaber Kadhim Abbas"),
    "SO": (1, [("som", 8)], "Hodan Abdi Faduma Yusuf", "Warsame Farah Mohamud Jama"),
    "SL": (1.5, [("kri", 8)], "Fatmata Mohamed Isatu Abu", "Kamara Koroma Sesay Conteh Bangura"),
    "UG": (
        1.5,
        [("lug", 6), ("swa", 2)],
        "Grace Moses Joan Ivan",
        "Nakato Okello Mugisha Namutebi",
    ),
    "MW": (1, [("nya", 8)], "Chikondi Limbani Thoko", "Banda Phiri Mwale"),
    "ZM": (1, [("nya", 3)], "Mwape Chanda Mulenga", "Mwansa Tembo Zulu"),
    "ET": (1, [("amh", 8)], "Selam Dawit Hanna", "Tesfaye Bekele Haile"),
    "CM": (1, [("fra", 8)], "Brice Estelle Arnaud", "Ngono Fotso Kamga"),
    "ZA": (
        1.5,
        [("zul", 3), ("xho", 2), ("afr", 2)],
        "Thandi Sipho Lerato",
        "Nkosi Dlamini Mokoena",
    ),
    "JM": (2, [], "Marcia Andre Shanice Delroy", "Campbell Brown Williams Clarke"),
    "PL": (1, [("pol", 8)], "Agnieszka Piotr Katarzyna", "Nowak Kowalski Wisniewska"),
    "PT": (1, [("por", 8)], "Ana Joao Ines", "Silva Santos Ferreira"),
    "ES": (1, [("spa", 8)], "Lucia Javier Carmen", "Garcia Martinez Lopez"),
    "IR": (1, [("fas", 8)], "Maryam Reza Shirin", "Hosseini Ahmadi Karimi"),
}
UK_BORN_SHARE = 0.12  # UK-born staff with family heritage in one of the countries above
OTHER_TIE_COUNTRIES = ["GB", "SA", "AE", "IE", "AU", "US", "KE", "UG", "TZ", "RW", "MW", "ET"]
SKILL_BOOSTS = {
    "doctor": ["clinical_teaching", "emergency_care", "surgery", "anaesthesia", "research_methods"],
    "midwife": ["maternal_newborn", "midwifery_education", "neonatal_resuscitation"],
    "nurse": ["nursing_education", "infection_prevention", "patient_safety", "mentoring"],
    "other": ["rehabilitation", "diagnostics", "pharmacy_practice", "quality_improvement"],
}
FREE_TAGS = ["Sickle cell", "Ultrasound training", "Point of care testing", "Kangaroo care"]
BIO_OPENINGS = [
    "I have taught {skill} in {city} and would like to do so again.",
    "Keen to support {skill} projects with partners in {city}.",
    "Experienced in {skill}; I have volunteered with a hospital in {city}.",
    "Happy to mentor colleagues in {city} on {skill}.",
    "",
]
CITIES = {
    "IN": "Kochi",
    "PH": "Manila",
    "NG": "Lagos",
    "PK": "Lahore",
    "BD": "Sylhet",
    "GH": "Kumasi",
    "ZW": "Harare",
    "KE": "Kisumu",
    "LK": "Kandy",
    "NP": "Pokhara",
    "SD": "Khartoum",
    "SL": "Freetown",
    "UG": "Kampala",
}
PASSWORD_HASH = "!bench: no password"  # noqa: S105 (not a hash: no one signs in as these people)


def _weighted(pairs: Sequence[tuple[str, float]]) -> tuple[list[str], list[float]]:
    return [code for code, _ in pairs], [weight for _, weight in pairs]


class _Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.origins, self.origin_weights = _weighted([(c, v[0]) for c, v in ORIGINS.items()])
        self.professions, self.profession_weights = _weighted(PROFESSIONS)
        self.medical = _weighted(MEDICAL_GRADES)
        self.afc = _weighted(AFC_GRADES)
        self.skill_names = {code: row["name"] for code, row in skills().items()}
        self.skill_codes = list(self.skill_names)
        known = language_names()
        for code, (_, languages, _, _) in ORIGINS.items():
            unknown = [language for language, _ in languages if language not in known]
            assert not unknown, f"{code}: languages not in the catalogue: {unknown}"

    def pick(self, pairs: tuple[list[str], list[float]]) -> str:
        return self.rng.choices(pairs[0], pairs[1])[0]

    def ties(self, origin: str) -> list[tuple[str, str]]:
        rng = self.rng
        if rng.random() < UK_BORN_SHARE:
            ties = [("GB", "born"), (origin, "heritage")]
        else:
            ties = [(origin, "born")]
            if rng.random() < 0.45:
                ties.append((origin, "trained"))
        if rng.random() < 0.25 and len(ties) < 3:
            ties.append((rng.choice(OTHER_TIE_COUNTRIES), "worked"))
        return list(dict.fromkeys(ties))[:3]

    def languages(self, origin: str, uk_born: bool) -> list[tuple[str, int]]:
        rng = self.rng
        pairs = ORIGINS[origin][1]
        spoken: dict[str, int] = {}
        if rng.random() < 0.96:
            spoken["eng"] = 4 if uk_born else rng.choices([2, 3, 4], [10, 55, 35])[0]
        if pairs:
            codes, weights = _weighted(pairs)
            for code in dict.fromkeys(rng.choices(codes, weights, k=rng.choice([1, 1, 2, 3]))):
                spoken.setdefault(code, rng.choices([1, 2, 3, 4], [10, 15, 25, 50])[0])
        if not spoken:
            spoken["eng"] = 4
        return list(spoken.items())[:4]

    def skills(self, profession: str) -> list[tuple[str, str | None, int]]:
        rng = self.rng
        group = SPECIALTY_GROUP.get(profession, "other")
        boosted = SKILL_BOOSTS[group]
        count = rng.randint(2, 8)
        picked = dict.fromkeys(
            rng.choice(boosted) if rng.random() < 0.4 else rng.choice(self.skill_codes)
            for _ in range(count)
        )
        chosen = [(code, None, rng.choices([1, 2, 3, 4], [10, 35, 35, 20])[0]) for code in picked]
        if rng.random() < 0.05:
            tag = rng.choice(FREE_TAGS)
            chosen.append((f"tag:{tag.lower().replace(' ', '-')}", tag, rng.randint(1, 4)))
        return chosen


def generate(profiles: int, seed: int = SEED) -> dict[str, list[tuple]]:
    """Rows per table, ids assigned from 1, for `profiles` staff members and one coordinator."""
    g = _Generator(seed)
    rng = g.rng
    tables: dict[str, list[tuple]] = {
        name: []
        for name in (
            "users",
            "user_roles",
            "organisations",
            "memberships",
            "staff_profiles",
            "country_ties",
            "profile_languages",
            "profile_skills",
            "availability_windows",
            "credentials",
        )
    }
    tie_id = language_id = skill_id = window_id = credential_id = 0
    for n in range(1, profiles + 1):
        origin = rng.choices(g.origins, g.origin_weights)[0]
        _, _, given, family = ORIGINS[origin]
        name = f"{rng.choice(given.split())} {rng.choice(family.split())}"
        created = NOW - timedelta(days=rng.randint(1, 900))
        tables["users"].append(
            (
                n,
                f"staff{n}@bench.example",
                name,
                PASSWORD_HASH,
                "Europe/London",
                True,
                created,
                secrets.token_hex(16),
                created,
            )
        )
        tables["user_roles"].append((n, n, "staff", created))

        profession = rng.choices(g.professions, g.profession_weights)[0]
        grade = g.pick(g.medical if profession == "doctor" else g.afc)
        specialty = rng.choice(SPECIALTIES[SPECIALTY_GROUP.get(profession, "other")])
        ties = g.ties(origin)
        uk_born = ties[0] == ("GB", "born")
        languages = g.languages(origin, uk_born)
        chosen_skills = g.skills(profession)
        first_skill = g.skill_names.get(chosen_skills[0][0], chosen_skills[0][1] or "")
        bio = rng.choice(BIO_OPENINGS).format(
            skill=first_skill.lower(), city=CITIES.get(origin, "partner hospitals")
        )
        labels = [tag or g.skill_names.get(code, code) for code, tag, _ in chosen_skills]
        search_text = " ".join(part for part in [name, specialty, bio, *labels] if part).lower()
        last_active = NOW - timedelta(minutes=int(rng.expovariate(1 / (60 * 24 * 60))))
        completed = created + timedelta(hours=1) if rng.random() < 0.9 else None
        visibility = rng.choices(
            ["private", "coordinators", "verified_organisations"], [15, 35, 50]
        )[0]
        hours = rng.choices(
            [None, 2, 4, 6, 8, 10, 12, 16, 20, 30, 40], [8, 8, 16, 8, 18, 10, 10, 8, 8, 4, 2]
        )[0]
        modality = rng.choices([None, "remote", "on_site", "both"], [5, 45, 15, 35])[0]
        unavailable = TODAY + timedelta(days=rng.randint(10, 540)) if rng.random() < 0.1 else None
        tables["staff_profiles"].append(
            (
                n,
                n,
                profession,
                grade,
                specialty,
                "",
                rng.randint(1, 35),
                bio,
                hours,
                modality,
                rng.choice([None, 2, 4, 8, 12]),
                unavailable,
                visibility,
                rng.random() < 0.7,
                search_text,
                completed,
                last_active,
                last_active,
            )
        )
        for country, kind in ties:
            tie_id += 1
            tables["country_ties"].append((tie_id, n, country, kind))
        for code, proficiency in languages:
            language_id += 1
            tables["profile_languages"].append((language_id, n, code, proficiency))
        for code, tag, level in chosen_skills:
            skill_id += 1
            tables["profile_skills"].append((skill_id, n, code, tag, level))
        if modality in ("on_site", "both") and rng.random() < 0.6:
            start = TODAY + timedelta(days=rng.randint(0, 600))
            for _ in range(rng.choice([1, 1, 2])):
                end = start + timedelta(days=rng.choice([7, 14, 21, 28, 42, 90]))
                window_id += 1
                tables["availability_windows"].append((window_id, n, start, end))
                start = end + timedelta(days=rng.randint(30, 200))
        if rng.random() < 0.6:
            credential_id += 1
            status = rng.choices(["verified", "unverified", "rejected"], [60, 35, 5])[0]
            regulator = {"doctor": "GMC"}.get(profession, "NMC" if "nurs" in profession else "HCPC")
            tables["credentials"].append(
                (
                    credential_id,
                    n,
                    regulator,
                    "",
                    "GB",
                    f"{n:07d}",
                    None,
                    status,
                    None,
                    None,
                    "",
                    created,
                )
            )

    coordinator = profiles + 1
    tables["users"].append(
        (
            coordinator,
            "coordinator@bench.example",
            "Bench Coordinator",
            PASSWORD_HASH,
            "Europe/London",
            True,
            NOW,
            secrets.token_hex(16),
            NOW,
        )
    )
    tables["organisations"].append((1, "Bench Health Link", "charity", "GB", "", "verified", NOW))
    tables["memberships"].append((1, coordinator, 1, "owner", "active", NOW))
    return tables


COLUMNS = {
    "users": "id, email, display_name, password_hash, time_zone, active, email_verified_at,"
    " session_token, created_at",
    "user_roles": "id, user_id, role, granted_at",
    "organisations": "id, name, kind, country, description, verification, created_at",
    "memberships": "id, user_id, organisation_id, role, status, created_at",
    "staff_profiles": "id, user_id, profession, grade, specialty, nhs_employer, years_experience,"
    " bio, hours_per_month, modality, notice_weeks, unavailable_until, visibility,"
    " consent_to_contact, search_text, completed_at, updated_at, last_active_at",
    "country_ties": "id, profile_id, country, kind",
    "profile_languages": "id, profile_id, language, proficiency",
    "profile_skills": "id, profile_id, code, tag, level",
    "availability_windows": "id, profile_id, starts_on, ends_on",
    "credentials": "id, profile_id, regulator, regulator_name, country, number, expires_on,"
    " status, verified_by_id, verified_at, note, created_at",
}


def _copy_postgresql(url: str, tables: dict[str, list[tuple]]) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        cursor = connection.connection.dbapi_connection.cursor()
        for table, rows in tables.items():
            with cursor.copy(f"COPY {table} ({COLUMNS[table]}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            if rows:
                connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), :n)"),
                    {"n": max(row[0] for row in rows)},
                )
    # VACUUM (not allowed in a transaction) fills the visibility map for index-only scans.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def _sqlite_value(value: object) -> object:
    """Values as SQLAlchemy's SQLite types store them (naive UTC text for datetimes)."""
    if isinstance(value, datetime):
        return (
            value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _insert_sqlite(url: str, tables: dict[str, list[tuple]]) -> None:
    engine = create_engine(url)
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        raw.execute("PRAGMA synchronous = OFF")
        raw.execute("BEGIN")
        for table, rows in tables.items():
            placeholders = ", ".join("?" * (COLUMNS[table].count(",") + 1))
            raw.executemany(
                f"INSERT INTO {table} ({COLUMNS[table]}) VALUES ({placeholders})",
                ([_sqlite_value(value) for value in row] for row in rows),
            )
        raw.execute("COMMIT")
        raw.execute("ANALYZE")
    engine.dispose()


def load_registry(url: str, profiles: int) -> int:
    """Fill the migrated database at url; return the id of the coordinator to search as."""
    started = time.perf_counter()
    tables = generate(profiles)
    generated = time.perf_counter()
    if make_url(url).get_backend_name() == "postgresql":
        _copy_postgresql(url, tables)
    else:
        _insert_sqlite(url, tables)
    rows = sum(len(rows) for rows in tables.values())
    print(
        f"registry_data: {profiles} profiles, {rows} rows: generated in"
        f" {generated - started:.1f}s, loaded in {time.perf_counter() - generated:.1f}s",
        file=sys.stderr,
        flush=True,
    )
    return profiles + 1
