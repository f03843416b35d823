from django.urls import reverse
from rest_framework import serializers

from briefs.models import Packet
from programs.models import Program


class PacketSerializer(serializers.ModelSerializer):
    """A packet as a job: what was asked, how far it is, and where to get the PDF."""

    # A plain string here: the enum is documented once, on the request (PacketRequest).
    kind = serializers.CharField(read_only=True, help_text="program, country, forum or leadership")
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    duration_seconds = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Packet
        fields = [
            "id",
            "kind",
            "title",
            "parameters",
            "requested_by",
            "status",
            "progress",
            "step",
            "queued_at",
            "started_at",
            "finished_at",
            "duration_seconds",
            "attempts",
            "pages",
            "size",
            "marking",
            "data_as_of",
            "error",
            "url",
            "download_url",
        ]
        read_only_fields = fields

    def get_duration_seconds(self, packet) -> float | None:
        duration = packet.duration
        return round(duration.total_seconds(), 2) if duration is not None else None

    def _absolute(self, path):
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def get_download_url(self, packet) -> str | None:
        if not packet.is_downloadable:
            return None
        return self._absolute(reverse("api-packets-download", args=[packet.pk]))

    def get_url(self, packet) -> str:
        return self._absolute(packet.get_absolute_url())


class PacketRequestSerializer(serializers.Serializer):
    """What to brief. `kind` picks which of the other fields it needs.

    program: `programs` (ids); country: `country` (ISO alpha-3); forum: `forum` (id);
    leadership: `view` (a saved view of programs), or filters (`phase`, `health`,
    `program_kind`, `partner_country`), or `query` (a programs filter such as
    "phase=development&health=red"), or none for every program you may see.
    """

    kind = serializers.ChoiceField(choices=Packet.Kind.choices)
    programs = serializers.ListField(child=serializers.IntegerField(), required=False)
    country = serializers.CharField(required=False, max_length=3)
    forum = serializers.IntegerField(required=False)
    view = serializers.IntegerField(required=False)
    query = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    # The request form's filters (leadership), the same as `query` but named one by one.
    phase = serializers.ListField(
        child=serializers.ChoiceField(choices=Program.Phase.choices), required=False
    )
    health = serializers.ListField(
        child=serializers.ChoiceField(choices=Program.Health.choices), required=False
    )
    program_kind = serializers.ListField(
        child=serializers.ChoiceField(choices=Program.Kind.choices), required=False
    )
    since = serializers.DateField(
        required=False, help_text="leadership: “What changed” covers the time since this date"
    )
    partner_country = serializers.ListField(
        child=serializers.CharField(max_length=3), required=False, help_text="ISO alpha-3 codes"
    )
    without_annex = serializers.BooleanField(
        required=False,
        default=False,
        help_text="leadership: leave out the page per program (the annex)",
    )
