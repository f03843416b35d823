"""`manage.py runportal`: the web server, a Celery worker and beat, together (`make run`).

The portal's jobs (briefing packets, reminders, digests, the data-quality audit) run in
the worker as they do in production, so the progress bar moves and the daily jobs
arrive. Ctrl-C (or SIGTERM) stops all three; so does any of them stopping on its own.
"""

import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

GRACE_SECONDS = 20  # a worker finishing its current task before it is killed


class Command(BaseCommand):
    help = "Serve the portal with a Celery worker and beat (Ctrl-C stops all three)."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, addrport, **options):
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise CommandError(
                "No broker: set CELERY_BROKER_URL (filesystem:// needs no server) or "
                "REDIS_URL. `make run` sets filesystem:// when neither is set."
            )
        run_dir = Path(settings.BASE_DIR) / ".run"
        run_dir.mkdir(exist_ok=True)
        celery = [sys.executable, "-m", "celery", "-A", "icportal"]
        commands = {
            "web": [sys.executable, "manage.py", "runserver", "--noreload", addrport],
            "worker": [*celery, "worker", "-Q", "celery,packets", "--concurrency", "2"],
            "beat": [*celery, "beat", "--schedule", str(run_dir / "beat-schedule")],
        }
        processes = {
            name: subprocess.Popen(command, cwd=settings.BASE_DIR)  # noqa: S603 (our own argv)
            for name, command in commands.items()
        }
        self.stdout.write(
            f"web, worker and beat started ({', '.join(str(p.pid) for p in processes.values())})"
        )
        stopping = []
        for number in (signal.SIGINT, signal.SIGTERM):  # Ctrl-C reaches the children too
            signal.signal(number, lambda number, frame: stopping.append(number))
        while not stopping:
            ended = [name for name, p in processes.items() if p.poll() is not None]
            if ended:
                self.stderr.write(f"{ended[0]} stopped; stopping the others")
                break
            time.sleep(0.5)
        stop_all(processes.values())
        self.stdout.write("web, worker and beat stopped")


def stop_all(processes):
    """Ask each process to stop, wait for them together, then kill what is left."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
