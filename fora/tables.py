"""The fora, meetings and action-item tables."""

import django_tables2 as tables
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from core.tables import PortalTable, SelectionColumn
from fora.models import ActionItem, Forum, Meeting


def _person(user):
    return (user.get_full_name() or user.get_username()) if user else "—"


class ForumTable(PortalTable):
    selection = SelectionColumn()
    name = tables.Column(linkify=True)
    acronym = tables.Column(verbose_name="Short name")
    kind = tables.Column()
    partners = tables.Column(empty_values=(), orderable=False, verbose_name="Partner countries")
    us_cochair = tables.Column(verbose_name="US co-chair", order_by=("us_cochair__last_name",))
    counterpart_cochair = tables.Column(
        verbose_name="Counterpart co-chair", order_by=("counterpart_cochair__name",)
    )
    cadence = tables.Column()
    next_meeting = tables.DateColumn(verbose_name="Next meeting", format="Y-m-d", empty_values=())
    last_meeting = tables.DateColumn(verbose_name="Last meeting", format="Y-m-d", empty_values=())
    classification = tables.Column(verbose_name="Marking")

    locked_columns = ("name",)
    default_columns = ("acronym", "kind", "partners", "us_cochair", "cadence", "next_meeting")

    class Meta(PortalTable.Meta):
        model = Forum
        fields = ()
        sequence = (
            "selection",
            "name",
            "acronym",
            "kind",
            "partners",
            "us_cochair",
            "counterpart_cochair",
            "cadence",
            "next_meeting",
            "last_meeting",
            "classification",
        )

    def render_partners(self, record):
        return ", ".join(c.iso3 for c in record.countries.all()) or "—"

    def value_partners(self, record):
        return ", ".join(c.iso3 for c in record.countries.all())

    def render_us_cochair(self, value):
        return _person(value)

    def value_us_cochair(self, value):
        return _person(value) if value else ""


class MeetingTable(PortalTable):
    title = tables.Column(linkify=True, verbose_name="Meeting")
    forum = tables.Column(linkify=True, order_by=("forum__name",))
    start_date = tables.DateColumn(verbose_name="Starts", format="Y-m-d")
    end_date = tables.DateColumn(verbose_name="Ends", format="Y-m-d")
    location = tables.Column()
    host_country = tables.Column(verbose_name="Host", order_by=("host_country__name",))
    status = tables.Column()
    classification = tables.Column(verbose_name="Marking")

    locked_columns = ("title",)
    default_columns = ("forum", "start_date", "location", "host_country", "status")

    class Meta(PortalTable.Meta):
        model = Meeting
        fields = ()
        sequence = (
            "title",
            "forum",
            "start_date",
            "end_date",
            "location",
            "host_country",
            "status",
            "classification",
        )

    def render_status(self, record):
        return render_to_string("fora/_status_tag.html", {"m": record})

    def value_status(self, record):
        return record.get_status_display()

    def render_classification(self, record):
        return str(record.combined_marking)


class ActionItemTable(PortalTable):
    description = tables.Column(verbose_name="Action item")
    forum = tables.Column(
        accessor="meeting__forum", verbose_name="Forum", order_by=("meeting__forum__name",)
    )
    meeting = tables.Column(linkify=True, order_by=("meeting__start_date",))
    owner = tables.Column(
        empty_values=(), verbose_name="Owner", order_by=("owner_user__last_name", "owner_contact")
    )
    due_date = tables.DateColumn(verbose_name="Due", format="Y-m-d")
    status = tables.Column()
    closure_note = tables.Column(verbose_name="Closure note")

    locked_columns = ("description",)
    default_columns = ("forum", "meeting", "owner", "due_date", "status")

    class Meta(PortalTable.Meta):
        model = ActionItem
        fields = ()
        sequence = (
            "description",
            "forum",
            "meeting",
            "owner",
            "due_date",
            "status",
            "closure_note",
        )
        row_attrs = {"class": lambda record: "milestone-overdue" if record.is_overdue else ""}

    @property
    def user_pk(self):
        """The signed-in user (RequestConfig puts the request on the table)."""
        request = getattr(self, "request", None)
        return getattr(getattr(request, "user", None), "pk", None)

    def render_description(self, record):
        link = format_html('<a href="{}">{}</a>', record.get_absolute_url(), str(record))
        if self.user_pk is not None and record.owner_user_id == self.user_pk:
            update = reverse("fora:meetings:action_item_update", args=[record.pk])
            return format_html(
                '{} <a class="action-item-update" href="{}">Update<span class="usa-sr-only">'
                " status of this item</span></a>",
                link,
                update,
            )
        return link

    def value_description(self, record):
        return record.description

    def render_forum(self, value):
        return format_html('<a href="{}">{}</a>', value.get_absolute_url(), value.short_name)

    def value_forum(self, value):
        return value.name

    def render_owner(self, record):
        return record.owner_name

    def value_owner(self, record):
        return record.owner_name

    def render_due_date(self, record):
        if record.is_overdue:
            days = (timezone.localdate() - record.due_date).days
            return format_html(
                '{} <span class="usa-tag overdue">Overdue {} day{}</span>',
                record.due_date.isoformat(),
                days,
                "" if days == 1 else "s",
            )
        return record.due_date.isoformat()

    def value_due_date(self, record):
        return record.due_date.isoformat()

    def value_status(self, record):
        return record.get_status_display() + (" (overdue)" if record.is_overdue else "")
