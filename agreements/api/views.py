import django_filters as filters
from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from agreements import workflow
from agreements.api import serializers
from agreements.filters import AgreementFilterSet
from agreements.models import Agreement, AgreementParticipant, LegalAuthority
from core.api import HistoryMixin, RestrictedModelViewSet
from core.filters import PortalFilterSet
from core.workflow import TransitionRefused


class AgreementViewSet(HistoryMixin, RestrictedModelViewSet):
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

    def perform_create(self, serializer):
        super().perform_create(serializer)
        workflow.record_creation(serializer.instance, self.request.user)

    @extend_schema(
        request=serializers.TransitionRequestSerializer,
        responses={
            200: serializers.AgreementSerializer,
            400: OpenApiResponse(
                serializers.TransitionRefusedSerializer,
                description="The step was refused; nothing changed. `reasons` says why.",
            ),
            404: OpenApiResponse(description="No agreement you may see has this id."),
        },
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Take one lifecycle step (e.g. `{"name": "request_authority", "comment": "…"}`)."""
        # Not get_object(): that demands "change", but approvers decide on what they only see.
        agreement = self.get_queryset().filter(pk=pk).first()
        if agreement is None:
            raise NotFound("No agreement you may see has this id.")
        incoming = serializers.TransitionRequestSerializer(data=request.data)
        if not incoming.is_valid():
            reasons = [f"{k}: {' '.join(map(str, v))}" for k, v in incoming.errors.items()]
            return Response({"reasons": reasons}, status=status.HTTP_400_BAD_REQUEST)
        data = incoming.validated_data
        try:
            workflow.perform(
                agreement,
                request.user,
                data["name"],
                comment=data.get("comment", ""),
                expected_version=data.get("version"),
            )
        except TransitionRefused as refused:
            return Response({"reasons": refused.reasons}, status=status.HTTP_400_BAD_REQUEST)
        agreement = self.get_queryset().get(pk=agreement.pk)
        return Response(self.get_serializer(agreement).data)

    @extend_schema(responses=serializers.TimelineEntrySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def timeline(self, request, pk=None):
        """Every lifecycle step: who, when, from, to, comment; oldest first."""
        agreement = self.get_object()
        entries = workflow.timeline(agreement)
        return Response(serializers.TimelineEntrySerializer(entries, many=True).data)


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
