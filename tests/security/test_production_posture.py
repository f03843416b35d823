"""The production settings, served by a real gunicorn: headers, cookies, error pages.

gunicorn runs `icportal.production` (DEBUG off, a test SECRET_KEY) on the test database.
It sits, as in a deployment, behind a TLS-terminating proxy: every request carries
`X-Forwarded-Proto: https` (SECURE_PROXY_SSL_HEADER); nothing is relaxed for the test,
so HTTPS redirect, HSTS and secure cookies are all on.
"""

import http.client
import re
import shutil
import subprocess
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from django.conf import global_settings, settings
from django.contrib.auth.models import Group
from django.db import connection

from core import roles
from tests.faults.proxy import free_port
from tests.processes import database_url, production_env, start_gunicorn, stop
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="gunicorn shares the test database only on PostgreSQL (SQLite is in memory)",
)


SECRET = "posture-test-secret-key-" + "k" * 40
PASSWORD = "Posture-Test-Password-42"
ONE_YEAR = 365 * 24 * 3600


class Response:
    def __init__(self, raw):
        self.status = raw.status
        self.headers = raw.msg
        self.text = raw.read().decode("utf-8", "replace")
        self.cookies = {}
        for header in raw.msg.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            self.cookies.update(jar)

    def header(self, name):
        return self.headers.get(name) or ""


class Client:
    """Talks to gunicorn as the proxy would pass a browser's requests on."""

    def __init__(self, port):
        self.port = port
        self.origin = f"https://127.0.0.1:{port}"
        self.cookies = {}

    def request(self, method, path, data=None, headers=None, https=True, host=None):
        sent = {"Host": host or f"127.0.0.1:{self.port}"}
        if https:
            sent["X-Forwarded-Proto"] = "https"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if method == "POST":
            sent["Origin"] = self.origin
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            body = urlencode(data or {})
        sent.update(headers or {})
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=sent)
            response = Response(conn.getresponse())
        finally:
            conn.close()
        for name, morsel in response.cookies.items():
            if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value
        return response

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, data=None, **kwargs):
        return self.request("POST", path, data, **kwargs)


def form_token(page):
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert match, "no CSRF token in the form"
    return match.group(1)


def assert_hardened(response, what):
    """The headers every response of the portal carries in production."""
    csp = response.header("Content-Security-Policy")
    framing = "frame-ancestors 'none'" in csp or response.header("X-Frame-Options") == "DENY"
    assert framing, f"{what}: may be framed (no frame-ancestors 'none', no X-Frame-Options)"
    if csp:
        assert "default-src 'self'" in csp and "object-src 'none'" in csp, f"{what}: {csp}"
    hsts = response.header("Strict-Transport-Security")
    max_age = re.search(r"max-age=(\d+)", hsts)
    assert max_age and int(max_age.group(1)) >= ONE_YEAR, f"{what}: HSTS {hsts!r}"
    assert "includeSubDomains" in hsts, f"{what}: HSTS {hsts!r}"
    assert response.header("X-Content-Type-Options") == "nosniff", what
    assert response.header("Referrer-Policy") in (
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
        "no-referrer",
    ), f"{what}: Referrer-Policy {response.header('Referrer-Policy')!r}"
    assert response.header("Cross-Origin-Opener-Policy") == "same-origin", what
    assert not response.header("X-Powered-By"), what


def assert_no_internals(response, what):
    for leak in (
        "Traceback",
        'File "/',
        "Exception Value",
        "DEBUG = True",
        "SECRET_KEY",
        SECRET,
        "DATABASES",
        "django.db",
        "psycopg2",
        "ProgrammingError",
        "Using the URLconf",
        "site-packages",
    ):
        assert leak not in response.text, f"{what} shows {leak!r}"


@pytest.fixture
def member(settings, django_user_model):
    """A Leadership user whose password the server (with its real hashers) accepts."""
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    user = django_user_model.objects.create_user(
        "posture", password=PASSWORD, first_name="Pat", last_name="Posture"
    )
    user.groups.add(Group.objects.get(name=roles.LEADERSHIP))
    ProgramFactory(name="Posture radar study")
    return user


@pytest.fixture
def gunicorn(member, tmp_path):
    """A gunicorn with the production settings on the (committed) test database."""
    static_root = tmp_path / "static"
    (static_root / "css").mkdir(parents=True)
    shutil.copy(settings.BASE_DIR / "static" / "css" / "portal.css", static_root / "css")
    port = free_port()
    env = production_env(
        DEBUG="false",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url(),
        MEDIA_ROOT=str(tmp_path / "media"),
        STATIC_ROOT=str(static_root),
        LOG_LEVEL="WARNING",
    )
    for relaxed in ("SECURE_SSL_REDIRECT", "SECURE_COOKIES", "SECURE_HSTS_SECONDS"):
        env.pop(relaxed, None)
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as errors:
        server = start_gunicorn(
            port, 1, "--timeout", "60", env=env, stdout=subprocess.DEVNULL, stderr=errors
        )
    client = Client(port)
    try:
        deadline = time.time() + 30
        while True:
            try:
                if client.get("/healthz").status in (200, 503):
                    break
            except OSError:
                pass
            assert server.poll() is None, log.read_text()
            assert time.time() < deadline, "gunicorn did not start: " + log.read_text()
            time.sleep(0.2)
        client.cookies.clear()
        yield client, log
    finally:
        stop(server)


def sign_in(client):
    """Consent banner, then the sign-in form, as a browser does it."""
    page = client.get("/consent/")
    consented = client.post("/consent/", {"csrfmiddlewaretoken": form_token(page.text)})
    assert consented.status == 302, consented.text[:300]
    return sign_in_from_login(client, client.get("/accounts/login/"))


