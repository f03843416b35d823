from django.contrib.auth import get_user_model
from rest_framework import serializers

from agreements import workflow
from agreements.models import Agreement, AgreementParticipant, LegalAuthority
from core import permissions
from core.api import ModelCleanSerializer, RestrictedRelatedField
from core.models import Country, Organization, TransitionLog
from programs.models import Program


class LegalAuthoritySerializer(serializers.ModelSerializer):
    class Meta:
        model = LegalAuthority
        fields = ["id", "name", "citation", "description", "active"]


class AgreementParticipantSerializer(ModelCleanSerializer):
    agreement = RestrictedRelatedField(queryset=Agreement.objects.all())
    country = serializers.SlugRelatedField(slug_field="iso3", queryset=Country.objects.all())
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = AgreementParticipant
        fields = [
            "id",
            "agreement",
            "country",
            "organization",
            "signatory_name",
            "signatory_title",
            "signed_on",
            "financial_contribution",
            "in_kind_contribution",
            "in_kind_description",
        ]


class AgreementParticipantSummarySerializer(serializers.ModelSerializer):
    country = serializers.SlugRelatedField(slug_field="iso3", read_only=True)

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
    responsible_official = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.filter(is_active=True),
        allow_null=True,
        required=False,
    )
    version = serializers.IntegerField(
        required=False, help_text="The version you read; a stale one gets 409 (or use If-Match)."
    )
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
        fields = [
            "id",
            "number",
            "title",
            "kind",
            "status",
            "summary",
            "legal_authority",
            "parent",
            "amends",
            "programs",
            "highest_classification",
            "responsible_official",
            "signed_on",
            "entry_into_force_on",
            "expiration_date",
            "reporting_required",
            "reported_on",
            "reporting_status",
            "reporting_deadline",
            "reporting_days_left",
            "participants",
            "available_transitions",
            "classification",
            "cui_category",
            "dissemination",
            "rel_to",
            "version",
            "created_at",
            "updated_at",
        ]
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


class TransitionRefusedSerializer(serializers.Serializer):
    reasons = serializers.ListField(child=serializers.CharField())


class TimelineEntrySerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Username; null for a step the portal took by itself.",
    )

    class Meta:
        model = TransitionLog
        fields = ["id", "at", "name", "source", "target", "user", "comment"]
