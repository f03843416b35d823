"""Demo programs: about 25 fictional cooperative programs with real allied partners."""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from core import rules, teams
from core.models import Country, Organization
from programs.models import Funding, Milestone, Participant, Program

# code, name, kind, phase, health, trend, partners [(iso3, share)], pm?, staff?
PROGRAMS = [
    (
        "CP-2021-003",
        "Coalition Maritime Sensor Fusion",
        "rdte",
        "development",
        "green",
        [("USA", 40), ("GBR", 30), ("AUS", 30)],
    ),
    (
        "CP-2020-011",
        "Hypersonic Materials Testbed",
        "rdte",
        "development",
        "yellow",
        [("USA", 60), ("JPN", 40)],
    ),
    (
        "CP-2019-007",
        "Allied Tactical Datalink Modernisation",
        "production",
        "production",
        "green",
        [("USA", 35), ("GBR", 20), ("DEU", 15), ("ITA", 15), ("NLD", 15)],
    ),
    (
        "CP-2022-014",
        "Next Generation Rotorcraft Drivetrain",
        "rdte",
        "concept",
        "green",
        [("USA", 50), ("CAN", 25), ("NOR", 25)],
    ),
    (
        "CP-2018-002",
        "Counter-UAS Interoperability",
        "info_exchange",
        "sustainment",
        "green",
        [("USA", 50), ("POL", 25), ("SWE", 25)],
    ),
    (
        "CP-2023-021",
        "Undersea Autonomy Sustainment",
        "sustainment",
        "sustainment",
        "yellow",
        [("USA", 55), ("AUS", 45)],
    ),
    (
        "CP-2024-005",
        "Space Domain Awareness Sensors",
        "rdte",
        "proposed",
        "green",
        [("USA", 70), ("JPN", 30)],
    ),
    (
        "CP-2017-009",
        "Armoured Vehicle Active Protection",
        "fct",
        "production",
        "red",
        [("USA", 100)],
    ),
    (
        "CP-2022-030",
        "Directed Energy Beam Control",
        "rdte",
        "development",
        "red",
        [("USA", 50), ("GBR", 50)],
    ),
    (
        "CP-2021-017",
        "Engineer Exchange — Propulsion",
        "esep",
        "sustainment",
        "green",
        [("USA", 50), ("FRA", 50)],
    ),
    (
        "CP-2020-024",
        "Joint Precision Munition Production",
        "production",
        "production",
        "yellow",
        [("USA", 45), ("NOR", 30), ("AUS", 25)],
    ),
    (
        "CP-2025-002",
        "Quantum Navigation Demonstrator",
        "rdte",
        "concept",
        "green",
        [("USA", 60), ("CAN", 40)],
    ),
    (
        "CP-2016-004",
        "Airborne Early Warning Follow-on",
        "sustainment",
        "sustainment",
        "green",
        [("USA", 40), ("JPN", 30), ("KOR", 30)],
    ),
    (
        "CP-2019-019",
        "Cold Weather Logistics Study",
        "info_exchange",
        "closed",
        "green",
        [("USA", 50), ("NOR", 25), ("SWE", 25)],
    ),
    (
        "CP-2023-008",
        "Missile Defence Radar Components",
        "production",
        "development",
        "yellow",
        [("USA", 60), ("ISR", 40)],
    ),
    (
        "CP-2024-016",
        "Battlefield Medical Evacuation Drone",
        "rdte",
        "proposed",
        "green",
        [("USA", 50), ("NLD", 50)],
    ),
    (
        "CP-2022-011",
        "Cyber Range Federation",
        "info_exchange",
        "development",
        "green",
        [("USA", 40), ("GBR", 20), ("CAN", 20), ("AUS", 10), ("NZL", 10)],
    ),
    (
        "CP-2018-013",
        "Maritime Patrol Aircraft Sustainment",
        "sustainment",
        "sustainment",
        "yellow",
        [("USA", 50), ("AUS", 30), ("NZL", 20)],
    ),
    (
        "CP-2021-028",
        "Soldier Power Systems",
        "rdte",
        "development",
        "green",
        [("USA", 70), ("DEU", 30)],
    ),
    (
        "CP-2020-006",
        "Comparative Test: Lightweight Mortar",
        "fct",
        "closed",
        "green",
        [("USA", 100)],
    ),
    (
        "CP-2023-019",
        "Electronic Warfare Pod Upgrade",
        "production",
        "development",
        "red",
        [("USA", 55), ("ITA", 45)],
    ),
    (
        "CP-2025-010",
        "Arctic Communications Relay",
        "rdte",
        "concept",
        "yellow",
        [("USA", 40), ("CAN", 30), ("NOR", 30)],
    ),
    (
        "CP-2019-026",
        "Scientist Exchange — Materials",
        "esep",
        "sustainment",
        "green",
        [("USA", 50), ("KOR", 50)],
    ),
    (
        "CP-2024-023",
        "Secure Satellite Terminal",
        "rdte",
        "development",
        "green",
        [("USA", 50), ("FRA", 25), ("ITA", 25)],
    ),
    (
        "CP-2022-002",
        "Combat Vehicle Power Pack",
        "production",
        "production",
        "green",
        [("USA", 60), ("POL", 40)],
    ),
]

