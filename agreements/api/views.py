import django_filters as filters
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from agreements import workflow
from agreements.api import serializers
from agreements.filters import AgreementFilterSet, CoordinationFilterSet
from agreements.models import (
    Agreement,
    AgreementParticipant,
    CoordinatingOffice,
    Coordination,
    LegalAuthority,
    NoAuthorityReason,
)
from agreements.views import may_answer, may_overrule
from core.api import (
    HistoryMixin,
    RestrictedModelViewSet,
    RestrictedPermission,
    TimelineEntrySerializer,
    TransitionMixin,
)
from core.filters import PortalFilterSet
from core.permissions import restrict


class AgreementViewSet(HistoryMixin, TransitionMixin, RestrictedModelViewSet):
    """International agreements, with the same filters as the list page.

    The lifecycle moves only through `POST …/<id>/transition/`; `status` is read-only.
    """

    queryset = Agreement.objects.select_related(
        "legal_authority", "responsible_official", "parent", "amends"
    ).prefetch_related(
        "programs",
        Prefetch("participants", queryset=AgreementParticipant.objects.select_related("country")),
    )
    serializer_class = serializers.AgreementSerializer
    filterset_class = AgreementFilterSet
    workflow = workflow.WORKFLOW
    transition_serializer = serializers.TransitionRequestSerializer

    def perform_create(self, serializer):
        super().perform_create(serializer)
        workflow.record_creation(serializer.instance, self.request.user)

    @extend_schema(responses=TimelineEntrySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def timeline(self, request, pk=None):
        """Every lifecycle step: who, when, from, to, comment; oldest first."""
        agreement = self.get_object()
        entries = workflow.timeline(agreement)
        return Response(TimelineEntrySerializer(entries, many=True).data)


class ParticipantFilterSet(PortalFilterSet):
    agreement = filters.ModelChoiceFilter(queryset=Agreement.objects.all())
    country = filters.CharFilter(field_name="country__iso3", lookup_expr="iexact")

    class Meta:
        model = AgreementParticipant
        fields = []


class ParticipantViewSet(RestrictedModelViewSet):
    """Parties to agreements; visible and editable through their agreement."""

    queryset = AgreementParticipant.objects.select_related("country", "agreement")
    serializer_class = serializers.AgreementParticipantSerializer
    filterset_class = ParticipantFilterSet


class LegalAuthorityViewSet(viewsets.ReadOnlyModelViewSet):
    """Reference list of legal authorities (edited by administrators in the admin site)."""

    queryset = LegalAuthority.objects.all()
    serializer_class = serializers.LegalAuthoritySerializer
    filterset_fields = ["active"]


class CoordinationViewSet(viewsets.ReadOnlyModelViewSet):
    """Coordinating offices' answers on agreements (read), and two actions: an office's
    answer (`POST …/<id>/answer/`, by its people or the agreement's team) and leadership's
    overrule of a non-concurrence (`POST …/<id>/overrule/`). Rows are opened by the
    request steps of the agreement's lifecycle, never created here."""

    permission_classes = [RestrictedPermission]
    lookup_value_regex = r"\d+"
    queryset = Coordination.objects.select_related(
        "agreement", "office", "answered_by", "overruled_by"
    )
    serializer_class = serializers.CoordinationSerializer
    filterset_class = CoordinationFilterSet
    # Whoever sees the row may ask; each action checks who may act (office, team, leadership).
    object_permission_by_action = {"answer": "view", "overrule": "view"}

    def get_queryset(self):
        return restrict(self.queryset.all(), self.request.user, "view")

    def _act(self, request, pk, allowed, incoming, act):
        row = self.get_object()
        if not allowed(request.user, row.agreement, row):
            raise exceptions.PermissionDenied("You may not do this on this coordination.")
        if not incoming.is_valid():
            return Response(incoming.errors, status=status.HTTP_400_BAD_REQUEST)
        try:
            act(row, incoming.validated_data)
        except ValidationError as exc:
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response(self.get_serializer(self.get_queryset().get(pk=row.pk)).data)

    @extend_schema(
        request=serializers.CoordinationAnswerSerializer,
        responses=serializers.CoordinationSerializer,
    )
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        """Record or change the office's answer (concur, concur_comment, non_concur)."""
        return self._act(
            request,
            pk,
            may_answer,
            serializers.CoordinationAnswerSerializer(data=request.data),
            lambda row, data: workflow.record_answer(
                row, request.user, data["answer"], data["comment"]
            ),
        )

    @extend_schema(
        request=serializers.CoordinationOverruleSerializer,
        responses=serializers.CoordinationSerializer,
    )
    @action(detail=True, methods=["post"])
    def overrule(self, request, pk=None):
        """Overrule the office's non-concurrence (approving officials), with a reason."""
        return self._act(
            request,
            pk,
            may_overrule,
            serializers.CoordinationOverruleSerializer(data=request.data),
            lambda row, data: row.overrule(request.user, data["reason"]),
        )


class NoAuthorityReasonViewSet(viewsets.ReadOnlyModelViewSet):
    """Reasons an agreement needs no Circular 175 authority (reference data, admin-edited)."""

    queryset = NoAuthorityReason.objects.all()
    serializer_class = serializers.NoAuthorityReasonSerializer
    filterset_fields = ["active"]


class CoordinatingOfficeViewSet(viewsets.ReadOnlyModelViewSet):
    """Offices asked to coordinate on agreements (reference data, admin-edited)."""

    queryset = CoordinatingOffice.objects.all()
    serializer_class = serializers.CoordinatingOfficeSerializer
    filterset_fields = ["active", "asked_by_default"]
