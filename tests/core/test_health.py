"""/healthz reports the database and the broker."""

import pytest
from django.conf import settings


@pytest.mark.django_db
def test_healthz_is_public_and_reports_both_services(client):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    if settings.CELERY_BROKER_URL:
        assert body["broker"] == {"ok": True, "kind": "redis"}
    else:
        assert body["broker"]["kind"] == "embedded"


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
