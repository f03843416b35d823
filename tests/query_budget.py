"""Query budgets: how many SQL queries a page may make, held to a committed baseline.

`tests/query_budgets.json` maps a name (the URL's name and the user, e.g.
"programs:list as pm") to the most queries that page may make. The `query_budget`
fixture (tests/conftest.py) requests the page once to warm the caches a real second
visit finds warm (session, content types, the choices cache), counts the queries of a
second request and holds the count to the budget:

- over the budget fails, listing the queries and the budget;
- 2 or more under prints a hint to lower it (in the run's summary);
- `UPDATE_QUERY_BUDGETS=1` writes the measured counts to the file instead (the most
  measured for a name in the run, other names kept as they are).

A count that grows with the rows (an N+1) is caught by measuring twice on data of two
sizes: `assert_not_grown(few, many)` names the queries that were repeated.

A page over its budget, or over its count on the smaller data, is measured once more
before it fails, and the lower count stands: a kept cache (the choices cache ages out
after 5 minutes, and another process's change drops it) may have been refilled between
the warm-up and the counted request. A real extra query shows in both.
"""

import json
import os
import re
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve

from core.middleware import IDLE_KEY

BUDGET_FILE = Path(__file__).with_name("query_budgets.json")
UPDATE_ENV = "UPDATE_QUERY_BUDGETS"
HINT_MARGIN = 2  # this far under the budget, the budget should come down
SHOWN_CHARS = 80  # of each query in a failure


def updating():
    return os.environ.get(UPDATE_ENV, "") not in ("", "0")


@dataclass
class Measured:
    """The queries one request (or block of code) made."""

    name: str
    what: str  # e.g. "GET /programs/ as pm", for messages
    queries: list = field(default_factory=list)
    again: object = field(default=None, repr=False)  # measures the same thing once more

    @property
    def count(self):
        return len(self.queries)

    def listing(self):
        return "\n".join(f"  {i:3}. {sql[:SHOWN_CHARS]}" for i, sql in enumerate(self.queries, 1))


class Ledger:
    """What this test run measured against the file, for the summary and for updates."""

    def __init__(self):
        self.budgets = None  # the file, read once
        self.most = {}  # name -> the most queries measured for it in this run

    def budget_of(self, name):
        if self.budgets is None:
            self.budgets = json.loads(BUDGET_FILE.read_text()) if BUDGET_FILE.exists() else {}
        return self.budgets.get(name)

    def record(self, name, count):
        self.most[name] = max(count, self.most.get(name, 0))

    def write(self):
        """Measured names take the most measured in this run; other names stay."""
        on_file = json.loads(BUDGET_FILE.read_text()) if BUDGET_FILE.exists() else {}
        on_file.update(self.most)
        text = json.dumps(dict(sorted(on_file.items())), indent=2) + "\n"
        partial = BUDGET_FILE.with_suffix(".json.partial")
        partial.write_text(text)
        partial.replace(BUDGET_FILE)  # a reader never sees half a file
        self.budgets = on_file

    def under_budget(self):
        """(name, most measured, budget) of names HINT_MARGIN or more under budget."""
        found = []
        for name, count in sorted(self.most.items()):
            budget = self.budget_of(name)
            if budget is not None and count <= budget - HINT_MARGIN:
                found.append((name, count, budget))
        return found


LEDGER = Ledger()


def shape(sql):
    """A query with its literals taken out, so the 12 runs of one N+1 read as one shape."""
    sql = re.sub(r"'(?:[^']|'')*'", "?", sql)
    sql = re.sub(r"\b\d+(\.\d+)?\b", "?", sql)
    return re.sub(r"\(\?(?:, \?)*\)", "(…)", sql)


def page_name(url, user):
    """The budget name of a page: its URL name, and who asks."""
    try:
        view_name = resolve(url.split("?")[0]).view_name
    except Resolver404:
        view_name = url
    return f"{view_name} as {user.get_username()}" if user is not None else view_name


