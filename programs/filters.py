"""The programs filter panel; the same filter set serves the list, exports and the API."""

import django_filters as filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from core.filters import PortalFilterSet
from core.models import Country, Organization
from programs.models import Participant, Program

YES_NO_ANY = forms.Select(choices=[("", "Any"), ("true", "Yes"), ("false", "No")])


class ProgramFilterSet(PortalFilterSet):
    q = filters.CharFilter(method="search", label="Search")
    kind = filters.MultipleChoiceFilter(
        choices=Program.Kind.choices, widget=forms.CheckboxSelectMultiple
    )
    phase = filters.MultipleChoiceFilter(
        choices=Program.Phase.choices, widget=forms.CheckboxSelectMultiple
    )
    health = filters.MultipleChoiceFilter(
        choices=Program.Health.choices, widget=forms.CheckboxSelectMultiple
    )
    country = filters.ModelMultipleChoiceFilter(
        queryset=Country.objects.only("id", "iso3", "name"),
        to_field_name="iso3",
        method="partner_country",
        label="Partner country",
        help_text="Ctrl-click (⌘-click) to choose several.",
    )
    us_lead = filters.ModelChoiceFilter(
        queryset=Organization.objects.filter(country__iso3="USA"), label="Lead organization"
    )
    program_manager = filters.ModelChoiceFilter(
        queryset=get_user_model()
        .objects.filter(is_active=True)
        .only("id", "username", "first_name", "last_name")
        .order_by("last_name", "first_name"),
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
    protection_plan_status = filters.MultipleChoiceFilter(
        choices=Program.ProtectionPlan.choices,
        label="Protection plan",
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Program
        fields = []

    def search(self, queryset, name, value: str):
        return queryset.filter(
            Q(code__icontains=value) | Q(name__icontains=value) | Q(summary__icontains=value)
        )

    def partner_country(self, queryset, name, value: str):
        if not value:
            return queryset
        # A subquery, not a join: one row per program, no DISTINCT needed.
        return queryset.filter(
            pk__in=Participant.objects.filter(country__in=value).values("program_id")
        )
