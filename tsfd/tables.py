"""The disclosure requests table."""

import django_tables2 as tables
from django.utils.html import format_html

from core.tables import PortalTable
from tsfd.models import DelegationLetter, DisclosureRequest, NdpLevel, Release


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


def flag(text):
    return format_html('<span class="usa-tag tsfd-flag">{}</span>', text)


class ReleaseTable(PortalTable):
    released_on = tables.DateColumn(verbose_name="Released on", format="Y-m-d", linkify=True)
    request = tables.Column(verbose_name="Under decision", order_by=("request__number",))
    what = tables.Column(verbose_name="What", attrs={"td": {"class": "tsfd-wrap"}})
    recipient_country = tables.Column(verbose_name="Country", order_by=("recipient_country__name",))
    recipient = tables.Column(verbose_name="Released to")
    classification_released = tables.Column(verbose_name="Classification")
    released_by = tables.Column(verbose_name="Foreign disclosure officer", orderable=False)
    scope = tables.Column(verbose_name="Within scope?", empty_values=(), orderable=False)

    locked_columns = ("released_on",)
    default_columns = (
        "request",
        "what",
        "recipient_country",
        "recipient",
        "classification_released",
        "released_by",
        "scope",
    )

    class Meta(PortalTable.Meta):
        model = Release
        fields = ()
        sequence = (
            "released_on",
            "request",
            "what",
            "recipient_country",
            "recipient",
            "classification_released",
            "released_by",
            "scope",
        )
        empty_text = "No releases match these filters."

    def render_request(self, record):
        return format_html(
            '<a href="{}">{}</a>', record.request.get_absolute_url(), record.request.number
        )

    def value_request(self, record):
        return record.request.number

    def render_recipient_country(self, record):
        return record.recipient_country.name

    def render_released_by(self, value):
        return value.get_full_name() or value.username

    def render_scope(self, record):
        reasons = record.beyond_scope()
        if not reasons:
            return "Yes"
        return format_html("{} {}", flag("Beyond scope"), " ".join(reasons))

    def value_scope(self, record):
        return " ".join(record.beyond_scope()) or "within scope"


class DelegationLetterTable(PortalTable):
    number = tables.Column(linkify=True)
    title = tables.Column(linkify=True, attrs={"td": {"class": "tsfd-wrap"}})
    system = tables.Column(verbose_name="System or program")
    countries = tables.Column(empty_values=(), orderable=False)
    classification_limit = tables.Column(verbose_name="Limit")
    expires_on = tables.DateColumn(verbose_name="Expires", format="Y-m-d")

    locked_columns = ("number",)
    default_columns = ("title", "system", "countries", "classification_limit", "expires_on")

    class Meta(PortalTable.Meta):
        model = DelegationLetter
        fields = ()
        sequence = ("number", "title", "system", "countries", "classification_limit", "expires_on")
        empty_text = "No DDLs match these filters."

    def render_countries(self, record):
        return ", ".join(c.iso3 for c in record.countries.all()) or "—"

    def value_countries(self, record):
        return self.render_countries(record)

    def render_expires_on(self, record):
        text = record.expires_on.isoformat()
        return format_html("{} {}", text, flag("Expired")) if record.is_expired else text

    def value_expires_on(self, record):
        return record.expires_on.isoformat()


class NdpLevelTable(PortalTable):
    country = tables.Column(order_by=("country__name",))
    category = tables.Column(verbose_name="NDP category", order_by=("category__number",))
    level = tables.Column(verbose_name="Delegated level")
    note = tables.Column()

    locked_columns = ("country",)
    default_columns = ("category", "level", "note")

    class Meta(PortalTable.Meta):
        model = NdpLevel
        fields = ()
        sequence = ("country", "category", "level", "note")
        empty_text = "No NDP levels match these filters."

    def render_country(self, record):
        return record.country.name
