"""Consent before sign-in, account lockout, idle timeout and security events."""

import time

import pytest
from django.core.management import call_command
from django.urls import reverse

from core.middleware import IDLE_KEY
from core.models import AccountLockout, SecurityEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_form_requires_accepted_consent_banner(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 302
    assert response["Location"].startswith("/consent/")
    consent = client.get("/consent/")
    assert "You are accessing a U.S. Government (USG) Information System" in consent.text
    client.post("/consent/")
    assert client.get("/accounts/login/").status_code == 200


def test_consent_text_is_overridable(client, settings):
    settings.CONSENT_BANNER_TEXT = "Local notice: authorised users only."
    assert "Local notice: authorised users only." in client.get("/consent/").text


def test_pages_redirect_anonymous_users_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/")


def test_sign_in_records_event_and_shows_name_and_role(consenting_client, users):
    response = consenting_client.post(
        "/accounts/login/", {"username": "pm", "password": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert "Welcome, Pm Tester" in response.text
    assert "Program Manager" in response.text
    assert response.text.count('class="marking-banner') == 2
    assert SecurityEvent.objects.filter(kind="login", username="pm").exists()


def test_off_site_next_is_refused(consenting_client, users):
    response = consenting_client.post(
        "/accounts/login/?next=https://evil.example/",
        {"username": "pm", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def _fail(client, username="pm"):
    return client.post("/accounts/login/", {"username": username, "password": "wrong-password"})


def test_three_wrong_passwords_lock_the_account(consenting_client, users):
    _fail(consenting_client)
    response = _fail(consenting_client)
    assert "Please enter a correct username and password" in response.text
    response = _fail(consenting_client)
    assert "This account is locked" in response.text
    assert AccountLockout.objects.filter(user=users["pm"]).exists()
    # The right password no longer works, and the message says why.
    response = consenting_client.post("/accounts/login/", {"username": "pm", "password": PASSWORD})
    assert response.status_code == 200
    assert "Ask a Portal Admin to unlock it" in response.text
    assert "_auth_user_id" not in consenting_client.session
    assert SecurityEvent.objects.filter(kind="locked", username="pm").count() == 1


def test_failures_older_than_the_window_do_not_count(consenting_client, users, settings):
    from datetime import timedelta

    from django.utils import timezone

    _fail(consenting_client)
    _fail(consenting_client)
    SecurityEvent.objects.filter(kind="login_failed").update(
        at=timezone.now() - timedelta(minutes=16)
    )
    _fail(consenting_client)
    assert not AccountLockout.objects.exists()


def test_admin_unlocks_account_in_admin_site(client, consenting_client, users):
    for _ in range(3):
        _fail(consenting_client)
    lockout = AccountLockout.objects.get(user=users["pm"])
    client.force_login(users["admin"])
    changelist = reverse("admin:core_accountlockout_changelist")
    response = client.post(
        changelist, {"action": "unlock_accounts", "_selected_action": [lockout.pk]}, follow=True
    )
    assert "Unlocked 1 account" in response.text
    assert not AccountLockout.objects.exists()
    client.logout()
    client.post("/consent/")
    response = client.post("/accounts/login/", {"username": "pm", "password": PASSWORD})
    assert response.status_code == 302
    # One more failure after the unlock does not re-lock at once.
    client.logout()
    client.post("/consent/")
    _fail(client)
    assert not AccountLockout.objects.exists()


@pytest.mark.parametrize(("username", "minutes"), [("pm", 15), ("admin", 10)])
def test_idle_session_ends_with_message(consenting_client, users, username, minutes):
    consenting_client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert consenting_client.get("/").status_code == 200
    session = consenting_client.session
    session[IDLE_KEY] = int(time.time()) - minutes * 60 + 30  # 30 s inside the limit
    session.save()
    assert consenting_client.get("/").status_code == 200
    session = consenting_client.session
    session[IDLE_KEY] = int(time.time()) - minutes * 60 - 5
    session.save()
    response = consenting_client.get("/", follow=True)
    assert response.redirect_chain[0][0] == "/accounts/login/?reason=idle"
    assert "Your session ended because it was idle too long" in response.text
    assert SecurityEvent.objects.filter(kind="idle_timeout", username=username).exists()


def test_sign_out_requires_post_and_ends_session(consenting_client, users):
    consenting_client.force_login(users["staff"])
    response = consenting_client.post("/accounts/logout/", follow=True)
    assert "You have signed out" in response.text
    assert consenting_client.get("/").status_code == 302
    assert SecurityEvent.objects.filter(kind="logout", username="staff").exists()


def test_role_change_is_a_security_event(users):
    from django.contrib.auth.models import Group

    users["staff"].groups.add(Group.objects.get(name="Leadership"))
    event = SecurityEvent.objects.filter(kind="role_change", username="staff").latest("id")
    assert event.detail == {"change": "added", "roles": ["Leadership"]}


def test_seed_demo_is_idempotent_and_uses_demo_password(monkeypatch, client):
    monkeypatch.setenv("DEMO_PASSWORD", "Demo-Password-For-Tests-1")
    call_command("seed_demo")
    call_command("seed_demo")
    from django.contrib.auth import get_user_model

    names = set(get_user_model().objects.values_list("username", flat=True))
    assert {"staff", "pm", "requester", "reviewer", "approver", "leader", "admin"} <= names
    client.post("/consent/")
    response = client.post(
        "/accounts/login/", {"username": "leader", "password": "Demo-Password-For-Tests-1"}
    )
    assert response.status_code == 302
