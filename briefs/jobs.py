"""A packet's life as a background job: request, enqueue, claim, report, finish, recover.

Ownership: every enqueue writes a fresh `run_token` and sends it with the task. A task
run works on the packet only while the row still carries its token and is running, so
a cancelled packet, or one re-queued after its worker died, stops the old run at its
next step. A message delivered twice (a worker killed mid-render with `acks_late`)
carries the same token and simply takes the packet over and renders it again.
"""

import logging
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from briefs.models import Packet

logger = logging.getLogger(__name__)

# The Celery task that renders a packet (briefs.tasks), sent by name: the task module
# uses this one, and this one never imports it.
RENDER_TASK = "briefs.tasks.render_packet"

BROKER_DOWN = (
    "The background queue could not be reached, so the brief was not started. "
    "Nothing is lost: press “Run again” in a few minutes. If it keeps happening, "
    "tell the portal administrator that the Celery broker (Redis) is down."
)
INTERRUPTED = (
    "The brief was interrupted {n} times (the worker rendering it stopped each time), "
    "so it was given up. Press “Run again”; if it fails the same way, tell the "
    "portal administrator."
)


def stale_after():
    """How long a running packet may show no sign of life before it counts as abandoned."""
    return timedelta(seconds=getattr(settings, "BRIEFS_STALE_SECONDS", 300))


def max_attempts():
    return getattr(settings, "BRIEFS_MAX_ATTEMPTS", 3)


def retention():
    return timedelta(days=getattr(settings, "BRIEFS_RETENTION_DAYS", 30))


class Superseded(Exception):
    """This run no longer owns its packet: it was cancelled, re-queued or taken over."""


def request_packet(user, kind, title, parameters, subscription=None):
    """Create a packet for `user` and queue it; the caller returns at once."""
    with transaction.atomic():
        packet = Packet.objects.create(
            requested_by=user,
            kind=kind,
            title=title[:200],
            parameters=parameters,
            subscription=subscription,
        )
        enqueue(packet)
    packet.refresh_from_db()
    return packet


def enqueue(packet, fresh=True):
    """Queue `packet` under a new token; the task is sent once the transaction commits.

    `fresh` (a user's request or re-run) starts the attempt count again and drops the
    previous PDF; the stale-packet recovery keeps the count so a packet that kills its
    worker every time is given up after a few tries.
    """
    token = uuid.uuid4().hex
    changes = {
        "status": Packet.Status.QUEUED,
        "run_token": token,
        "progress": 0,
        "step": "Waiting for a worker",
        "queued_at": timezone.now(),
        "started_at": None,
        "finished_at": None,
        "heartbeat_at": None,
        "error": "",
    }
    if fresh:
        if packet.file:
            packet.file.storage.delete(packet.file.name)
        changes.update(attempts=0, file="", pages=None, size=None, marking="", data_as_of=None)
    Packet.objects.filter(pk=packet.pk).update(**changes)
    transaction.on_commit(lambda: send(packet.pk, token))
    return token


def send(packet_id, token):
    """Hand the packet to the queue (or, with no broker, render it right here)."""
    from celery import current_app
    from kombu.exceptions import OperationalError

    try:
        # The registered task itself (BriefsConfig.ready() imports briefs.tasks), so the
        # embedded default's eager mode renders in-process as before.
        current_app.tasks[RENDER_TASK].apply_async(args=[packet_id, token], retry=False)
    except OperationalError:
        logger.warning("Broker unreachable; packet %s not queued", packet_id, exc_info=True)
        Packet.objects.filter(pk=packet_id, run_token=token, status=Packet.Status.QUEUED).update(
            status=Packet.Status.FAILED, error=BROKER_DOWN, finished_at=timezone.now()
        )


def cancel(packet):
    """Stop a queued or running packet; the worker notices at its next step. True if it did."""
    stopped = Packet.objects.filter(pk=packet.pk, status__in=Packet.ACTIVE).update(
        status=Packet.Status.CANCELLED,
        step="Cancelled",
        finished_at=timezone.now(),
        run_token="",
    )
    return bool(stopped)


