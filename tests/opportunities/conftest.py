"""People who post opportunities: members of verified (and unverified) organisations."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask import current_app

from diaspora.auth.models import User
from diaspora.opportunities.services import OpportunityInput
from diaspora.organisations.models import Organisation
from tests.helpers import sign_in

# A fixed "now" for service tests: well before every date they use.
NOW = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)


@dataclass
class Member:
    user: User
    organisation: Organisation


@pytest.fixture
def member(make, db):
    """member(verified=True, **organisation fields) -> a partner and the organisation they are
    an active member of."""

    def _member(*, verified: bool = True, user: User | None = None, **fields) -> Member:
        user = user or make.user(roles=["partner"])
        organisation = make.organisation(verified=verified, members=(user,), **fields)
        db.session.refresh(user)
        return Member(user, organisation)

    return _member


@pytest.fixture
def signed_in_member(client, member):
    """A member of a verified organisation, signed in."""
    someone = member()
    sign_in(client, someone.user.email)
    return someone


def soon(days: int = 14) -> date:
    return date.today() + timedelta(days=days)


def project_input(**changes) -> OpportunityInput:
    data = OpportunityInput(
        kind="project",
        title="Set up a neonatal resuscitation training programme in Sylhet",
        description="Train midwives and nurses to lead Helping Babies Breathe courses.",
        country="BD",
        region="Sylhet",
        modality="hybrid",
        professions=["midwife", "childrens_nurse"],
        skills=[("neonatal_resuscitation", 3)],
        languages=[("ben", 2)],
        starts_on=date(2027, 3, 1),
        ends_on=date(2027, 8, 31),
        hours_per_month=8,
        places=4,
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def teaching_input(**changes) -> OpportunityInput:
    data = OpportunityInput(
        kind="teaching",
        title="Sepsis recognition for final-year nursing students",
        description="A live online teaching session with case discussions.",
        country="BD",
        region="Dhaka",
        modality="remote",
        professions=["adult_nurse"],
        starts_on=date(2027, 3, 1),
        start_time=time(14, 0),
        host_time_zone="Asia/Dhaka",
        duration_minutes=60,
        capacity=20,
        join_link="https://meet.example.org/sepsis",
        audience="Final-year nursing students",
        learners_expected=40,
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def placement_input(**changes) -> OpportunityInput:
    data = OpportunityInput(
        kind="placement",
        title="Six months in the emergency department at a Lagos teaching hospital",
        description="Join our emergency team and help set up a triage system.",
        country="NG",
        region="Lagos",
        modality="on_site",
        professions=["doctor"],
        host_institution="Lagos University Teaching Hospital",
        duration_months=6,
        support_travel=True,
        support_housing=True,
        service_commitment="Teach the triage course to two cohorts of nurses.",
        starts_on=date(2027, 6, 1),
        ends_on=date(2027, 9, 30),
        places=2,
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def form_errors(data: OpportunityInput, *, now=NOW, editing=None) -> dict[str, str]:
    """Every problem the form of `data`'s kind finds with it, by field: the field rules live
    in the form, as a page or the API fills it."""
    from diaspora.opportunities.forms import FORMS

    form_class = FORMS[data.kind]
    values = form_class.initial(data) | {"join_link": data.join_link}
    with current_app.test_request_context():
        form = form_class(
            formdata=None, data=values, meta={"csrf": False}, editing=editing, now=now
        )
        form.validate()
    return {name: " ".join(messages) for name, messages in form.errors.items()}
