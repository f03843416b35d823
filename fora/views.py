"""Fora pages: the generic views for fora, plus meeting planning and "my action items"."""

from collections import OrderedDict
from functools import partial

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from core import generic_views as generic
from core import permissions
from core.markings import combined
from fora import links
from fora.feeds import calendar_links
from fora.filters import ForumFilterSet, MeetingFilterSet, MyActionItemFilterSet
from fora.forms import (
    ActionItemFormSet,
    ActionItemStatusForm,
    AgendaItemFormSet,
    AttendeeFormSet,
    ForumBulkEditForm,
    ForumForm,
    ForumImportForm,
    MeetingForm,
    WorkingGroupFormSet,
)
from fora.ical import calendar_of, ics_response
from fora.models import ActionItem, Attendee, Forum, Meeting
from fora.readahead import read_ahead
from fora.tables import ActionItemTable, ForumTable, MeetingTable


def forum_list_queryset():
    """Fora with their next and last meeting dates (as of today, hence a function)."""
    today = timezone.localdate()
    held = Meeting.objects.filter(forum=OuterRef("pk")).exclude(status=Meeting.Status.CANCELLED)
    next_start = held.filter(end_date__gte=today).order_by("start_date").values("start_date")[:1]
    last_start = held.filter(end_date__lt=today).order_by("-start_date").values("start_date")[:1]
    return (
        Forum.objects.select_related("us_cochair", "counterpart_cochair__organization")
        .prefetch_related("countries")
        .annotate(next_meeting=Subquery(next_start), last_meeting=Subquery(last_start))
    )


class ForumListView(generic.ObjectListView):
    filterset_class = ForumFilterSet
    table_class = ForumTable
    title = "Fora"

    @property
    def queryset(self):
        return forum_list_queryset()


class ForumDetailView(generic.ObjectDetailView):
    queryset = Forum.objects.select_related("us_cochair", "counterpart_cochair__organization")
    template_name = "fora/forum_detail.html"

    def extra_context(self, request, forum):
        today = timezone.localdate()
        meetings = list(
            permissions.restrict(forum.meetings.all(), request.user, "view").select_related(
                "host_country", "forum"
            )
        )
        upcoming = sorted(
            (m for m in meetings if m.end_date >= today), key=lambda m: (m.start_date, m.pk)
        )
        past = [m for m in meetings if m.end_date < today]
        open_items = list(
            permissions.restrict(
                ActionItem.objects.open().filter(meeting__forum=forum), request.user, "view"
            ).select_related("meeting", "owner_user", "owner_contact__organization")
        )
        return {
            "countries": list(forum.countries.all()),
            "working_groups": list(
                forum.working_groups.select_related("us_lead", "counterpart_lead__organization")
            ),
            "upcoming": upcoming,
            "past": past,
            "open_items": open_items,
            "overdue_count": sum(1 for i in open_items if i.is_overdue),
            "calendar": calendar_links(request, forum=forum),
            "shown": meetings,
        }


class ForumEditView(generic.ObjectEditView):
    queryset = Forum.objects.all()
    form_class = ForumForm


class ForumImportView(generic.BulkImportView):
    model = Forum
    form_class = ForumImportForm


class ForumBulkEditView(generic.BulkEditView):
    queryset = Forum.objects.all()
    form_class = ForumBulkEditForm


class WorkingGroupsView(generic.ChildFormsetView):
    parent_queryset = Forum.objects.all()
    formset_class = WorkingGroupFormSet
    title = "Working groups"
    anchor = "working-groups"


class ReadAheadView(View):
    """The read-ahead as a printable page (the PDF comes from the briefs app)."""

    def get(self, request, pk):
        data = read_ahead(pk, request.user)
        return render(
            request,
            "fora/read_ahead.html",
            {"data": data, "page_marking": data["marking"], "forum_id": pk},
        )


# --- meetings -----------------------------------------------------------------------------


class MeetingListView(generic.ObjectListView):
    queryset = Meeting.objects.select_related("forum", "host_country")
    filterset_class = MeetingFilterSet
    table_class = MeetingTable
    title = "Meetings"
    bulk_edit = False

    def extra_context(self, request):
        # Meetings are planned from their forum's page, not added from this list.
        return {"can_add": False}


