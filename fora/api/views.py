from core.api import HistoryMixin, RestrictedModelViewSet
from fora import links
from fora.api import serializers
from fora.filters import ActionItemFilterSet, ForumFilterSet, MeetingFilterSet
from fora.models import ActionItem, AgendaItem, Attendee, Forum, Meeting, WorkingGroup


class ForumViewSet(HistoryMixin, RestrictedModelViewSet):
    """Fora, with the same filters as the list page."""

    queryset = Forum.objects.select_related("us_cochair").prefetch_related("countries")
    serializer_class = serializers.ForumSerializer
    filterset_class = ForumFilterSet


class WorkingGroupViewSet(RestrictedModelViewSet):
    """A forum's working groups; visible and editable through their forum."""

    queryset = WorkingGroup.objects.select_related("forum", "us_lead")
    serializer_class = serializers.WorkingGroupSerializer
    filterset_fields = ["forum", "active"]


class MeetingViewSet(RestrictedModelViewSet):
    """Meetings; visible and editable through their forum. Filters as on /fora/meetings/."""

    queryset = Meeting.objects.select_related("forum", "host_country")
    serializer_class = serializers.MeetingSerializer
    filterset_class = MeetingFilterSet


class AgendaItemViewSet(RestrictedModelViewSet):
    """Agenda items; a linked record shows only to callers who may see it."""

    queryset = AgendaItem.objects.select_related("meeting", "linked_type")
    serializer_class = serializers.AgendaItemSerializer
    filterset_fields = ["meeting"]

    def get_serializer(self, *args, **kwargs):
        if kwargs.get("many") and args:
            # One permission query per kind of linked record for the whole page.
            page = list(args[0])
            kwargs.setdefault("context", self.get_serializer_context())
            kwargs["context"]["visible_links"] = links.visible_links(page, self.request.user)
            args = (page, *args[1:])
        return super().get_serializer(*args, **kwargs)


class AttendeeViewSet(RestrictedModelViewSet):
    queryset = Attendee.objects.select_related("meeting", "country")
    serializer_class = serializers.AttendeeSerializer
    filterset_fields = ["meeting", "visit_request_status"]


class ActionItemViewSet(RestrictedModelViewSet):
    """Action items the caller may see; `?owner=mine` for their own, `?state=overdue`."""

    queryset = ActionItem.objects.select_related(
        "meeting", "owner_user", "owner_contact__organization"
    )
    serializer_class = serializers.ActionItemSerializer
    filterset_class = ActionItemFilterSet
