"""Benchmark: packets timed on PostgreSQL with a real worker (not part of `make test`).

Run it explicitly (pytest collects a file named on the command line):

    DATABASE_URL=postgres://... REDIS_URL=redis://... \\
        .venv/bin/pytest tests/briefs/bench_packets.py -s -p no:cacheprovider

Targets (issue 7): a one-program brief under 2 s; a leadership packet of 50 programs
under 20 s and under 1 GiB on a 2-core machine; queries per program constant.
It prints seconds, pages per second and the worker's peak memory (VmHWM).
"""

from pathlib import Path

from django.db import connection
from django.test.utils import CaptureQueriesContext

from briefs import content, jobs
from briefs.compose import compose
from briefs.models import Packet
from tests.bench.pdf_apps import ChildMemory
from tests.briefs.helpers import WITH_A_WORKER, wait_for
from tests.programs.factories import ProgramFactory, with_children

pytestmark = WITH_A_WORKER


def peak_memory_mib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed(user, kind, parameters):
    packet = jobs.request_packet(user, kind, "Benchmark", parameters)
    wait_for(packet, lambda p: p.status in Packet.FINISHED, timeout=300)
    assert packet.status == Packet.Status.DONE, packet.error
    wall = (packet.finished_at - packet.queued_at).total_seconds()
    render = packet.duration.total_seconds()
    return packet, wall, render


def queries_per_program(user):
    packet = Packet(kind="leadership", parameters={}, requested_by=user)
    content.build(packet, user)  # warm the permission cache
    with CaptureQueriesContext(connection) as queries:
        compose(content.build(packet, user), user)
    return len(queries)


def test_benchmark_packets(worker, users):
    leader = users["leader"]
    programs = [with_children(ProgramFactory(code=f"CP-2027-{i:03d}")) for i in range(50)]
    process = worker()
    # Warm up the worker (imports, fonts) with a first small packet.
    timed(leader, "program", {"programs": [programs[0].pk]})
    one, one_wall, one_render = timed(leader, "program", {"programs": [programs[1].pk]})
    with ChildMemory(process.pid) as parts:  # the processes laying out the parts
        fifty, wall, render = timed(leader, "leadership", {})
    memory = peak_memory_mib(process.pid)
    queries = queries_per_program(leader)
    print(
        f"\none-program brief: {one_wall:.2f} s end to end ({one_render:.2f} s rendering), "
        f"{one.pages} page(s)"
        f"\nleadership packet, 50 programs: {wall:.2f} s end to end ({render:.2f} s "
        f"rendering), {fifty.pages} pages, {fifty.pages / render:.1f} pages/s, "
        f"{fifty.size / 1024:.0f} KiB"
        f"\nworker peak memory: {memory:.0f} MiB, and its render processes at most "
        f"{parts.together / 1024:.0f} MiB together (PSS; the largest {parts.largest / 1024:.0f} "
        f"MiB resident); reads for the whole packet: {queries} queries"
    )
    assert one_wall < 2 * 2  # generous: shared CI machines; the target is 2 s
    assert wall < 20 * 2 and memory < 1024
