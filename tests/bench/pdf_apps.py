"""PDF timings inside the benchmark run: one-program brief and a 50-program packet.

Rendered in-process (the run has no broker, so the task runs eagerly) on the benchmark
database; tests/briefs/bench_packets.py times the same with a real worker and Redis.
"""

import time


def measure(users, filled):
    from briefs import jobs
    from briefs.models import Packet

    leader = users["leader"]
    programs = filled["programs"]
    jobs.request_packet(leader, "program", "Warm-up", {"programs": [programs[0].pk]})
    results = {}
    for label, kind, parameters in (
        ("one-program brief", "program", {"programs": [programs[1].pk]}),
        (
            "leadership packet, 50 programs",
            "leadership",
            {"programs": [p.pk for p in programs[:50]]},
        ),
    ):
        start = time.perf_counter()
        packet = jobs.request_packet(leader, kind, "Benchmark", parameters)
        packet.refresh_from_db()
        seconds = time.perf_counter() - start
        results[label] = {
            "seconds": round(seconds, 2),
            "status": packet.status,
            "pages": packet.pages,
            "kib": round((packet.size or 0) / 1024),
            "error": packet.error if packet.status != Packet.Status.DONE else "",
        }
    return results
