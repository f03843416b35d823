"""Prometheus metrics of the portal and its workers, served at /metrics to monitoring only.

What is counted: every request by view, method and status (and its latency), Celery tasks
(duration and outcome, through Celery's signals), briefing packets rendered, account
lockouts; read at each scrape: the depth of each Celery queue (Redis LLEN) and the age of
the workers' heartbeat.

Gunicorn runs several processes, and the Celery worker more. With PROMETHEUS_MULTIPROC_DIR
set (before the processes start) every process writes its numbers to files in that folder
and a scrape adds them up, so one scrape of any web process sees them all. The web and
worker containers may share that folder: the files are named by host and process id, so
two containers' process 7 never write the same file.

Who may read: a request with `Authorization: Bearer <METRICS_TOKEN>`, or one from an
address in METRICS_ALLOWED_IPS. Everyone else, signed in or not, gets 404.
"""

import hmac
import ipaddress
import os
import socket
import struct
import time

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client import REGISTRY as PROCESS_REGISTRY
from prometheus_client.core import GaugeMetricFamily

MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
if MULTIPROC_DIR:
    _HOST = socket.gethostname().replace("_", "-")  # "_" separates the parts of a file name
    values.ValueClass = values.MultiProcessValue(
        process_identifier=lambda: f"{_HOST}-{os.getpid()}"
    )

REQUESTS = Counter(
    "icportal_http_requests",
    "Requests answered, by view, method and status code.",
    ["view", "method", "status"],
)
REQUEST_SECONDS = Histogram(
    "icportal_http_request_duration_seconds",
    "Time to answer a request, by view and method.",
    ["view", "method"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
REQUEST_ERRORS = Counter(
    "icportal_http_errors",
    "Requests answered with a server error (5xx), by view.",
    ["view"],
)
TASKS = Counter(
    "icportal_celery_tasks",
    "Celery tasks finished, by task name and state (SUCCESS, FAILURE, RETRY...).",
    ["task", "state"],
)
TASK_FAILURES = Counter(
    "icportal_celery_task_failures",
    "Celery tasks that raised, by task name and exception class.",
    ["task", "exception"],
)
TASK_SECONDS = Histogram(
    "icportal_celery_task_duration_seconds",
    "Time a Celery task ran, by task name.",
    ["task"],
    buckets=(0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)
PACKETS_RENDERED = Counter(
    "icportal_packets_rendered", "Briefing packets rendered to PDF.", ["kind"]
)
LOCKOUTS = Counter("icportal_account_lockouts", "Accounts locked after failed sign-ins.")

QUEUES = ("celery", "packets")
# Celery's Redis transport keeps a priority's messages in "<queue>\x06\x16<priority>".
_PRIORITY_SEP = "\x06\x16"
_PRIORITIES = (1, 2, 3, 4, 5, 6, 7, 8, 9)


def count_lockout():
    """One more account locked; counted once the lockout is committed."""
    transaction.on_commit(LOCKOUTS.inc)


def count_packet_rendered(kind):
    PACKETS_RENDERED.labels(kind=kind or "unknown").inc()


def view_label(request):
    """The URL name of the view that answered (bounded: never the path with its ids)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unresolved>"
    return match.view_name or match._func_path


def observe_request(request, response, seconds):
    view, method = view_label(request), request.method
    REQUESTS.labels(view=view, method=method, status=str(response.status_code)).inc()
    REQUEST_SECONDS.labels(view=view, method=method).observe(seconds)
    if response.status_code >= 500:
        REQUEST_ERRORS.labels(view=view).inc()


# --- Celery, through its signals (connected in icportal/celery.py) -------------------------

_started = {}


def on_task_prerun(task_id=None, task=None, **kwargs):
    _started[task_id] = time.monotonic()


def on_task_postrun(task_id=None, task=None, state=None, **kwargs):
    began = _started.pop(task_id, None)
    name = getattr(task, "name", "unknown")
    if began is not None:
        TASK_SECONDS.labels(task=name).observe(time.monotonic() - began)
    TASKS.labels(task=name, state=state or "UNKNOWN").inc()


def on_task_failure(task_id=None, exception=None, sender=None, **kwargs):
    TASK_FAILURES.labels(
        task=getattr(sender, "name", "unknown"), exception=type(exception).__name__
    ).inc()


# --- Read at scrape time --------------------------------------------------------------------


def queue_depths():
    """Messages waiting in each Celery queue, read from Redis; {} when the broker is not Redis."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return {}
    import redis

    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        depths = {}
        for queue in QUEUES:
            keys = [queue] + [f"{queue}{_PRIORITY_SEP}{p}" for p in _PRIORITIES]
            pipe = client.pipeline(transaction=False)
            for key in keys:
                pipe.llen(key)
            depths[queue] = sum(pipe.execute())
        return depths
    finally:
        client.close()


class ScrapeTimeCollector:
    """Queue depth and heartbeat age, read when Prometheus scrapes (never stored)."""

    def collect(self):
        from core.health import worker_heartbeat_age

        depth = GaugeMetricFamily(
            "icportal_celery_queue_depth", "Messages waiting in a Celery queue.", labels=["queue"]
        )
        up = GaugeMetricFamily(
            "icportal_celery_broker_up", "1 when the broker answered this scrape, else 0."
        )
        try:
            for queue, n in queue_depths().items():
                depth.add_metric([queue], n)
            up.add_metric([], 1)
        except Exception:  # redis raises several kinds; all mean the broker did not answer
            up.add_metric([], 0)
        yield depth
        yield up
        age = worker_heartbeat_age()
        heartbeat = GaugeMetricFamily(
            "icportal_worker_heartbeat_age_seconds",
            "Seconds since a Celery worker last wrote its heartbeat (absent: never).",
        )
        if age is not None:
            heartbeat.add_metric([], age)
        yield heartbeat


def registry():
    """The registry a scrape reads: every process's files, or this process alone."""
    if MULTIPROC_DIR:
        reg = CollectorRegistry()
        multiprocess.MultiProcessCollector(reg)
    else:
        reg = CollectorRegistry()
        reg.register(_ProcessMetrics())
    reg.register(ScrapeTimeCollector())
    return reg


class _ProcessMetrics:
    """This process's own counters (single-process mode: tests, runserver)."""

    def collect(self):
        yield from PROCESS_REGISTRY.collect()


def may_read(request):
    """Monitoring only: the scrape token, or an allowed address."""
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if (
        token
        and header.startswith("Bearer ")
        and hmac.compare_digest(header[len("Bearer ") :].encode(), token.encode())
    ):
        return True
    address = request.META.get("REMOTE_ADDR", "")
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in settings.METRICS_ALLOWED_NETWORKS)


@login_not_required
@never_cache
def metrics_view(request):
    """The Prometheus text exposition, to monitoring; 404 to anyone else."""
    if not may_read(request):
        raise Http404("No such page.")
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)


def exposition(attempts=3):
    """The text of a scrape. A process starting at that very moment may have made its file
    but not yet sized it; reading that empty file fails, so try again a moment later."""
    for attempt in range(attempts):
        try:
            return generate_latest(registry())
        except struct.error:
            if attempt == attempts - 1:
                raise
            time.sleep(0.05)
