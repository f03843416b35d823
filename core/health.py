"""Health checks of the database and the Celery broker, for /healthz and operators."""

from django.conf import settings
from django.db import connection


def database_state():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "engine": connection.vendor}
    except Exception as exc:  # any driver error means "down"; the message says why
        return {"ok": False, "engine": connection.vendor, "error": str(exc).splitlines()[0]}


def broker_state():
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "kind": "embedded", "detail": "tasks run in-process"}
    from icportal.celery import app

    kind = settings.CELERY_BROKER_URL.split("://", 1)[0]  # redis, or filesystem (make run)
    try:
        with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"ok": True, "kind": kind}
    except Exception as exc:  # kombu raises many types; all mean unreachable
        return {"ok": False, "kind": kind, "error": str(exc).splitlines()[0][:200]}
