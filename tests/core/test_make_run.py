"""`make run` as a newcomer runs it: the embedded SQLite database, no Redis, a real worker.

The portal comes up with its demo data, a briefing packet asked for through the API
answers at once and is rendered by the worker (its progress moves, as the bar shows it),
the web server and the worker write to SQLite at once without "database is locked", and
Ctrl-C stops the web server, the worker and beat together.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
# Not the variables of an enclosing `make test`, nor the test settings' services.
LEFT_OUT = (
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "MAKEFLAGS",
    "MFLAGS",
    "MAKELEVEL",
    "MAKEOVERRIDES",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "DJANGO_SETTINGS_MODULE",
)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Api:
    def __init__(self, base, token):
        self.base, self.token = base, token

    def call(self, method, path, body=None):
        request = urllib.request.Request(
            self.base + path,
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")[:300]


@pytest.fixture
def portal(tmp_path):
    """`make run` on a fresh SQLite database; yields (base URL, environment, process)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in LEFT_OUT}
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "BROKER_FOLDER": str(tmp_path / "broker"),
        "DEMO_PASSWORD": "Demo-Password-For-Make-Run-1",
    }
    log = open(tmp_path / "make-run.log", "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run", f"PORT={port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, as a terminal would give it
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while True:
            assert process.poll() is None, (tmp_path / "make-run.log").read_text()[-3000:]
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=5)
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "make run did not serve in 4 minutes"
                time.sleep(1)
        yield base, env, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def token_for(username, env):
    issued = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", ISSUE_TOKEN.format(username=username)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return issued.stdout.strip().splitlines()[-1]


ISSUE_TOKEN = """
from django.contrib.auth import get_user_model
from core import tokens
user = get_user_model().objects.get(username="{username}")
print(tokens.issue(user, "make run test", tokens.default_expiry_day(), read_only=False)[1])
"""


def test_make_run_renders_in_a_worker_and_stops_on_ctrl_c(portal):
    base, env, process = portal
    with urllib.request.urlopen(f"{base}/healthz", timeout=10) as response:
        assert json.load(response)["broker"] == {"ok": True, "kind": "filesystem"}
    api = Api(base, token_for("leader", env))
    editor = Api(base, token_for("admin", env))

    started = time.monotonic()
    status, packet = api.call("POST", "/api/v1/briefs/packets/", {"kind": "leadership"})
    answered = time.monotonic() - started
    assert status == 202, packet
    assert answered < 1.0, f"the request waited {answered:.1f} s: rendered in the request?"

    # While the worker renders (writing its progress), people save records.
    status, programs = editor.call("GET", "/api/v1/programs/?page_size=10")
    assert status == 200, programs

    def rename(program):
        """Rename a program a few times, reading its version each time."""
        answers = []
        for round_ in range(3):
            status, current = editor.call("GET", f"/api/v1/programs/{program['id']}/")
            body = {"name": f"{program['name']} ({round_})", "version": current["version"]}
            answers.append(editor.call("PATCH", f"/api/v1/programs/{program['id']}/", body)[0])
        return answers

    seen, saves = [], []
    while time.monotonic() - started < 180:
        status, packet = api.call("GET", f"/api/v1/briefs/packets/{packet['id']}/")
        assert status == 200, packet
        seen.append((packet["status"], packet["progress"]))
        if packet["status"] == "running" and not saves:
            with ThreadPoolExecutor(len(programs["results"])) as pool:
                saves = [s for answers in pool.map(rename, programs["results"]) for s in answers]
        if packet["status"] in ("done", "failed", "cancelled"):
            break
        time.sleep(0.3)
    assert packet["status"] == "done", seen
    assert any(s == "running" and 0 < p < 100 for s, p in seen), seen
    assert saves and set(saves) == {200}, saves  # no 503 "database cannot be reached"

    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in the terminal
    assert process.wait(timeout=60) is not None
    time.sleep(1)
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)  # nothing of the group is left: web, worker, beat
