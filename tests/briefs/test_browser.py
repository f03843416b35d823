"""In a real Chromium: ask for a brief, watch the progress bar reach 100%, download, open."""

import io
import threading
import time
from pathlib import Path

import pytest
from django.db import connection
from playwright.sync_api import expect
from pypdf import PdfReader

from briefs import jobs
from briefs.models import Packet
from briefs.tasks import render_packet
from core import teams
from tests.e2e.helpers import sign_in
from tests.programs.factories import ProgramFactory, with_children

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_ask_for_a_brief_from_a_program_then_download_and_open_it(
    reference_countries, live_server, page, make_user
):
    staff = make_user("staff", "IC Staff")
    program = with_children(ProgramFactory(code="CP-2026-401", name="Browser Harrier"))
    teams.set_member(program, staff, "viewer")
    sign_in(page, live_server, "staff")
    page.goto(live_server.url + program.get_absolute_url())
    page.get_by_role("button", name="Make a program brief (PDF)").click()
    # No broker in these tests: the brief is made during the request, so it is ready.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Program brief: CP-2026-401 Browser Harrier"
    )
    expect(page.locator("#packet-bar")).to_have_attribute("value", "100")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download PDF").click()
    download = info.value
    assert download.suggested_filename.startswith("program-brief-cp-2026-401")
    reader = PdfReader(io.BytesIO(Path(download.path()).read_bytes()))
    text = "".join(p.extract_text() for p in reader.pages)
    assert "CP-2026-401 Browser Harrier" in text and "Page 1 of" in text


def test_progress_bar_follows_a_packet_rendered_in_the_background(
    reference_countries, live_server, page, make_user, monkeypatch
):
    # A small packet renders faster than the page polls (every second): the worker
    # lingers once, after its first progress write, as a big packet's would.
    original = jobs.Run.report
    lingered = threading.Event()

    def report_then_linger(self, percent, step, force=False):
        original(self, percent, step, force)
        if 0 < self._last_percent < 100 and not lingered.is_set():
            lingered.set()
            time.sleep(2.5)

    monkeypatch.setattr(jobs.Run, "report", report_then_linger)
    leader = make_user("leader", "Leadership")
    for i in range(6):
        with_children(ProgramFactory(code=f"CP-2026-41{i}"))
    packet = Packet.objects.create(
        requested_by=leader, kind="leadership", title="Leadership packet", run_token="bg"
    )
    sign_in(page, live_server, "leader")
    page.goto(live_server.url + packet.get_absolute_url())
    bar = page.locator("#packet-bar")
    expect(bar).to_have_attribute("value", "0")
    expect(page.get_by_role("button", name="Cancel")).to_be_visible()
    # A worker picks it up while the page is open; the page polls and follows it.
    seen = set()

    def work():
        try:
            render_packet.apply(args=[packet.pk, "bg"])
        finally:
            connection.close()  # the thread's own connection, or the test db cannot be dropped

    worker = threading.Thread(target=work)
    worker.start()
    while worker.is_alive():
        seen.add(bar.get_attribute("value"))
        page.wait_for_timeout(150)
    worker.join()
    expect(bar).to_have_attribute("value", "100", timeout=10_000)
    expect(page.get_by_role("link", name="Download PDF")).to_be_visible()
    expect(page.get_by_role("button", name="Run again")).to_be_visible()
    assert seen - {"0", "100", None}, f"no intermediate progress shown: {seen}"
