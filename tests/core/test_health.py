"""/healthz reports the database, the cache, the broker and the worker heartbeat, each on
its own; a required one failing makes it 503."""

import time

import pytest
from django.conf import settings
from django.core.cache import cache

from core import health
from core.tasks import worker_heartbeat

REDIS = pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)")


@pytest.fixture
def with_broker(settings):
    """As deployed: a real broker, tasks not run in-process (Redis when the tests have it)."""
    if not settings.REDIS_URL:
        pytest.skip("needs Redis (REDIS_URL)")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = settings.REDIS_URL
    cache.delete(health.HEARTBEAT_KEY)
    yield settings
    cache.delete(health.HEARTBEAT_KEY)


@pytest.mark.django_db
def test_healthz_is_public_and_reports_each_service(client):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["cache"]["ok"] is True
    if settings.CELERY_BROKER_URL:
        assert body["broker"] == {"ok": True, "kind": "redis"}
        assert body["cache"]["kind"] == "redis"
    else:
        assert body["broker"]["kind"] == "embedded"
    assert set(body) == {"status", "database", "cache", "broker", "worker"}


@pytest.mark.django_db
def test_healthz_is_503_when_broker_unreachable(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["broker"]["ok"] is False
    assert body["database"]["ok"] is True


@pytest.mark.django_db
def test_healthz_is_503_when_database_unreachable(client, monkeypatch):
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == {
        "ok": False,
        "engine": connection.vendor,
        "error": "connection refused",
    }


@REDIS
@pytest.mark.django_db
def test_healthz_is_503_when_the_cache_is_unreachable(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["cache"]["ok"] is False and body["cache"]["kind"] == "redis"
    assert body["database"]["ok"] is True


@pytest.mark.django_db
def test_a_worker_heartbeat_is_reported_with_its_age(client, with_broker):
    body = client.get("/healthz").json()
    assert body["worker"]["ok"] is False
    assert body["worker"]["error"] == "no heartbeat from any worker yet"

    worker_heartbeat.apply()  # what beat asks a worker to do every WORKER_HEARTBEAT_SECONDS
    response = client.get("/healthz")
    assert response.status_code == 200
    worker = response.json()["worker"]
    assert worker["ok"] is True and worker["age_seconds"] < 5 and worker["required"] is False


@pytest.mark.django_db
def test_a_stale_heartbeat_fails_healthz_only_when_the_worker_is_required(client, with_broker):
    cache.set(health.HEARTBEAT_KEY, {"at": time.time() - 600, "host": "w1"})
    response = client.get("/healthz")
    assert response.status_code == 200  # the web server still serves pages
    worker = response.json()["worker"]
    assert worker["ok"] is False and "more than 120 s" in worker["error"]

    with_broker.HEALTH_REQUIRE_WORKER = True
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_without_redis_the_heartbeat_goes_through_a_file(settings, tmp_path):
    """`make run` has no shared cache: the worker and web server meet in a file."""
    settings.REDIS_URL = ""
    settings.WORKER_HEARTBEAT_FILE = tmp_path / "run" / "heartbeat.json"
    assert health.worker_heartbeat_age() is None
    health.write_heartbeat()
    assert settings.WORKER_HEARTBEAT_FILE.exists()
    assert health.worker_heartbeat_age() < 5


def test_beat_stamps_the_heartbeat_on_a_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["core-worker-heartbeat"]
    assert entry["task"] == "core.worker_heartbeat"
    assert entry["schedule"] == settings.WORKER_HEARTBEAT_SECONDS


@pytest.mark.django_db
def test_a_real_worker_stamps_its_heartbeat_on_start_and_when_asked(client, with_broker):
    import os
    import subprocess

    from tests.processes import start_worker, stop

    worker = start_worker("healthz-probe", env={**os.environ}, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while health.read_heartbeat() is None and time.monotonic() < deadline:
            time.sleep(0.5)
        first = health.read_heartbeat()
        assert first is not None, "the worker wrote no heartbeat when it started"
        assert client.get("/healthz").json()["worker"]["ok"] is True

        # What beat sends every WORKER_HEARTBEAT_SECONDS, through the broker to the worker.
        from icportal.celery import app

        app.send_task("core.worker_heartbeat", queue="healthz-probe")
        deadline = time.monotonic() + 60
        while health.read_heartbeat()["at"] == first["at"] and time.monotonic() < deadline:
            time.sleep(0.5)
        assert health.read_heartbeat()["at"] > first["at"], "the worker did not stamp it"
    finally:
        stop(worker)
