"""The data-quality audit: the model layer's rules over what is already stored (values put
there around save(), as a shell, an import or an old release would), its findings shown
only on records the reader may see, started nightly by beat or by a Portal Admin."""

import datetime
import time
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from briefs.compose import compose
from briefs.content.leadership import leadership_packet
from core import teams
from core.models import DataQualityFinding, DataQualityRun, Organization
from core.quality import COST_SHARES, HEALTH_STALE, run_audit, visible_findings
from icportal.celery import app as celery_app
from programs.models import Milestone, Participant, Program
from tests.programs.factories import ProgramFactory, with_children

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def eager_tasks():
    """Tasks run in-process through the real Celery app, even when REDIS_URL is set."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


def clean_program(**fields):
    """A program that breaks no rule: partners 60/40, its one milestone done."""
    program = with_children(ProgramFactory(**fields))
    program.milestones.update(actual_date=datetime.date(2026, 6, 1))
    return program


def findings_of(record, run=None):
    content_type = ContentType.objects.get_for_model(type(record))
    found = DataQualityFinding.objects.filter(content_type=content_type, object_id=record.pk)
    return {(f.field, f.rule): f for f in (found.filter(run=run) if run else found)}


@pytest.fixture
def bad(users):
    """Programs with bad values stored around the rules, each managed by the pm."""
    pm = users["pm"]
    garbled = clean_program(program_manager=pm, name="Garbled program")
    Program.objects.filter(pk=garbled.pk).update(
        code="\x07\x08", end_date=datetime.date(4758, 10, 29)
    )
    doubled = clean_program(program_manager=pm)
    Participant.objects.filter(program=doubled).update(cost_share=Decimal(100))  # 200%
    mismarked = clean_program(program_manager=pm)
    Program.objects.filter(pk=mismarked.pk).update(classification="U", dissemination="NOFORN")
    late = clean_program(program_manager=pm)
    milestone = late.milestones.get()
    Milestone.objects.filter(pk=milestone.pk).update(
        title="Secret-ish milestone title", planned_date=datetime.date(2016, 3, 1), actual_date=None
    )
    Program.objects.filter(pk=late.pk).update(health="green", health_override_reason="")
    stale = clean_program(program_manager=pm)
    Program.objects.filter(pk=stale.pk).update(
        health_reviewed_on=timezone.localdate() - datetime.timedelta(days=200)
    )
    Milestone.objects.filter(pk=stale.milestones.get().pk).update(title="Review\x1b gate")
    return {
        "garbled": garbled,
        "doubled": doubled,
        "mismarked": mismarked,
        "late": late,
        "milestone": milestone,
        "stale": stale,
    }


# The audit ------------------------------------------------------------------------------


def test_demo_data_passes_the_audit_with_no_findings(demo):
    started = time.monotonic()
    run = run_audit()
    seconds = time.monotonic() - started
    problems = [
        f"{f.content_type.model} {f.object_id} {f.field}: {f.message}"
        for f in DataQualityFinding.objects.select_related("content_type")
    ]
    assert run.status == DataQualityRun.Status.DONE
    assert run.findings_count == 0, "\n".join(problems)
    assert run.records_checked > 1000
    print(f"\ndata-quality audit of the demo: {run.records_checked} records in {seconds:.2f} s")


def test_the_audit_finds_each_bad_value_on_its_field(bad, users):
    run = run_audit()
    garbled = findings_of(bad["garbled"])
    assert "programs.program.code" in {rule for _field, rule in garbled}
    assert {"code", "end_date"} <= {field for field, _rule in garbled}
    assert "4758-10-29" in garbled[("end_date", "programs.program.end_date")].message
    assert garbled[("code", "programs.program.code")].owner == users["pm"]

    shares = findings_of(bad["doubled"])[("cost_share", COST_SHARES)]
    assert "200%" in shares.message

    assert ("dissemination", "programs.program.dissemination") in findings_of(bad["mismarked"])

    health = findings_of(bad["late"])[("health", "programs.program.health")]
    assert "2016-03-01" in health.message
    assert "Secret-ish" not in health.message  # it names the program's record only

    stale = findings_of(bad["stale"])[("health", HEALTH_STALE)]
    assert "not reviewed for 200 days" in stale.message
    child = findings_of(bad["stale"].milestones.get())[("title", "programs.milestone.title")]
    assert (child.root_type.model, child.root_id) == ("program", bad["stale"].pk)
    assert child.owner == users["pm"]

    assert run.findings_count == DataQualityFinding.objects.count() >= 7


def test_a_new_run_replaces_the_findings_of_the_last(bad):
    first = run_audit()
    Program.objects.filter(pk=bad["mismarked"].pk).update(classification="CUI")
    second = run_audit()
    assert not DataQualityFinding.objects.filter(run=first).exists()
    assert ("dissemination", "programs.program.dissemination") not in findings_of(bad["mismarked"])
    assert second.findings_count == first.findings_count - 1


def test_one_run_at_a_time(bad):
    DataQualityRun.objects.create()  # a run that is still going
    assert run_audit() is None
    assert not DataQualityFinding.objects.exists()


def test_a_run_whose_worker_died_is_replaced(bad):
    dead = DataQualityRun.objects.create(heartbeat_at=timezone.now() - datetime.timedelta(hours=1))
    assert run_audit() is not None
    dead.refresh_from_db()
    assert dead.status == DataQualityRun.Status.FAILED


def test_a_message_naming_a_related_record_is_not_stored(users):
    """A US lead abroad: the rule's message names the organisation; the finding does not."""
    program = clean_program()
    abroad = Organization.objects.create(
        name="Foreign Widget Works", country=program.participants.last().country
    )
    Program.objects.filter(pk=program.pk).update(us_lead=abroad)
    run_audit()
    finding = findings_of(program)[("us_lead", "programs.program.us_lead")]
    assert "Foreign Widget Works" not in finding.message
    assert "United Kingdom" not in finding.message


