"""TSFD fixtures: the demo-like cast of a case (requester, approver, reviewers)."""

import pytest

from core import roles


@pytest.fixture
def cast(users, make_user):
    """Users named for what they do on a case."""
    return {
        **users,
        "reviewer2": make_user("reviewer2", roles.TSFD_REVIEWER),
        "requester2": make_user("requester2", roles.TSFD_REQUESTER),
        "approver2": make_user("approver2", roles.TSFD_APPROVER),
    }
