"""TSFD API: requests and reviews, with the workflow as actions. All through core.permissions."""

from django.db import transaction
from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from core import permissions
from core.api import (
    Conflict,
    HistoryMixin,
    RestrictedModelViewSet,
    RestrictedPermission,
    TransitionMixin,
)
from core.audit import ConcurrentEditError
from core.workflow import TransitionRefused
from tsfd import workflow
from tsfd.api import serializers
from tsfd.filters import (
    DelegationLetterFilterSet,
    DisclosureRequestFilterSet,
    NdpLevelFilterSet,
    ReleaseFilterSet,
    ReviewFilterSet,
)
from tsfd.models import (
    DelegationLetter,
    DisclosureRequest,
    NdpLevel,
    Release,
    Review,
    ReviewArea,
    StandardProviso,
)

REFUSED = OpenApiResponse(
    serializers.DisclosureRefusedSerializer,
    description="The step was refused; nothing changed. `reasons` says why.",
)
NOT_FOUND = OpenApiResponse(description="No request you may see has this id.")


def refused(reasons):
    return Response({"reasons": list(reasons)}, status=status.HTTP_400_BAD_REQUEST)


def invalid(incoming):
    return refused(f"{k}: {' '.join(map(str, v))}" for k, v in incoming.errors.items())


