"""The permission layer's SQL runs on both databases the portal supports."""

import pytest

from core.permissions import record_models, restrict

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", record_models(), ids=lambda m: m._meta.label)
def test_restricted_queries_have_no_ordering_inside_their_union(model, users):
    # SQLite (the embedded default) refuses ORDER BY inside a compound statement; CI runs
    # on PostgreSQL, which accepts it, so the rule is checked here on the SQL itself.
    for user in users.values():
        for action in ("view", "change"):
            queryset = restrict(model._default_manager.order_by(), user, action)
            assert "ORDER BY" not in str(queryset.query), (model, user, action)
            list(queryset[:1])  # and the database runs it
