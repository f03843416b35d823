"""Personal API tokens: hashed, shown once, expiring, revocable, read-only or read-write,
and dead the moment their user is locked, deactivated or loses every role."""

import hashlib
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core import tokens
from core.models import AccountLockout, ApiToken, SecurityEvent
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/programs/"
NEW_PROGRAM = {"code": "CP-2026-901", "name": "From a token", "kind": "rdte", "phase": "concept"}


def _create_in_page(client, user, **fields):
    client.force_login(user)
    data = {
        "description": "nightly export",
        "expires_on": tokens.default_expiry_day().isoformat(),
        "read_only": "on",
        **fields,
    }
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(reverse("core:api-tokens"), data)


def _plain_in(response):
    text = response.content.decode()
    start = text.index('value="icp_') + len('value="')
    return text[start : text.index('"', start)]


def _token(user, read_only=False, days=30):
    return tokens.issue(user, "test token", timezone.localdate() + timedelta(days=days), read_only)


def call(client, method, plain, url=API, keyword="Bearer", **kwargs):
    return getattr(client, method)(
        url, content_type="application/json", HTTP_AUTHORIZATION=f"{keyword} {plain}", **kwargs
    )


def test_token_is_stored_hashed_and_shown_once(client, users):
    response = _create_in_page(client, users["pm"], read_only=None)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    plain = _plain_in(response)
    assert "shown this once" in response.text
    token = ApiToken.objects.get(user=users["pm"])
    key, secret = plain.removeprefix("icp_").split(".", 1)
    assert token.key == key and len(secret) >= 40
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    stored = " ".join(str(v) for v in ApiToken.objects.values().get().values())
    assert secret not in stored
    assert token.read_only is False and token.description == "nightly export"
    assert (
        token.expires_at.date() - timezone.localdate()
    ).days == settings.API_TOKEN_DEFAULT_DAYS + 1
    # The list shows the key, never the secret again.
    page = client.get(reverse("core:api-tokens"))
    assert f"icp_{key}" in page.text and secret not in page.text
    assert "nightly export" in page.text and "Read-write" in page.text
    event = SecurityEvent.objects.get(kind="api_token_created")
    assert event.username == "pm" and event.detail["key"] == f"icp_{key}"
    assert secret not in str(event.detail)
    # And it works.
    assert call(client.__class__(), "post", plain, data=NEW_PROGRAM).status_code == 201


def test_token_page_is_in_the_user_menu(client, users):
    client.force_login(users["staff"])
    assert reverse("core:api-tokens") in client.get("/").text


def test_expiry_is_required_and_capped(client, users, settings):
    settings.API_TOKEN_MAX_DAYS = 30  # the pytest-django fixture: restored afterwards
    response = _create_in_page(client, users["pm"], expires_on="")
    assert "This field is required" in response.text
    too_late = (timezone.localdate() + timedelta(days=31)).isoformat()
    response = _create_in_page(client, users["pm"], expires_on=too_late)
    assert "A token lives at most 30 days" in response.text
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert (
        "Choose today or a later day" in _create_in_page(client, users["pm"], expires_on=past).text
    )
    assert not ApiToken.objects.exists()
    # The model refuses it on every path, not only in the form.
    with pytest.raises(ValidationError, match="at most 30 days"):
        tokens.issue(users["pm"], "x", timezone.localdate() + timedelta(days=40))
    assert not ApiToken.objects.exists()


def test_bearer_and_token_keywords_both_work_and_last_used_is_kept(client, users):
    token, plain = _token(users["pm"])
    assert token.last_used_at is None
    assert call(client, "get", plain).status_code == 200
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    # Written at most once a minute, not on every request.
    assert call(client, "get", plain, keyword="Token").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    assert call(client, "get", plain).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at > first


@pytest.mark.parametrize(
    "bad",
    ["icp_nonsense", "icp_abcdefghijkl.wrong", "not-a-token", "icp_.x"],
)
def test_unknown_or_malformed_tokens_get_401(client, users, bad):
    _token(users["pm"])
    response = call(client, "get", bad)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_wrong_secret_for_a_real_key_gets_401(client, users):
    token, plain = _token(users["pm"])
    assert call(client, "get", plain[:-2] + "xx").status_code == 401