class DisclosureRequestViewSet(HistoryMixin, TransitionMixin, RestrictedModelViewSet):
    """Disclosure requests, with the same filters as the list page.

    The lifecycle moves only through the actions (`transition`, `assign`, `decide`);
    `status` and the decision are read-only. A decided or withdrawn case is never
    changed (409); only a draft can be deleted.
    """

    queryset = DisclosureRequest.objects.select_related(
        "requested_by", "decided_by", "recipient_country"
    ).prefetch_related(
        Prefetch(
            "reviews",
            queryset=Review.objects.select_related("area", "reviewer", "assigned_by", "request"),
        ),
        "provisos",
        "provisos__standard",
    )
    serializer_class = serializers.DisclosureRequestSerializer
    filterset_class = DisclosureRequestFilterSet
    team_on_create = False
    refusal_actions = ("transition", "decide", "assign")  # 400: {"reasons": [...]}
    workflow = workflow.WORKFLOW
    transition_serializer = serializers.DisclosureStepSerializer

    def get_queryset(self):
        return DisclosureRequest.with_ndp_level(super().get_queryset())

    def _case(self, pk):
        # Not get_object(): that demands "change"; approvers and reviewers act on what they see.
        case = self.get_queryset().filter(pk=pk).first()
        if case is None:
            raise NotFound("No request you may see has this id.")
        return case

    def _fresh(self, case):
        return Response(self.get_serializer(self.get_queryset().get(pk=case.pk)).data)

    def perform_create(self, serializer):
        serializer.validated_data["requested_by"] = self.request.user
        super().perform_create(serializer)

    def perform_update(self, serializer):
        case = serializer.instance
        if not case.is_editable:
            raise Conflict(
                f"{case.number} is {case.get_status_display().lower()}: "
                + (
                    "a decision is final and never edited."
                    if case.is_closed
                    else "its content changes only while it is a draft or returned to you."
                )
            )
        super().perform_update(serializer)

    def perform_destroy(self, instance):
        if instance.status != DisclosureRequest.Status.DRAFT:
            raise Conflict("Only a draft can be deleted; withdraw a submitted request.")
        super().perform_destroy(instance)

    @extend_schema(
        request=serializers.DisclosureDecisionSerializer,
        responses={200: serializers.DisclosureRequestSerializer, 400: REFUSED, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """Decide a case awaiting decision. Final: the case is never edited afterwards."""
        case = self._case(pk)
        incoming = serializers.DisclosureDecisionSerializer(
            data=request.data, context={"request": request}
        )
        if not incoming.is_valid():
            return invalid(incoming)
        data = incoming.validated_data
        try:
            workflow.decide(
                case,
                request.user,
                data["decision"],
                data["rationale"],
                provisos=data["provisos"],
                scope=data["scope"],
                version=data.get("version"),
                valid_until=data.get("valid_until"),
                limit=data.get("limit") or "",
                standard_provisos=data.get("standard_provisos") or [],
                ddl=data.get("ddl"),
            )
        except TransitionRefused as exc:
            return refused(exc.reasons)
        except ConcurrentEditError as exc:
            raise Conflict(str(exc)) from None
        return self._fresh(case)

    @extend_schema(
        request=serializers.ReviewAssignmentSerializer,
        responses={200: serializers.DisclosureRequestSerializer, 400: REFUSED, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Intake: put a review area on the case and name its reviewer (or `remove` it)."""
        case = self._case(pk)
        incoming = serializers.ReviewAssignmentSerializer(data=request.data)
        if not incoming.is_valid():
            return invalid(incoming)
        data = incoming.validated_data
        try:
            with transaction.atomic():
                if data["remove"]:
                    workflow.unassign(case, request.user, data["area"])
                else:
                    workflow.assign(case, request.user, data["area"], data.get("reviewer"))
        except TransitionRefused as exc:
            return refused(exc.reasons)
        return self._fresh(case)

    @extend_schema(responses=serializers.DisclosureTimelineEntrySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def timeline(self, request, pk=None):
        """Every lifecycle step: who, when, from, to, comment; oldest first."""
        case = self._case(pk)
        return Response(
            serializers.DisclosureTimelineEntrySerializer(workflow.timeline(case), many=True).data
        )


class ReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Reviews of the requests you may see. The assigned reviewer records one with `record`."""

    queryset = Review.objects.select_related("area", "reviewer", "assigned_by", "request")
    serializer_class = serializers.ReviewSerializer
    filterset_class = ReviewFilterSet
    permission_classes = [RestrictedPermission]
    lookup_value_regex = r"\d+"
    refusal_actions = ("record",)  # its 400 is always {"reasons": [...]}

    def get_queryset(self):
        return permissions.restrict(self.queryset.all(), self.request.user, "view")

    @extend_schema(
        request=serializers.ReviewRecordSerializer,
        responses={200: serializers.ReviewSerializer, 400: REFUSED, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        """Record your recommendation (concur, concur with comment, non-concur)."""
        review = self.get_queryset().filter(pk=pk).first()
        if review is None:
            raise NotFound("No review you may see has this id.")
        incoming = serializers.ReviewRecordSerializer(data=request.data)
        if not incoming.is_valid():
            return invalid(incoming)
        data = incoming.validated_data
        try:
            workflow.record_review(review, request.user, data["recommendation"], data["comments"])
        except TransitionRefused as exc:
            return refused(exc.reasons)
        return Response(self.get_serializer(self.get_queryset().get(pk=review.pk)).data)


class ReviewAreaViewSet(viewsets.ReadOnlyModelViewSet):
    """Reference list of review areas and their target turnaround (edited in the admin site)."""

    queryset = ReviewArea.objects.all()
    serializer_class = serializers.ReviewAreaSerializer
    filterset_fields = ["active"]


class ReleaseViewSet(HistoryMixin, RestrictedModelViewSet):
    """The release log: what was released under which decision, when, to whom, by which
    foreign disclosure officer. Recorded once (POST), never changed or deleted."""

    queryset = Release.objects.select_related(
        "request", "request__recipient_country", "recipient_country", "released_by"
    )
    serializer_class = serializers.ReleaseSerializer
    filterset_class = ReleaseFilterSet
    http_method_names = ["get", "post", "head", "options"]

    def perform_create(self, serializer):
        if not self.request.user.has_perm("tsfd.decide_disclosurerequest"):
            raise PermissionDenied("Only a foreign disclosure officer records a release.")
        serializer.validated_data["released_by"] = self.request.user
        super().perform_create(serializer)


class DelegationLetterViewSet(HistoryMixin, RestrictedModelViewSet):
    """The DDL library. The letter itself is a document of kind "ddl" on the record."""

    queryset = DelegationLetter.objects.select_related("program").prefetch_related("countries")
    serializer_class = serializers.DelegationLetterSerializer
    filterset_class = DelegationLetterFilterSet
    team_on_create = False


class NdpLevelViewSet(viewsets.ReadOnlyModelViewSet):
    """National Disclosure Policy levels (reference data, edited in the admin site)."""

    queryset = NdpLevel.objects.select_related("country", "category")
    serializer_class = serializers.NdpLevelSerializer
    filterset_class = NdpLevelFilterSet
    permission_classes = [RestrictedPermission]

    def get_queryset(self):
        return permissions.restrict(self.queryset.all(), self.request.user, "view")


class StandardProvisoViewSet(viewsets.ReadOnlyModelViewSet):
    """The standard proviso library (reference data, edited in the admin site)."""

    queryset = StandardProviso.objects.all()
    serializer_class = serializers.StandardProvisoSerializer
    filterset_fields = ["active"]
