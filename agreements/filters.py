"""The agreements filter panel; the same filter set serves the list, exports and the API."""

from datetime import timedelta

import django_filters as filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from agreements.models import (
    Agreement,
    AgreementParticipant,
    CoordinatingOffice,
    Coordination,
    LegalAuthority,
)
from core.filters import PortalFilterSet, checkboxes, countries
from core.forms import active_people
from core.permissions import restrict
from programs.models import Program


def visible_programs(request):
    """Program choices: only the programs the user may see (an unseen id is invalid)."""
    # Only what the option label needs: the list can hold every program of the office.
    programs = Program.objects.only("id", "code", "name").order_by("code")
    return restrict(programs, getattr(request, "user", None), "view")


class AgreementFilterSet(PortalFilterSet):
    search_fields = ("number", "title", "summary")
    q = filters.CharFilter(method="search", label="Search")
    kind = checkboxes(Agreement.Kind.choices)
    status = checkboxes(Agreement.Status.choices)
    country = countries(method="participant_country", label="Participant country")
    # Typed, not picked: an office has thousands of programs, too many for a dropdown.
    program = filters.CharFilter(
        method="linked_program",
        label="Program",
        help_text="A program's code, or part of its name.",
    )
    legal_authority = filters.ModelChoiceFilter(queryset=LegalAuthority.objects.all())
    responsible_official = filters.ModelChoiceFilter(
        queryset=active_people(),
        label="Responsible official",
    )
    expiring_within = filters.NumberFilter(
        method="expiring", label="Expiring within (days)", min_value=0, max_value=3650
    )
    reporting = checkboxes(
        Agreement.Reporting.choices, method="reporting_status", label="Reporting to State"
    )
    # Set by links ("arrangements under this MOU"), not shown in the panel. Model choices,
    # so an agreement the user may not see is refused like a missing one (PortalFilterSet).
    parent = filters.ModelChoiceFilter(queryset=Agreement.objects.all(), widget=forms.HiddenInput)
    amends = filters.ModelChoiceFilter(queryset=Agreement.objects.all(), widget=forms.HiddenInput)

    class Meta:
        model = Agreement
        fields = []

    def participant_country(self, queryset, name, value: str):
        if not value:
            return queryset
        # A subquery, not a join: one row per agreement, no DISTINCT needed.
        return queryset.filter(
            pk__in=AgreementParticipant.objects.filter(country__in=value).values("agreement_id")
        )

    def linked_program(self, queryset, name, value: str):
        value = value.strip()
        if not value:
            return queryset
        # Only programs the user may see: naming an unseen one must not reveal its links.
        programs = visible_programs(self.request)
        if value.isdigit():  # links and saved views of earlier versions carry the id
            programs = programs.filter(pk=int(value))
        else:
            programs = programs.filter(Q(code__icontains=value) | Q(name__icontains=value))
        links = Agreement.programs.through.objects.filter(program__in=programs.values("pk"))
        return queryset.filter(pk__in=links.values("agreement_id"))

    def expiring(self, queryset, name, value: str):
        if value in (None, ""):
            return queryset
        today = timezone.localdate()
        return queryset.filter(
            expiration_date__gte=today, expiration_date__lte=today + timedelta(days=int(value))
        )

    def reporting_status(self, queryset, name, value: str):
        if not value:
            return queryset
        today = timezone.localdate()
        condition = Q()
        for status in value:
            condition |= Agreement.reporting_q(status, today)
        return queryset.filter(condition)


class CoordinationFilterSet(PortalFilterSet):
    """The coordination worklist: which offices owe which answers, on what."""

    search_fields = ("agreement__number", "agreement__title", "office__name", "comment")
    q = filters.CharFilter(method="search", label="Search")
    office = filters.ModelChoiceFilter(queryset=CoordinatingOffice.objects.all())
    stage = checkboxes(Coordination.Stage.choices)
    state = checkboxes(Coordination.State.choices, method="in_state", label="Answer")
    current = filters.ChoiceFilter(
        choices=[("current", "The current round"), ("earlier", "Earlier rounds")],
        method="in_round",
        label="Round",
        empty_label="Every round",
    )
    mine = filters.ChoiceFilter(
        choices=[("mine", "My offices only")],
        method="my_offices",
        label="Offices",
        empty_label="Every office",
    )
    agreement = filters.ModelChoiceFilter(
        queryset=Agreement.objects.all(), widget=forms.HiddenInput
    )

    class Meta:
        model = Coordination
        fields = []

    def in_state(self, queryset, name, value):
        if not value:
            return queryset
        condition = Q()
        for state in value:
            condition |= Coordination.state_q(state, timezone.localdate())
        return queryset.filter(condition)

    def in_round(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(current=value == "current")

    def my_offices(self, queryset, name, value):
        if not value:
            return queryset
        user = getattr(self.request, "user", None)
        return queryset.filter(office__in=CoordinatingOffice.objects.filter(members=user))
