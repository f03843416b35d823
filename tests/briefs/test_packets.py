"""What users do with briefs: ask, watch, download, cancel, re-run. Real WeasyPrint PDFs."""

import datetime
import os
import re
import subprocess

import pytest
from django.utils import timezone

from briefs import content, jobs
from briefs.compose import compose
from briefs.models import Packet
from briefs.tasks import render_packet
from core import teams
from core.models import SavedView, SecurityEvent
from programs.models import Milestone, Program
from tests.briefs.helpers import outline_titles, read_pdf
from tests.programs.factories import ProgramFactory, with_children

pytestmark = pytest.mark.django_db


def program(code, name, **fields):
    return with_children(ProgramFactory(code=code, name=name, **fields))


def made(run_jobs, user, kind, parameters, title="A brief"):
    """A packet requested and rendered (eagerly), as read back from the database."""
    packet = run_jobs(jobs.request_packet, user, kind, title, parameters)
    packet.refresh_from_db()
    return packet


def unqueued(user, program, **fields):
    """A packet of one program's brief, written straight to the database (no job queued)."""
    return Packet.objects.create(
        requested_by=user,
        kind="program",
        title="x",
        parameters={"programs": [program.pk]},
        **fields,
    )


def ask(client, run_jobs, **data):
    """POST the request form as a user would; returns (response, packet)."""
    response = run_jobs(client.post, "/briefs/request/", data)
    packet = Packet.objects.order_by("-pk").first()
    return response, packet


@pytest.fixture
def staff_program(users):
    falcon = program("CP-2026-501", "Falcon Radar Study", cui_category="CTI")
    teams.set_member(falcon, users["staff"], "viewer")
    return falcon


# Rendering -------------------------------------------------------------------------


def test_program_brief_is_rendered_with_marking_and_page_numbers_on_every_page(
    client, users, staff_program, run_jobs
):
    # Enough milestones to spill the one-page brief onto a second page.
    for i in range(45):
        Milestone.objects.create(
            program=staff_program,
            title=f"Extra test event {i}",
            planned_date=timezone.localdate() + datetime.timedelta(days=400),
        )
    client.force_login(users["staff"])
    response, packet = ask(client, run_jobs, kind="program", programs=[staff_program.pk])
    assert response.status_code == 302 and response["Location"] == f"/briefs/{packet.pk}/"
    packet.refresh_from_db()
    assert packet.status == Packet.Status.DONE, packet.error
    assert packet.progress == 100 and packet.pages >= 2 and packet.size > 1000
    assert packet.marking == "CUI//CTI"
    _, pages = read_pdf(packet)
    assert len(pages) == packet.pages
    for number, text in enumerate(pages, start=1):
        assert text.count("CUI//CTI") >= 2, f"page {number} lacks its top and bottom marking"
        assert f"Page {number} of {len(pages)}" in text
        assert "Data as of" in text
    # The quad chart first: its four quarters, the shares by country code, the timeline.
    quad, detail = pages[0], pages[1]
    assert "CP-2026-501 Falcon Radar Study" in quad
    for quarter in (
        "STATUS AND HEALTH",
        "SCHEDULE AGAINST MILESTONES",
        "COST SHARES AND FUNDING",
        "ISSUES, RISKS AND THE NEXT DECISION",
    ):
        assert quarter in quad
    assert "USA 60%" in " ".join(quad.split()) and "FY2026" in quad
    assert "more milestones on the program sheet" in quad.replace("\n", " ")
    # Then the detail page.
    assert "United Kingdom" in detail and "60%" in detail  # partners and shares
    assert "CP-2026-501 design review" in detail  # milestones
    assert "FY2026" in detail  # funding


