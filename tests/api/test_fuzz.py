"""Property-based fuzzing of the whole HTTP service from its own OpenAPI document (schemathesis):
valid and invalid inputs for every operation, in-process; no answer may be a 5xx, and every
answer must match what the document declares.

Cases are drawn per operation with Hypothesis (derandomized, so a run is reproducible) rather
than through ``schemathesis.pytest.from_fixture``, whose lazy loader does not support the
installed pytest.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance

from hub.core.app import HubApp
from hub.core.server import create_server
from hub.core.sync.inventory import add_product
from hub.core.sync.stock import add_warehouse
from tests.api.conftest import import_all
from tests.fakeplatform import FakePlatform, make_order

EXAMPLES = {GenerationMode.POSITIVE: 50, GenerationMode.NEGATIVE: 20}


@pytest.fixture
def service(app: HubApp, account: str, fake: FakePlatform) -> Any:
    """The service on a hub with orders, products and warehouses, so ids and names can hit."""
    fake.add(*(make_order(n) for n in range(1, 4)))
    import_all(app)
    add_product(app, "MUG", "Mug")
    with app.db.session() as s:
        add_warehouse(s, "main")
    return create_server(app)


def fuzz(operation: Any, mode: GenerationMode, headers: dict[str, str]) -> int:
    """Call ``operation`` with ``EXAMPLES[mode]`` generated cases; return how many were sent."""
    checks = [not_a_server_error] + ([response_schema_conformance]
                                     if mode is GenerationMode.POSITIVE else [])
    sent = 0

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES[mode], deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case: Any) -> None:
        nonlocal sent
        sent += 1
        response = case.call(headers=headers)
        case.validate_response(response, checks=checks)

    try:
        check()
    except Unsatisfiable:
        # nothing to make invalid (no parameters, no body): only valid calls exist
        assert mode is GenerationMode.NEGATIVE, operation.label
    return sent


@pytest.mark.timeout(900)  # a hang guard only: a loaded machine may take minutes
def test_no_input_makes_the_service_answer_5xx(service: Any, key: str) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", service)
    headers = {"Authorization": f"Bearer {key}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    calls = sum(fuzz(operation, mode, headers) for operation in operations for mode in EXAMPLES)
    assert calls > 400
