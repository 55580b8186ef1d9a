"""Every operation of the JSON API, fed data generated from its own OpenAPI document (schemathesis), answers without
a server error, with a status the document lists, in the content type, shape and headers it promises.

The document is read from the app, so an endpoint added later is exercised without this file changing. Callers:
the owner of an organisation with applications, and a program officer, each with a read-write token, on a
database with a few objects of every kind (tests/support/api.py). Half of the generated ids, names and versions
are steered to those objects, so calls reach real rows and get past the 404. Valid data (positive) and data that
breaks the document (negative) both run: the second must be refused with a documented 4xx, never a 5xx.

Before: a body that is not JSON answered 500; on PostgreSQL so did every id above 2**31 - 1; an applicant's
timeline broke its schema (`state` null); unknown addresses under /api/v1 answered the web's HTML page; errors
were documented as flask-smorest's JSON while problem+json was sent, and a catch-all `default` response hid which
statuses an endpoint answers.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from grants.api.transitions import OBJECTS
from tests.support.api import bearer, build_world
from workflows import WORKFLOWS

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]
EXAMPLES = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                    phases=[Phase.explicit, Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck))


@pytest.fixture
def world(app, db):
    app.config["API_RATE_LIMIT"] = 10**6  # hundreds of calls a minute with one token: the limit has its own test
    return build_world()


def _steer(world):
    """Hooks that replace, half of the time, generated ids and names in paths, queries and bodies with real ones of
    the world's (and a version an object may have), so that calls reach real rows and get past the 404 to what the
    endpoint does."""
    def ids(*names: str) -> list[int]:
        return [o[name].id for o in world.objects.values() for name in names]

    applications = ids("draft", "application", "grant")
    real = {"call_id": ids("call"), "organisation_id": ids("organisation"), "application_id": applications,
            "report_id": ids("report"), "control_id": ids("control"), "case_id": ids("recovery"),
            "job_id": ids("job"), "agreement_id": ids("agreement"), "payment_id": ids("payment"),
            "entry_id": ids("entry"),
            "object_id": applications + ids("report", "control", "recovery", "job", "payment"),
            "requirement_id": ["statute"], "kind": sorted(OBJECTS), "version": [1, 2, 3],
            "trigger": sorted({t.trigger for w in WORKFLOWS.values() for t in w.transitions})}

    def steered(values):
        if not isinstance(values, dict) or not real.keys() & values.keys():
            return st.just(values)
        return st.one_of(st.just(values), st.fixed_dictionaries({
            key: st.sampled_from(real[key]) if key in real else st.just(value) for key, value in values.items()}))

    def flatmap_path_parameters(_context, parameters):
        return steered(parameters)

    def flatmap_query(_context, query):
        return steered(query)

    def flatmap_body(_context, body):
        return steered(body)

    return flatmap_path_parameters, flatmap_query, flatmap_body


# On PostgreSQL, production's database, whose refusals of what SQLite lets by (an id above its integer's range,
# a NUL in text) were this test's finds; every API test and the access matrix run on SQLite too. Run on both, it
# was a sixth of the suite's time.
@pytest.mark.postgres_only
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
@pytest.mark.parametrize("role", ["owner", "officer"])
def test_every_operation_keeps_to_the_document(app, client, world, role, mode):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    for hook in _steer(world):
        schema.hook(hook)
    headers = bearer(world.token(role, write=True))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    failures = []
    for operation in operations:

        @EXAMPLES
        @given(case=operation.as_strategy(generation_mode=mode))
        def call(case):
            case.call_and_validate(session=client, headers=headers, checks=CHECKS)

        try:
            call()
        except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - every operation is tried, then all told
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)
