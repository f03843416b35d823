"""Shared fixtures: demo-like users of every role, a consenting client, Chromium."""

import os
import shutil

import pytest
from django.contrib.auth.models import Group

from core import roles

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None
)
PASSWORD = "Correct-Horse-Battery-9"

ROLE_USERNAMES = {
    "staff": roles.IC_STAFF,
    "pm": roles.PROGRAM_MANAGER,
    "requester": roles.TSFD_REQUESTER,
    "reviewer": roles.TSFD_REVIEWER,
    "approver": roles.TSFD_APPROVER,
    "leader": roles.LEADERSHIP,
    "admin": roles.PORTAL_ADMIN,
}


def pytest_collection_modifyitems(config, items):
    browser_items = [i for i in items if "browser" in i.keywords]
    if not browser_items or CHROMIUM:
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError("CI=true but Chromium is missing: install Debian's chromium.")
    skip = pytest.mark.skip(reason="Chromium not found at /usr/bin/chromium: browser tests skipped")
    for item in browser_items:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-dev-shm-usage",
        ],
    }


@pytest.fixture
def make_user(db, django_user_model):
    def make(username, role=None, **extra):
        user = django_user_model.objects.create_user(
            username=username,
            password=PASSWORD,
            first_name=username.capitalize(),
            last_name="Tester",
            **extra,
        )
        if role:
            user.groups.add(Group.objects.get(name=role))
        if role == roles.PORTAL_ADMIN:
            user.is_staff = user.is_superuser = True
            user.save()
        return user

    return make


@pytest.fixture
def users(make_user):
    """One user of each role, named like the demo users."""
    return {name: make_user(name, role) for name, role in ROLE_USERNAMES.items()}


@pytest.fixture
def pm_client(client, users):
    """The test client, signed in as the program manager of `users`."""
    client.force_login(users["pm"])
    return client


@pytest.fixture
def demo(db, monkeypatch, settings, tmp_path):
    """The demo data (seed_demo, its files in a temporary MEDIA_ROOT): the demo users by name."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setenv("DEMO_PASSWORD", "Demo-Password-For-Tests-1")
    call_command("seed_demo", verbosity=0)
    return {u.username: u for u in get_user_model().objects.filter(username__in=ROLE_USERNAMES)}


@pytest.fixture
def consenting_client(client):
    """A client that has accepted the notice-and-consent banner."""
    client.post("/consent/")
    return client


@pytest.fixture
def login(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing costs ~0.3 s a user; tests check sign-in rules, not PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _reference_countries(request):
    """Transactional tests (live servers, workers) flush the database after each test.

    A flush re-runs post_migrate (content types, permissions, role groups) but not the
    data migrations that load reference data (countries, legal authorities, TSFD review
    areas and information categories): put them back before each such test.
    """
    marker = request.node.get_closest_marker("django_db")
    if not (marker and marker.kwargs.get("transaction")):
        return
    request.getfixturevalue("transactional_db")
    restore_reference_data()


def restore_reference_data():
    """Post-migrate rows and migration-loaded reference data, if a flush removed them."""
    from importlib import import_module

    from django.apps import apps
    from django.contrib.auth.models import Group
    from django.core.management.sql import emit_post_migrate_signal

    from agreements.models import LegalAuthority
    from core.countries import country_rows
    from core.models import Country

    if not Group.objects.exists():  # content types, permissions, role groups
        emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    if not Country.objects.exists():
        Country.objects.bulk_create(Country(**row) for row in country_rows())
    if not LegalAuthority.objects.exists():
        for migration in REFERENCE_DATA_MIGRATIONS:
            import_module(migration).seed(apps, None)


# The data migrations whose `seed(apps, schema_editor)` loads reference data (idempotent).
REFERENCE_DATA_MIGRATIONS = (
    "agreements.migrations.0003_legal_authorities",
    "tsfd.migrations.0002_reference_data",
)


@pytest.fixture
def query_budget(client):
    """`query_budget(url, user)`: the page's queries, held to tests/query_budgets.json."""
    from tests.query_budget import QueryBudget

    return QueryBudget(client)


def pytest_terminal_summary(terminalreporter):
    from tests.query_budget import summary_lines

    for line in summary_lines():
        terminalreporter.write_line(line)
