"""Screenshots for the user guide, taken from the demo in a real Chromium.

`make docs-screenshots` runs this. It loads the demo data into a fresh database of its own
(SQLite in a temporary folder unless DOCS_DATABASE_URL names another), starts the portal
with `manage.py runserver` (tasks in-process, no broker), signs in as each demo user
through the consent banner and the sign-in form, and saves one PNG per page in docs/img/.
The guide shows whatever the portal shows today: run it again after a change to a page.

Needs Debian's Chromium at /usr/bin/chromium (or CHROMIUM) and Playwright (the test
dependencies). Never downloads a browser.
"""

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "img"
PASSWORD = "Docs-Screenshots-Password-1"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def portal_env(folder):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "DATABASE_URL")
    }
    env.update(
        DATABASE_URL=os.environ.get("DOCS_DATABASE_URL", f"sqlite:///{folder}/docs.sqlite3"),
        MEDIA_ROOT=str(Path(folder) / "media"),
        DEMO_PASSWORD=PASSWORD,
        DJANGO_SETTINGS_MODULE="icportal.settings",
        LOG_FORMAT="text",
        LOG_LEVEL="WARNING",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    return env


def manage(env, *args):
    command = [sys.executable, "manage.py", *args]
    subprocess.run(command, cwd=ROOT, env=env, check=True)  # noqa: S603


def wait_until_up(url, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2):  # noqa: S310 (http only)
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the portal did not start on {url}")


class Shooter:
    """One browser; a fresh context (cookies) per user."""

    def __init__(self, browser, base):
        self.browser, self.base, self.page, self.taken = browser, base, None, []

    def as_user(self, username):
        if self.page is not None:
            self.page.context.close()
        context = self.browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = context.new_page()
        if username:
            self.page.goto(self.base + "/accounts/login/")
            self.page.get_by_role("button", name="I accept").click()
            self.page.get_by_label("Username").fill(username)
            self.page.get_by_label("Password").fill(PASSWORD)
            self.page.get_by_role("button", name="Sign in").click()
            self.page.wait_for_url(self.base + "/")
        return self.page

    def first_link(self, pattern):
        """The first link on the page whose path matches `pattern` (a regex)."""
        hrefs = self.page.eval_on_selector_all(
            "a[href]", "els => els.map(e => [e.pathname, e.pathname + e.search])"
        )
        for path, with_query in hrefs:
            if re.fullmatch(pattern, path):
                return with_query
        raise SystemExit(f"no link matching {pattern} on {self.page.url}")

    def shoot(self, name, path=None, full_page=False):
        if path is not None:
            self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")
        target = OUT / f"{name}.png"
        self.page.screenshot(path=str(target), full_page=full_page)
        self.taken.append(target.name)
        print(f"  {target.relative_to(ROOT)}  ({self.page.url.replace(self.base, '')})")


def take_all(s):
    s.as_user(None)
    s.shoot("consent", "/consent/")

    s.as_user("staff")
    s.shoot("home-staff")
    s.shoot("programs-list", "/programs/")
    s.shoot("agreements-list", "/agreements/")
    agreement = s.first_link(r"/agreements/\d+/")
    s.shoot("agreement-detail", agreement)
    s.shoot("fora-list", "/fora/")
    s.shoot("search", "/search/?q=radar")

    s.as_user("pm")
    s.shoot("home-pm")
    s.page.goto(s.base + "/programs/")
    program = s.first_link(r"/programs/\d+/")
    s.shoot("program-detail", program)
    s.shoot("program-partners", program + "partners/")
    s.shoot("program-history", program + "history/")
    s.shoot("action-items", "/fora/action-items/")
    s.shoot("api-tokens", "/accounts/tokens/")

    s.as_user("requester")
    s.shoot("tsfd-list", "/tsfd/")
    s.shoot("tsfd-add", "/tsfd/add/")

    s.as_user("reviewer")
    s.shoot("tsfd-queue-reviewer", "/tsfd/queue/")
    s.page.goto(s.base + "/tsfd/queue/")
    s.shoot("tsfd-review", s.first_link(r"/tsfd/\d+/(review/)?"))

    s.as_user("approver")
    s.shoot("tsfd-queue-approver", "/tsfd/queue/")

    s.as_user("leader")
    s.shoot("home-leader", full_page=True)
    s.shoot("briefs", "/briefs/")

    s.as_user("admin")
    s.shoot("data-quality", "/data-quality/")
    s.shoot("admin-site", "/admin/")
    s.shoot("admin-users", "/admin/auth/user/")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="icportal-docs-") as folder:
        env = portal_env(folder)
        print("Loading the demo data into a database of its own…")
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "seed_demo", "-v", "0")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(  # noqa: S603 (our own interpreter and manage.py)
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until_up(base)
            print(f"Taking screenshots from {base}:")
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                shooter = Shooter(browser, base)
                try:
                    take_all(shooter)
                finally:
                    browser.close()
            print(f"{len(shooter.taken)} screenshots in {OUT.relative_to(ROOT)}/")
        finally:
            server.terminate()
            server.wait(timeout=20)


if __name__ == "__main__":
    main()
