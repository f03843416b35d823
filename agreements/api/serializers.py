from rest_framework import serializers

from agreements import workflow
from agreements.forms import AGREEMENT_FIELDS, PARTICIPANT_FIELDS, SIGNATORY_FIELDS
from agreements.models import (
    Agreement,
    AgreementParticipant,
    CoordinatingOffice,
    Coordination,
    LegalAuthority,
    NoAuthorityReason,
)
from core import api, permissions
from core.api import ModelCleanSerializer, RestrictedRelatedField
from core.models import Organization
from programs.models import Program


class LegalAuthoritySerializer(serializers.ModelSerializer):
    class Meta:
        model = LegalAuthority
        fields = ["id", "name", "citation", "description", "active"]


class NoAuthorityReasonSerializer(serializers.ModelSerializer):
    class Meta:
        model = NoAuthorityReason
        fields = ["id", "name", "description", "active"]


class CoordinatingOfficeSerializer(serializers.ModelSerializer):
    class Meta:
        model = CoordinatingOffice
        fields = ["id", "name", "short_name", "asked_by_default", "days_to_answer", "active"]


class AgreementParticipantSerializer(ModelCleanSerializer):
    agreement = RestrictedRelatedField(queryset=Agreement.objects.all())
    country = api.country_field()
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = AgreementParticipant
        fields = api.api_fields((*PARTICIPANT_FIELDS, *SIGNATORY_FIELDS), parent="agreement")


class AgreementParticipantSummarySerializer(serializers.ModelSerializer):
    country = api.country_field(read_only=True)

    class Meta:
        model = AgreementParticipant
        fields = [
            "id",
            "country",
            "organization",
            "signatory_name",
            "signatory_title",
            "signed_on",
            "financial_contribution",
            "in_kind_contribution",
        ]


class AgreementSerializer(ModelCleanSerializer):
    """Links to records the user may not see are neither shown nor removable by them."""

    legal_authority = serializers.PrimaryKeyRelatedField(
        queryset=LegalAuthority.objects.all(), allow_null=True, required=False
    )
    parent = RestrictedRelatedField(
        queryset=Agreement.objects.all(), allow_null=True, required=False
    )
    amends = RestrictedRelatedField(
        queryset=Agreement.objects.all(), allow_null=True, required=False
    )
    programs = RestrictedRelatedField(queryset=Program.objects.all(), many=True, required=False)
    responsible_official = api.person_field()
    version = api.version_field()
    participants = AgreementParticipantSummarySerializer(many=True, read_only=True)
    reporting_status = serializers.CharField(read_only=True)
    reporting_deadline = serializers.DateField(read_only=True, allow_null=True)
    reporting_days_left = serializers.IntegerField(read_only=True, allow_null=True)
    available_transitions = serializers.SerializerMethodField(
        help_text="The lifecycle steps you may take now (names for the transition action); "
        "null in lists."
    )

    class Meta:
        model = Agreement
        # The status moves only through the workflow (POST …/transition/); the reporting
        # columns follow from the dates; participants are written through their own API.
        fields = api.api_fields(
            AGREEMENT_FIELDS,
            read_only=(
                "status",
                "reporting_status",
                "reporting_deadline",
                "reporting_days_left",
                "participants",
                "available_transitions",
            ),
            versioned=True,
        )
        read_only_fields = ["status", "created_at", "updated_at"]

    def _user(self):
        request = self.context.get("request")
        return getattr(request, "user", None)

    def get_available_transitions(self, agreement) -> list[str] | None:
        view = self.context.get("view")
        user = self._user()
        if user is None or getattr(view, "action", None) == "list":
            return None  # per-record checks: only on single-agreement responses
        return [t.name for t in workflow.available(agreement, user)]

    def _visible_ids(self, model):
        """Ids of `model` the user may see, read once per response."""
        cache = self.context.setdefault("_visible_ids", {})
        if model not in cache:
            queryset = permissions.restrict(model.objects.all(), self._user(), "view")
            cache[model] = set(queryset.values_list("pk", flat=True))
        return cache[model]

    def to_representation(self, agreement):
        data = super().to_representation(agreement)
        data["programs"] = sorted(set(data["programs"]) & self._visible_ids(Program))
        for name in ("parent", "amends"):
            if data[name] is not None and data[name] not in self._visible_ids(Agreement):
                data[name] = None
        return data

    def validate(self, attrs):
        programs = attrs.pop("programs", None)
        instance = self.instance
        if instance is not None:
            for name in ("parent", "amends"):
                current = getattr(instance, name)
                if current is not None and not permissions.can(self._user(), "view", current):
                    attrs.pop(name, None)  # a link the user cannot see stays as it is
        attrs = super().validate(attrs)
        if programs is not None:
            attrs["programs"] = programs
        return attrs

    def update(self, instance, validated_data):
        programs = validated_data.get("programs")
        if programs is not None:
            shown = permissions.restrict(Program.objects.all(), self._user(), "view")
            hidden = list(instance.programs.exclude(pk__in=shown.values("pk")))
            validated_data["programs"] = list(programs) + hidden
        return super().update(instance, validated_data)


class TransitionRequestSerializer(serializers.Serializer):
    name = serializers.ChoiceField(
        choices=[(t.name, t.label) for t in workflow.TRANSITIONS],
        help_text="The lifecycle step to take (see available_transitions).",
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    version = serializers.IntegerField(
        required=False, help_text="The version you read; if it is stale the step is refused."
    )


class CoordinationSerializer(serializers.ModelSerializer):
    """One office's coordination on one request; the answer in words follows the silence
    rule at read time (`state`, `state_text`)."""

    office = serializers.StringRelatedField()
    office_id = serializers.IntegerField(read_only=True)
    answered_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    overruled_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    state = serializers.CharField(read_only=True)
    state_text = serializers.CharField(read_only=True)

    class Meta:
        model = Coordination
        fields = [
            "id",
            "agreement",
            "stage",
            "office",
            "office_id",
            "current",
            "requested_on",
            "due_on",
            "answer",
            "comment",
            "answered_on",
            "answered_by",
            "silence_recorded_on",
            "overruled_on",
            "overruled_by",
            "overrule_reason",
            "state",
            "state_text",
        ]
        read_only_fields = fields


class CoordinationAnswerSerializer(serializers.Serializer):
    answer = serializers.ChoiceField(choices=Coordination.Answer.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class CoordinationOverruleSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=4000)
