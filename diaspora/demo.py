"""`flask demo load`: a believable world to click through. Idempotent; refused in production."""

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from diaspora.auth.models import Role, User, UserRole
from diaspora.auth.services import hash_password, normalise_email
from diaspora.core.time import utcnow
from diaspora.extensions import db
from diaspora.organisations.models import MemberRole, Membership, Organisation, Verification
from diaspora.organisations.services import member_role_for

DEMO_PASSWORD = "diaspora-demo-2026"

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
        "manila",
        "University of the Philippines Manila College of Nursing",
        "university",
        "PH",
        "https://upm-nursing.example",
        "A nursing school in Manila.",
        False,
    ),
]

# (email, name, roles, organisation key or None, membership role)
ROLE_ACCOUNTS = [
    ("admin@demo.test", "Ada Administrator", [Role.ADMIN], None, None),
    ("coordinator@demo.test", "Nasreen Chowdhury", [], "charity", MemberRole.OWNER),
    ("partner@demo.test", "Dr Farhana Rahman", [], "dhaka", MemberRole.OWNER),
    ("staff@demo.test", "Dr Adebayo Okonkwo", [Role.STAFF], None, None),
    ("lagos@demo.test", "Dr Chiamaka Eze", [], "lagos", MemberRole.OWNER),
    ("accra@demo.test", "Kwame Mensah", [], "accra", MemberRole.OWNER),
    ("manila@demo.test", "Maria Santos", [], "manila", MemberRole.OWNER),
    ("trust@demo.test", "Helen Carter", [], "trust", MemberRole.OWNER),
]

# Names from the communities the service serves, in the scripts people write them in.
STAFF_NAMES = [
    "Dr Tanvir Ahmed",
    "Shirin Akter",
    "Dr Mohammad Rafiq",
    "Nusrat Jahan",
    "Dr Imran Hossain",
    "রুমানা ইসলাম",
    "Dr Kamrul Hasan",
    "Farzana Begum",
    "Dr Sabbir Khan",
    "Taslima Nasreen",
    "Dr Olúwaseun Adéyẹmí",
    "Ngozi Okafor",
    "Dr Emeka Nwosu",
    "Funmilayo Adébáyọ̀",
    "Dr Ifeanyi Obi",
    "Bukola Ogunleye",
    "Dr Tunde Bakare",
    "Chinwe Nwachukwu",
    "Dr Yusuf Abubakar",
    "Aisha Bello",
    "Dr Kofi Asante",
    "Abena Owusu",
    "Dr Yaw Boateng",
    "Akosua Darko",
    "Dr Kwabena Osei",
    "Dr Ayesha Siddiqui",
    "عمران ملک",
    "Dr Fatima Zahra",
    "Bilal Chaudhry",
    "Dr Sana Qureshi",
    "Dr Hina Aslam",
    "Usman Tariq",
    "Dr Rizwan Ahmed",
    "Maryam Javed",
    "Dr Asif Iqbal",
    "Jocelyn Reyes",
    "Dr Mark Villanueva",
    "Cristina Dela Cruz",
    "Dr Paolo Garcia",
    "Angelica Ramos",
    "Dr Priya Nair",
    "Arjun Menon",
    "Dr Deepa Pillai",
    "Rahul Sharma",
    "Dr Lakshmi Iyer",
    "Tendai Moyo",
    "Dr Rudo Chikwanha",
    "Wanjiru Kamau",
    "Dr Otieno Odhiambo",
    "Grace Banda",
]


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
                name=name, kind=kind, country=country, website=website, description=description
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
            role = member_role_for(org)
            if role not in user.role_names:
                user.roles.append(UserRole(role=role))

    for index, name in enumerate(STAFF_NAMES, start=1):
        _user(f"staff{index:02d}@demo.test", name, [Role.STAFF], password_hash)
    db.session.flush()

    return {
        "users": db.session.query(User).count(),
        "organisations": db.session.query(Organisation).count(),
    }


demo_cli = AppGroup("demo", help="Demonstration data.")


@demo_cli.command("load")
def load_command() -> None:
    """Fill the database with demo organisations and accounts (safe to run again)."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("Demo data is never loaded in production.")
    counts = load_demo()
    db.session.commit()
    click.echo(
        f"Demo data ready: {counts['users']} users, {counts['organisations']} organisations."
    )
    click.echo(f"Every demo account's password is {DEMO_PASSWORD}")
