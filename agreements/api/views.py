import django_filters as filters
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from agreements import workflow
from agreements.api import serializers
from agreements.filters import AgreementFilterSet
from agreements.models import Agreement, AgreementParticipant, LegalAuthority
from core.api import HistoryMixin, RestrictedModelViewSet, TimelineEntrySerializer, TransitionMixin
from core.filters import PortalFilterSet


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
