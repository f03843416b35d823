"""The agreements table."""

import django_tables2 as tables
from django.utils.html import format_html

from agreements.models import Agreement, Coordination
from core.tables import PortalTable, SelectionColumn


def reporting_text(record):
    label = record.reporting_status_label
    days = record.reporting_days_left
    if days is None:
        return label
    if days < 0:
        return f"{label} ({-days} days overdue)"
    return f"{label} ({days} days left)"


class AgreementTable(PortalTable):
    selection = SelectionColumn()
    number = tables.Column(linkify=True)
    title = tables.Column(linkify=True, attrs={"td": {"class": "wrap"}})
    kind = tables.Column(attrs={"td": {"class": "wrap"}})
    status = tables.Column()
    participants = tables.Column(
        empty_values=(),
        orderable=False,
        verbose_name="Participants",
        attrs={"td": {"class": "wrap wrap--narrow"}},
    )
    legal_authority = tables.Column(accessor="legal_authority__name")
    responsible_official = tables.Column(order_by=("responsible_official__last_name",))
    signed_on = tables.DateColumn(verbose_name="Signed", format="Y-m-d")
    entry_into_force_on = tables.DateColumn(verbose_name="In force from", format="Y-m-d")
    expiration_date = tables.DateColumn(verbose_name="Expires", format="Y-m-d")
    reporting = tables.Column(empty_values=(), orderable=False, verbose_name="Reporting to State")
    highest_classification = tables.Column(verbose_name="Highest classification exchanged")
    classification = tables.Column(verbose_name="Marking")

    locked_columns = ("number",)
    default_columns = (
        "title",
        "status",
        "participants",
        "expiration_date",
        "reporting",
    )

    class Meta(PortalTable.Meta):
        model = Agreement
        fields = ()
        sequence = (
            "selection",
            "number",
            "title",
            "kind",
            "status",
            "participants",
            "legal_authority",
            "responsible_official",
            "signed_on",
            "entry_into_force_on",
            "expiration_date",
            "reporting",
            "highest_classification",
            "classification",
        )

    def render_status(self, record):
        return format_html(
            '<span class="usa-tag agreement-status agreement-status--{}">{}</span>',
            record.status,
            record.get_status_display(),
        )

    def value_status(self, record):
        return record.get_status_display()

    def render_participants(self, record):
        return ", ".join(p.country.iso3 for p in record.participants.all()) or "—"

    def value_participants(self, record):
        return ", ".join(p.country.iso3 for p in record.participants.all())

    def render_responsible_official(self, value):
        return value.get_full_name() or value.username

    def render_reporting(self, record):
        status = record.reporting_status
        if status == Agreement.Reporting.NOT_APPLICABLE:
            return "—"
        return format_html(
            '<span class="reporting reporting--{}">{}</span>', status, reporting_text(record)
        )

    def value_reporting(self, record):
        return reporting_text(record)


class CoordinationTable(PortalTable):
    agreement = tables.Column(
        linkify=lambda record: record.agreement.get_absolute_url() + "#coordination",
        order_by=("agreement__number",),
    )
    title = tables.Column(
        accessor="agreement__title", verbose_name="Title", attrs={"td": {"class": "wrap"}}
    )
    stage = tables.Column(verbose_name="Request")
    office = tables.Column(order_by=("office__name",))
    requested_on = tables.DateColumn(verbose_name="Asked", format="Y-m-d")
    due_on = tables.DateColumn(verbose_name="Due", format="Y-m-d")
    state = tables.Column(empty_values=(), orderable=False, verbose_name="Answer")
    answered_by = tables.Column(verbose_name="Entered by", order_by=("answered_by__last_name",))
    current = tables.BooleanColumn(verbose_name="Current round")

    locked_columns = ("agreement",)
    default_columns = ("title", "stage", "office", "due_on", "state")

    class Meta(PortalTable.Meta):
        model = Coordination
        fields = ()
        sequence = (
            "agreement",
            "title",
            "stage",
            "office",
            "requested_on",
            "due_on",
            "state",
            "answered_by",
            "current",
        )

    def render_agreement(self, record):
        return record.agreement.number

    def value_agreement(self, record):
        return record.agreement.number

    def render_state(self, record):
        return format_html(
            '<span class="coordination coordination--{}">{}</span>',
            record.state,
            record.state_text,
        )

    def value_state(self, record):
        return record.state_text

    def render_answered_by(self, value):
        return value.get_full_name() or value.username