def test_expired_token_gets_401(client, users):
    token, plain = _token(users["pm"])
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=timezone.now() - timedelta(days=10),
        expires_at=timezone.now() - timedelta(seconds=1),
    )
    response = call(client, "get", plain)
    assert response.status_code == 401
    assert response.json()["detail"] == "This API token has expired."


def test_revoked_token_gets_401_and_both_are_security_events(client, users):
    token, plain = _token(users["pm"])
    client.force_login(users["pm"])
    response = client.post(reverse("core:api-token-revoke", args=[token.pk]), follow=True)
    assert f"Token {token.prefix} is revoked" in response.text
    client.logout()
    response = call(client, "get", plain)
    assert response.status_code == 401
    assert response.json()["detail"] == "This API token was revoked."
    revoked = SecurityEvent.objects.get(kind="api_token_revoked")
    assert revoked.username == "pm" and revoked.detail["by"] == "pm"
    used = SecurityEvent.objects.get(kind="api_token_revoked_use")
    assert used.username == "pm" and used.detail["key"] == token.prefix
    assert used.detail["path"] == API


@pytest.mark.parametrize("change", ["locked", "deactivated", "no role"])
def test_token_stops_at_once_when_its_user_loses_access(client, users, change):
    user = users["pm"]
    token, plain = _token(user)
    assert call(client, "get", plain).status_code == 200
    if change == "locked":
        AccountLockout.objects.create(user=user)
    elif change == "deactivated":
        user.is_active = False
        user.save()
    else:
        user.groups.clear()
    assert call(client, "get", plain).status_code == 401


def test_superuser_without_groups_keeps_a_working_token(client, users):
    admin = users["admin"]
    admin.groups.clear()
    _, plain = _token(admin)
    assert call(client, "get", plain).status_code == 200


def test_read_only_token_reads_but_every_write_is_403_with_the_reason(client, users):
    from core import teams

    program = ProgramFactory()
    teams.set_member(program, users["pm"], "lead")
    _, plain = _token(users["pm"], read_only=True)
    assert call(client, "get", plain).status_code == 200
    assert call(client, "get", plain, url=f"{API}{program.pk}/").status_code == 200
    url = f"{API}{program.pk}/"
    for method, target in (("post", API), ("put", url), ("patch", url), ("delete", url)):
        response = call(client, method, plain, url=target, data={"name": "Changed"})
        assert response.status_code == 403, method
        assert response.json()["detail"] == tokens.READ_ONLY_MESSAGE
    program.refresh_from_db()
    assert program.name != "Changed"
    assert ProgramFactory._meta.model.objects.count() == 1


def test_another_users_token_cannot_be_revoked(client, users):
    token, plain = _token(users["pm"])
    client.force_login(users["staff"])
    response = client.post(reverse("core:api-token-revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert token.prefix not in client.get(reverse("core:api-tokens")).text
    assert call(client.__class__(), "get", plain).status_code == 200


def test_portal_admin_revokes_anyones_token_in_the_admin_site(client, users):
    token, plain = _token(users["pm"])
    client.force_login(users["admin"])
    changelist = reverse("admin:core_apitoken_changelist")
    page = client.get(changelist)
    assert token.prefix in page.text and token.digest not in page.text
    response = client.post(
        changelist, {"action": "revoke_tokens", "_selected_action": [token.pk]}, follow=True
    )
    assert "Revoked 1 token" in response.text
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == users["admin"]
    assert call(client.__class__(), "get", plain).status_code == 401
    event = SecurityEvent.objects.get(kind="api_token_revoked")
    assert event.username == "pm" and event.detail["by"] == "admin"


def test_a_user_without_a_role_is_not_offered_a_token(client, make_user):
    nobody = make_user("norole")
    response = _create_in_page(client, nobody)
    assert response.status_code == 302
    assert not ApiToken.objects.exists()
    assert "no role in the portal" in client.get(reverse("core:api-tokens")).text


def test_anonymous_api_call_is_told_how_to_authenticate(client):
    response = client.get(API)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_roles_hold_only_a_portal_admin_may_manage_tokens_in_the_admin(users):
    assert users["admin"].has_perm("core.change_apitoken")
    assert not Group.objects.get(name="Leadership").permissions.filter(
        codename__endswith="apitoken"
    )