def test_the_banner_stays_on_one_line_however_long_the_marking(users, run_jobs):
    """A long marking once wrapped onto two lines beside the header note ("CUI//" over
    "PROCURE"). pdftotext -layout keeps the page's lines: the banner must be one of them."""
    long = program(
        "CP-2026-502",
        "Pacific Long Range Hypersonic Sensor Fusion and Integration Demonstration",
        cui_category="CTI",
        dissemination="REL TO",
        rel_to="USA, GBR, AUS, CAN, NZL",
    )
    teams.set_member(long, users["staff"], "viewer")
    packet = made(run_jobs, users["staff"], "program", {"programs": [long.pk]})
    assert packet.status == Packet.Status.DONE, packet.error
    banner = "CUI//CTI//REL TO USA, AUS, CAN, GBR, NZL"  # USA first, then A–Z
    assert packet.marking == banner
    with packet.file.open("rb") as handle:
        layout = subprocess.run(
            ["pdftotext", "-layout", "-", "-"],
            input=handle.read(),
            capture_output=True,
            check=True,
        ).stdout.decode()
    for number, page in enumerate(layout.split("\f")[: packet.pages], start=1):
        lines = page.strip("\n").splitlines()
        assert banner in lines[0] + lines[1], f"page {number}: top banner wrapped: {lines[:3]}"
        assert banner in "".join(lines[-2:]), f"page {number}: bottom banner wrapped"


def test_pdf_is_tagged_with_an_outline_and_metadata(client, users, run_jobs):
    for i in range(3):
        program(f"CP-2026-60{i}", f"Outline program {i}")
    client.force_login(users["leader"])
    _, packet = ask(client, run_jobs, kind="leadership")
    packet.refresh_from_db()
    assert packet.status == Packet.Status.DONE, packet.error
    reader, pages = read_pdf(packet)
    meta = reader.metadata
    assert meta.title == "Leadership packet"
    assert meta.author.startswith("IC Portal")
    assert "3 programs" in meta.subject and "Leader Tester" in meta.subject
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])  # tagged PDF
    assert "/StructTreeRoot" in root and root["/Lang"] == "en"
    outline = dict(outline_titles(reader))
    for heading in (
        "Leadership packet",
        "Contents",
        "Bottom line and decisions needed",
        "What changed",
        "Portfolio at a glance",
        "Agreements and disclosures at a glance",
        "Programs needing attention",
        "Portfolio",
        "Annex: program sheets",
    ):
        assert heading in outline, heading
    assert [t for t, _ in outline["Annex: program sheets"]] == [
        "CP-2026-600 Outline program 0",
        "CP-2026-601 Outline program 1",
        "CP-2026-602 Outline program 2",
    ]
    # The contents page gives each section's page (target-counter).
    listed = int(re.search(r"Portfolio\W*(\d+)", pages[1]).group(1))
    assert listed > 2 and "Portfolio\nCode" in pages[listed - 1]
    # The cover carries the marking and the designation block.
    assert "Controlled by: International Cooperation Office" in pages[0]
    assert "POC: IC Portal administrator" in pages[0]


def test_leadership_packet_of_a_saved_view_covers_only_its_programs(client, users, run_jobs):
    program("CP-2026-701", "Red one", health="red")
    program("CP-2026-702", "Green one", health="green")
    view = SavedView.objects.create(
        name="Red programs", list_key="programs.program", owner=users["leader"], query="health=red"
    )
    client.force_login(users["leader"])
    _, packet = ask(client, run_jobs, kind="leadership", view=view.pk)
    packet.refresh_from_db()
    assert packet.title == "Leadership packet: Red programs"
    text = "".join(read_pdf(packet)[1])
    assert "CP-2026-701" in text and "CP-2026-702" not in text


def test_leadership_packet_from_the_forms_filters_covers_the_programs_that_match(
    client, users, run_jobs
):
    """The request form offers the programs list's filters as a form (no query string to
    type): the chosen phase, health, kind and partner country become the packet's filter."""
    program("CP-2026-711", "Red in development", health="red", phase="development")
    program("CP-2026-712", "Green in development", health="green", phase="development")
    program("CP-2026-713", "Red in production", health="red", phase="production")
    client.force_login(users["leader"])
    page = client.get("/briefs/request/?kind=leadership").text
    for name in ("phase", "health", "program_kind", "partner_country"):
        assert f'name="{name}"' in page, name
    _, packet = ask(
        client,
        run_jobs,
        kind="leadership",
        phase=["development"],
        health=["red"],
        partner_country=["GBR"],
    )
    packet.refresh_from_db()
    assert packet.parameters == {"query": "phase=development&health=red&country=GBR"}
    text = "".join(read_pdf(packet)[1])
    assert "CP-2026-711" in text
    assert "CP-2026-712" not in text and "CP-2026-713" not in text
    # Filters and a typed filter, or filters and a saved view: one or the other.
    view = SavedView.objects.create(
        name="Mine", list_key="programs.program", owner=users["leader"], query="health=red"
    )
    before = Packet.objects.count()
    for extra in ({"query": "health=green"}, {"view": view.pk}):
        response = client.post(
            "/briefs/request/", {"kind": "leadership", "health": ["red"], **extra}
        )
        assert response.status_code == 400 and "not both" in response.text
    assert Packet.objects.count() == before


