"""Reading packets back: pypdf on the stored PDF."""

import io
import time

import pytest
from django.conf import settings
from pypdf import PdfReader

# The marks of a test with a real worker: a subprocess that reads the test's committed rows
# (so PostgreSQL, and a transactional test) and takes its tasks from the broker (REDIS_URL).
WITH_A_WORKER = [
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL or settings.EMBEDDED_DATABASE,
        reason="needs REDIS_URL and PostgreSQL (a worker cannot share the in-memory test db)",
    ),
    pytest.mark.django_db(transaction=True),
]


def read_pdf(packet):
    """(reader, [text of each page]) of a packet's stored PDF."""
    with packet.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return reader, [page.extract_text() for page in reader.pages]


def outline_titles(reader):
    """The outline as nested (title, [children]) pairs."""

    def walk(items):
        result = []
        for item in items:
            if isinstance(item, list):
                result[-1][1].extend(walk(item))
            else:
                result.append((item.title, []))
        return result

    return walk(reader.outline)


def wait_for(packet, condition, timeout=180, seen=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        packet.refresh_from_db()
        if seen is not None:
            seen.add((packet.progress, packet.step))
        if condition(packet):
            return packet
        time.sleep(0.2)
    raise AssertionError(
        f"packet still {packet.status} at {packet.progress}% ({packet.step}) after {timeout} s"
    )
