"""The programs filter panel; the same filter set serves the list, exports and the API."""

import django_filters as filters
from django import forms

from core.filters import PortalFilterSet, checkboxes, countries
from core.forms import active_people
from core.models import Country, Organization
from programs.models import Participant, Program

YES_NO_ANY = forms.Select(choices=[("", "Any"), ("true", "Yes"), ("false", "No")])


class ProgramFilterSet(PortalFilterSet):
    search_fields = ("code", "name", "summary")
    q = filters.CharFilter(method="search", label="Search")
    kind = checkboxes(Program.Kind.choices)
    phase = checkboxes(Program.Phase.choices)
    health = checkboxes(Program.Health.choices)
    country = countries(
        Country.objects.only("id", "iso3", "name"),
        method="partner_country",
        label="Partner country",
    )
    us_lead = filters.ModelChoiceFilter(
        queryset=Organization.objects.filter(country__iso3="USA"), label="Lead organization"
    )
    program_manager = filters.ModelChoiceFilter(
        queryset=active_people().only("id", "username", "first_name", "last_name"),
        label="Program manager",
    )
    start_after = filters.DateFilter(
        field_name="start_date", lookup_expr="gte", label="Starts on or after"
    )
    end_before = filters.DateFilter(
        field_name="end_date", lookup_expr="lte", label="Ends on or before"
    )
    cpi_identified = filters.BooleanFilter(label="CPI identified", widget=YES_NO_ANY)
    anti_tamper_required = filters.BooleanFilter(label="Anti-tamper required", widget=YES_NO_ANY)
    protection_plan_status = checkboxes(Program.ProtectionPlan.choices, label="Protection plan")

    class Meta:
        model = Program
        fields = []

    def partner_country(self, queryset, name, value: str):
        if not value:
            return queryset
        # A subquery, not a join: one row per program, no DISTINCT needed.
        return queryset.filter(
            pk__in=Participant.objects.filter(country__in=value).values("program_id")
        )