def test_leadership_packet_lists_the_most_urgent_action_items_and_counts_the_rest(
    users, run_jobs, monkeypatch
):
    from briefs.content import leadership
    from fora.models import ActionItem
    from tests.fora.factories import MeetingFactory

    monkeypatch.setattr(leadership, "LEADERSHIP_ROWS", 3)
    program("CP-2026-801", "Listed program")
    meeting = MeetingFactory(title="Staff talks")
    from core.teams import set_member

    set_member(meeting.forum, users["staff"], "viewer")  # an owner sees the forum
    today = timezone.localdate()
    for days, text in ((-9, "Overdue A"), (-2, "Overdue B"), (5, "Soon C"), (40, "Later D")):
        ActionItem.objects.create(
            meeting=meeting,
            description=text,
            owner_user=users["staff"],
            due_date=today + datetime.timedelta(days=days),
        )
    packet = made(run_jobs, users["leader"], "leadership", {})
    assert packet.status == Packet.Status.DONE, packet.error
    text = " ".join(" ".join(read_pdf(packet)[1]).split())
    assert "Overdue A" in text and "Overdue B" in text and "Soon C" in text
    assert "Later D" not in text
    assert "1 more open action item is not listed here" in text


def test_a_brief_contains_only_what_its_requester_may_see(client, users, staff_program, run_jobs):
    from core.models import Country

    secret = program(
        "CP-2026-999",
        "Stealth Osprey Program",
        dissemination="NOFORN",
    )
    shared = program("CP-2026-502", "Shared Heron Study")
    teams.set_member(shared, users["staff"], "viewer")
    client.force_login(users["staff"])
    # An invisible program cannot even be chosen.
    response = client.post("/briefs/request/", {"kind": "program", "programs": [secret.pk]})
    assert response.status_code == 400 and not Packet.objects.exists()
    assert "Stealth" not in response.text
    # Access lost between the request and the rendering: the program is simply absent.
    with_both = made(
        run_jobs, users["staff"], "program", {"programs": [staff_program.pk, shared.pk]}
    )
    assert with_both.status == "done"
    teams.remove_member(shared, users["staff"])
    assert run_jobs(jobs.rerun, with_both)
    with_both.refresh_from_db()
    packets = [with_both]
    _, country_packet = ask(client, run_jobs, kind="country", country="GBR")
    _, leadership = ask(client, run_jobs, kind="leadership")
    packets += [country_packet, leadership]
    for packet in packets:
        packet.refresh_from_db()
        assert packet.status == Packet.Status.DONE, packet.error
        text = "".join(read_pdf(packet)[1])
        assert "CP-2026-501" in text
        for leak in ("CP-2026-999", "Stealth Osprey", "NOFORN", "CP-2026-502", "Shared Heron"):
            assert leak not in text, f"{packet.kind} packet shows {leak}"
    assert Country.objects.get(iso3="GBR").name in "".join(read_pdf(country_packet)[1])


def test_a_program_brief_of_programs_no_longer_visible_fails_in_plain_words(
    users, staff_program, run_jobs
):
    packet = Packet.objects.create(
        requested_by=users["staff"], kind="program", title="x", parameters={"programs": []}
    )
    teams.remove_member(staff_program, users["staff"])
    packet.parameters = {"programs": [staff_program.pk]}
    packet.save()
    run_jobs(jobs.enqueue, packet)
    packet.refresh_from_db()
    assert packet.status == Packet.Status.FAILED
    assert packet.error.startswith("None of the programs you chose is available to you any more")
    assert not packet.file