# Who sees what -----------------------------------------------------------------------------


def test_a_reader_sees_and_counts_only_findings_on_records_they_may_see(client, users, make_user):
    pm, other = users["pm"], make_user("other-pm", "Program Manager")
    mine = clean_program(program_manager=pm)
    teams.set_member(mine, pm, "lead")
    hidden = clean_program(program_manager=other, name="Hidden harbour program")
    teams.set_member(hidden, other, "lead")
    for program in (mine, hidden):
        Program.objects.filter(pk=program.pk).update(end_date=datetime.date(4758, 10, 29))
    run_audit()

    assert set(visible_findings(pm).values_list("object_id", flat=True)) == {mine.pk}
    client.force_login(pm)
    page = client.get("/data-quality/").text
    assert mine.code in page and "4758-10-29" in page
    assert "Hidden harbour" not in page and hidden.code not in page
    assert other.get_full_name() not in page  # nor the owner of what they may not see
    assert '<td class="num">1</td>' in page
    home = client.get("/").text
    assert "1 of your records needs attention" in home
    assert "/data-quality/?owner=me" in home

    client.force_login(users["requester"])  # sees neither program
    page = client.get("/data-quality/").text
    assert "Nothing you may see breaks a rule." in page
    assert mine.code not in page and hidden.code not in page
    assert "needs attention" not in client.get("/").text

    client.force_login(users["leader"])  # sees the whole portfolio: both
    page = client.get("/data-quality/").text
    assert mine.code in page and hidden.code in page


def test_the_fix_link_opens_the_page_that_edits_the_value(client, bad, users):
    run_audit()
    client.force_login(users["admin"])
    page = client.get("/data-quality/").text
    assert f'href="/programs/{bad["garbled"].pk}/edit/"' in page
    assert f'href="/programs/{bad["doubled"].pk}/partners/"' in page
    assert f'href="/programs/{bad["stale"].pk}/milestones/"' in page
    only = client.get("/data-quality/?rule=programs.program.cost_shares").text
    assert bad["doubled"].code in only and bad["mismarked"].code not in only


def test_the_page_is_in_the_navigation(client, users):
    client.force_login(users["staff"])
    page = client.get("/").text
    assert 'href="/data-quality/"' in page
    assert "No audit has finished yet" in client.get("/data-quality/").text


# Starting a run ------------------------------------------------------------------------------


def test_a_portal_admin_starts_a_run_and_others_get_403(
    client, bad, users, django_capture_on_commit_callbacks
):
    for role in ("staff", "pm", "leader", "approver"):
        client.force_login(users[role])
        assert client.post("/data-quality/run/").status_code == 403
        assert 'action="/data-quality/run/"' not in client.get("/data-quality/").text
    assert not DataQualityRun.objects.exists()

    client.force_login(users["admin"])
    assert 'action="/data-quality/run/"' in client.get("/data-quality/").text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/data-quality/run/")
    assert response.status_code == 302
    run = DataQualityRun.objects.get()
    assert run.status == DataQualityRun.Status.DONE and run.started_by == users["admin"]
    assert run.findings_count >= 7
    page = client.get("/data-quality/").text
    assert "Last audit finished" in page and f"{run.findings_count} findings in all" in page
    assert client.get("/data-quality/run/").status_code == 405


def test_the_task_runs_through_the_celery_app_and_is_on_the_nightly_schedule(bad):
    from core.tasks import run_data_quality_audit

    celery_app.finalize()
    result = run_data_quality_audit.apply_async()
    assert result.get()["findings"] == DataQualityFinding.objects.count() >= 7
    schedule = {entry["task"]: entry for entry in celery_app.conf.beat_schedule.values()}
    assert "core.run_data_quality_audit" in schedule
    assert schedule["core.run_data_quality_audit"]["schedule"].hour == {2}


# The leadership packet ---------------------------------------------------------------------


def test_the_packet_counts_findings_it_shows_and_marks_values_that_break_a_rule(bad, users):
    run_audit()
    leader = users["leader"]
    brief = leadership_packet(leader, {}, timezone.now())
    bottom = brief.sections[0].context["data_quality"]
    assert bottom["count"] == DataQualityFinding.objects.count()
    html = "".join(part.html for part in compose(brief, leader))
    assert f"Data quality: {bottom['count']} findings on the records in this packet" in html
    portfolio = next(section for section in brief.sections if section.key == "portfolio")
    sheets = {s.program.pk: s for s in portfolio.context["sheets"]}
    assert sheets[bad["doubled"].pk].shares_check
    assert sheets[bad["late"].pk].health_check
    assert not sheets[bad["mismarked"].pk].health_check
    assert html.count("⚠ check") >= 3  # shares, health on its sheet and in the portfolio

    # Someone who sees one program counts the findings of that one only.
    teams.set_member(bad["doubled"], users["staff"], "viewer")
    brief = leadership_packet(users["staff"], {}, timezone.now())
    assert brief.sections[0].context["data_quality"]["count"] == 1