class MeetingDetailView(generic.ObjectDetailView):
    queryset = Meeting.objects.select_related("forum", "host_country")
    template_name = "fora/meeting_detail.html"

    def extra_context(self, request, meeting):
        agenda = list(meeting.agenda_items.all())
        linked = links.visible_links(agenda, request.user)
        delegations = OrderedDict()
        attendees = Attendee.objects.filter(meeting=meeting).select_related(
            "country", "organization"
        )
        for attendee in attendees:
            delegations.setdefault(attendee.country, []).append(attendee)
        items = list(
            meeting.action_items.select_related("owner_user", "owner_contact__organization")
        )
        return {
            "forum": meeting.forum,
            "agenda": [(item, linked.get(item.pk), _kind(linked.get(item.pk))) for item in agenda],
            "delegations": list(delegations.items()),
            "action_items": items,
            "overdue_count": sum(1 for i in items if i.is_overdue),
            # The forum and every record an agenda item links to stand on the page.
            "shown": [meeting.forum, *linked.values()],
        }


def _kind(record):
    return record._meta.verbose_name if record is not None else ""


class MeetingEditView(generic.ObjectEditView):
    """Edit a meeting; needs "change" on its forum. The version guards against lost updates."""

    queryset = Meeting.objects.select_related("forum")
    form_class = MeetingForm
    template_name = "fora/meeting_form.html"
    created_verb = "planned"

    def get_initial(self, request, meeting):
        """A new meeting starts with its forum's marking, and its host when there is one."""
        if meeting.pk is not None:
            return {}
        forum = meeting.forum
        countries = list(forum.countries.all())
        host = {"host_country": countries[0]} if len(countries) == 1 else {}
        markings = ("classification", "cui_category", "dissemination", "rel_to")
        return host | {name: getattr(forum, name) for name in markings}

    def extra_context(self, request, meeting):
        return {"forum": meeting.forum}


class MeetingAddView(MeetingEditView):
    """Plan a meeting from its forum's page (the URL's pk is the forum's)."""

    adds_to_parent = True
    guarded_model = Forum


class MeetingDeleteView(generic.ObjectDeleteView):
    queryset = Meeting.objects.select_related("forum")


class MeetingChildrenView(generic.ChildFormsetView):
    """Edit one kind of a meeting's children as a single all-or-nothing form."""

    parent_queryset = Meeting.objects.select_related("forum")


class AgendaView(MeetingChildrenView):
    title = "Agenda"
    anchor = "agenda"

    @property
    def formset_class(self):
        # The link choices depend on what the editor may see.
        return partial(AgendaItemFormSet, user=self.request.user)


class DelegationsView(MeetingChildrenView):
    formset_class = AttendeeFormSet
    title = "Delegations"
    anchor = "delegations"


class ActionItemsView(MeetingChildrenView):
    formset_class = ActionItemFormSet
    title = "Action items"
    anchor = "action-items"


def meeting_ics(request, pk):
    """One meeting as an .ics file, for someone who may see it."""
    meeting = permissions.get_object_or_404(
        Meeting.objects.select_related("forum", "host_country"), request.user, "view", pk=pk
    )
    payload = calendar_of([meeting], meeting.title, request.build_absolute_uri("/"))
    return ics_response(payload, f"meeting-{meeting.pk}.ics", attachment=True)


# --- action items ---------------------------------------------------------------------------


class ActionItemListView(generic.ObjectListView):
    """My action items across every forum; everyone's I may see on request."""

    queryset = ActionItem.objects.select_related(
        "meeting__forum", "owner_user", "owner_contact__organization"
    )
    filterset_class = MyActionItemFilterSet
    table_class = ActionItemTable
    title = "Action items"
    bulk_edit = False

    def extra_context(self, request):
        mine = request.GET.get("owner", "mine") in ("", "mine")
        return {"can_add": False, "title": "My action items" if mine else "Action items"}


class ActionItemUpdateView(generic.ObjectEditView):
    """The owner of an action item (or anyone who may edit the meeting) updates its status.

    An owner may be only a viewer of the forum: the meeting's action-items page needs
    "change" on the forum, so without this page they could not close their own item.
    """

    queryset = ActionItem.objects.select_related("meeting__forum", "owner_user")
    form_class = ActionItemStatusForm

    def get_object(self, request, pk):
        item = permissions.get_object_or_404(self.queryset, request.user, "view", pk=pk)
        if item.owner_user_id != request.user.pk and not permissions.can(
            request.user, "change", item
        ):
            raise PermissionDenied("Only the item's owner or the forum's editors may update it.")
        return item

    def get_return_url(self, request, item):
        return reverse("fora:meetings:my_action_items")

    def get_success_url(self, item):
        return reverse("fora:meetings:my_action_items")

    def extra_context(self, request, item):
        return {"page_marking": combined([item.meeting.forum, item.meeting])}
