"""API fuzzing: schemathesis generates requests for every operation of the OpenAPI schema.

Two tests on the schema /api/v1/schema/ serves (generated in-process), as a Portal Admin
with a read-write token, on records of every kind (fuzz_token):

- every operation on its own: schemathesis' examples and fuzzing phases, FUZZ_EXAMPLES
  cases per operation (default 12, positive and negative); FUZZ_COVERAGE=1 adds the
  coverage phase (every boundary and wrong type of every parameter and body field:
  ~16,000 more requests, minutes);
- the stateful phase: FUZZ_SCENARIOS scenarios (default 8 × FUZZ_EXAMPLES) of up to
  FUZZ_STEPS calls (default 6) chained through the links schemathesis 4 infers from the
  schema (response bodies and path parameters: a list's or a create's ids feed the
  record's GET, PUT, PATCH, DELETE, history, timeline and workflow actions).

Every response must pass `not_a_server_error` (no 5xx), `status_code_conformance` (a
documented status), `response_schema_conformance` (the documented body) and the other
default checks but the three in EXCLUDED_CHECKS. Bad input is a 400 naming the field.
FUZZ_PATHS (a regex of paths) narrows a run; FUZZ_STATS=1 prints requests per operation.
"""

import json
import os
import time
from collections import Counter

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.db import transaction
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, settings

pytestmark = pytest.mark.slow  # a fuzzer (minutes); `make test` and CI run it

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
COVERAGE = os.environ.get("FUZZ_COVERAGE", "") not in ("", "0")
SCENARIOS = int(os.environ.get("FUZZ_SCENARIOS", str(8 * EXAMPLES)))
STEPS = int(os.environ.get("FUZZ_STEPS", "6"))

# Every default check runs on every response of both tests; these three must be on.
REQUIRED_CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.response_schema_conformance,
]
# Off, with reasons: a schema-valid filter may name a record that does not exist (a 400
# naming the field is right), and an empty filter (?start_after=) means "no filter", as on
# the pages. Token and session are alternative schemes: swapping one for garbage while the
# other is valid still authenticates, which "ignored_auth" misreads; anonymous access is
# covered operation by operation in test_every_api_operation.py.
EXCLUDED_CHECKS = [
    schemathesis.checks.positive_data_acceptance,
    schemathesis.checks.negative_data_rejection,
    schemathesis.checks.ignored_auth,
]
assert not set(REQUIRED_CHECKS) & set(EXCLUDED_CHECKS)

_raw = SchemaGenerator().get_schema(request=None, public=True)
schema = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(_raw)))
schema.app = WSGIHandler()
schema.config.phases.coverage.enabled = COVERAGE
_enabled = schema.config.checks_config_for()
assert all(_enabled.get_by_name(name=check.__name__).enabled for check in REQUIRED_CHECKS)
if os.environ.get("FUZZ_PATHS"):  # to reproduce one failure: FUZZ_PATHS=tsfd/reviews
    schema = schema.include(path_regex=os.environ["FUZZ_PATHS"])

# Requests made: per operation ("GET /api/v1/programs/"), per phase, per operation and
# status (stateful); printed after the module.
CALLS = Counter()
PHASES = Counter()
STATUSES = Counter()


@pytest.fixture(autouse=True)
def keep_test_connection():
    """Django's handler closes the connection after each request; the test client avoids
    that, and so must we: the test's transaction has to survive every request."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module", autouse=True)
def report_counts():
    started = time.monotonic()
    yield
    print(
        f"\nAPI fuzz: {sum(CALLS.values())} requests over {len(CALLS)} operations "
        f"in {time.monotonic() - started:.0f} s; by phase: {dict(PHASES)}"
    )
    if os.environ.get("FUZZ_STATS"):
        print("\n".join(f"{n:6d} {label}" for label, n in CALLS.most_common()))
        print("\n".join(f"{n:6d} {k}" for k, n in sorted(STATUSES.items())))


@pytest.fixture
def fuzz_token(db, make_user):
    """A read-write token of a Portal Admin, and a record of every kind to find through it.

    Made by the factories, outside any request, so their history rows name no user; TSFD
    cases at each stage (reviews not yet recorded, an area without a reviewer, a decision).
    """
    from core import roles, tokens
    from tests.agreements.factories import AgreementFactory, with_participants
    from tests.fora.factories import MeetingFactory
    from tests.fora.factories import with_children as meeting_with_children
    from tests.programs.factories import ProgramFactory, with_children
    from tests.tsfd import factories as tsfd
    from tsfd import workflow
    from tsfd.models import DisclosureRequest

    admin = make_user("fuzz-admin", roles.PORTAL_ADMIN)
    requester = make_user("fuzz-requester", roles.TSFD_REQUESTER)
    approver = make_user("fuzz-approver", roles.TSFD_APPROVER)
    reviewer = make_user("fuzz-reviewer", roles.TSFD_REVIEWER)
    for _ in range(2):
        with_children(ProgramFactory())
    with_participants(AgreementFactory())
    meeting_with_children(MeetingFactory())
    status = DisclosureRequest.Status
    tsfd.draft(requester)
    intake = tsfd.advance(tsfd.draft(requester), status.INTAKE, approver)
    workflow.assign(intake, approver, tsfd.area("NDP"), None)
    tsfd.advance(tsfd.draft(requester), status.IN_REVIEW, approver, reviewers=[reviewer])
    tsfd.advance(tsfd.draft(requester), status.APPROVED, approver, reviewers=[reviewer])
    return tokens.issue(admin, "fuzz", tokens.default_expiry_day(), read_only=False)[1]


def _validate(case, response, **kwargs):
    case.validate_response(response, excluded_checks=EXCLUDED_CHECKS, **kwargs)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
def test_every_operation_conforms_and_never_fails(case, fuzz_token):
    headers = {"Authorization": f"Token {fuzz_token}"}
    response = case.call(headers=headers)
    CALLS[case.operation.label] += 1
    PHASES[case.meta.phase.name.value if case.meta else "?"] += 1
    _validate(case, response, headers=headers)


@pytest.mark.django_db
def test_chained_operations_conform_and_never_fail(fuzz_token):
    """The stateful phase: create, read, change, act on and delete records in sequence."""
    headers = {"Authorization": f"Token {fuzz_token}"}

    class Workflow(schema.as_state_machine()):
        # Every scenario starts from the fixture's records: Hypothesis replays choices and
        # requires the same choices to meet the same responses (sequences still advance, so
        # new records get new ids, but lists hold the same number of them).
        def setup(self):
            super().setup()
            self.savepoint = transaction.savepoint()

        def teardown(self):
            transaction.savepoint_rollback(self.savepoint)
            super().teardown()

        def get_call_kwargs(self, case):
            return {"headers": headers}

        def after_call(self, response, case):
            super().after_call(response, case)
            CALLS[case.operation.label] += 1
            PHASES["stateful"] += 1
            STATUSES[(case.operation.label, response.status_code)] += 1

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            __tracebackhide__ = True
            _validate(
                case, response, headers=headers, transport_kwargs=kwargs, recorder=self.recorder
            )

    Workflow.run(
        settings=settings(
            max_examples=SCENARIOS,
            stateful_step_count=STEPS,
            deadline=None,
            derandomize=True,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
    )
