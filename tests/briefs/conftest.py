"""Briefs fixtures: eager rendering by default, real worker subprocesses on request."""

import os
import signal
import subprocess
import uuid

import pytest

from icportal.celery import app as celery_app
from tests.processes import database_url, start_worker


@pytest.fixture(autouse=True)
def _packets_in_a_temporary_media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def eager_tasks():
    """Render in-process, as the embedded default does, even when REDIS_URL is set (CI).

    Tests with a real worker switch this off themselves.
    """
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks):
    """Run what would run after commit (the task hand-off) inside the test transaction."""

    def run(callable_, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return callable_(*args, **kwargs)

    return run


@pytest.fixture
def reference_countries(transactional_db):
    """Transactional tests flush the database, reference data included: put it back."""
    from tests.conftest import restore_reference_data

    restore_reference_data()


@pytest.fixture
def broker_tasks(eager_tasks):
    """Tasks go to the broker (REDIS_URL), for a worker subprocess to consume."""
    celery_app.conf.task_always_eager = False


@pytest.fixture
def worker(broker_tasks, reference_countries, settings):
    """Start workers on the test database; every one started is stopped afterwards."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    started = []

    def start(pool="solo"):
        process = start_worker(
            "packets",
            "--concurrency",
            "1",
            "-n",
            f"briefs-test-{uuid.uuid4().hex[:8]}@%h",
            "--without-mingle",
            pool=pool,
            env=env,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, so it can be killed whole
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