def test_a_deleted_saved_view_and_a_broken_storage_fail_in_plain_words(
    users, settings, tmp_path, run_jobs
):
    program("CP-2026-801", "Storage program")
    view = SavedView.objects.create(name="Mine", list_key="programs.program", owner=users["leader"])
    packet = made(run_jobs, users["leader"], "leadership", {"view": view.pk})
    assert packet.status == "done"
    view.delete()
    run_jobs(jobs.rerun, packet)
    packet.refresh_from_db()
    assert packet.status == "failed"
    assert "saved view this packet was based on no longer exists" in packet.error
    # Storage that refuses the file: the media root is a plain file, not a folder.
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("x")
    settings.MEDIA_ROOT = blocked
    broken = made(run_jobs, users["leader"], "leadership", {})
    assert broken.status == "failed"
    assert broken.error.startswith("The PDF was rendered but could not be saved")


def test_the_rendering_reads_a_constant_number_of_queries_whatever_the_program_count(
    users, query_budget, monkeypatch
):
    leader = users["leader"]
    few = [program(f"CP-2026-90{i}", f"Few {i}") for i in range(2)]

    def measure(programs):
        packet = Packet(
            kind="leadership",
            parameters={"programs": [p.pk for p in programs]},
            requested_by=leader,
        )
        name = "briefs: leadership packet content and layout"
        with query_budget.block(name, f"{len(programs)} programs") as measured:
            compose(content.build(packet, leader), leader)
        return measured

    measure(few)  # the user's permissions are read once, then cached
    small = query_budget.hold(measure(few))
    many = few + [program(f"CP-2026-91{i}", f"Many {i}") for i in range(8)]
    query_budget.assert_not_grown(small, query_budget.hold(measure(many)))
    # The whole task (claim, progress, render, store, event) stays within a fixed budget;
    # progress is written by step only, not also every 2 s, so a slow machine counts the same.
    monkeypatch.setattr(jobs.Run, "MIN_INTERVAL", float("inf"))
    packet = Packet.objects.create(
        requested_by=leader, kind="leadership", title="x", parameters={}, run_token="t"
    )
    with query_budget.block("briefs: render_packet task (10 programs)") as task:
        assert render_packet.apply(args=[packet.pk, "t"]).get() == "done"
    query_budget.hold(task)


# Downloads, security events ----------------------------------------------------------------


def test_only_the_requester_and_portal_admin_download(client, users, run_jobs):
    program("CP-2026-111", "Download program")
    packet = made(run_jobs, users["leader"], "leadership", {}, title="Mine")
    assert packet.status == "done"
    urls = [f"/briefs/{packet.pk}/{tail}" for tail in ("", "progress/", "download/")]
    api = f"/api/v1/briefs/packets/{packet.pk}/"
    for other in ("staff", "pm", "approver"):
        client.force_login(users[other])
        for url in urls:
            assert client.get(url).status_code == 404, (other, url)
        for tail in ("cancel/", "rerun/", "delete/"):
            assert client.post(f"/briefs/{packet.pk}/{tail}").status_code == 404
        assert client.get(api).status_code == 404
        assert client.get(api + "download/").status_code == 404
        assert client.get("/api/v1/briefs/packets/").json()["count"] == 0
        assert "Mine" not in client.get("/briefs/").text
    for allowed in ("leader", "admin"):
        client.force_login(users[allowed])
        response = client.get(f"/briefs/{packet.pk}/download/")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
    client.logout()
    assert client.get(f"/briefs/{packet.pk}/download/").status_code == 302


def test_generation_and_every_download_are_security_events(client, users, run_jobs):
    program("CP-2026-121", "Audited program")
    client.force_login(users["leader"])
    _, packet = ask(client, run_jobs, kind="leadership")
    generated = SecurityEvent.objects.get(kind=SecurityEvent.Kind.PDF_GENERATED)
    assert generated.user == users["leader"]
    assert generated.detail["packet"] == packet.pk and generated.detail["pages"] >= 4
    for _ in range(2):
        client.get(f"/briefs/{packet.pk}/download/")
    client.get(f"/api/v1/briefs/packets/{packet.pk}/download/")
    downloads = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.PDF_DOWNLOADED)
    assert downloads.count() == 3
    assert {e.detail["packet"] for e in downloads} == {packet.pk}
    assert all(e.ip_address == "127.0.0.1" for e in downloads)


