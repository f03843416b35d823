"""Races with real PostgreSQL: concurrent edits and concurrent reminders."""

import threading

import pytest
from django.db import connection

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def run_together(functions):
    barrier = threading.Barrier(len(functions))
    results = [None] * len(functions)

    def runner(i, fn):
        from django.db import connections

        barrier.wait()
        try:
            results[i] = fn()
        except Exception as exc:  # kept for the assertion message
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, fn)) for i, fn in enumerate(functions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_two_people_saving_the_same_program_at_once(users):
    from django.test import Client

    from core import teams
    from tests.programs.factories import ProgramFactory

    program = ProgramFactory(name="Shared")
    for who in ("pm", "staff"):
        teams.set_member(program, users[who], "editor")
    base = {
        "code": program.code,
        "kind": "rdte",
        "phase": "concept",
        "health": "green",
        "health_trend": "steady",
        "protection_plan_status": "not_started",
        "classification": "CUI",
        "expected_version": program.version,
    }

    def save_as(who, name):
        def go():
            client = Client()
            client.force_login(users[who])
            response = client.post(f"/programs/{program.pk}/edit/", {**base, "name": name})
            return response.status_code, response.content.decode()

        return go

    results = run_together([save_as("pm", "By pm"), save_as("staff", "By staff")])
    statuses = sorted(r[0] for r in results)
    assert statuses == [200, 302], results
    refused = next(r for r in results if r[0] == 200)
    assert "changed by someone else" in refused[1]
    program.refresh_from_db()
    assert program.version == 2 and program.name in ("By pm", "By staff")


def test_many_workers_raising_the_same_reminder_make_one_notification(users):
    from core.models import Notification
    from core.notifications import notify

    user = users["pm"]
    results = run_together(
        [lambda: len(notify([user], "Due soon", key="due:42")) for _ in range(8)]
    )
    assert sorted(results) == [0] * 7 + [1], results
    assert Notification.objects.filter(user=user, key="due:42").count() == 1
