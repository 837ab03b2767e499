"""The API fuzzed from its own OpenAPI document (schemathesis, in-process WSGI).

Every operation gets 75 generated requests, 50 valid and 25 invalid, sent with a valid
read-write token of a partner who owns an organisation (path ids are mostly those of the
world's own records, so writes reach the services rather than stopping at 404). Each answer
must not be a server error, must be a status and a body the document declares, invalid input
must be refused with a 4xx, and the same request without the token must answer 401.

Sized to what it proves: the generator tries the schema's edges (empty, longest, wrong type,
missing field) within the first few dozen examples of each operation, and its later examples
repeated those shapes with other values; 100 and 50 cost about four minutes of the suite for no
answer the first 50 and 25 had not already checked. Marked slow, so it starts first.
"""

import random

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from diaspora.api.resources import OPERATIONS
from tests.api.matrix import World

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
]


EXAMPLES = {GenerationMode.POSITIVE: 50, GenerationMode.NEGATIVE: 25}


@pytest.mark.slow
@pytest.mark.parametrize("mode", list(EXAMPLES), ids=lambda mode: mode.value)
@pytest.mark.parametrize("operation_id", sorted(op.id for op in OPERATIONS))
def test_the_api_keeps_its_promises(app, make, db, operation_id, mode):
    world = World(make, db.session)
    known = world.known_ids()
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app).find_operation_by_id(
        operation_id
    )
    chooser = random.Random(operation_id)

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def call(case):
        # Valid requests mostly name the world's own records; invalid ones keep their ids,
        # which must stay invalid for the check that they are refused.
        if mode is GenerationMode.POSITIVE:
            for name in (case.path_parameters or {}).keys() & known.keys():
                if chooser.random() < 0.8:
                    case.path_parameters[name] = known[name]
        # An invalid case may be one without the token: then it is sent without it.
        negated = case.operation.schema.is_security_param_negated(case)
        # Plain bodies: the fuzzer reads the WSGI answer as sent, without undoing compression
        # (compressed answers are tested in tests/core/test_assets.py).
        headers = {"Accept-Encoding": "identity"}
        headers |= {} if negated else world.headers("partner_x")
        case.call_and_validate(headers=headers, checks=CHECKS)

    call()