# Cancel, re-run, recovery, retention ------------------------------------------------------


def test_cancel_before_a_worker_starts_means_it_never_renders(client, users, staff_program):
    client.force_login(users["staff"])
    # Queued, its task not yet delivered (the commit has not happened).
    client.post("/briefs/request/", {"kind": "program", "programs": [staff_program.pk]})
    packet = Packet.objects.get()
    token = packet.run_token
    assert packet.status == "queued"
    page = client.get(f"/briefs/{packet.pk}/progress/").text
    assert 'hx-trigger="every 1s"' in page and "X-Background-Poll" in page
    assert client.post(f"/briefs/{packet.pk}/cancel/").status_code == 302
    assert render_packet.apply(args=[packet.pk, token]).get() == "skipped"
    packet.refresh_from_db()
    assert packet.status == "cancelled" and not packet.file
    assert "every 1s" not in client.get(f"/briefs/{packet.pk}/progress/").text


def test_cancel_while_rendering_stops_at_the_next_step(users, staff_program):
    import logging

    from weasyprint.logger import PROGRESS_LOGGER

    packet = unqueued(users["staff"], staff_program, run_token="t1")

    class ClickCancel(logging.Handler):
        """The user presses Cancel while WeasyPrint lays out the first page."""

        def emit(self, record):
            if "Creating layout - Page 1" in record.getMessage():
                jobs.cancel(Packet.objects.get(pk=packet.pk))

    handler = ClickCancel()
    PROGRESS_LOGGER.addHandler(handler)
    try:
        result = render_packet.apply(args=[packet.pk, "t1"]).get()
    finally:
        PROGRESS_LOGGER.removeHandler(handler)
    assert result == "superseded"
    packet.refresh_from_db()
    assert packet.status == "cancelled" and not packet.file and packet.pages is None
    assert not SecurityEvent.objects.filter(kind="pdf_generated").exists()


def test_rerun_renders_again_and_rewrites_its_own_file(client, users, staff_program, run_jobs):
    client.force_login(users["staff"])
    _, packet = ask(client, run_jobs, kind="program", programs=[staff_program.pk])
    packet.refresh_from_db()
    first_name = packet.file.name
    staff_program.name = "Falcon Radar Study Renamed"
    staff_program.save()
    run_jobs(client.post, f"/briefs/{packet.pk}/rerun/")
    packet.refresh_from_db()
    assert packet.status == "done" and packet.file.name == first_name
    assert "Renamed" in "".join(read_pdf(packet)[1])
    assert os.listdir(packet.file.storage.path("briefs")) == [f"packet-{packet.pk}.pdf"]
    # A running packet cannot be re-run; a finished one cannot be cancelled.
    assert client.post(f"/briefs/{packet.pk}/cancel/").status_code == 302
    packet.refresh_from_db()
    assert packet.status == "done"


def test_a_packet_whose_worker_died_is_requeued_then_given_up(users, staff_program, run_jobs):
    packet = unqueued(
        users["staff"],
        staff_program,
        status="running",
        run_token="dead-worker",
        attempts=1,
        heartbeat_at=timezone.now() - datetime.timedelta(minutes=30),
    )
    assert run_jobs(jobs.recover_stale) == (1, 0)
    packet.refresh_from_db()
    assert packet.status == "done" and packet.attempts == 2
    # A message of the dead run that arrives late does nothing.
    assert render_packet.apply(args=[packet.pk, "dead-worker"]).get() == "skipped"
    # One that keeps killing its worker is failed with a clear message.
    Packet.objects.filter(pk=packet.pk).update(
        status="running", attempts=3, heartbeat_at=timezone.now() - datetime.timedelta(hours=1)
    )
    assert run_jobs(jobs.recover_stale) == (0, 1)
    packet.refresh_from_db()
    assert packet.status == "failed"
    assert packet.error.startswith("The brief was interrupted 3 times")
    # A fresh running packet is left alone.
    Packet.objects.filter(pk=packet.pk).update(status="running", heartbeat_at=timezone.now())
    assert run_jobs(jobs.recover_stale) == (0, 0)


