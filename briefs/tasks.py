"""Celery jobs of the briefs app: render a packet; recover stale ones; delete expired ones.

`render_packet` runs on the "packets" queue (settings route briefs.tasks.* there), is
acknowledged late and rejected when its worker dies, so a killed worker's packet is
delivered again and rendered from the start. Without a broker it runs in-process.
"""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from briefs import jobs, subscriptions
from briefs.compose import compose
from briefs.content import build
from briefs.content.base import BriefError
from briefs.models import Packet, packet_path
from briefs.pdf import render_parts
from core.audit import audit_context
from core.auth import record_event
from core.models import SecurityEvent

logger = logging.getLogger(__name__)

SOFT_LIMIT = 15 * 60
TOO_SLOW = (
    "The brief took longer than {minutes} minutes to render and was stopped. "
    "Choose fewer programs and request it again."
)
STORAGE_FAILED = (
    "The PDF was rendered but could not be saved (the file storage refused it or could "
    "not be reached). Press “Run again” later; if it keeps failing, tell the portal "
    "administrator."
)
UNEXPECTED = (
    "The brief could not be rendered because of an unexpected error. Press “Run again”; "
    "if it fails again, tell the portal administrator and quote packet {pk}."
)
ACCOUNT_INACTIVE = "Your account is no longer active, so no brief was made for it."

# The share of the progress bar each phase takes.
COLLECT, COMPOSE, LAYOUT, WRITE = 5, 25, 90, 97


@shared_task(
    name=jobs.RENDER_TASK,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=SOFT_LIMIT,
    time_limit=SOFT_LIMIT + 60,
)
def render_packet(packet_id, token):
    """Render one packet to PDF as its requester may see it now. Safe to run twice."""
    run = jobs.Run(packet_id, token)
    outcome = render_once(run)
    if outcome in ("done", "failed") and run.packet and run.packet.subscription_id:
        subscriptions.tell(packet_id)
    return outcome


def render_once(run):
    packet_id, token = run.packet_id, run.token
    packet = run.claim()
    if packet is None:
        return "skipped"
    if packet.attempts > jobs.max_attempts():
        run.fail(jobs.INTERRUPTED.format(n=packet.attempts - 1))
        return "failed"
    user = packet.requested_by
    try:
        if not user.is_active:
            raise BriefError(ACCOUNT_INACTIVE)
        with audit_context(user, source=f"briefs.render_packet packet {packet.pk}"):
            pdf, pages, brief = render(packet, user, run)
        run.report(WRITE + 1, "Saving the PDF", force=True)
        name = save(packet, pdf)
    except jobs.Superseded:
        logger.info("Packet %s: run %s stopped (cancelled or taken over)", packet_id, token)
        return "superseded"
    except BriefError as exc:
        run.fail(str(exc))
        return "failed"
    except SoftTimeLimitExceeded:
        run.fail(TOO_SLOW.format(minutes=SOFT_LIMIT // 60))
        return "failed"
    except OSError:
        logger.exception("Packet %s: storage failed", packet_id)
        run.fail(STORAGE_FAILED)
        return "failed"
    except Exception:
        logger.exception("Packet %s: rendering failed", packet_id)
        run.fail(UNEXPECTED.format(pk=packet_id))
        return "failed"
    finished = run.finish(
        file=name,
        pages=pages,
        size=len(pdf),
        marking=brief.marking,
        data_as_of=brief.data_as_of,
    )
    if not finished:
        # Cancelled while the PDF was being written: keep no copy of what was not wanted.
        if Packet.objects.filter(pk=packet_id, status=Packet.Status.CANCELLED).exists():
            default_storage.delete(name)
        return "superseded"
    record_event(
        SecurityEvent.Kind.PDF_GENERATED,
        user=user,
        packet=packet.pk,
        packet_kind=packet.kind,
        title=brief.title,
        pages=pages,
        size=len(pdf),
        marking=brief.marking,
        records=len(brief.records),
    )
    return "done"


def render(packet, user, run):
    """Collect, compose and lay out the packet, reporting progress; (pdf, pages, brief)."""
    run.report(1, "Reading what you may see", force=True)
    brief = build(packet, user)
    run.report(COLLECT, "Composing the brief", force=True)
    programs = sum(1 for s in brief.sections if s.program_step)

    def on_section(i, total, section):
        if section.program_step:
            number, count = section.program_step
            step = f"Composing program {number} of {count}"
        else:
            step = f"Composing “{section.title}”"
        run.report(COLLECT + (COMPOSE - COLLECT) * i / total, step)

    parts = compose(brief, user, on_section)
    front, expected = page_estimate(brief, programs)
    run.report(COMPOSE, "Laying out the pages", force=True)

    stages = {
        "styles": (COMPOSE + 2, "Applying the styles"),
        "structure": (COMPOSE + 5, "Building the document"),
        "numbering": (LAYOUT - 2, "Numbering the pages"),
    }

    def on_progress(stage, number):
        if stage != "page":
            run.report(*stages[stage])
            return
        # A one-part brief lays its pages out in order: past the front matter they are
        # the program sheets, one page each. Parts laid out at once count pages overall.
        program = number - front
        if len(parts) == 1 and 1 <= program <= programs:
            step = f"Laying out program {program} of {programs}"
        else:
            step = f"Laying out page {number} of about {expected}"
        start = COMPOSE + 5
        run.report(start + (LAYOUT - 2 - start) * min(number / expected, 1), step)

    def on_write():
        run.report(LAYOUT, "Writing the PDF", force=True)

    pdf, pages = render_parts(parts, on_progress=on_progress, on_write=on_write)
    return pdf, pages, brief


def page_estimate(brief, programs):
    """(pages before the first program sheet, pages in all), roughly, for the progress bar."""
    contents = -(-(len(brief.sections) + 8) // 50) if brief.contents else 0
    portfolio = -(-programs // 28) if brief.kind == "leadership" else 0
    front = (1 if brief.cover else 0) + contents
    after, sheets_seen = 0, False
    for section in brief.sections:
        if section.program_step:
            sheets_seen = True
        elif sheets_seen:
            after += 1
        else:
            front += portfolio if section.key == "portfolio" else 1
    return front, max(front + programs + after, 1)


def save(packet, pdf):
    """Write the packet's one file, replacing the previous run's (idempotent)."""
    name = packet_path(packet, "")
    if default_storage.exists(name):
        default_storage.delete(name)
    return default_storage.save(name, ContentFile(pdf))


@shared_task(name="briefs.tasks.send_weekly_packets")
def send_weekly_packets():
    """Beat, daily: ask for the weekly packets due today (briefs.subscriptions)."""
    return len(subscriptions.send_due())


@shared_task(name="briefs.tasks.recover_stale_packets")
def recover_stale_packets():
    """Beat: re-queue packets whose worker died, or fail them after too many tries."""
    requeued, failed = jobs.recover_stale()
    return {"requeued": requeued, "failed": failed}


@shared_task(name="briefs.tasks.delete_expired_packets")
def delete_expired_packets():
    """Beat: delete packets (and their PDFs) older than BRIEFS_RETENTION_DAYS."""
    return {"deleted": jobs.delete_expired()}
