"""TSFD API serializers: requests, reviews, and the workflow actions' bodies."""

from rest_framework import serializers

from core import api
from core.api import ModelCleanSerializer, RestrictedRelatedField
from core.markings import Classification
from core.models import Country
from tsfd.forms import DDL_FIELDS, RELEASE_FIELDS, REQUEST_FIELDS
from tsfd.models import (
    DelegationLetter,
    DisclosureRequest,
    NdpLevel,
    Proviso,
    Release,
    Review,
    ReviewArea,
    StandardProviso,
)


class ReviewAreaSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReviewArea
        fields = ["id", "code", "name", "description", "target_days", "active"]


class ReviewSerializer(serializers.ModelSerializer):
    request = serializers.PrimaryKeyRelatedField(read_only=True)
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    # Null while an area has no reviewer named yet (intake), and once an assigner's
    # account is deleted.
    reviewer = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="Username, or null."
    )
    assigned_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="Username, or null."
    )
    recommendation = serializers.ChoiceField(
        choices=Review.Recommendation.choices,
        allow_blank=True,
        read_only=True,
        help_text="Blank until the reviewer records it.",
    )
    age_days = serializers.IntegerField(read_only=True)
    target_days = serializers.IntegerField(source="area.target_days", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Review
        fields = [
            "id",
            "request",
            "area",
            "reviewer",
            "assigned_by",
            "assigned_at",
            "recommendation",
            "comments",
            "completed_at",
            "age_days",
            "target_days",
            "is_overdue",
        ]
        read_only_fields = fields


class ProvisoSerializer(serializers.ModelSerializer):
    standard = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="Standard proviso code."
    )

    class Meta:
        model = Proviso
        fields = ["number", "text", "standard"]
        read_only_fields = fields


class DisclosureRequestSerializer(ModelCleanSerializer):
    """A request. Status, decision and clock move only through the workflow actions."""

    program = RestrictedRelatedField(
        queryset=DisclosureRequest._meta.get_field("program").related_model.objects.all(),
        allow_null=True,
        required=False,
    )
    agreement = RestrictedRelatedField(
        queryset=DisclosureRequest._meta.get_field("agreement").related_model.objects.all(),
        allow_null=True,
        required=False,
    )
    recipient_country = api.country_field(Country.objects.exclude(iso3="USA"))
    ddl = RestrictedRelatedField(
        queryset=DelegationLetter.objects.all(), allow_null=True, required=False
    )
    decision_limit = serializers.ChoiceField(
        choices=Classification.choices,
        allow_blank=True,
        read_only=True,
        help_text="The highest classification an approval releases; blank until then.",
    )
    exceeds_ndp = serializers.BooleanField(
        read_only=True, help_text="An exception to National Disclosure Policy is required."
    )
    ndp_level = serializers.SerializerMethodField(
        help_text="The recipient's delegated level for the case's category (null: none)."
    )
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Username; null until decided.",
    )
    reviews = ReviewSerializer(many=True, read_only=True)
    provisos = ProvisoSerializer(many=True, read_only=True)
    age_days = serializers.IntegerField(read_only=True)
    clock_paused = serializers.BooleanField(source="is_paused", read_only=True)
    version = api.version_field()

    class Meta:
        model = DisclosureRequest
        # What the requester writes is the form's; the rest is the case's progress, moved
        # only by the workflow (number, status, clock, reviews, decision).
        fields = api.api_fields(
            REQUEST_FIELDS,
            read_only=(
                "number",
                "status",
                "requested_by",
                "submitted_at",
                "age_days",
                "clock_paused",
                "reviews",
                "decided_by",
                "decided_at",
                "decision_rationale",
                "decision_scope",
                "decision_valid_until",
                "decision_limit",
                "provisos",
                "reconsideration_of",
                "shared_reviewer_reason",
                "ndp_level",
                "exceeds_ndp",
            ),
            versioned=True,
        )
        read_only_fields = [
            "number",
            "status",
            "submitted_at",
            "decided_at",
            "decision_rationale",
            "decision_scope",
            "decision_valid_until",
            "decision_limit",
            "reconsideration_of",
            "shared_reviewer_reason",
            "created_at",
            "updated_at",
        ]

    def get_ndp_level(self, case) -> str | None:
        return case.ndp_level_code