def test_old_packets_and_their_files_are_deleted(users, staff_program, settings, run_jobs):
    settings.BRIEFS_RETENTION_DAYS = 7
    packet = made(run_jobs, users["staff"], "program", {"programs": [staff_program.pk]})
    path = packet.file.path
    keep = made(run_jobs, users["staff"], "program", {"programs": [staff_program.pk]})
    Packet.objects.filter(pk=packet.pk).update(
        finished_at=timezone.now() - datetime.timedelta(days=8)
    )
    assert jobs.delete_expired() == 1
    assert not Packet.objects.filter(pk=packet.pk).exists()
    assert Packet.objects.filter(pk=keep.pk).exists()
    assert not os.path.exists(path)


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_is_down_gives_a_clear_message_not_a_500(
    reference_countries, client, users, staff_program, eager_tasks
):
    from icportal.celery import app

    saved = app.conf.broker_url, app._pool, app.amqp._producer_pool
    app.conf.task_always_eager = False
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there
    app._pool = app.amqp._producer_pool = None
    try:
        client.force_login(users["staff"])
        response = client.post(
            "/briefs/request/", {"kind": "program", "programs": [staff_program.pk]}
        )
        api = client.post(
            "/api/v1/briefs/packets/",
            {"kind": "program", "programs": [staff_program.pk]},
            content_type="application/json",
        )
    finally:
        app.conf.broker_url, app._pool, app.amqp._producer_pool = saved
    assert response.status_code == 302
    page = client.get(response["Location"]).text
    assert "The background queue could not be reached" in page
    assert api.status_code == 503 and api.json()["error"] == jobs.BROKER_DOWN
    assert set(Packet.objects.values_list("status", flat=True)) == {"failed"}


# Pages ---------------------------------------------------------------------------------


def test_briefs_page_lists_packets_with_status_size_pages_and_errors(
    client, users, staff_program, run_jobs
):
    client.force_login(users["staff"])
    ask(client, run_jobs, kind="program", programs=[staff_program.pk])
    failed = Packet.objects.create(
        requested_by=users["staff"],
        kind="country",
        title="Country brief: Nowhere",
        status="failed",
        error="The country of this brief is not in the portal's country list.",
    )
    page = client.get("/briefs/").text
    done = Packet.objects.exclude(pk=failed.pk).get()
    assert "Program brief: CP-2026-501 Falcon Radar Study" in page
    assert f"/briefs/{done.pk}/download/" in page
    assert "KB" in page and ">2<" in page.replace(" ", "")  # size and pages (quad + sheet)
    assert "not in the portal&#x27;s country list" in page
    for form in ("Program brief", "Country brief", "Forum read-ahead", "Leadership packet"):
        assert form in page
    # The program's invisible neighbours are not offered.
    hidden = program("CP-2026-555", "Not for staff")
    assert hidden.code not in client.get("/briefs/").text


def test_country_brief_link_prefills_the_request_form(client, users):
    client.force_login(users["staff"])
    page = client.get("/briefs/request/?kind=country&country=gbr").text
    assert 'value="GBR" selected' in page
    assert "request-card--chosen" in page
    client.force_login(users["reviewer"])  # a role that cannot ask for briefs
    assert client.get("/briefs/request/?kind=country&country=GBR").status_code == 403
    assert client.post("/briefs/request/", {"kind": "leadership"}).status_code == 403


def test_program_page_has_a_brief_button_that_makes_one(client, users, staff_program, run_jobs):
    client.force_login(users["staff"])
    page = client.get(staff_program.get_absolute_url()).text
    assert "Make a program brief (PDF)" in page
    _, packet = ask(client, run_jobs, kind="program", programs=staff_program.pk)
    page = client.get(staff_program.get_absolute_url()).text
    assert f"/briefs/{packet.pk}/download/" in page
    client.force_login(users["reviewer"])
    Program.objects.filter(pk=staff_program.pk).update(program_manager=users["reviewer"])
    assert "Make a program brief" not in client.get(staff_program.get_absolute_url()).text


