"""Outages with real services: PostgreSQL and Redis go away under a running gunicorn.

gunicorn runs with the production settings; its database and broker connections pass
through proxies the test cuts and restores. The web process is never restarted.
"""

import subprocess
import time
import urllib.error
import urllib.request
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db import connection

from tests.faults.proxy import TcpProxy, free_port
from tests.processes import database_url, production_env, session_cookie, start_gunicorn, stop

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]


def fetch(url, cookie=None, timeout=10):
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def wait_for(predicate, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.3)
    return predicate()


@pytest.fixture
def services():
    db = TcpProxy(int(settings.DATABASES["default"].get("PORT") or 5432)).start()
    redis = None
    if settings.REDIS_URL:
        redis = TcpProxy(urlparse(settings.REDIS_URL).port or 6379).start()
    yield db, redis
    db.stop()
    if redis:
        redis.stop()


@pytest.fixture
def portal(services, users):
    """A gunicorn serving the test database through the proxies, and a signed-in cookie."""
    db, redis = services
    port = free_port()
    env = production_env(
        SECRET_KEY=settings.SECRET_KEY,
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url(host="127.0.0.1", port=db.port),
        CONN_MAX_AGE="60",
    )
    if redis:
        env["REDIS_URL"] = (
            f"redis://127.0.0.1:{redis.port}/{urlparse(settings.REDIS_URL).path[1:] or 0}"
        )
    else:
        env.pop("REDIS_URL", None)
    server = start_gunicorn(
        port, 2, "--timeout", "30", "--log-level", "warning", env=env, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    cookie = session_cookie(users["leader"], consent="test")
    try:
        assert wait_for(lambda: _up(base)), "gunicorn did not start"
        yield base, cookie
    finally:
        stop(server)


def _up(base):
    try:
        return fetch(base + "/healthz", timeout=2)[0] in (200, 503)
    except OSError:
        return False


def test_database_outage_gives_maintenance_page_then_recovers(portal, services):
    base, cookie = portal
    db, _ = services
    assert fetch(base + "/programs/", cookie)[0] == 200
    db.stop()
    status, body = fetch(base + "/programs/", cookie)
    assert status == 503, body[:300]
    assert "temporarily unavailable" in body and "Nothing you saved has been lost" in body
    status, body = fetch(base + "/healthz")
    assert status == 503 and '"database": {"ok": false' in body
    db.start()
    assert wait_for(lambda: fetch(base + "/programs/", cookie)[0] == 200), "no recovery"
    assert fetch(base + "/healthz")[0] == 200


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)")
def test_redis_outage_leaves_pages_working_and_healthz_503(portal, services):
    base, cookie = portal
    _, redis = services
    assert fetch(base + "/healthz")[0] == 200
    redis.stop()
    assert fetch(base + "/programs/", cookie)[0] == 200
    assert fetch(base + "/search/?q=radar", cookie)[0] == 200
    status, body = fetch(base + "/healthz")
    assert status == 503 and '"broker": {"ok": false' in body
    redis.start()
    assert wait_for(lambda: fetch(base + "/healthz")[0] == 200), "no recovery"