def rerun(packet):
    """Render a finished packet again with today's data and today's permissions."""
    if not packet.can_rerun:
        return False
    with transaction.atomic():
        enqueue(packet, fresh=True)
    return True


class Run:
    """One task run working on one packet, while it owns it."""

    # Write progress when it moved this many points, or this often regardless.
    MIN_STEP = 2
    MIN_INTERVAL = 2.0

    def __init__(self, packet_id, token):
        self.packet_id = packet_id
        self.token = token
        self.packet = None  # once claimed
        self._last_percent = -100
        self._last_write = 0.0

    def _mine(self):
        return Packet.objects.filter(
            pk=self.packet_id, run_token=self.token, status=Packet.Status.RUNNING
        )

    def claim(self):
        """Take the packet if it is still queued (or running under this token); else None."""
        now = timezone.now()
        claimed = Packet.objects.filter(
            pk=self.packet_id, run_token=self.token, status__in=Packet.ACTIVE
        ).update(
            status=Packet.Status.RUNNING,
            started_at=now,
            heartbeat_at=now,
            attempts=F("attempts") + 1,
            progress=0,
            step="Starting",
        )
        if not claimed:
            return None
        self.packet = Packet.objects.select_related("requested_by").get(pk=self.packet_id)
        return self.packet

    def report(self, percent, step, force=False):
        """Record progress and check for cancellation; raises Superseded when no longer ours."""
        percent = max(0, min(int(percent), 99))
        now = time.monotonic()
        due = percent - self._last_percent >= self.MIN_STEP
        if not (force or due or now - self._last_write >= self.MIN_INTERVAL):
            return
        updated = self._mine().update(
            progress=max(percent, self._last_percent),
            step=step[:200],
            heartbeat_at=timezone.now(),
        )
        if not updated:
            raise Superseded
        self._last_percent = max(percent, self._last_percent)
        self._last_write = now

    def finish(self, **fields):
        """Mark the packet done with its results; False if it stopped being ours meanwhile."""
        return bool(
            self._mine().update(
                status=Packet.Status.DONE,
                progress=100,
                step="Done",
                finished_at=timezone.now(),
                error="",
                **fields,
            )
        )

    def fail(self, message):
        self._mine().update(
            status=Packet.Status.FAILED, step="Failed", finished_at=timezone.now(), error=message
        )


def recover_stale(now=None, stale=None):
    """Re-queue packets whose worker died (or fail them after too many tries).

    Returns (requeued, failed) counts. Run by beat every few minutes.
    """
    now = now or timezone.now()
    stale = stale if stale is not None else stale_after()
    requeued = failed = 0
    running = Packet.objects.filter(status=Packet.Status.RUNNING, heartbeat_at__lt=now - stale)
    # A queued packet whose message was lost (broker flushed) waits far longer than any queue.
    lost = Packet.objects.filter(status=Packet.Status.QUEUED, queued_at__lt=now - stale * 12)
    for packet in [*running, *lost]:
        with transaction.atomic():
            current = Packet.objects.select_for_update().filter(pk=packet.pk).first()
            if current is None or current.run_token != packet.run_token:
                continue  # it moved on meanwhile
            if current.attempts >= max_attempts():
                Packet.objects.filter(pk=packet.pk).update(
                    status=Packet.Status.FAILED,
                    step="Failed",
                    finished_at=now,
                    error=INTERRUPTED.format(n=current.attempts),
                )
                failed += 1
            else:
                enqueue(current, fresh=False)
                requeued += 1
    return requeued, failed


def delete_expired(now=None):
    """Delete finished packets (and their PDFs) older than the retention period."""
    now = now or timezone.now()
    cutoff = now - retention()
    expired = Packet.objects.filter(status__in=Packet.FINISHED, finished_at__lt=cutoff)
    deleted = 0
    for packet in expired.iterator():
        packet.delete()  # its PDF goes with it (post_delete)
        deleted += 1
    return deleted
