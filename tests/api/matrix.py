"""The authorisation matrix's world and cases.

Every API operation is called by seven callers, each with a read-write token of their own, in
a fresh world; each answer must be the one the rules give. Cases live beside each resource's
tests in `tests/api/matrix_<resource>.py` as `CASES`; `test_authorisation_matrix.py` collects
them and fails when an operation has none.

The world:
- `org_x`, `org_y`: verified partner hospitals in Bangladesh; `partner_x` owns X, `partner_y`
  owns Y.
- `charity`: a verified charity that `coordinator` belongs to; `cohort` of it has `staff_a`.
- `staff_a`, `staff_b`: staff with completed profiles (visible to verified organisations,
  agreeing to be contacted, tied to Bangladesh, a neonatal resuscitation skill).
- `opp_x`: an open project of X wanting doctors with that skill; `staff_a` has applied to it
  (`engagement_a`).
- `draft_x`: a draft project of X. `teaching_x`: an open tele-teaching opportunity of X with one
  session a week away, 20 places (`session_x`); `staff_a` holds a booking (`booking_a`).
- `admin`: an administrator (no organisation).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from diaspora.api import tokens
from diaspora.bookings import services as bookings

ROLES = ("anonymous", "staff_a", "staff_b", "partner_x", "partner_y", "coordinator", "admin")


@dataclass
class Case:
    operation: str
    path: Callable[["World"], str]
    expect: dict[str, int]
    body: Callable[["World"], dict | None] = field(default=lambda w: None)

    def __post_init__(self) -> None:
        missing = set(ROLES) - set(self.expect)
        assert not missing, f"{self.operation}: no expectation for {sorted(missing)}"


def everyone(status: int, **others: int) -> dict[str, int]:
    """Every signed-in caller answers `status`, but those named; anonymous is always 401."""
    return {role: others.get(role, status) for role in ROLES} | {"anonymous": 401}


class World:
    def __init__(self, make, session) -> None:
        self.make = make
        self.staff_a = make.profile(make.user(name="Staff A")).user
        self.staff_b = make.profile(make.user(name="Staff B")).user
        self.partner_x = make.user(roles=["partner"], name="Partner X")
        self.partner_y = make.user(roles=["partner"], name="Partner Y")
        self.org_x = make.organisation(owner=self.partner_x, name="Hospital X")
        self.org_y = make.organisation(owner=self.partner_y, name="Hospital Y")
        self.charity = make.organisation(kind="charity", country="GB", name="Charity")
        self.coordinator = make.coordinator(self.charity, name="Coordinator")
        self.cohort = make.cohort(
            self.charity, members=(self.staff_a,), created_by=self.coordinator
        )
        self.admin = make.user(roles=["admin"], name="Admin")
        self.opp_x = make.opportunity(self.org_x, title="Neonatal project")
        self.draft_x = make.opportunity(self.org_x, status="draft", title="Draft project")
        self.teaching_x = make.opportunity(self.org_x, kind="teaching", title="Teaching")
        self.session_x = self.teaching_x.sessions[0]
        self.engagement_a = make.engagement(self.opp_x, self.staff_a)
        self.booking_a = bookings.book(session, self.staff_a.id, self.session_x.id)
        session.commit()
        self.tokens: dict[str, str] = {}
        for role in ROLES[1:]:
            _, secret = tokens.create(session, getattr(self, role), role, "read-write")
            self.tokens[role] = secret
        session.commit()

    def headers(self, role: str) -> dict[str, str]:
        if role == "anonymous":
            return {}
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def known_ids(self) -> dict[str, int]:
        """Path parameter name -> the id of this world's own record, for fuzzing."""
        return {
            "organisation_id": self.org_x.id,
            "opportunity_id": self.opp_x.id,
            "session_id": self.session_x.id,
            "engagement_id": self.engagement_a.id,
            "cohort_id": self.cohort.id,
        }
