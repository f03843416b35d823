"""The Celery application. With no broker configured, tasks run eagerly in-process."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "icportal.settings")

app = Celery("icportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_ready.connect
def _first_heartbeat(**kwargs):
    # A worker that just started says so at once, not at the next beat.
    from core.health import write_heartbeat

    write_heartbeat()


@signals.task_prerun.connect
def _task_started(**kwargs):
    from core import metrics

    metrics.on_task_prerun(**kwargs)


@signals.task_postrun.connect
def _task_finished(**kwargs):
    from core import metrics

    metrics.on_task_postrun(**kwargs)


@signals.task_failure.connect
def _task_failed(**kwargs):
    from core import metrics

    metrics.on_task_failure(**kwargs)
