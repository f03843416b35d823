"""Core Celery tasks: the health ping and the daily notification digest."""

from celery import shared_task
from celery.schedules import crontab

from icportal.celery import app


@shared_task(name="core.ping")
def ping():
    """A trivial task that proves a worker consumes from the broker."""
    return "pong"


@shared_task(name="core.send_digests")
def send_digests():
    """E-mail each digest user what they have not been e-mailed yet (idempotent)."""
    from core.notifications import send_digests as send

    return send()


@app.on_after_finalize.connect
def schedule(sender, **kwargs):
    # Daily at 06:00 UTC, before the working day.
    sender.add_periodic_task(
        crontab(hour=6, minute=0), send_digests.s(), name="core: daily notification digest"
    )
