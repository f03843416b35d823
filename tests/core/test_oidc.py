"""Sign-in through a real OpenID Connect provider started by the test (core/oidc.py).

The provider is panva's oidc-provider from npm (tests/oidc/provider.mjs): discovery,
authorization code with PKCE, signed ID tokens checked against its JWKS, userinfo with a
`groups` claim. The portal runs on Django's live server; a person goes through the
notice-and-consent banner, the provider's own sign-in and consent pages, and back.
"""

import json
import re
import shutil
import subprocess
from html import unescape

import pytest
import requests
from django.conf import settings
from django.contrib.auth import get_user_model

from core import roles
from core.models import AccountLockout, SecurityEvent
from tests.faults.proxy import free_port

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("node"), reason="needs Node.js (npm's oidc-provider)"),
]

ACCOUNTS = {
    "alice": {
        "given_name": "Alice",
        "family_name": "Ames",
        "email": "alice@example.mil",
        "groups": ["ic-staff", "building-7"],
    },
    "lee": {"given_name": "Lee", "family_name": "Lane", "groups": ["ic-leaders"]},
    "nobody": {"given_name": "No", "family_name": "Role", "groups": ["cafeteria"]},
}


@pytest.fixture
def provider(live_server, settings):
    port = free_port()
    process = subprocess.Popen(
        [
            "node",
            "tests/oidc/provider.mjs",
            str(port),
            f"{live_server.url}/oidc/callback/",
            json.dumps(ACCOUNTS),
        ],
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout.readline().strip() == "ready", "the provider did not start"
        issuer = f"http://127.0.0.1:{port}"
        settings.OIDC_ENABLED = True
        settings.OIDC_RP_CLIENT_ID = "icportal"
        settings.OIDC_RP_CLIENT_SECRET = "icportal-test-secret"
        settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{issuer}/auth"
        settings.OIDC_OP_TOKEN_ENDPOINT = f"{issuer}/token"
        settings.OIDC_OP_USER_ENDPOINT = f"{issuer}/me"
        settings.OIDC_OP_JWKS_ENDPOINT = f"{issuer}/jwks"
        settings.OIDC_PROVIDER_NAME = "Test Command Login"
        settings.OIDC_GROUP_ROLES = {
            "ic-staff": roles.IC_STAFF,
            "ic-leaders": roles.LEADERSHIP,
            "ic-admins": roles.PORTAL_ADMIN,
        }
        settings.AUTHENTICATION_BACKENDS = [
            "core.oidc.PortalOIDCBackend",
            *settings.AUTHENTICATION_BACKENDS,
        ]
        yield issuer
    finally:
        process.terminate()
        process.wait(timeout=10)


def form_of(page):
    """(action URL, hidden fields) of the first form on a page."""
    action = unescape(re.search(r'<form[^>]*action="([^"]+)"', page.text).group(1))
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    return requests.compat.urljoin(page.url, action), hidden


def csrf(page):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def sign_in(base, login):
    """A browser's way through: the banner, the portal's sign-in page, the provider's
    sign-in and consent pages, and back to the portal."""
    browser = requests.Session()
    page = browser.get(f"{base}/oidc/authenticate/", timeout=10)
    assert "/consent/" in page.url  # the banner comes first
    page = browser.post(page.url, data={"csrfmiddlewaretoken": csrf(page)}, timeout=10)
    assert "Sign in with Test Command Login" in page.text
    button = re.search(r'href="(/oidc/authenticate/[^"]*)"', page.text).group(1)
    page = browser.get(base + unescape(button), timeout=10)
    assert page.url.startswith("http://127.0.0.1") and 'name="login"' in page.text
    action, fields = form_of(page)
    page = browser.post(action, data={**fields, "login": login, "password": "x"}, timeout=10)
    if 'name="prompt" value="consent"' in page.text:
        action, fields = form_of(page)
        page = browser.post(action, data=fields, timeout=10)
    return browser, page


def test_a_person_signs_in_through_the_provider_with_roles_from_its_groups(
    live_server, provider, users
):
    browser, page = sign_in(live_server.url, "alice")
    assert page.url == f"{live_server.url}/"
    assert "Welcome, Alice Ames" in page.text and "IC Staff" in page.text
    alice = get_user_model().objects.get(username="alice")
    assert [g.name for g in alice.groups.all()] == [roles.IC_STAFF]
    assert alice.email == "alice@example.mil" and not alice.has_usable_password()
    assert SecurityEvent.objects.filter(kind="login", username="alice").exists()
    # The session is the portal's own: pages work, and the consent record stayed.
    assert browser.get(f"{live_server.url}/programs/", timeout=10).status_code == 200


def test_groups_that_map_to_no_role_are_refused_with_a_reason(live_server, provider):
    _, page = sign_in(live_server.url, "nobody")
    assert "/accounts/login/" in page.url and "has no IC Portal role" in page.text
    assert not get_user_model().objects.filter(username="nobody").exists()
    assert SecurityEvent.objects.filter(kind="login_failed", username="nobody").exists()


def test_an_existing_account_is_matched_by_username_and_its_roles_follow_the_provider(
    live_server, provider, make_user
):
    lee = make_user("lee", roles.IC_STAFF)
    _, page = sign_in(live_server.url, "lee")
    assert "Welcome, Lee Lane" in page.text
    lee.refresh_from_db()
    assert [g.name for g in lee.groups.all()] == [roles.LEADERSHIP]  # IC Staff removed


def test_a_locked_account_is_refused_through_the_provider_too(live_server, provider, make_user):
    lee = make_user("lee", roles.LEADERSHIP)
    AccountLockout.objects.create(user=lee, failures=settings.LOCKOUT_FAILURES)
    _, page = sign_in(live_server.url, "lee")
    assert "/accounts/login/" in page.url and "locked" in page.text
