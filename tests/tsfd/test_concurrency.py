"""The shared-reviewer rule under real concurrency (PostgreSQL row locks)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from tests.faults.test_concurrency import run_together
from tests.tsfd.factories import S, advance, area, draft, fresh
from tsfd import workflow

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def test_two_areas_given_to_one_reviewer_at_once_without_a_reason(cast):
    case = advance(draft(cast["requester"]), S.INTAKE, cast["approver"])
    ndp, at = area("NDP"), area("AT", 45)

    def give(review_area):
        def go():
            workflow.assign(fresh(case), cast["approver"], review_area, cast["reviewer"])
            return "assigned"

        return go

    results = run_together([give(ndp), give(at)])
    assert sorted(str(type(r).__name__) for r in results) == ["ValidationError", "str"], results
    assert isinstance(next(r for r in results if r != "assigned"), ValidationError)
    assert fresh(case).reviews.filter(reviewer=cast["reviewer"]).count() == 1
