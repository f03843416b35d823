"""Fora filter panels; the same filter sets serve the lists, exports and the API."""

import django_filters as filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from core.filters import PortalFilterSet
from core.models import Country
from fora.models import ActionItem, Forum, Meeting

COUNTRY_HELP = "Ctrl-click (⌘-click) to choose several."


def _partner_countries():
    return Country.objects.exclude(iso3="USA")


class ForumFilterSet(PortalFilterSet):
    q = filters.CharFilter(method="search", label="Search")
    kind = filters.MultipleChoiceFilter(
        choices=Forum.Kind.choices, widget=forms.CheckboxSelectMultiple
    )
    country = filters.ModelMultipleChoiceFilter(
        queryset=_partner_countries(),
        to_field_name="iso3",
        method="partner_country",
        label="Partner country",
        help_text=COUNTRY_HELP,
    )
    cadence = filters.MultipleChoiceFilter(
        choices=Forum.Cadence.choices, widget=forms.CheckboxSelectMultiple
    )
    us_cochair = filters.ModelChoiceFilter(
        queryset=get_user_model().objects.filter(is_active=True).order_by("last_name"),
        label="US co-chair",
    )

    class Meta:
        model = Forum
        fields = []

    def search(self, queryset, name, value: str):
        return queryset.filter(
            Q(name__icontains=value) | Q(acronym__icontains=value) | Q(purpose__icontains=value)
        )

    def partner_country(self, queryset, name, value: str):
        if not value:
            return queryset
        # A subquery, not a join: one row per forum, no DISTINCT needed.
        through = Forum.countries.through
        return queryset.filter(pk__in=through.objects.filter(country__in=value).values("forum_id"))


class MeetingFilterSet(PortalFilterSet):
    q = filters.CharFilter(method="search", label="Search")
    when = filters.ChoiceFilter(
        choices=[("upcoming", "Upcoming"), ("past", "Past")],
        method="by_when",
        label="When",
        empty_label="Any time",
    )
    status = filters.MultipleChoiceFilter(
        choices=Meeting.Status.choices, widget=forms.CheckboxSelectMultiple
    )
    forum = filters.ModelChoiceFilter(queryset=Forum.objects.all(), label="Forum")
    country = filters.ModelMultipleChoiceFilter(
        queryset=_partner_countries(),
        to_field_name="iso3",
        method="forum_country",
        label="Partner country",
        help_text=COUNTRY_HELP,
    )
    starts_after = filters.DateFilter(
        field_name="start_date", lookup_expr="gte", label="Starts on or after"
    )
    starts_before = filters.DateFilter(
        field_name="start_date", lookup_expr="lte", label="Starts on or before"
    )

    class Meta:
        model = Meeting
        fields = []

    def search(self, queryset, name, value: str):
        return queryset.filter(
            Q(title__icontains=value)
            | Q(location__icontains=value)
            | Q(forum__name__icontains=value)
            | Q(forum__acronym__icontains=value)
        )

    def by_when(self, queryset, name, value: str):
        today = timezone.localdate()
        if value == "upcoming":
            return queryset.filter(end_date__gte=today).exclude(status=Meeting.Status.CANCELLED)
        if value == "past":
            return queryset.filter(end_date__lt=today)
        return queryset

    def forum_country(self, queryset, name, value: str):
        if not value:
            return queryset
        through = Forum.countries.through
        return queryset.filter(
            forum_id__in=through.objects.filter(country__in=value).values("forum_id")
        )


class ActionItemFilterSet(PortalFilterSet):
    """Action items the user may see; `owner=mine` and `state=overdue` narrow them."""

    OWNERS = [("mine", "Mine"), ("all", "Everyone's I may see")]
    STATES = [("open", "Open"), ("overdue", "Overdue"), ("closed", "Closed"), ("any", "Any")]

    q = filters.CharFilter(method="search", label="Search")
    owner = filters.ChoiceFilter(choices=OWNERS, method="by_owner", label="Whose", empty_label=None)
    state = filters.ChoiceFilter(choices=STATES, method="by_state", label="State", empty_label=None)
    forum = filters.ModelChoiceFilter(
        queryset=Forum.objects.all(), field_name="meeting__forum", label="Forum"
    )
    meeting = filters.ModelChoiceFilter(queryset=Meeting.objects.all(), widget=forms.HiddenInput)
    due_before = filters.DateFilter(field_name="due_date", lookup_expr="lte", label="Due by")

    class Meta:
        model = ActionItem
        fields = []

    def search(self, queryset, name, value: str):
        return queryset.filter(
            Q(description__icontains=value)
            | Q(closure_note__icontains=value)
            | Q(meeting__title__icontains=value)
        )

    def by_owner(self, queryset, name, value: str):
        if value == "mine":
            user = getattr(self.request, "user", None)
            return queryset.filter(owner_user=user) if user else queryset.none()
        return queryset

    def by_state(self, queryset, name, value: str):
        if value == "open":
            return queryset.filter(status__in=ActionItem.OPEN_STATUSES)
        if value == "overdue":
            return queryset.overdue()
        if value == "closed":
            return queryset.exclude(status__in=ActionItem.OPEN_STATUSES)
        return queryset


class MyActionItemFilterSet(ActionItemFilterSet):
    """The "my action items" page: the user's open items unless they choose otherwise."""

    def __init__(self, data=None, *args, **kwargs):
        data = data.copy() if data is not None else {}
        if not data.get("owner"):
            data["owner"] = "mine"
        if not data.get("state"):
            data["state"] = "open"
        super().__init__(data, *args, **kwargs)
