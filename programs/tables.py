"""The programs table."""

import django_tables2 as tables
from django.utils.html import format_html

from core.tables import PortalTable, SelectionColumn
from programs.models import Program

HEALTH_LABELS = dict(Program.Health.choices)


class ProgramTable(PortalTable):
    selection = SelectionColumn()
    code = tables.Column(linkify=True)
    name = tables.Column(linkify=True)
    kind = tables.Column()
    phase = tables.Column()
    health = tables.Column()
    partners = tables.Column(empty_values=(), orderable=False, verbose_name="Partners")
    us_lead = tables.Column(verbose_name="US lead", accessor="us_lead__acronym")
    program_manager = tables.Column(order_by=("program_manager__last_name",))
    start_date = tables.DateColumn(verbose_name="Start", format="Y-m-d")
    end_date = tables.DateColumn(verbose_name="End", format="Y-m-d")
    protection_plan_status = tables.Column(verbose_name="Protection plan")
    anti_tamper_required = tables.BooleanColumn(verbose_name="Anti-tamper")
    classification = tables.Column(verbose_name="Marking")

    locked_columns = ("code",)
    default_columns = ("name", "kind", "phase", "health", "partners", "program_manager", "end_date")

    class Meta(PortalTable.Meta):
        model = Program
        fields = ()
        sequence = (
            "selection",
            "code",
            "name",
            "kind",
            "phase",
            "health",
            "partners",
            "us_lead",
            "program_manager",
            "start_date",
            "end_date",
            "protection_plan_status",
            "anti_tamper_required",
            "classification",
        )

    def render_health(self, record):
        return format_html(
            '<span class="health health--{}">{}</span>',
            record.health,
            HEALTH_LABELS.get(record.health, record.health),
        )

    def value_health(self, record):
        return record.get_health_display()

    def render_partners(self, record):
        return ", ".join(p.country.iso3 for p in record.participants.all()) or "—"

    def value_partners(self, record):
        return ", ".join(p.country.iso3 for p in record.participants.all())

    def render_program_manager(self, value):
        return value.get_full_name() or value.username
