"""Scale-out, proven: two web nodes and two workers share PostgreSQL, Redis and S3.

Two gunicorn processes on the production settings (nodes A and B, each with its own
empty MEDIA_ROOT, so nothing can come from a local disk) and two Celery workers, all on
the test database, Redis and a local S3-compatible server (moto in server mode). A
person signs in on A and keeps working on B; a document uploaded through A downloads
from B; a packet asked for on A is rendered by a worker and downloads from B; a worker
killed mid-render loses nothing: the other one finishes the packet.
"""

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import pytest
import requests
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from briefs import jobs
from briefs.models import Packet
from core import teams
from tests.conftest import PASSWORD
from tests.faults.proxy import free_port
from tests.processes import database_url, production_env, start_gunicorn, start_worker, stop
from tests.programs.factories import ProgramFactory, with_children

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not settings.REDIS_URL,
        reason="needs PostgreSQL and REDIS_URL (nodes share the database and the broker)",
    ),
]


def wait_until(predicate, seconds=60, what="the condition"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def answering(url):
    try:
        return requests.get(url, timeout=2).status_code in (200, 503)
    except requests.RequestException:
        return False


@pytest.fixture
def object_store():
    """moto's S3-compatible server on a free port, with an empty bucket."""
    import boto3

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: answering(endpoint), 30, "the object store")
        bucket = f"icportal-{uuid.uuid4().hex[:8]}"
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            region_name="us-east-1",
        )
        s3.create_bucket(Bucket=bucket)
        yield {"endpoint": endpoint, "bucket": bucket, "client": s3}
    finally:
        stop(server)


@pytest.fixture
def reference_countries(transactional_db):
    """Transactional tests flush the database, reference data included: put it back."""
    from tests.conftest import restore_reference_data

    restore_reference_data()


@pytest.fixture
def cluster(object_store, tmp_path, reference_countries):
    """Nodes A and B and two workers; yields their base URLs and a worker starter."""
    from icportal.celery import app as celery_app

    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False  # this test process asks through the broker

    def env(node):
        media = tmp_path / f"media-{node}"
        media.mkdir()
        return production_env(
            SECRET_KEY=settings.SECRET_KEY,
            SECURE_SSL_REDIRECT="false",
            SECURE_COOKIES="false",
            ALLOWED_HOSTS="127.0.0.1",
            DATABASE_URL=database_url(),
            REDIS_URL=settings.REDIS_URL,
            MEDIA_ROOT=str(media),
            S3_BUCKET=object_store["bucket"],
            S3_ENDPOINT_URL=object_store["endpoint"],
            S3_ACCESS_KEY_ID="test",
            S3_SECRET_ACCESS_KEY="test",
        )

    processes, workers, nodes = [], [], {}
    for node in ("a", "b"):
        port = free_port()
        processes.append(
            start_gunicorn(
                port, 2, "--log-level", "warning", env=env(node), stderr=subprocess.DEVNULL
            )
        )
        nodes[node] = f"http://127.0.0.1:{port}"

    def worker(name):
        process = start_worker(
            "packets",
            "-n",
            f"scale-{name}-{uuid.uuid4().hex[:6]}@%h",
            "--without-mingle",
            env=env(f"worker-{name}"),
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: killed whole, render children too
        )
        workers.append(process)
        return process

    try:
        for base in nodes.values():
            wait_until(lambda base=base: answering(base + "/healthz"), 60, "gunicorn")
        yield nodes, worker
    finally:
        celery_app.conf.task_always_eager = before
        for process in workers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
        for process in processes:
            stop(process)


def csrf(session, url):
    page = session.get(url, timeout=10)
    assert page.status_code == 200, (url, page.status_code)
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def sign_in(base, username):
    """A browser's sign-in on one node: the notice, then the form."""
    session = requests.Session()
    session.post(
        base + "/consent/", data={"csrfmiddlewaretoken": csrf(session, base + "/consent/")}
    )
    token = csrf(session, base + "/accounts/login/")
    answer = session.post(
        base + "/accounts/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": base + "/accounts/login/"},
        timeout=10,
    )
    assert answer.status_code == 200 and "Sign out" in answer.text, f"{username} not signed in"
    return session


