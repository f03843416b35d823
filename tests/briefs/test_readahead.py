"""The leadership read-ahead: time in each agreement step, TSFD throughput against
target, quad charts of the programs needing attention, the annex left out, and the same
numbers on the leadership home as in the packet."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from agreements.models import Agreement
from agreements.pipeline import step_times
from briefs.compose import compose
from briefs.content.leadership import leadership_packet
from briefs.content.program import program_sheets
from briefs.content.quad import needing_attention, quad
from core import teams
from core.models import TransitionLog
from core.permissions import restrict
from programs.models import Milestone, Program
from tests.agreements.factories import in_state
from tests.programs.factories import ProgramFactory, with_children
from tests.tsfd.factories import advance, draft
from tsfd.models import DisclosureRequest
from tsfd.throughput import throughput_of

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def timeline(agreement, *steps):
    """Timeline rows: (step, days ago) in order."""
    now = timezone.now()
    for target, days_ago in steps:
        TransitionLog.objects.create(
            content_type=ContentType.objects.get_for_model(Agreement),
            object_id=agreement.pk,
            name="test",
            source="",
            target=target,
            at=now - days_ago * DAY,
        )


def test_time_in_each_step_comes_from_the_timeline_of_agreements_the_reader_may_see(users):
    seen = in_state("in_negotiation")
    timeline(seen, ("concept", 30), ("ssoi_drafting", 26), ("in_negotiation", 6))
    hidden = in_state("ssoi_drafting")
    timeline(hidden, ("concept", 90), ("ssoi_drafting", 10))
    teams.set_member(seen, users["staff"], "viewer")

    rows = {r["step"]: r for r in step_times(restrict(Agreement.objects.all(), users["staff"]))}
    assert rows["concept"]["done"] == 1 and rows["concept"]["median_days"] == 4
    assert rows["ssoi_drafting"]["median_days"] == 20 and rows["ssoi_drafting"]["now"] == 0
    assert rows["in_negotiation"]["now"] == 1 and rows["in_negotiation"]["oldest_days"] == 6

    # Leadership sees both: the hidden one's 80-day concept stay and its current wait count.
    rows = {r["step"]: r for r in step_times(restrict(Agreement.objects.all(), users["leader"]))}
    assert rows["concept"]["done"] == 2 and rows["concept"]["median_days"] == 42
    assert rows["ssoi_drafting"]["now"] == 1 and rows["ssoi_drafting"]["oldest_days"] == 10


def test_throughput_counts_decisions_within_and_over_their_target(users):
    approver, requester = users["approver"], users["requester"]
    quick = advance(
        draft(requester), DisclosureRequest.Status.APPROVED, approver, [users["reviewer"]]
    )
    slow = advance(
        draft(requester), DisclosureRequest.Status.APPROVED, approver, [users["reviewer"]]
    )
    # The slow one was submitted 40 days before its decision: over the 30-day target.
    DisclosureRequest.objects.filter(pk=slow.pk).update(submitted_at=slow.decided_at - 40 * DAY)
    waiting = advance(
        draft(requester), DisclosureRequest.Status.IN_REVIEW, approver, [users["reviewer"]]
    )
    DisclosureRequest.objects.filter(pk=waiting.pk).update(submitted_at=timezone.now() - 35 * DAY)
    flow = throughput_of(restrict(DisclosureRequest.objects.all(), users["leader"]))
    this_month = flow["monthly"][-1]
    assert this_month["decided"] == 2 and this_month["within"] == 1 and this_month["over"] == 1
    # Submissions count in the month they were made: the two moved back, in theirs.
    assert this_month["submitted"] == 1
    by_month = {m["month"]: m["submitted"] for m in flow["monthly"]}
    back = timezone.localdate() - 35 * DAY
    assert by_month[back.replace(day=1)] >= 1 and sum(by_month.values()) == 3
    assert flow["open"]["over"] == 1 and flow["open"]["oldest_days"] >= 35
    assert flow["throughput_chart"]["rows"][-1]["note"] == "1 open"
    # A requester sees only their own cases; another requester's are not counted.
    other = users["staff"]
    assert throughput_of(restrict(DisclosureRequest.objects.all(), other))["open"]["total"] == 0
    assert quick.pk


def late_program(code, **fields):
    program = with_children(ProgramFactory(code=code, name=f"Program {code}", **fields))
    Milestone.objects.create(
        program=program,
        title=f"{code} first article",
        planned_date=timezone.localdate() - 20 * DAY,
    )
    return program


def test_programs_needing_attention_get_a_quad_chart_most_urgent_first(users):
    late_program("CP-2026-701")
    red = with_children(
        ProgramFactory(
            code="CP-2026-702", name="Red one", health="red", health_reason="Test slipped."
        )
    )
    calm = with_children(ProgramFactory(code="CP-2026-703", name="Calm one"))
    sheets = program_sheets(users["leader"], Program.objects.all())
    ranked = [(s.program.code, reasons) for s, reasons in needing_attention(sheets)]
    assert ranked[0] == ("CP-2026-702", ["red"])
    assert ranked[1] == ("CP-2026-701", ["1 milestone overdue"])
    assert calm.code not in dict(ranked)
    chart = quad(next(s for s in sheets if s.program == red))
    assert "Health: Test slipped." in chart["issues"]
    late = quad(next(s for s in sheets if s.program.code == "CP-2026-701"))
    assert [m["state"] for m in late["timeline"]["marks"]][0] == "overdue"
    assert any("first article" in i and "20 days late" in i for i in late["issues"])


def test_the_packet_opens_with_the_read_ahead_and_can_leave_the_annex_out(users):
    late_program("CP-2026-711")
    with_children(ProgramFactory(code="CP-2026-712", name="Quiet program"))
    leader = users["leader"]
    full = leadership_packet(leader, {}, timezone.now())
    keys = [s.key for s in full.sections]
    assert keys[:5] == ["bottom-line", "changes", "glance", "flow", "needing-attention"]
    assert keys[-2:] == [f"program-{p.pk}" for p in Program.objects.order_by("code")]
    html = "".join(part.html for part in compose(full, leader))
    assert "Schedule against milestones" in html and "CP-2026-711 first article" in html
    assert "Agreement pipeline: time in each step" in html

    short = leadership_packet(leader, {"annex": False}, timezone.now())
    assert not [s for s in short.sections if s.key.startswith("program-")]
    # The portfolio table stays, without links to sheets that are not there.
    assert len(compose(short, leader)) == 1
    assert 'href="#program-' not in compose(short, leader)[0].html


def test_the_leadership_home_shows_the_packets_numbers(client, users):
    seen = in_state("rad_requested")
    timeline(seen, ("concept", 12), ("ssoi_drafting", 9), ("rad_requested", 3))
    leader = users["leader"]
    client.force_login(leader)
    page = client.get("/").text
    flow = leadership_packet(leader, {}, timezone.now())
    steps = next(s for s in flow.sections if s.key == "flow").context["steps"]
    rad = next(r for r in steps if r["step"] == "rad_requested")
    assert rad["now"] == 1 and rad["oldest_days"] == 3
    assert "Time in each step" in page and 'aria-label="Agreement pipeline' in page
    assert "Cases per month against their target" in page
