"""Program test data."""

import datetime
from decimal import Decimal

import factory

from core import rules
from core.models import Country
from programs.models import Funding, Milestone, Participant, Program


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    code = factory.Sequence(lambda n: f"CP-{2000 + n // 1000}-{n % 1000:03d}")
    name = factory.Sequence(lambda n: f"Test program number {n}")
    kind = Program.Kind.RDTE
    phase = Program.Phase.DEVELOPMENT
    health = Program.Health.GREEN
    # Yellow and Red need a reason that says what is wrong (Program.health_problems).
    health_reason = factory.LazyAttribute(
        lambda o: {"yellow": "Partner funding unconfirmed.", "red": "Key test slipped."}.get(
            o.health, ""
        )
    )
    start_date = datetime.date(2025, 1, 1)
    end_date = datetime.date(2029, 12, 31)


def with_children(program, countries=("USA", "GBR")):
    """Give a program two partners (60/40, or 100 for one), funding and a milestone."""
    shares = [Decimal(60), Decimal(40)] if len(countries) > 1 else [Decimal(100)]
    with rules.batch():
        parts = _participants(program, countries, shares)
    Funding.objects.create(
        program=program, fiscal_year=2026, participant=parts[0], amount=Decimal("1000000")
    )
    Milestone.objects.create(
        program=program,
        title=f"{program.code} design review",
        planned_date=datetime.date.today() + datetime.timedelta(days=180),
    )
    return program


def _participants(program, countries, shares):
    return [
        Participant.objects.create(
            program=program,
            country=Country.objects.get(iso3=iso3),
            cost_share=share,
            role="lead" if i == 0 else "partner",
        )
        for i, (iso3, share) in enumerate(zip(countries, shares, strict=False))
    ]