class DisclosureStepSerializer(serializers.Serializer):
    name = serializers.CharField(
        help_text="submit, begin_intake, send_to_review, return, resubmit or withdraw."
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(
        required=False, help_text="The version you read; refused if the case changed since."
    )


class DisclosureDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=["approve", "approve_with_provisos", "partially_approve", "deny"]
    )
    rationale = serializers.CharField()
    provisos = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        default=list,
        help_text="For approve_with_provisos: each proviso a separate item.",
    )
    scope = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="For partially_approve: what is released and what is not.",
    )
    valid_until = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="For an approval: last valid day."
    )
    limit = serializers.ChoiceField(
        choices=Classification.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="For an approval: the highest classification released.",
    )
    standard_provisos = serializers.SlugRelatedField(
        slug_field="code",
        queryset=StandardProviso.objects.filter(active=True),
        many=True,
        required=False,
        default=list,
        help_text="Codes of standard provisos to attach (approve_with_provisos).",
    )
    ddl = serializers.PrimaryKeyRelatedField(
        queryset=DelegationLetter.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The DDL the decision relies on.",
    )
    version = serializers.IntegerField(required=False)

    def validate_ddl(self, value):
        from core.permissions import can

        request = self.context.get("request")
        if value is not None and (request is None or not can(request.user, "view", value)):
            raise serializers.ValidationError("No DDL you may see has this id.")
        return value


class ReviewAssignmentSerializer(serializers.Serializer):
    area = serializers.SlugRelatedField(slug_field="code", queryset=ReviewArea.objects.all())
    reviewer = api.person_field()
    remove = serializers.BooleanField(
        required=False, default=False, help_text="Take the area off the case (intake only)."
    )


class ReviewRecordSerializer(serializers.Serializer):
    recommendation = serializers.ChoiceField(choices=Review.Recommendation.choices)
    comments = serializers.CharField(required=False, allow_blank=True, default="")


# The refusal of any of a request's workflow actions (transition, assign, decide, record):
# the same body as core's, under its own name in the schema.
class DisclosureRefusedSerializer(api.TransitionRefusedSerializer):
    pass


class DisclosureTimelineEntrySerializer(api.TimelineEntrySerializer):
    class Meta(api.TimelineEntrySerializer.Meta):
        fields = ["at", "name", "source", "target", "user", "comment"]


class ReleaseSerializer(ModelCleanSerializer):
    """A release under a decision; recorded once by a foreign disclosure officer."""

    request = RestrictedRelatedField(queryset=DisclosureRequest.objects.all())
    recipient_country = api.country_field()
    released_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    beyond_scope = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Why the release goes beyond its decision (empty when within scope).",
    )

    class Meta:
        model = Release
        fields = api.api_fields(
            RELEASE_FIELDS,
            parent="request",
            read_only=("released_by", "recorded_at", "beyond_scope"),
        )
        read_only_fields = ["recorded_at"]


class DelegationLetterSerializer(ModelCleanSerializer):
    program = RestrictedRelatedField(
        queryset=DelegationLetter._meta.get_field("program").related_model.objects.all(),
        allow_null=True,
        required=False,
    )
    countries = api.country_field(many=True)
    is_expired = serializers.BooleanField(read_only=True)
    version = api.version_field()

    def validate(self, attrs):
        # Countries are many-to-many: set after the save, not on the model being checked.
        countries = attrs.pop("countries", None)
        attrs = super().validate(attrs)
        if countries is not None:
            attrs["countries"] = countries
        return attrs

    class Meta:
        model = DelegationLetter
        fields = api.api_fields(DDL_FIELDS, read_only=("is_expired",), versioned=True)
        read_only_fields = ["created_at", "updated_at"]


class NdpLevelSerializer(serializers.ModelSerializer):
    country = api.country_field(read_only=True)
    category = serializers.StringRelatedField()

    class Meta:
        model = NdpLevel
        fields = ["id", "country", "category", "level", "note"]
        read_only_fields = fields


class StandardProvisoSerializer(serializers.ModelSerializer):
    class Meta:
        model = StandardProviso
        fields = ["id", "code", "text", "active"]
        read_only_fields = fields
