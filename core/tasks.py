"""Core Celery tasks."""

from celery import shared_task


@shared_task(name="core.ping")
def ping():
    """A trivial task that proves a worker consumes from the broker."""
    return "pong"