def test_forum_read_ahead_from_the_forum_page(client, users, run_jobs):
    from tests.fora.factories import MeetingFactory
    from tests.fora.factories import with_children as meeting_children

    meeting = meeting_children(MeetingFactory(title="Spring plenary"))
    forum = meeting.forum
    teams.set_member(forum, users["staff"], "viewer")
    client.force_login(users["staff"])
    assert "Make a read-ahead (PDF)" in client.get(forum.get_absolute_url()).text
    _, packet = ask(client, run_jobs, kind="forum", forum=forum.pk)
    packet.refresh_from_db()
    assert packet.status == "done", packet.error
    text = "".join(read_pdf(packet)[1])
    assert "Spring plenary" in text and "A. Delegate" in text
    assert "Follow up on Spring plenary" in text


def test_beat_jobs_are_registered_tasks_off_the_packets_queue(settings):
    from icportal.celery import app

    app.loader.import_default_modules()
    entries = {k: v for k, v in settings.CELERY_BEAT_SCHEDULE.items() if k.startswith("briefs")}
    assert len(entries) == 3
    for entry in entries.values():
        assert entry["task"] in app.tasks
        assert entry["options"]["queue"] == "celery"  # not behind long renders


def test_demo_seed_makes_one_brief_for_leadership_and_is_idempotent(users, run_jobs):
    from briefs import demo

    programs = [program("CP-2026-131", "Demo program")]
    context = {"users": users, "programs": programs}
    run_jobs(demo.seed, context)
    run_jobs(demo.seed, context)
    packet = Packet.objects.get()
    assert packet.requested_by == users["leader"] and packet.status == "done"


def test_deleting_a_brief_or_its_requester_removes_the_pdf(client, users, staff_program, run_jobs):
    first = made(run_jobs, users["staff"], "program", {"programs": [staff_program.pk]})
    second = made(run_jobs, users["staff"], "program", {"programs": [staff_program.pk]})
    paths = [first.file.path, second.file.path]
    client.force_login(users["staff"])
    assert "Yes, delete" in client.get(f"/briefs/{first.pk}/delete/").text
    assert client.post(f"/briefs/{first.pk}/delete/").status_code == 302
    assert not os.path.exists(paths[0]) and os.path.exists(paths[1])
    users["staff"].delete()
    assert not Packet.objects.exists() and not os.path.exists(paths[1])


def test_decisions_needed_are_decisions_each_with_who_and_when(demo):
    """A red program is not a decision: the list holds what waits on someone's decision
    (agreements at an approval step, TSFD cases awaiting their decision), each with what
    is decided, who decides and by when. Red programs stay under what needs attention."""
    from django.template.loader import render_to_string

    from agreements.models import Agreement
    from briefs.content.leadership import AGREEMENT_DECISIONS, leadership_packet
    from tsfd.models import DisclosureRequest

    brief = leadership_packet(demo["leader"], {}, timezone.now())
    bottom = brief.sections[0]
    decisions = bottom.context["decisions"]
    waiting = set(
        Agreement.objects.filter(status__in=AGREEMENT_DECISIONS).values_list("number", flat=True)
    )
    deciding = set(
        DisclosureRequest.objects.filter(status="decision_pending").values_list("number", flat=True)
    )
    assert waiting and deciding  # the demo has both, or this proves nothing
    assert {d["code"] for d in decisions} == waiting | deciding
    assert all(d["what"] and d["who"] and d["when"] for d in decisions)
    html = render_to_string(bottom.template, {"section": bottom, **bottom.context})
    listed = html[html.index('id="decisions"') : html.index("<h2", html.index('id="decisions"'))]
    red = Program.objects.filter(health="red")
    assert red.exists()
    for program in red:
        assert program.code not in listed
        assert program.code in html  # under Programs needing attention
    assert "Who decides" in listed and "By when" in listed


