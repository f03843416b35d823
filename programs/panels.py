"""The programs shown on other records' pages: a country's participations."""

from core.permissions import restrict
from programs.models import Participant


def country_programs(country, user):
    """The country's participations in programs the user may see, by program code."""
    participations = list(
        restrict(Participant.objects.filter(country=country), user, "view")
        .select_related("program", "organization")
        .order_by("program__code")
    )
    return {
        "participations": participations,
        "marking_records": [p.program for p in participations],
    }
