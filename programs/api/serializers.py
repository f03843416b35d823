from django.contrib.auth import get_user_model
from rest_framework import serializers

from core.api import ModelCleanSerializer, RestrictedRelatedField
from core.models import Country, Organization
from programs.models import Funding, Milestone, Participant, Program


class ProgramSerializer(ModelCleanSerializer):
    us_lead = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), allow_null=True, required=False
    )
    program_manager = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.filter(is_active=True),
        allow_null=True,
        required=False,
    )
    version = serializers.IntegerField(
        required=False, help_text="The version you read; a stale one gets 409 (or use If-Match)."
    )
    partner_countries = serializers.SerializerMethodField()

    class Meta:
        model = Program
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "phase",
            "us_lead",
            "program_manager",
            "summary",
            "objectives",
            "benefit_operational",
            "benefit_economic",
            "benefit_technical",
            "benefit_political",
            "benefit_industrial",
            "health",
            "health_trend",
            "health_reason",
            "health_override_reason",
            "health_reviewed_on",
            "start_date",
            "end_date",
            "cpi_identified",
            "cpi_identified_on",
            "anti_tamper_required",
            "export_differential_capability",
            "export_anti_tamper",
            "export_variant",
            "protection_plan_status",
            "protection_plan_date",
            "classification",
            "cui_category",
            "dissemination",
            "rel_to",
            "partner_countries",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def get_partner_countries(self, program) -> list[str]:
        return [p.country.iso3 for p in program.participants.all()]


class ParticipantSerializer(ModelCleanSerializer):
    program = RestrictedRelatedField(queryset=Program.objects.all())
    country = serializers.SlugRelatedField(slug_field="iso3", queryset=Country.objects.all())

    class Meta:
        model = Participant
        fields = [
            "id",
            "program",
            "country",
            "organization",
            "role",
            "cost_share",
            "financial_contribution",
            "in_kind_contribution",
            "in_kind_description",
        ]


class FundingSerializer(ModelCleanSerializer):
    program = RestrictedRelatedField(queryset=Program.objects.all())
    # Declared like every other link: a plain PrimaryKeyRelatedField offered every
    # participant of every program in the browsable API's form ("Poland in CP-…").
    participant = RestrictedRelatedField(queryset=Participant.objects.all())

    class Meta:
        model = Funding
        fields = ["id", "program", "fiscal_year", "participant", "amount", "currency"]


class MilestoneSerializer(ModelCleanSerializer):
    program = RestrictedRelatedField(queryset=Program.objects.all())
    status = serializers.CharField(read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Milestone
        fields = [
            "id",
            "program",
            "title",
            "planned_date",
            "forecast_date",
            "actual_date",
            "status",
            "is_overdue",
        ]


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
