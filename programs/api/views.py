from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from core import rules
from core.api import Conflict, HistoryMixin, RestrictedModelViewSet
from core.audit import ConcurrentEditError
from core.generic_views import touch_parent
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

    @extend_schema(
        request=serializers.CostSharesSerializer,
        responses={200: serializers.ParticipantSerializer(many=True)},
    )
    @action(detail=True, methods=["post"], url_path="cost-shares")
    def cost_shares(self, request, pk=None):
        """Set several participants' cost shares at once: the shares must add up to 100%
        after the change (one participant at a time could never get from 50/50 to 60/40)."""
        program = self.get_object()  # "change" on the program, else 403/404
        body = serializers.CostSharesSerializer(data=request.data, context={"program": program})
        body.is_valid(raise_exception=True)
        try:
            with rules.batch():
                touch_parent(program, body.validated_data["version"])
                for row in body.validated_data["shares"]:
                    participant = row["participant"]
                    participant.cost_share = row["cost_share"]
                    participant.save()
        except ConcurrentEditError as exc:
            raise Conflict(str(exc)) from None
        rows = program.participants.select_related("country")
        return Response(serializers.ParticipantSerializer(rows, many=True).data)


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
