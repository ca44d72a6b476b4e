"""schemathesis against the web API's OpenAPI schema: generated requests to every operation get
answers that match the schema (documented status, content type and body), never a 5xx.

Every check runs but one: "a schema-valid request is accepted". A network is a JSON object in
the schema, and most generated objects are not networks (no units, unknown keys, weights into
units that do not exist): the loader refuses them with 400 and the CLI's message, as it must.
"""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.specs.openapi.checks import positive_data_acceptance  # noqa: E402

from chainrule.web.app import create_app  # noqa: E402

# a deadline well inside the client's 10-second read timeout: a slow request answers 503
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(timeout_s=4))


@schema.parametrize()
@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_the_api_keeps_to_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
