"""/metrics: Prometheus metrics that only monitoring may read."""

import pytest
import redis
from celery import shared_task
from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families

from core.tasks import ping

TOKEN = "scrape-token-for-the-tests-0123456789"


@pytest.fixture
def monitoring(settings):
    settings.METRICS_TOKEN = TOKEN
    return {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


def scrape(client, headers):
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0)


@pytest.mark.django_db
def test_nobody_but_monitoring_reads_the_metrics(client, users, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404  # nothing configured: nobody
    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    client.force_login(users["admin"])  # a Portal Admin is not monitoring
    assert client.get("/metrics").status_code == 404
    client.logout()
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


@pytest.mark.django_db
def test_an_allowed_address_reads_without_a_token(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = []
    assert client.get("/metrics", REMOTE_ADDR="10.0.5.7").status_code == 404
    import ipaddress

    settings.METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("10.0.5.0/24")]
    assert client.get("/metrics", REMOTE_ADDR="10.0.5.7").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.0.6.7").status_code == 404


@pytest.mark.django_db
def test_requests_are_counted_per_view_with_their_latency(client, users, monitoring):
    client.force_login(users["leader"])
    before = scrape(client, monitoring)
    for _ in range(3):
        assert client.get("/programs/").status_code == 200
    assert client.get("/programs/999999/").status_code == 404
    after = scrape(client, monitoring)

    ok = dict(view="programs:list", method="GET", status="200")
    assert (
        value(after, "icportal_http_requests_total", **ok)
        - value(before, "icportal_http_requests_total", **ok)
        == 3
    )
    # The view's name, never the path with its ids.
    missing = dict(view="programs:detail", method="GET", status="404")
    assert value(after, "icportal_http_requests_total", **missing) >= 1
    assert not any("999999" in str(labels) for _, labels in after)
    count = "icportal_http_request_duration_seconds_count"
    assert (
        value(after, count, view="programs:list", method="GET")
        - value(before, count, view="programs:list", method="GET")
        == 3
    )


@pytest.mark.django_db
def test_server_errors_are_counted_per_view(client, users, monitoring, monkeypatch):
    from programs.views import ProgramListView

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(ProgramListView, "get", broken, raising=False)
    client.raise_request_exception = False
    client.force_login(users["leader"])
    before = scrape(client, monitoring)
    assert client.get("/programs/").status_code == 500
    after = scrape(client, monitoring)
    name = "icportal_http_errors_total"
    assert value(after, name, view="programs:list") - value(before, name, view="programs:list") == 1


@shared_task(name="tests.metrics.always_fails")
def always_fails():
    raise ValueError("this task fails on purpose")


@pytest.mark.django_db
def test_celery_task_durations_and_failures(client, monitoring, settings):
    settings.CELERY_TASK_EAGER_PROPAGATES = False
    before = scrape(client, monitoring)
    ping.apply()
    always_fails.apply()
    after = scrape(client, monitoring)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("icportal_celery_tasks_total", task="core.ping", state="SUCCESS") == 1
    assert grew("icportal_celery_task_duration_seconds_count", task="core.ping") == 1
    failing = "tests.metrics.always_fails"
    assert grew("icportal_celery_tasks_total", task=failing, state="FAILURE") == 1
    assert (
        grew(
            "icportal_celery_task_failures_total",
            task="tests.metrics.always_fails",
            exception="ValueError",
        )
        == 1
    )


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)")
@pytest.mark.django_db
def test_queue_depth_is_read_from_the_broker_at_scrape(client, monitoring, settings):
    settings.CELERY_BROKER_URL = settings.REDIS_URL
    broker = redis.Redis.from_url(settings.REDIS_URL)
    key = "packets\x06\x163"  # a priority-3 message waits in this list
    broker.delete("packets", key)
    try:
        broker.rpush("packets", b"m1", b"m2")
        broker.rpush(key, b"m3")
        samples = scrape(client, monitoring)
        assert value(samples, "icportal_celery_queue_depth", queue="packets") == 3
        assert value(samples, "icportal_celery_broker_up") == 1
    finally:
        broker.delete("packets", key)
    assert value(scrape(client, monitoring), "icportal_celery_queue_depth", queue="packets") == 0


@pytest.mark.django_db
def test_a_lockout_is_counted_once_committed(
    consenting_client, users, monitoring, django_capture_on_commit_callbacks
):
    before = scrape(consenting_client, monitoring)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(settings.LOCKOUT_FAILURES):
            consenting_client.post("/accounts/login/", {"username": "pm", "password": "wrong"})
    after = scrape(consenting_client, monitoring)
    name = "icportal_account_lockouts_total"
    assert value(after, name) - value(before, name) == 1


@pytest.mark.django_db
def test_packets_rendered_are_counted(client, monitoring):
    from core.metrics import count_packet_rendered

    before = scrape(client, monitoring)
    count_packet_rendered("leadership")
    after = scrape(client, monitoring)
    name = "icportal_packets_rendered_total"
    assert value(after, name, kind="leadership") - value(before, name, kind="leadership") == 1


def test_every_process_writes_its_own_file_in_multiprocess_mode(tmp_path):
    """Gunicorn's workers and Celery's share PROMETHEUS_MULTIPROC_DIR; one scrape adds up."""
    import os
    import subprocess
    import sys

    program = (
        "from core import metrics; metrics.LOCKOUTS.inc(); "
        "metrics.PACKETS_RENDERED.labels(kind='program').inc(2)"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    env.setdefault("DJANGO_SETTINGS_MODULE", "icportal.settings")
    for _ in range(2):
        subprocess.run([sys.executable, "-c", program], env=env, check=True, cwd=settings.BASE_DIR)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len([n for n in names if n.startswith("counter_")]) == 2, names
    reader = (
        "from prometheus_client import CollectorRegistry, generate_latest, multiprocess; "
        "r = CollectorRegistry(); multiprocess.MultiProcessCollector(r); "
        "print(generate_latest(r).decode())"
    )
    out = subprocess.run(
        [sys.executable, "-c", reader], env=env, check=True, capture_output=True, text=True
    ).stdout
    assert "icportal_account_lockouts_total 2.0" in out
    assert 'icportal_packets_rendered_total{kind="program"} 4.0' in out


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)")
def test_a_real_workers_tasks_reach_the_scrape_through_the_shared_folder(tmp_path):
    """A prefork worker's pool process counts the task; the web side adds up its files."""
    import os
    import struct
    import subprocess
    import time

    from prometheus_client import CollectorRegistry, generate_latest, multiprocess

    from icportal.celery import app
    from tests.processes import start_worker, stop

    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    worker = start_worker(
        "metrics-probe", "--concurrency", "1", pool="prefork", env=env, stderr=subprocess.DEVNULL
    )
    try:
        assert app.send_task("core.ping", queue="metrics-probe").get(timeout=60) == "pong"
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=str(tmp_path))

        def scrape_files():
            try:
                return generate_latest(registry).decode()
            except struct.error:  # a file made this instant, not sized yet: read again
                return ""

        line = 'icportal_celery_tasks_total{state="SUCCESS",task="core.ping"} 1.0'
        deadline = time.monotonic() + 10  # the counter is written just after the result
        while line not in scrape_files() and time.monotonic() < deadline:
            time.sleep(0.2)
        text = scrape_files()
        assert line in text
        assert 'icportal_celery_task_duration_seconds_count{task="core.ping"} 1.0' in text
    finally:
        stop(worker)
    assert all("-" in p.name for p in tmp_path.glob("*.db")), "files named by host and pid"