@pytest.mark.django_db(transaction=True)
def test_headers_and_cookies_of_every_kind_of_response(gunicorn):
    client, _ = gunicorn

    # Plain http (no proxy saying https) is sent to https; the redirect is hardened too.
    redirect = client.get("/accounts/login/", https=False)
    assert redirect.status == 301
    assert redirect.header("Location") == f"https://127.0.0.1:{client.port}/accounts/login/"

    # Signed out: the consent banner and the sign-in page.
    consent = client.get("/consent/")
    assert consent.status == 200 and "csrfmiddlewaretoken" in consent.text
    assert_hardened(consent, "consent page")
    csrf = consent.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["secure"] and csrf["samesite"] == "Lax"
    # The CSRF cookie is HttpOnly: htmx takes the token from the page (hx-headers), never
    # from the cookie, so JavaScript never needs to read it.
    assert settings.CSRF_COOKIE_HTTPONLY and csrf["httponly"]

    response = client.post("/consent/", {"csrfmiddlewaretoken": form_token(consent.text)})
    assert response.status == 302
    login = client.get("/accounts/login/")
    assert login.status == 200 and 'name="password"' in login.text
    assert_hardened(login, "sign-in page")

    signed_in = sign_in_from_login(client, login)
    session = signed_in.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    assert not session["expires"] and not session["max-age"], "ends with the browser"
    assert_hardened(signed_in, "sign-in redirect")

    # Signed in: the home page and a list.
    home = client.get("/")
    assert home.status == 200 and "Pat" in home.text
    assert_hardened(home, "home page")
    programs = client.get("/programs/")
    assert programs.status == 200 and "Posture radar study" in programs.text
    assert_hardened(programs, "programs list")

    # htmx sends the token from the page's hx-headers; with it a POST passes, without it 403.
    token = re.search(r"hx-headers='\{\"X-CSRFToken\": \"([^\"]+)\"\}'", home.text)
    assert token, "base.html no longer hands htmx the CSRF token"
    htmx = {"HX-Request": "true", "X-CSRFToken": token.group(1)}
    assert client.post("/notifications/read-all/", headers=htmx).status == 302
    refused = client.post("/notifications/read-all/", headers={"HX-Request": "true"})
    assert refused.status == 403
    assert_hardened(refused, "CSRF refusal")
    assert_no_internals(refused, "CSRF refusal")

    # The API, signed in and signed out.
    api = client.get("/api/v1/programs/", headers={"Accept": "application/json"})
    assert api.status == 200 and api.header("Content-Type").startswith("application/json")
    assert "Posture radar study" in api.text
    assert_hardened(api, "API list")
    anonymous = Client(client.port).get("/api/v1/programs/")
    assert anonymous.status in (401, 403)
    assert_hardened(anonymous, "API refusal")
    # The API docs (Swagger UI) keep the strict policy: their script is a file, not inline.
    docs = client.get("/api/v1/docs/")
    assert docs.status == 200
    assert "script-src 'self'" in docs.header("Content-Security-Policy")
    assert_hardened(docs, "API docs")
    script = re.search(r'<script src="(/api/v1/docs/\?[^"]*script=[^"]*)"', docs.text)
    assert script, "the docs page runs an inline script"
    start = client.get(script.group(1).replace("&amp;", "&"))
    assert start.status == 200 and "SwaggerUIBundle" in start.text
    assert_hardened(start, "API docs script")

    # A static file, served by whitenoise from STATIC_ROOT.
    css = client.get("/static/css/portal.css")
    assert css.status == 200 and css.header("Content-Type").startswith("text/css")
    assert_hardened(css, "static file")


def sign_in_from_login(client, login):
    signed_in = client.post(
        "/accounts/login/",
        {
            "username": "posture",
            "password": PASSWORD,
            "csrfmiddlewaretoken": form_token(login.text),
        },
    )
    assert signed_in.status == 302 and signed_in.header("Location") == "/", signed_in.text[:500]
    return signed_in


@pytest.mark.django_db(transaction=True)
def test_error_pages_are_friendly_and_show_no_internals(gunicorn):
    client, log = gunicorn
    sign_in(client)

    missing = client.get("/no-such-page/")
    assert missing.status == 404 and "Page not found" in missing.text
    assert_hardened(missing, "404 page")
    assert_no_internals(missing, "404 page")
    record = client.get("/programs/987654321/")
    assert record.status == 404
    assert_no_internals(record, "404 of a record")
    api = client.get("/api/v1/programs/987654321/")
    assert api.status == 404 and api.header("Content-Type").startswith("application/json")
    assert_no_internals(api, "API 404")

    bad_host = client.get("/", host="evil.example")
    assert bad_host.status == 400
    assert "evil.example" not in bad_host.text and "ALLOWED_HOSTS" not in bad_host.text
    assert_no_internals(bad_host, "400 for a foreign Host")

    # A real unhandled error in a real page: the notifications page loses a table it reads
    # (as after a failed migration). No debug URL exists in production and none is added.
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE core_notificationpreference RENAME TO posture_moved_away")
    try:
        broken = client.get("/notifications/")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE posture_moved_away RENAME TO core_notificationpreference")
    assert broken.status == 500, broken.text[:300]
    assert "Something went wrong" in broken.text and settings.PORTAL_MARKING in broken.text
    assert_hardened(broken, "500 page")
    assert_no_internals(broken, "500 page")
    assert "core_notificationpreference" not in broken.text and "SELECT" not in broken.text
    # The details went to the server's log, where operators look, not to the browser.
    deadline = time.time() + 5
    while "core_notificationpreference" not in log.read_text() and time.time() < deadline:
        time.sleep(0.1)
    assert "core_notificationpreference" in log.read_text()
    # And the page works again once the table is back: no restart needed.
    assert client.get("/notifications/").status == 200
