"""PDF timings inside the benchmark run: one-program brief and a 50-program packet.

Rendered in-process (the run has no broker, so the task runs eagerly) on the benchmark
database; tests/briefs/bench_packets.py times the same with a real worker and Redis.
The 50-program packet is rendered twice in turn, serially (one process lays out the
parts one after the other) and in parallel (a process per core), side by side; the
peak memory of the processes laying out parts is sampled from /proc while they run.
"""

import contextlib
import os
import threading
import time
from pathlib import Path


def _children(pid):
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):  # a thread that has just ended
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _memory_kib(pid, field):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _pss_kib(pid):
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class ChildMemory:
    """Samples the render processes: the largest one (resident), and all of them at once
    as proportional set size (a page shared by the forked processes counted once)."""

    def __init__(self, pid=None):
        self.pid = pid or os.getpid()
        self.largest = self.together = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop.is_set():
            children = _children(self.pid)
            rss = [_memory_kib(pid, "VmRSS") for pid in children]
            if rss:
                self.largest = max(self.largest, *rss)
                self.together = max(self.together, sum(_pss_kib(pid) for pid in children))
            time.sleep(0.05)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def _timed(leader, kind, parameters, processes=None, memory=False):
    """One packet asked for and rendered, end to end. With `memory`, the render processes
    are sampled from /proc while it runs; reading their page tables costs CPU the render
    would use, so the timed runs are not the sampled ones."""
    from django.test.utils import override_settings

    from briefs import jobs
    from briefs.models import Packet

    sampler = ChildMemory() if memory else contextlib.nullcontext()
    with override_settings(BRIEFS_RENDER_PROCESSES=processes or 0), sampler:
        start = time.perf_counter()
        packet = jobs.request_packet(leader, kind, "Benchmark", parameters)
        packet.refresh_from_db()
        seconds = time.perf_counter() - start
    result = {
        "seconds": round(seconds, 2),
        "status": packet.status,
        "pages": packet.pages,
        "pages_per_second": round((packet.pages or 0) / seconds, 1),
        "kib": round((packet.size or 0) / 1024),
        "error": packet.error if packet.status != Packet.Status.DONE else "",
    }
    if memory:
        result["largest render process MiB"] = round(sampler.largest / 1024)
        result["render processes together MiB (PSS)"] = round(sampler.together / 1024)
    return result


def best(runs):
    return min(runs, key=lambda run: run["seconds"])


def measure(users, filled):
    from briefs.pdf import render_processes

    leader = users["leader"]
    programs = filled["programs"]
    _timed(leader, "program", {"programs": [programs[0].pk]})  # warm-up
    fifty = {"programs": [p.pk for p in programs[:50]]}
    one = [_timed(leader, "program", {"programs": [programs[i].pk]}) for i in (1, 2, 3)]
    results = {"one-program brief (median of 3)": sorted(one, key=lambda r: r["seconds"])[1]}
    serial, parallel = [], []
    for _ in range(2):  # in turn, so both see the same machine
        serial.append(_timed(leader, "leadership", fifty, processes=1))
        parallel.append(_timed(leader, "leadership", fifty))
    results["leadership packet, 50 programs, serial"] = best(serial)
    results[f"leadership packet, 50 programs, {render_processes()} processes"] = best(parallel)
    results["parallel ÷ serial"] = round(best(parallel)["seconds"] / best(serial)["seconds"], 2)
    for label, processes in (("serial", 1), (f"{render_processes()} processes", None)):
        sampled = _timed(leader, "leadership", fifty, processes=processes, memory=True)
        results[f"memory, {label} (a separate, sampled run)"] = {
            key: value for key, value in sampled.items() if "MiB" in key
        }
    return results
