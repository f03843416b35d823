from rest_framework import serializers

from core import api
from core.api import ModelCleanSerializer, RestrictedRelatedField
from core.models import Organization
from programs.forms import FUNDING_FIELDS, MILESTONE_FIELDS, PARTICIPANT_FIELDS, PROGRAM_FIELDS
from programs.models import Funding, Milestone, Participant, Program


class ProgramSerializer(ModelCleanSerializer):
    us_lead = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), allow_null=True, required=False
    )
    program_manager = api.person_field()
    version = api.version_field()
    partner_countries = serializers.SerializerMethodField()

    class Meta:
        model = Program
        # The trend and review date follow the recorded health (Program.save()); the
        # partners' countries are read from the partners.
        fields = api.api_fields(
            PROGRAM_FIELDS,
            read_only=("health_trend", "health_reviewed_on", "partner_countries"),
            versioned=True,
        )
        read_only_fields = ["created_at", "updated_at"]

    def get_partner_countries(self, program) -> list[str]:
        return [p.country.iso3 for p in program.participants.all()]


class ParticipantSerializer(ModelCleanSerializer):
    program = RestrictedRelatedField(queryset=Program.objects.all())
    country = api.country_field()

    class Meta:
        model = Participant
        fields = api.api_fields(PARTICIPANT_FIELDS, parent="program")


class FundingSerializer(ModelCleanSerializer):
    program = RestrictedRelatedField(queryset=Program.objects.all())
    # Declared like every other link: a plain PrimaryKeyRelatedField offered every
    # participant of every program in the browsable API's form ("Poland in CP-…").
    participant = RestrictedRelatedField(queryset=Participant.objects.all())

    class Meta:
        model = Funding
        fields = api.api_fields(FUNDING_FIELDS, parent="program")


class MilestoneSerializer(ModelCleanSerializer):
    program = RestrictedRelatedField(queryset=Program.objects.all())
    status = serializers.CharField(read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Milestone
        # Both follow from the dates (Milestone.status, .is_overdue).
        fields = api.api_fields(
            MILESTONE_FIELDS, parent="program", read_only=("status", "is_overdue")
        )


class CostShareRow(serializers.Serializer):
    participant = serializers.IntegerField()
    cost_share = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100
    )


class CostSharesSerializer(serializers.Serializer):
    """`POST /api/v1/programs/{id}/cost-shares/`: the new shares of the program's
    participants, applied together; `version` is the program's, as read."""

    version = serializers.IntegerField()
    shares = CostShareRow(many=True, allow_empty=False)

    def validate_shares(self, rows):
        program = self.context["program"]
        by_id = {p.pk: p for p in program.participants.all()}
        unknown = [r["participant"] for r in rows if r["participant"] not in by_id]
        if unknown:
            raise serializers.ValidationError("Participants of this program only.")
        return [
            {"participant": by_id[r["participant"]], "cost_share": r["cost_share"]} for r in rows
        ]
