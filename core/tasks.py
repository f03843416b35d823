"""Core Celery tasks: the health ping, the daily notification digest, the nightly
data-quality audit."""

from celery import shared_task
from celery.schedules import crontab

from icportal.celery import app


@shared_task(name="core.ping")
def ping():
    """A trivial task that proves a worker consumes from the broker."""
    return "pong"


@shared_task(name="core.worker_heartbeat", ignore_result=True)
def worker_heartbeat():
    """Stamp the time a worker last took a task from the broker (read by /healthz)."""
    from core.health import write_heartbeat

    write_heartbeat()


@shared_task(name="core.send_digests")
def send_digests():
    """E-mail each digest user what they have not been e-mailed yet (idempotent)."""
    from core.notifications import send_digests as send

    return send()


@shared_task(name="core.run_data_quality_audit", acks_late=True, reject_on_worker_lost=True)
def run_data_quality_audit(started_by_id=None):
    """Run every rule over every stored record (core.quality). Safe to deliver twice: a
    second run while one is going does nothing, and each run replaces the last's findings."""
    from django.contrib.auth import get_user_model

    from core.quality import run_audit

    user = get_user_model().objects.filter(pk=started_by_id).first() if started_by_id else None
    run = run_audit(started_by=user)
    if run is None:
        return "already running"
    return {"run": run.pk, "records": run.records_checked, "findings": run.findings_count}


@app.on_after_finalize.connect
def schedule(sender, **kwargs):
    # Daily at 06:00 UTC, before the working day.
    sender.add_periodic_task(
        crontab(hour=6, minute=0), send_digests.s(), name="core: daily notification digest"
    )
    # The nightly data-quality audit is in settings.CELERY_BEAT_SCHEDULE.
