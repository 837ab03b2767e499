"""Every API operation by seven callers: each answer is the one the rules say (see matrix.py).

The cases are collected from `tests/api/matrix_*.py`; an operation without a case fails
`test_every_operation_is_in_the_matrix`, so nothing reaches the API unchecked.
"""

import importlib
from pathlib import Path

import pytest

from diaspora.api.resources import OPERATIONS
from diaspora.extensions import limiter
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


@pytest.mark.parametrize("case", WRITES, ids=_ids(WRITES))
def test_each_caller_changes_what_the_rules_allow(client, make, db, shared_app, case):
    """Each caller's write is undone before the next caller's (a savepoint around it), so one
    caller's change cannot decide another's, and the world is built once, not seven times."""
    world = World(make, db.session)
    path, body = case.path(world), case.body(world)
    headers = {role: world.headers(role) for role in ROLES}
    db.session.commit()
    connection = db.session.connection()
    db.session.close()
    answers, bodies = {}, {}
    for role in ROLES:
        savepoint = connection.begin_nested()
        response = client.open(
            "/api/v1" + path, method=BY_ID[case.operation].method, json=body, headers=headers[role]
        )
        if response.status_code >= 400:
            assert response.mimetype == "application/problem+json"
        answers[role], bodies[role] = response.status_code, response.get_data(as_text=True)
        db.session.close()
        savepoint.rollback()
        shared_app.restore()  # in-memory copies must not outlive the rows rolled back
        limiter.reset()
    assert answers == case.expect, {
        role: bodies[role] for role in ROLES if answers[role] != case.expect[role]
    }
