"""The portal's own processes, started for the tests that need real ones.

gunicorn (the web process, usually with the production settings) and a Celery worker,
both run from the checkout with this interpreter, plus what they need from the test
process: a DATABASE_URL for the test database and a signed-in session cookie.
"""

import os
import subprocess
import sys


def database_url(host=None, port=None):
    """A DATABASE_URL for the database the tests use (host and port may be a proxy's)."""
    from django.db import connection

    db = connection.settings_dict  # the test database's name once pytest-django made it
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    host = host or db.get("HOST") or "127.0.0.1"
    port = port or db.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{db['NAME']}"


def production_env(**variables):
    """This process's environment for a process on `icportal.production`, plus `variables`.

    DJANGO_ALLOW_ASYNC_UNSAFE (set for the tests themselves) is left out: production
    code runs without it.
    """
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {**env, "DJANGO_SETTINGS_MODULE": "icportal.production", **variables}


def start_gunicorn(port, workers, *options, **popen):
    """gunicorn serving the portal on 127.0.0.1:`port`; `popen` gives env, stderr and so on."""
    from django.conf import settings

    command = [sys.executable, "-m", "gunicorn", "icportal.wsgi"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers), *options]
    return subprocess.Popen(command, cwd=settings.BASE_DIR, **popen)


def start_worker(queue="celery", *options, pool="solo", **popen):
    """A Celery worker consuming `queue`; `popen` gives env, stderr and so on."""
    from django.conf import settings

    command = [sys.executable, "-m", "celery", "-A", "icportal", "worker", "--pool", pool]
    command += ["-Q", queue, "--loglevel", "warning", "--without-heartbeat", "--without-gossip"]
    return subprocess.Popen(
        [*command, *options], cwd=settings.BASE_DIR, stdout=subprocess.DEVNULL, **popen
    )


def stop(process):
    process.terminate()
    process.wait(timeout=30)


def session_cookie(user, consent):
    """A Cookie header value for a session signed in as `user`, the notice accepted."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "core.auth.LockoutAwareModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session["consent_accepted_at"] = consent
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