US_LEADS = ["OIC", "JASD", "NWA"]


def seed(context):
    users = context["users"]
    orgs = context["organizations"]
    countries = {
        c.iso3: c
        for c in Country.objects.filter(
            iso3__in={iso for *_, partners in PROGRAMS for iso, _ in partners}
        )
    }
    partner_org = {
        o.country.iso3: o
        for o in Organization.objects.select_related("country").exclude(country__iso3="USA")
    }
    today = date(2026, 11, 25)
    programs = []
    for index, (code, name, kind, phase, health, partners) in enumerate(PROGRAMS):
        start = date(int(code[3:7]), 1 + index % 12, 1)
        program, created = Program.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "phase": phase,
                "health": health,
                "health_trend": ["steady", "improving", "declining"][index % 3],
                "health_reason": {
                    "green": "On cost and schedule.",
                    "yellow": "Partner funding for next fiscal year not yet confirmed.",
                    "red": "Critical test slipped two quarters; rebaseline in work.",
                }[health],
                "us_lead": orgs[US_LEADS[index % 3]],
                "program_manager": users["pm"] if index % 2 == 0 else None,
                "summary": f"{name} is a fictional cooperative effort to develop and field "
                f"shared capability with {len(partners) - 1 or 'no'} partner nation(s).",
                "objectives": "Share development cost; field an interoperable capability; "
                "strengthen the allied industrial base.",
                "benefit_operational": "Interoperable capability across the coalition.",
                "benefit_economic": "Development cost shared among the participants."
                if len(partners) > 1
                else "",
                "benefit_technical": "Access to partner test ranges and expertise."
                if index % 3 == 0
                else "",
                "benefit_political": "Deepens the bilateral defence relationship."
                if index % 4 == 0
                else "",
                "start_date": start,
                "end_date": start + timedelta(days=365 * (4 + index % 5)),
                "cpi_identified": index % 3 != 2,
                "cpi_identified_on": start + timedelta(days=90) if index % 3 != 2 else None,
                "anti_tamper_required": index % 4 == 1,
                "export_differential_capability": index % 5 == 0,
                "export_anti_tamper": index % 4 == 1,
                "export_variant": index % 6 == 0,
                "protection_plan_status": ["approved", "in_review", "drafting", "not_started"][
                    index % 4
                ],
                "classification": "CUI" if index % 5 else "U",
                "cui_category": "CTI" if index % 5 else "",
                # Dissemination controls apply to CUI only (core.markings).
                "dissemination": "NOFORN" if index % 7 == 3 and index % 5 else "",
            },
        )
        programs.append(program)
        if not created:
            continue
        with rules.batch():  # the shares add up to 100% once all are in
            participants = []
            for i, (iso3, share) in enumerate(partners):
                participants.append(
                    Participant.objects.create(
                        program=program,
                        country=countries[iso3],
                        organization=orgs["OIC"] if iso3 == "USA" else partner_org.get(iso3),
                        role="lead" if i == 0 else "partner",
                        cost_share=Decimal(share),
                        financial_contribution=Decimal(share) * Decimal("250000"),
                        in_kind_contribution=Decimal(share) * Decimal("40000") if i else Decimal(0),
                        in_kind_description="Test range time" if i else "",
                    )
                )
        for year in range(max(start.year, 2023), 2028):
            for p in participants:
                Funding.objects.create(
                    program=program,
                    fiscal_year=year,
                    participant=p,
                    amount=p.cost_share * Decimal("120000"),
                )
        milestones = []
        for j, title in enumerate(
            [
                "Program agreement signed",
                "Preliminary design review",
                "Critical design review",
                "First prototype test",
                "Production decision",
            ]
        ):
            planned = start + timedelta(days=240 * (j + 1))
            done = planned < today - timedelta(days=60) and (index + j) % 4 != 0
            milestones.append(
                Milestone(
                    program=program,
                    title=title,
                    planned_date=planned,
                    forecast_date=planned + timedelta(days=45) if (index + j) % 5 == 0 else None,
                    actual_date=planned + timedelta(days=10) if done else None,
                )
            )
        # Green with a milestone late by more than HEALTH_OVERDUE_DAYS needs the reason it
        # stands (Program.health_problems), given before such a milestone is recorded.
        limit = timezone.localdate() - timedelta(days=settings.HEALTH_OVERDUE_DAYS)
        late = [m for m in milestones if not m.actual_date and m.due_date < limit]
        if program.health == Program.Health.GREEN and late:
            program.health_override_reason = "Slip absorbed by schedule margin; end date holds."
            program.save()
        for milestone in milestones:
            milestone.save()
        # Teams: each demo user sees a different slice.
        if index % 2 == 0:
            teams.set_member(program, users["pm"], "lead")
        if index % 3 == 0:
            teams.set_member(program, users["staff"], "editor")
        if index % 5 == 0:
            teams.set_member(program, users["requester"], "viewer")
    context["programs"] = programs
