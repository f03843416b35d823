"""The disclosure requests table."""

import django_tables2 as tables
from django.utils.html import format_html

from core.tables import PortalTable
from tsfd.models import DisclosureRequest


def status_tag(request):
    return format_html(
        '<span class="usa-tag tsfd-status tsfd-status--{}">{}</span>',
        request.status,
        request.get_status_display(),
    )


def linked(record, visible):
    """A program or agreement: linked and named only for a user who may see it."""
    if record is None:
        return "—"
    if not visible:
        return format_html('<span class="tsfd-muted">{}</span>', "not visible to you")
    return format_html('<a href="{}">{}</a>', record.get_absolute_url(), record)


class DisclosureRequestTable(PortalTable):
    number = tables.Column(linkify=True)
    title = tables.Column(linkify=True, attrs={"td": {"class": "tsfd-wrap"}})
    recipient_country = tables.Column(
        verbose_name="Recipient", order_by=("recipient_country__name",)
    )
    disclosure_form = tables.Column(verbose_name="Form")
    status = tables.Column()
    program = tables.Column(order_by=("program__code",))
    agreement = tables.Column(order_by=("agreement__number",))
    age = tables.Column(
        verbose_name="Age (days)",
        empty_values=(),
        order_by=("submitted_at",),
        attrs={"td": {"class": "num"}, "th": {"class": "num"}},
    )
    needed_by = tables.DateColumn(verbose_name="Needed by", format="Y-m-d")
    requested_by = tables.Column(order_by=("requested_by__last_name",))
    highest_classification = tables.Column(verbose_name="Highest classification")
    classification = tables.Column(verbose_name="Marking")

    locked_columns = ("number",)
    default_columns = (
        "title",
        "recipient_country",
        "status",
        "age",
        "needed_by",
        "requested_by",
    )

    class Meta(PortalTable.Meta):
        model = DisclosureRequest
        fields = ()
        sequence = (
            "number",
            "title",
            "recipient_country",
            "disclosure_form",
            "status",
            "program",
            "agreement",
            "age",
            "needed_by",
            "requested_by",
            "highest_classification",
            "classification",
        )
        empty_text = "No disclosure requests match these filters."

    def render_status(self, record):
        return status_tag(record)

    def value_status(self, record):
        return record.get_status_display()

    def render_program(self, record):
        return linked(record.program, getattr(record, "program_visible", False))

    def value_program(self, record):
        if record.program is None or not getattr(record, "program_visible", False):
            return ""
        return record.program.code

    def render_agreement(self, record):
        return linked(record.agreement, getattr(record, "agreement_visible", False))

    def value_agreement(self, record):
        if record.agreement is None or not getattr(record, "agreement_visible", False):
            return ""
        return record.agreement.number

    def render_age(self, record):
        if not record.submitted_at:
            return "—"
        paused = " (paused)" if record.is_paused else ""
        return f"{record.age_days}{paused}"

    def value_age(self, record):
        return record.age_days if record.submitted_at else ""

    def render_requested_by(self, value):
        return value.get_full_name() or value.username

    def render_recipient_country(self, record):
        return record.recipient_country.name