def test_two_web_nodes_and_two_workers_share_sessions_files_and_packets(
    cluster, object_store, users, tmp_path
):
    nodes, worker = cluster
    a, b = nodes["a"], nodes["b"]
    for name in ("leader", "pm"):  # the tests' fast MD5 hashes mean nothing to production
        hasher = PBKDF2PasswordHasher()
        users[name].password = hasher.encode(PASSWORD, hasher.salt())
        users[name].save(update_fields=["password"])
    program = with_children(ProgramFactory(code="CP-2026-950", name="Two Node Study"))
    teams.set_member(program, users["pm"], "editor")
    for i in range(30):  # a packet long enough to be killed mid-render
        with_children(ProgramFactory(code=f"CP-2026-9{60 + i}", name=f"Filler {i}"))

    # A session made on node A works on node B.
    session = sign_in(a, "leader")
    home = session.get(b + "/", timeout=10)
    assert home.status_code == 200 and "Leader Tester" in home.text

    # A document uploaded through A is in the object store and downloads from B.
    pm = sign_in(a, "pm")
    content = b"Minutes of the two-node review, " + uuid.uuid4().hex.encode()
    added = pm.post(
        f"{a}/programs/{program.pk}/documents/add/",
        data={
            "title": "Two-node minutes",
            "kind": "other",
            "classification": "U",
            "csrfmiddlewaretoken": csrf(pm, f"{a}/programs/{program.pk}/documents/add/"),
        },
        files={"file": ("minutes.txt", content, "text/plain")},
        headers={"Referer": f"{a}/programs/{program.pk}/"},
        timeout=20,
    )
    assert added.status_code in (200, 302), added.text[:500]
    from core.models import Document

    document = Document.objects.get(title="Two-node minutes")
    stored = object_store["client"].list_objects_v2(Bucket=object_store["bucket"])
    assert document.file.name in [item["Key"] for item in stored.get("Contents", [])]
    download = pm.get(f"{b}/documents/{document.pk}/download/", timeout=20)
    assert download.status_code == 200 and download.content == content

    # A packet asked for on A is rendered by a worker and downloads from B.
    first = worker("one")
    token = csrf(session, a + "/briefs/")
    asked = session.post(
        a + "/briefs/request/",
        data={"kind": "program", "programs": [program.pk], "csrfmiddlewaretoken": token},
        headers={"Referer": a + "/briefs/"},
        timeout=20,
    )
    assert asked.status_code == 200, asked.text[:500]
    packet = Packet.objects.get(kind="program")
    wait_until(lambda: Packet.objects.get(pk=packet.pk).status in Packet.FINISHED, 120, "the brief")
    packet.refresh_from_db()
    assert packet.status == Packet.Status.DONE, packet.error
    pdf = session.get(f"{b}/briefs/{packet.pk}/download/", timeout=20)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    # A worker killed mid-render loses nothing: the other worker finishes the packet.
    leadership = jobs.request_packet(users["leader"], "leadership", "Leadership packet", {})

    def laying_out():
        leadership.refresh_from_db()
        return leadership.status == Packet.Status.RUNNING and leadership.progress > 0

    wait_until(laying_out, 120, "the packet to be laid out")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=30)
    worker("two")
    # Beat's stale-packet check (here with no grace period) re-queues it.
    assert jobs.recover_stale(stale=timedelta(0)) == (1, 0)
    wait_until(
        lambda: Packet.objects.get(pk=leadership.pk).status in Packet.FINISHED,
        240,
        "the re-queued packet",
    )
    leadership.refresh_from_db()
    assert leadership.status == Packet.Status.DONE, leadership.error
    assert leadership.attempts == 2 and leadership.pages > 30
    again = session.get(f"{b}/briefs/{leadership.pk}/download/", timeout=30)
    assert again.status_code == 200 and again.content.startswith(b"%PDF")
    # Nothing was written to a node's own disk.
    assert [p for p in tmp_path.glob("media-*/**/*") if p.is_file()] == []
