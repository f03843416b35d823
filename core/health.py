"""Health checks for /healthz and operators: database, cache, broker, worker heartbeat.

Each is reported on its own. The database, the cache and the broker are required: if one
fails, /healthz answers 503. The worker heartbeat is reported (its age, and whether it is
fresh) but fails the answer only with HEALTH_REQUIRE_WORKER=true, so a web server
started before its workers, or without any, is not taken out of a load balancer.
"""

import json
import socket
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection

HEARTBEAT_KEY = "core:worker-heartbeat"


def database_state():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "engine": connection.vendor}
    except Exception as exc:  # any driver error means "down"; the message says why
        return {"ok": False, "engine": connection.vendor, "error": str(exc).splitlines()[0]}


def cache_state():
    """Write and read back a short-lived key: the cache answers and keeps what it is given."""
    kind = "redis" if settings.REDIS_URL else "local"
    key, value = "core:healthz-probe", uuid.uuid4().hex
    try:
        cache.set(key, value, timeout=10)
        if cache.get(key) != value:
            return {"ok": False, "kind": kind, "error": "a value written was not read back"}
        return {"ok": True, "kind": kind}
    except Exception as exc:  # redis-py raises many types; all mean unreachable
        return {"ok": False, "kind": kind, "error": str(exc).splitlines()[0][:200]}


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


def _shared_cache():
    # Without Redis the cache is per process, so the web server could never read what the
    # worker wrote: the heartbeat then goes to a file beside the broker's folder.
    return bool(settings.REDIS_URL)


def write_heartbeat():
    """Called by every worker on start and by the beat task `core.worker_heartbeat`."""
    beat = {"at": time.time(), "host": socket.gethostname()}
    if _shared_cache():
        cache.set(HEARTBEAT_KEY, beat, timeout=24 * 3600)
    else:
        settings.WORKER_HEARTBEAT_FILE.parent.mkdir(parents=True, exist_ok=True)
        settings.WORKER_HEARTBEAT_FILE.write_text(json.dumps(beat))
    return beat


def read_heartbeat():
    try:
        if _shared_cache():
            return cache.get(HEARTBEAT_KEY)
        return json.loads(settings.WORKER_HEARTBEAT_FILE.read_text())
    except Exception:  # missing file, unreadable cache: no heartbeat known
        return None


def worker_heartbeat_age():
    beat = read_heartbeat()
    if not beat:
        return None
    return max(0.0, time.time() - float(beat["at"]))


def worker_state():
    required = settings.HEALTH_REQUIRE_WORKER
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "required": required, "detail": "tasks run in-process"}
    age = worker_heartbeat_age()
    limit = settings.WORKER_HEARTBEAT_STALE_SECONDS
    if age is None:
        return {"ok": False, "required": required, "error": "no heartbeat from any worker yet"}
    state = {"ok": age <= limit, "required": required, "age_seconds": round(age, 1)}
    if not state["ok"]:
        state["error"] = f"last heartbeat {round(age)} s ago (more than {limit} s)"
    return state


def report():
    """Every check, and whether the portal is healthy (the required ones all fine)."""
    checks = {
        "database": database_state(),
        "cache": cache_state(),
        "broker": broker_state(),
        "worker": worker_state(),
    }
    healthy = all(
        state["ok"] for name, state in checks.items() if name != "worker" or state["required"]
    )
    return healthy, {"status": "ok" if healthy else "unavailable", **checks}