class QueryBudget:
    """The `query_budget` fixture: `query_budget(url, user)` measures and holds to budget."""

    def __init__(self, client):
        self.client = client

    def measure(self, url, user=None, *, status=200, name=None, optional=False):
        """Request `url` as `user` twice (the first warms caches); the second's queries.

        `optional`: when the first request answers another status than `status` (a page
        this user may not open), return None instead of failing.
        """
        if user is not None and self.client.session.get("_auth_user_id") != str(user.pk):
            self.client.force_login(user)
        if self._get(url, status, optional) is None:
            return None
        # A second visit within 30 s does not refresh the idle-timeout stamp: make sure
        # the warm-up's own timing cannot add the session write to the count.
        session = self.client.session
        session[IDLE_KEY] = int(time.time())
        session.save()
        with CaptureQueriesContext(connection) as captured:
            self._get(url, status)
        return Measured(
            name or page_name(url, user),
            f"GET {url}" + (f" as {user.get_username()}" if user is not None else ""),
            [q["sql"] for q in captured.captured_queries],
            lambda: self.measure(url, user, status=status, name=name),
        )

    def _get(self, url, status, optional=False):
        response = self.client.get(url)
        if response.streaming:  # a streamed export reads its rows while it is sent
            b"".join(response.streaming_content)
        if optional and response.status_code != status:
            return None
        assert response.status_code == status, (
            f"GET {url}: {response.status_code}, expected {status}"
        )
        return response

    def __call__(self, url, user=None, *, status=200, name=None):
        """Measure `url` as `user` and hold the count to its budget; the measurement."""
        return self.hold(self.measure(url, user, status=status, name=name))

    @contextmanager
    def block(self, name, what=None):
        """Count the queries of a block of code (not a page); `hold()` it if it has a budget."""
        measured = Measured(name, what or name)
        with CaptureQueriesContext(connection) as captured:
            yield measured
        measured.queries = [q["sql"] for q in captured.captured_queries]

    @staticmethod
    def settle(measured):
        """Measure once more (a page, not a block); keep the lower count."""
        if measured.again is not None:
            second = measured.again()
            if second.count < measured.count:
                measured.queries = second.queries
        return measured

    def hold(self, measured):
        """Fail when `measured` is over its budget; in update mode, record it instead."""
        budget = LEDGER.budget_of(measured.name)
        if updating() or (budget is not None and measured.count > budget):
            self.settle(measured)
        LEDGER.record(measured.name, measured.count)
        if updating():
            LEDGER.write()
            return measured
        if budget is None:
            pytest.fail(
                f"No query budget for {measured.name!r} ({measured.what}, {measured.count} "
                f"queries) in {BUDGET_FILE.name}: run with {UPDATE_ENV}=1 and commit the file.",
                pytrace=False,
            )
        if measured.count > budget:
            pytest.fail(
                f"{measured.name}: {measured.count} queries, budget {budget} "
                f"({measured.what}).\n{measured.listing()}\n"
                f"If the new queries are needed, raise the budget in {BUDGET_FILE.name} "
                f"(or run with {UPDATE_ENV}=1).",
                pytrace=False,
            )
        return measured

    @staticmethod
    def growth(few, many):
        """Query shapes `many` ran more often than `few`, most repeated first."""
        grown = Counter(map(shape, many.queries)) - Counter(map(shape, few.queries))
        return grown.most_common()

    def assert_not_grown(self, few, many, *, rows=""):
        """The second measurement (more rows) made no more queries than the first."""
        if many.count > few.count:
            self.settle(many)
        if many.count <= few.count:
            return
        grown = "\n".join(f"  +{n} × {sql[:200]}" for sql, n in self.growth(few, many))
        raise AssertionError(
            f"{many.name}: {few.count} queries, then {many.count} with more rows {rows}"
            f"({many.what}).\nRepeated or new:\n{grown}"
        )


def summary_lines():
    """What the run held to a budget, for pytest's terminal summary."""
    if not LEDGER.most:
        return []
    verb = "recorded in" if updating() else "held to"
    lines = [f"query budgets: {len(LEDGER.most)} pages and blocks {verb} {BUDGET_FILE.name}"]
    if not updating():
        for name, count, budget in LEDGER.under_budget():
            lines.append(f"  lower it: {name} made {count}, budget {budget}")
    return lines
