from django.db.models import Prefetch

from core.api import HistoryMixin, RestrictedModelViewSet
from programs.api import serializers
from programs.filters import ProgramFilterSet
from programs.models import Funding, Milestone, Participant, Program


class ProgramViewSet(HistoryMixin, RestrictedModelViewSet):
    """Cooperative programs, with the same filters as the list page."""

    queryset = Program.objects.select_related("us_lead", "program_manager").prefetch_related(
        Prefetch("participants", queryset=Participant.objects.select_related("country"))
    )
    serializer_class = serializers.ProgramSerializer
    filterset_class = ProgramFilterSet


class ParticipantViewSet(RestrictedModelViewSet):
    """Program partners; visible and editable through their program."""

    queryset = Participant.objects.select_related("country", "program")
    serializer_class = serializers.ParticipantSerializer
    filterset_fields = ["program", "role"]


class FundingViewSet(RestrictedModelViewSet):
    queryset = Funding.objects.select_related("participant", "program")
    serializer_class = serializers.FundingSerializer
    filterset_fields = ["program", "fiscal_year", "participant"]


class MilestoneViewSet(RestrictedModelViewSet):
    queryset = Milestone.objects.select_related("program")
    serializer_class = serializers.MilestoneSerializer
    filterset_fields = ["program"]