def test_what_changed_lists_only_what_the_reader_may_see(users, run_jobs):
    """The read-ahead's "What changed": health and phase changes from the audit history,
    agreement steps and TSFD decisions from the workflow timeline, for records the reader
    may see now, labelled from the records themselves (a hidden one is not listed)."""
    from django.contrib.contenttypes.models import ContentType

    from agreements.models import Agreement
    from briefs.content.changes import changes_since
    from core.audit import audit_context
    from core.models import TransitionLog
    from tests.agreements.factories import AgreementFactory

    staff = users["staff"]
    mine = program("CP-2026-901", "Seen change", health="green")
    theirs = program("CP-2026-902", "Hidden change", health="green")
    teams.set_member(mine, staff, "viewer")
    seen, hidden = AgreementFactory(title="Seen accord"), AgreementFactory(title="Hidden accord")
    teams.set_member(seen, staff, "viewer")
    start = timezone.now()
    with audit_context(users["pm"], source="test"):
        for record in (mine, theirs):
            record.health, record.health_reason = "yellow", "Partner funding slipped a quarter."
            record.save()
    agreement_type = ContentType.objects.get_for_model(Agreement)
    for agreement in (seen, hidden):
        TransitionLog.objects.create(
            content_type=agreement_type,
            object_id=agreement.pk,
            name="start_drafting",
            source="concept",
            target="ssoi_drafting",
        )

    visible_programs = list(content.base.visible(Program.objects.all(), staff))
    changes = changes_since(staff, visible_programs, start, "test")
    assert [(p.code, old, new) for p, old, new, _ in changes.health] == [
        ("CP-2026-901", "Green", "Yellow")
    ]
    assert [(a.number, old, new) for a, old, new, _ in changes.agreements] == [
        (seen.number, "Concept", "SSOI drafting")
    ]

    packet = made(
        run_jobs, staff, "leadership", {"since": start.date().isoformat()}, "Leadership packet"
    )
    assert packet.status == Packet.Status.DONE, packet.error
    text = "".join(read_pdf(packet)[1])
    assert "What changed" in text and "Green → Yellow" in text
    assert "CP-2026-901" in text and seen.number in text
    assert "CP-2026-902" not in text and "Hidden change" not in text
    assert hidden.number not in text and "Hidden accord" not in text


def test_what_changed_starts_at_the_readers_last_packet(users):
    from briefs.content.changes import DEFAULT_DAYS, since_for

    now = timezone.now()
    assert since_for(users["leader"], {}, now) == (
        now - datetime.timedelta(days=DEFAULT_DAYS),
        f"the last {DEFAULT_DAYS} days",
    )
    earlier = now - datetime.timedelta(days=3)
    Packet.objects.create(
        requested_by=users["leader"],
        kind="leadership",
        title="Last week's",
        status=Packet.Status.DONE,
        data_as_of=earlier,
    )
    assert since_for(users["leader"], {}, now) == (earlier, "your last leadership packet")
    chosen, basis = since_for(users["leader"], {"since": "2026-01-15"}, now)
    assert chosen.date() == datetime.date(2026, 1, 15) and basis.startswith("the date chosen")


def test_leadership_packet_has_charts_with_their_numbers(users, run_jobs):
    """Portfolio at a glance: health by phase as a vector chart (SVG in the PDF) with its
    table, counted over the packet's programs only."""
    from briefs.content.leadership import leadership_packet

    program("CP-2026-951", "Chart red", health="red", phase="development")
    program("CP-2026-952", "Chart green", health="green", phase="development")
    program("CP-2026-953", "Chart closed", health="green", phase="closed")
    brief = leadership_packet(users["leader"], {"query": "phase=development"}, timezone.now())
    glance = next(s for s in brief.sections if s.key == "glance")
    rows = {label: (cells, total) for label, cells, total in glance.context["matrix"]}
    assert rows["Development"] == ([1, 0, 1], 2)
    assert rows["Closed"] == ([0, 0, 0], 0)  # not in this selection
    bars = [p for r in glance.context["health_chart"]["rows"] for p in r["parts"] if p["n"]]
    assert [(p["colour"], p["n"]) for p in bars] == [("#00a91c", 1), ("#d83933", 1)]
    html = "".join(part.html for part in compose(brief, users["leader"]))
    assert '<svg class="chart"' in html
    packet = made(run_jobs, users["leader"], "leadership", {"query": "phase=development"})
    text = "".join(read_pdf(packet)[1])
    assert "Portfolio at a glance" in text and "Health by phase" in text
