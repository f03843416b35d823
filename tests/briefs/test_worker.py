"""Packets rendered by real Celery workers on Redis and PostgreSQL (CI sets REDIS_URL).

The worker is a subprocess on the test database; it is killed mid-render to show a
packet is never lost: redelivered when only the pool process dies (acks_late), and
re-queued by the stale-packet recovery when the whole worker dies.
"""

import os
import signal
import time
from datetime import timedelta
from pathlib import Path

from briefs import jobs
from briefs.models import Packet
from tests.briefs.helpers import WITH_A_WORKER, read_pdf, wait_for
from tests.programs.factories import ProgramFactory, with_children

pytestmark = WITH_A_WORKER


def portfolio(count):
    return [with_children(ProgramFactory(code=f"CP-2099-{i:03d}")) for i in range(count)]


def test_a_real_worker_renders_a_packet_and_reports_progress(worker, users):
    programs = portfolio(12)
    worker()
    packet = jobs.request_packet(users["leader"], "leadership", "Leadership packet", {})
    seen = set()
    wait_for(packet, lambda p: p.status in Packet.FINISHED, seen=seen)
    assert packet.status == Packet.Status.DONE, packet.error
    assert any(0 < progress < 100 for progress, _ in seen), seen
    assert any(step.startswith("Laying out") for _, step in seen), seen
    text = "".join(read_pdf(packet)[1])
    assert all(p.code in text for p in programs)
    assert packet.attempts == 1


def laying_out(packet):
    return packet.status == Packet.Status.RUNNING and packet.step.startswith("Laying out")


def test_a_killed_pool_process_leaves_its_packet_to_be_redelivered(worker, users):
    portfolio(40)
    main = worker(pool="prefork")
    packet = jobs.request_packet(users["leader"], "leadership", "Leadership packet", {})
    wait_for(packet, laying_out)
    children = Path(f"/proc/{main.pid}/task/{main.pid}/children").read_text().split()
    assert children, "the prefork worker has no pool process"
    for child in children:
        os.kill(int(child), signal.SIGKILL)
    # acks_late + reject_on_worker_lost: the message goes back to the queue and the
    # worker's fresh pool process renders the packet again, from the start.
    wait_for(packet, lambda p: p.status in Packet.FINISHED)
    assert packet.status == Packet.Status.DONE, packet.error
    assert packet.attempts == 2
    assert read_pdf(packet)[0].metadata.title == "Leadership packet"


def test_a_killed_worker_leaves_its_packet_to_be_finished_after_restart(worker, users):
    portfolio(40)
    first = worker()
    packet = jobs.request_packet(users["leader"], "leadership", "Leadership packet", {})
    wait_for(packet, laying_out)
    os.killpg(first.pid, signal.SIGKILL)  # the whole worker, mid-render
    first.wait(timeout=30)
    progress = packet.progress
    time.sleep(1.5)
    packet.refresh_from_db()
    assert packet.status == Packet.Status.RUNNING and packet.progress == progress  # stuck
    worker()
    # Beat's stale-packet check (here with no grace period) re-queues it.
    assert jobs.recover_stale(stale=timedelta(0)) == (1, 0)
    wait_for(packet, lambda p: p.status in Packet.FINISHED)
    assert packet.status == Packet.Status.DONE, packet.error
    assert packet.attempts == 2 and packet.pages >= 40
