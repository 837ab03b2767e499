"""Every API operation by seven callers: each answer is the one the rules say (see matrix.py).

The cases are collected from `tests/api/matrix_*.py`; an operation without a case fails
`test_every_operation_is_in_the_matrix`, so nothing reaches the API unchecked.
"""

import importlib
from pathlib import Path

import pytest

from diaspora.api.resources import OPERATIONS
from tests.api.matrix import ROLES, World

HERE = Path(__file__).parent
CASES = [
    case
    for module in sorted(HERE.glob("matrix_*.py"))
    for case in importlib.import_module(f"tests.api.{module.stem}").CASES
]
BY_ID = {op.id: op for op in OPERATIONS}


def test_every_operation_is_in_the_matrix():
    assert {op.id for op in OPERATIONS} - {case.operation for case in CASES} == set()
    assert {case.operation for case in CASES} - set(BY_ID) == set(), "cases of unknown operations"


READS = [case for case in CASES if BY_ID[case.operation].method == "GET"]
WRITES = [case for case in CASES if BY_ID[case.operation].method != "GET"]


def _ids(cases):
    return [f"{case.operation}-{number}" for number, case in enumerate(cases)]


def _answer(client, world, case, role):
    response = client.open(
        "/api/v1" + case.path(world),
        method=BY_ID[case.operation].method,
        json=case.body(world),
        headers=world.headers(role),
    )
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json"
    return response


@pytest.mark.parametrize("case", READS, ids=_ids(READS))
def test_each_caller_reads_what_the_rules_allow(client, make, db, case):
    """Reads change nothing, so the seven callers share one world."""
    world = World(make, db.session)
    answers = {role: _answer(client, world, case, role).status_code for role in ROLES}
    assert answers == case.expect


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", WRITES, ids=_ids(WRITES))
def test_each_caller_changes_what_the_rules_allow(client, make, db, case, role):
    """Each write runs in a world of its own, so one caller's change cannot decide another's."""
    world = World(make, db.session)
    response = _answer(client, world, case, role)
    assert response.status_code == case.expect[role], response.get_data(as_text=True)
