"""Property-based fuzzing of the whole API from its own OpenAPI schema.

Schemathesis generates requests for every operation (valid and invalid bodies, query
strings and path parameters) and each is sent as every kind of caller: nobody, an expert,
a lab member, operations reviewer and operations finance. No answer may be a server
error, and every answer must match the schema: a documented status code, the documented
content type, and a body of the documented shape.

`FUZZ_EXAMPLES` sets how many generated cases each operation gets: a few in `make test`,
many more in `make bench` (`bench/fuzz.py`). `FUZZ_COVERAGE=1` adds Schemathesis's coverage
phase: some seventy boundary cases per operation (every missing, empty, too long, out of
range and wrongly typed field), each sent as every caller. It takes about fifteen minutes on
two cores, so `make bench` runs it and `make test` runs the generated cases only.
"""

import json
import os
from pathlib import Path

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import load_all_checks
from schemathesis.specs.openapi import checks as openapi_checks

from accounts.models import Role

from tests.helpers.factories import make_expert, make_lab, make_ops, make_vetted_expert

load_all_checks()

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
COVERAGE = os.environ.get("FUZZ_COVERAGE", "") == "1"
CALLERS = ("anonymous", "expert", "lab_member", "ops_reviewer", "ops_finance")
CHECKS = [
    schemathesis.checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
]


def _openapi() -> dict:
    """The schema `/api/schema/` serves, generated without a request (and so without a database)."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


application = get_wsgi_application()
schema = schemathesis.openapi.from_dict(_openapi())
schema.app = application
schema.config.phases.coverage.enabled = COVERAGE
if os.environ.get("FUZZ_PATHS"):
    # A regular expression over paths: a run over part of the API (bench/fuzz.py's smoke run).
    schema = schema.include(path_regex=os.environ["FUZZ_PATHS"])
GENERATED: dict[str, int] = {}
REPORT = Path(__file__).resolve().parents[2] / "test-output" / "api-fuzz.json"


@pytest.fixture(scope="module", autouse=True)
def report_generated_cases():
    """Leave the number of generated cases per operation in test-output/api-fuzz.json."""
    yield
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(
        json.dumps(
            {
                "examples_per_operation": EXAMPLES,
                "coverage_phase": COVERAGE,
                "callers": list(CALLERS),
                "operations": len(GENERATED),
                "cases": sum(GENERATED.values()),
                "requests": sum(GENERATED.values()) * len(CALLERS),
                "by_operation": dict(sorted(GENERATED.items())),
            },
            indent=2,
        )
    )


@pytest.fixture
def callers(client_for):
    expert = make_vetted_expert()
    make_expert()
    _lab, lab_owner = make_lab()
    reviewer, reviewer_secret = make_ops(Role.OPS_REVIEWER)
    finance, finance_secret = make_ops(Role.OPS_FINANCE)
    tokens = {
        "expert": client_for(expert.user),
        "lab_member": client_for(lab_owner),
        "ops_reviewer": client_for(reviewer, reviewer_secret),
        "ops_finance": client_for(finance, finance_secret),
    }
    headers = {"anonymous": {}}
    for role, client in tokens.items():
        headers[role] = {"Authorization": client._credentials["HTTP_AUTHORIZATION"]}
    # As Django's test client does (whose requests above reconnect it each time): the WSGI
    # handler must not close the connection the test's transaction lives in.
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield headers
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_as_every_caller(case, callers, stripe_server):
    GENERATED[case.operation.label] = GENERATED.get(case.operation.label, 0) + 1
    for caller in CALLERS:
        response = case.call(headers=callers[caller])
        case.validate_response(response, checks=CHECKS)
