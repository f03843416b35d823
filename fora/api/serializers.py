"""Fora API serializers. Links to other records accept only records the caller may see."""

from rest_framework import serializers

from core import api
from core.api import ModelCleanSerializer, RestrictedRelatedField
from core.models import Contact, Country, Organization
from fora import links
from fora.forms import (
    ACTION_ITEM_FIELDS,
    AGENDA_ITEM_FIELDS,
    ATTENDEE_FIELDS,
    FORUM_FIELDS,
    MEETING_FIELDS,
    WORKING_GROUP_FIELDS,
    notify_assignment,
)
from fora.models import (
    LINKABLE_MODELS,
    ActionItem,
    AgendaItem,
    Attendee,
    Forum,
    Meeting,
    WorkingGroup,
)


class ForumSerializer(ModelCleanSerializer):
    countries = api.country_field(Country.objects.exclude(iso3="USA"), many=True)
    us_cochair = api.person_field()
    counterpart_cochair = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.select_related("organization"), allow_null=True, required=False
    )
    version = api.version_field()

    class Meta:
        model = Forum
        fields = api.api_fields(FORUM_FIELDS, versioned=True)
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs):
        countries = attrs.pop("countries", None)
        attrs = super().validate(attrs)
        kind = attrs.get("kind", getattr(self.instance, "kind", None))
        if countries is None and self.instance is not None:
            current = list(self.instance.countries.all())
        else:
            current = countries or []
        cochair = attrs.get(
            "counterpart_cochair", getattr(self.instance, "counterpart_cochair", None)
        )
        problems = Forum.country_problems(kind, current, cochair)
        if problems:
            raise serializers.ValidationError(problems)
        if countries is not None:
            attrs["countries"] = countries
        return attrs

    # A new forum's countries are recorded by fora.signals as they are added; an update
    # records one before/after row for the whole change.
    def update(self, instance, validated_data):
        before = list(instance.countries.values_list("iso3", flat=True))
        instance._countries_audited_by_caller = True
        try:
            forum = super().update(instance, validated_data)
        finally:
            del instance._countries_audited_by_caller
        forum.record_countries_change(before)
        return forum


class WorkingGroupSerializer(ModelCleanSerializer):
    forum = RestrictedRelatedField(queryset=Forum.objects.all())
    us_lead = api.person_field()

    class Meta:
        model = WorkingGroup
        fields = api.api_fields(WORKING_GROUP_FIELDS, parent="forum")


class MeetingSerializer(ModelCleanSerializer):
    forum = RestrictedRelatedField(queryset=Forum.objects.all())
    host_country = api.country_field(allow_null=True, required=False)
    version = api.version_field()
    is_upcoming = serializers.BooleanField(read_only=True)
    ics_url = serializers.SerializerMethodField()

    class Meta:
        model = Meeting
        # Whether it is still ahead, and its calendar file, follow from the meeting.
        fields = api.api_fields(
            MEETING_FIELDS, parent="forum", read_only=("is_upcoming", "ics_url"), versioned=True
        )
        read_only_fields = ["created_at", "updated_at"]

    def get_ics_url(self, meeting) -> str:
        return meeting.get_absolute_url() + "meeting.ics"


class LinkedRecordSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="app_label.model, e.g. programs.program")
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField()


class AgendaItemSerializer(ModelCleanSerializer):
    """`link_type` + `link_id` set the link (write-only); `linked_record` shows it to
    callers who may see the record, and is null for everyone else."""

    meeting = RestrictedRelatedField(queryset=Meeting.objects.all())
    link_type = serializers.ChoiceField(
        choices=[("", "no link"), *[(m, m) for m in LINKABLE_MODELS]],
        write_only=True,
        required=False,
        allow_blank=True,
    )
    link_id = serializers.IntegerField(write_only=True, required=False, allow_null=True)
    linked_record = serializers.SerializerMethodField()

    class Meta:
        model = AgendaItem
        # The form takes the linked record as one typed code or number (`link`); the API
        # as its kind and id (`link_type`, `link_id`), and shows it as `linked_record`.
        fields = api.api_fields(
            AGENDA_ITEM_FIELDS,
            parent="meeting",
            form_only=("link",),
            writable=("link_type", "link_id"),
            read_only=("linked_record",),
        )

    def validate(self, attrs):
        link_type = attrs.pop("link_type", None)
        link_id = attrs.pop("link_id", None)
        attrs = super().validate(attrs)
        if link_type is None and link_id is None:
            return attrs  # link unchanged
        if not link_type:
            attrs["linked_type"], attrs["linked_id"] = None, None
            return attrs
        user = self.context["request"].user
        if link_id is None or links.resolve(link_type, link_id, user) is None:
            raise serializers.ValidationError({"link_id": "Not found."})
        attrs["linked_type"] = links.content_type_for(link_type)
        attrs["linked_id"] = link_id
        return attrs

    def get_linked_record(self, item) -> LinkedRecordSerializer(allow_null=True):
        if not item.linked_type_id:
            return None
        label = f"{item.linked_type.app_label}.{item.linked_type.model}"
        if "visible_links" in self.context:  # a list page: resolved in one go
            record = self.context["visible_links"].get(item.pk)
        else:
            request = self.context.get("request")
            record = links.resolve(label, item.linked_id, request.user) if request else None
        if record is None:
            return None
        return {
            "type": label,
            "id": record.pk,
            "title": str(record),
            "url": record.get_absolute_url(),
        }


class AttendeeSerializer(ModelCleanSerializer):
    meeting = RestrictedRelatedField(queryset=Meeting.objects.all())
    country = api.country_field()
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = Attendee
        fields = api.api_fields(ATTENDEE_FIELDS, parent="meeting")


class ActionItemSerializer(ModelCleanSerializer):
    meeting = RestrictedRelatedField(queryset=Meeting.objects.all())
    forum = serializers.IntegerField(source="meeting.forum_id", read_only=True)
    owner_user = api.person_field()
    owner_contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.all(), allow_null=True, required=False
    )
    is_overdue = serializers.BooleanField(read_only=True)
    owner_name = serializers.CharField(read_only=True)

    class Meta:
        model = ActionItem
        # The forum is the meeting's; the owner's name, the closing date and whether it is
        # overdue follow from the item.
        fields = api.api_fields(
            ACTION_ITEM_FIELDS,
            parent="meeting",
            read_only=("forum", "owner_name", "closed_on", "is_overdue"),
        )
        read_only_fields = ["closed_on"]

    def create(self, validated_data):
        item = super().create(validated_data)
        if item.owner_user_id and item.is_open:
            notify_assignment(item)
        return item

    def update(self, instance, validated_data):
        before = instance.owner_user_id
        item = super().update(instance, validated_data)
        if item.owner_user_id and item.owner_user_id != before and item.is_open:
            notify_assignment(item)
        return item
