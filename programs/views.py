"""Program pages: each a few declarative lines on core's generic views."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Prefetch

from core import generic_views as generic
from programs.filters import ProgramFilterSet
from programs.forms import (
    FundingFormSet,
    MilestoneFormSet,
    ParticipantFormSet,
    ProgramBulkEditForm,
    ProgramForm,
    ProgramImportForm,
)
from programs.models import Funding, Participant, Program
from programs.tables import ProgramTable

# The list never shows the long texts: leave them in the database.
LIST_QUERYSET = (
    Program.objects.select_related("us_lead", "program_manager")
    .defer(*Program.LONG_TEXTS)
    .prefetch_related(
        Prefetch(
            "participants",
            queryset=Participant.objects.select_related("country").only(
                "id", "program_id", "country__iso3"
            ),
        )
    )
)


class ProgramListView(generic.ObjectListView):
    queryset = LIST_QUERYSET
    filterset_class = ProgramFilterSet
    table_class = ProgramTable


class ProgramDetailView(generic.ObjectDetailView):
    queryset = Program.objects.select_related("us_lead", "program_manager")
    template_name = "programs/program_detail.html"

    def extra_context(self, request, program):
        participants = list(program.participants.select_related("country", "organization"))
        funding = list(
            Funding.objects.filter(program=program).select_related("participant__country")
        )
        years = sorted({f.fiscal_year for f in funding})
        grid = defaultdict(lambda: defaultdict(Decimal))
        for f in funding:
            grid[f.participant_id][f.fiscal_year] += f.amount
        funding_rows = [
            (p, [grid[p.pk].get(y) for y in years], sum(grid[p.pk].values(), Decimal(0)))
            for p in participants
            if p.pk in grid
        ]
        year_totals = [sum((grid[p][y] for p in grid), Decimal(0)) for y in years]
        return {
            "participants": participants,
            "share_total": sum((p.cost_share for p in participants), Decimal(0)),
            "contribution_total": sum(
                (p.financial_contribution + p.in_kind_contribution for p in participants),
                Decimal(0),
            ),
            "funding_years": years,
            "funding_rows": funding_rows,
            "funding_year_totals": year_totals,
            "funding_total": sum(year_totals, Decimal(0)),
            "currencies": sorted({f.currency for f in funding}),
            "milestones": list(program.milestones.all()),
        }


class ProgramEditView(generic.ObjectEditView):
    queryset = Program.objects.all()
    form_class = ProgramForm


class ProgramImportView(generic.BulkImportView):
    model = Program
    form_class = ProgramImportForm


class ProgramBulkEditView(generic.BulkEditView):
    queryset = Program.objects.all()
    form_class = ProgramBulkEditForm


class ProgramChildrenView(generic.ChildFormsetView):
    """Edit one kind of a program's children as a single all-or-nothing form."""

    parent_queryset = Program.objects.all()


class ParticipantsView(ProgramChildrenView):
    formset_class = ParticipantFormSet
    title = "Partners"


class FundingView(ProgramChildrenView):
    formset_class = FundingFormSet
    title = "Funding"


class MilestonesView(ProgramChildrenView):
    formset_class = MilestoneFormSet
    title = "Milestones"
