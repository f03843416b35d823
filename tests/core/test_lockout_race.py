"""The lockout holds under concurrency: a burst of parallel sign-ins to one account gets
no more than LOCKOUT_FAILURES password checks, one lock, and a log an auditor can count.

Runs against a live server on PostgreSQL (each request thread has its own connection,
as under gunicorn). Every password check goes through a counting hasher that also
takes a little time, so that checks overlap as they would with the production hasher.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.conf import settings
from django.contrib.auth.hashers import MD5PasswordHasher

from core.models import AccountLockout, SecurityEvent
from tests.conftest import PASSWORD

ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")

TRIALS = 5
WRONG = 20  # wrong passwords fired at once, with one right password among them
LATE = 5  # then this many right and this many wrong, after the lock


class CountingHasher(MD5PasswordHasher):
    """MD5 (fast test hashing) that counts every password check and lasts ~30 ms."""

    checks = 0
    _lock = threading.Lock()

    def verify(self, password, encoded):
        with CountingHasher._lock:
            CountingHasher.checks += 1
        time.sleep(0.03)
        return super().verify(password, encoded)


@pytest.fixture
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    CountingHasher.checks = 0
    return CountingHasher


def _prepared_session(base):
    """A browser-like session that accepted the consent banner and holds a CSRF token."""
    session = requests.Session()
    session.get(base + "/consent/", timeout=30)
    token = session.cookies["csrftoken"]
    session.post(base + "/consent/", data={"csrfmiddlewaretoken": token}, timeout=30)
    return session, token


def _sign_in(session, token, base, username, password, start):
    start.wait()
    response = session.post(
        base + "/accounts/login/",
        data={"csrfmiddlewaretoken": token, "username": username, "password": password},
        allow_redirects=False,
        timeout=60,
    )
    return password == PASSWORD, response


def _burst(base, username, passwords):
    """Send one sign-in per password, all released at the same moment."""
    sessions = [_prepared_session(base) for _ in passwords]
    start = threading.Barrier(len(passwords))
    with ThreadPoolExecutor(max_workers=len(passwords)) as pool:
        futures = [
            pool.submit(_sign_in, session, token, base, username, password, start)
            for (session, token), password in zip(sessions, passwords, strict=True)
        ]
        results = [f.result() for f in futures]
    for session, _ in sessions:
        session.close()  # the live server's thread (and its database connection) ends
    return results


def _events(username, kind):
    return SecurityEvent.objects.filter(username=username, kind=kind)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not ON_POSTGRESQL,
    reason="the race needs concurrent connections: set DATABASE_URL to PostgreSQL",
)
def test_parallel_sign_ins_get_at_most_three_password_checks(
    live_server, make_user, counting_hasher
):
    limit = settings.LOCKOUT_FAILURES
    seen = []
    for trial in range(TRIALS):
        username = f"racer{trial}"
        user = make_user(username, "Program Manager")
        counting_hasher.checks = 0
        passwords = [f"wrong-password-{i}" for i in range(WRONG)]
        passwords.insert(WRONG // 2, PASSWORD)
        results = _burst(live_server.url, username, passwords)

        checks = counting_hasher.checks
        failed = _events(username, SecurityEvent.Kind.LOGIN_FAILED).count()
        signed_in = [r for right, r in results if right and r.status_code == 302]
        refused = _events(username, SecurityEvent.Kind.LOGIN_REFUSED_LOCKED)
        seen.append(f"trial {trial}: {len(passwords)} requests, {checks} password checks")
        print(f"\n{seen[-1]}, {failed} failed, right password signed in: {bool(signed_in)}")

        # Every request answered: a redirect for the right password or the form again.
        assert all(r.status_code in (200, 302) for _, r in results), [
            r.status_code for _, r in results
        ]
        # No more wrong-password checks than the rule allows, however many arrive at once;
        # one "failed sign-in" event per wrong password actually checked.
        assert failed == limit, f"trial {trial}: {failed} wrong passwords checked"
        assert checks == failed + len(signed_in), f"trial {trial}: {checks} checks"
        # Locked exactly once.
        assert AccountLockout.objects.filter(user=user).count() == 1
        assert _events(username, SecurityEvent.Kind.LOCKED).count() == 1
        # The right password signs in only if it was checked before the lock.
        if signed_in:
            login = _events(username, SecurityEvent.Kind.LOGIN).get()
            locked = _events(username, SecurityEvent.Kind.LOCKED).get()
            assert login.at < locked.at
        # Every attempt that got no password check is on record as refused.
        assert refused.count() == len(passwords) - checks
        assert all(e.detail.get("reason") == "locked" for e in refused.all())
        refused_pages = [r for _, r in results if r.status_code == 200]
        assert sum("This account is locked" in r.text for r in refused_pages) >= refused.count()

        # After the lock: right and wrong passwords alike are refused without a check.
        late = [PASSWORD] * LATE + ["wrong-again"] * LATE
        results = _burst(live_server.url, username, late)
        assert all(r.status_code == 200 for _, r in results)
        assert all("Ask a Portal Admin to unlock it" in r.text for _, r in results)
        assert counting_hasher.checks == checks
        assert refused.count() == len(passwords) - checks + len(late)
        assert _events(username, SecurityEvent.Kind.LOGIN).count() == len(signed_in)
        assert _events(username, SecurityEvent.Kind.LOCKED).count() == 1
    print("\n" + "\n".join(seen))


@pytest.mark.django_db
def test_locked_account_is_refused_without_a_password_check(
    consenting_client, make_user, counting_hasher
):
    """The same rule one request at a time, on any database (SQLite included)."""
    user = make_user("pm", "Program Manager")
    for _ in range(settings.LOCKOUT_FAILURES):
        consenting_client.post("/accounts/login/", {"username": "pm", "password": "nope-nope"})
    assert counting_hasher.checks == settings.LOCKOUT_FAILURES
    for password in (PASSWORD, "nope-again"):
        response = consenting_client.post(
            "/accounts/login/", {"username": "pm", "password": password}
        )
        assert "This account is locked" in response.text
    assert counting_hasher.checks == settings.LOCKOUT_FAILURES  # no check once locked
    assert "_auth_user_id" not in consenting_client.session
    refused = _events("pm", SecurityEvent.Kind.LOGIN_REFUSED_LOCKED)
    assert refused.count() == 2
    assert refused.first().get_kind_display() == "Sign-in refused: account locked"
    assert _events("pm", SecurityEvent.Kind.LOGIN_FAILED).count() == settings.LOCKOUT_FAILURES

    # An admin unlock gives the full budget back; the right password then signs in.
    from core.auth import unlock

    unlock(AccountLockout.objects.get(user=user))
    for _ in range(settings.LOCKOUT_FAILURES - 1):
        consenting_client.post("/accounts/login/", {"username": "pm", "password": "nope-nope"})
    assert not AccountLockout.objects.filter(user=user).exists()
    response = consenting_client.post("/accounts/login/", {"username": "pm", "password": PASSWORD})
    assert response.status_code == 302
    assert counting_hasher.checks == 2 * settings.LOCKOUT_FAILURES


@pytest.mark.django_db
def test_unknown_user_is_a_failed_sign_in_and_locks_nothing(consenting_client, counting_hasher):
    for _ in range(settings.LOCKOUT_FAILURES + 1):
        response = consenting_client.post(
            "/accounts/login/", {"username": "nobody", "password": "whatever-1"}
        )
        assert "Please enter a correct username and password" in response.text
    assert _events("nobody", SecurityEvent.Kind.LOGIN_FAILED).count() == 4
    assert not AccountLockout.objects.exists()
