"""Home dashboards: each role sees its own widgets, never a record it may not see."""

from core.permissions import restrict
from programs.models import Program
from tests.conftest import ROLE_USERNAMES

ROLES = tuple(ROLE_USERNAMES)  # the demo users: one of each role


def test_each_role_gets_its_widgets(client, demo):
    expected = {
        "pm": ["My programs", "Milestones due or overdue"],
        "reviewer": ["My TSFD review queue"],
        "approver": ["TSFD cases awaiting decision"],
        "leader": [
            "Portfolio",
            "Agreement pipeline",
            "TSFD throughput",
            "Meetings in the next 90 days",
        ],
    }
    for role, titles in expected.items():
        client.force_login(demo[role])
        body = client.get("/").text
        for title in titles:
            assert f">{title}</h2>" in body, (role, title)
    client.force_login(demo["reviewer"])
    assert "Portfolio" not in client.get("/").text


def test_home_never_shows_a_program_the_user_may_not_see(client, demo):
    for role in ROLES:
        user = demo[role]
        hidden = Program.objects.exclude(
            pk__in=restrict(Program.objects.all(), user, "view").values("pk")
        )
        client.force_login(user)
        body = client.get("/").text
        for program in hidden:
            assert program.code not in body, (role, program.code)


def test_portfolio_counts_only_what_leadership_may_see(client, demo):
    client.force_login(demo["leader"])
    body = client.get("/").text
    assert f"{Program.objects.count()} programs by phase and health" in body
    assert "Foreign contributions leveraged by fiscal year and partner" in body
    assert '<svg role="img"' in body and "<table" in body


def test_home_query_count_does_not_grow_with_records(demo, query_budget):
    from core import teams
    from tests.programs.factories import ProgramFactory, with_children

    pm = demo["pm"]
    before = query_budget("/", pm, name="home as pm (demo data)")
    for _ in range(8):
        program = with_children(ProgramFactory(program_manager=pm))
        teams.set_member(program, pm, "lead")
    query_budget.assert_not_grown(before, query_budget("/", pm, name="home as pm (demo data)"))
