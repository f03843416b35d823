from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from briefs import jobs
from briefs.api.serializers import PacketRequestSerializer, PacketSerializer
from briefs.forms import PacketRequestForm
from briefs.models import Packet
from briefs.views import download_response
from core import permissions
from core.api import RestrictedPermission


class PacketViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Briefing packets: ask for one (202, rendered in the background), poll it, download it.

    You see your own packets (Portal Admin sees all); anyone else's answer 404.
    """

    queryset = Packet.objects.select_related("requested_by")
    serializer_class = PacketSerializer
    permission_classes = [RestrictedPermission]
    lookup_value_regex = r"\d+"
    filterset_fields = ["status", "kind"]

    def get_queryset(self):
        return permissions.restrict(self.queryset.all(), self.request.user, "view")

    def _changeable(self):
        packet = self.get_object()
        if not permissions.can(self.request.user, "change", packet):
            raise exceptions.PermissionDenied("You may not change this packet.")
        return packet

    @extend_schema(
        request=PacketRequestSerializer,
        responses={202: PacketSerializer, 503: PacketSerializer},
        summary="Ask for a brief",
    )
    def create(self, request):
        if not permissions.can_add(request.user, Packet):
            raise exceptions.PermissionDenied("Your role cannot ask for briefs.")
        incoming = PacketRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        form = PacketRequestForm(data=dict(incoming.validated_data), user=request.user)
        if not form.is_valid():
            raise exceptions.ValidationError(
                {k: [str(e) for e in v] for k, v in form.errors.items()}
            )
        title, parameters = form.describe()
        packet = jobs.request_packet(request.user, form.cleaned_data["kind"], title, parameters)
        return self._job_response(packet)

    def _job_response(self, packet):
        packet.refresh_from_db()
        data = PacketSerializer(packet, context={"request": self.request}).data
        if packet.status == Packet.Status.FAILED and packet.error == jobs.BROKER_DOWN:
            return Response(data, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return Response(data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={200: PacketSerializer}, summary="Cancel a packet")
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        packet = self._changeable()
        jobs.cancel(packet)
        packet.refresh_from_db()
        return Response(PacketSerializer(packet, context={"request": request}).data)

    @extend_schema(
        request=None,
        responses={202: PacketSerializer, 409: OpenApiResponse(description="Still running")},
        summary="Render a finished packet again",
    )
    @action(detail=True, methods=["post"])
    def rerun(self, request, pk=None):
        packet = self._changeable()
        if not permissions.can_add(packet.requested_by, Packet):
            raise exceptions.PermissionDenied("This packet's requester cannot ask for briefs.")
        with transaction.atomic():
            if not jobs.rerun(packet):
                return Response(
                    {"detail": "Only a finished, failed or cancelled packet can be run again."},
                    status=status.HTTP_409_CONFLICT,
                )
        return self._job_response(packet)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        return download_response(request, self.get_object())

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        packet = self.get_object()
        if not permissions.can(request.user, "delete", packet):
            raise exceptions.PermissionDenied("You may not delete this packet.")
        if packet.is_active:
            return Response(
                {"detail": "Cancel the packet before deleting it."},
                status=status.HTTP_409_CONFLICT,
            )
        packet.delete()  # its PDF goes with it (post_delete)
        return Response(status=status.HTTP_204_NO_CONTENT)
