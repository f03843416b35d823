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


def test_contributions_chart_keeps_every_partner_in_its_totals(client, users, db):
    """More partners than the chart has colours: the smallest go together as "Other", so
    each year's bars add up to the total the table prints (they dropped every partner
    after the top 8 while the total counted them)."""
    from decimal import Decimal

    from core.models import Country
    from programs.dashboard import PALETTE, portfolio
    from programs.models import Funding, Participant
    from tests.programs.factories import ProgramFactory, with_children

    program = with_children(ProgramFactory(code="CP-2026-700", name="Many partners"))
    partners = ["AUS", "CAN", "DEU", "FRA", "ITA", "JPN", "NLD", "NOR", "POL", "SWE"]
    for i, iso3 in enumerate(partners, start=1):
        participant = Participant.objects.create(
            program=program, country=Country.objects.get(iso3=iso3), role="partner"
        )
        Funding.objects.create(
            program=program, fiscal_year=2026, participant=participant, amount=Decimal(i * 1000)
        )
    data = portfolio(users["leader"])
    assert len(data["countries"]) == len(PALETTE) and data["countries"][-1] == "Other"
    assert data["countries"][:2] == ["SWE", "POL"]  # the largest first
    for year, values, total in data["funding"]:
        assert sum(values) == total, year
    assert len(data["chart"]["legend"]) == len(PALETTE)
    client.force_login(users["leader"])
    home = client.get("/").text
    assert "/countries/SWE/" in home and "/countries/Other/" not in home  # no link to nowhere
