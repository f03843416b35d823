"""Fora filter panels; the same filter sets serve the lists, exports and the API."""

import django_filters as filters
from django import forms
from django.utils import timezone

from core.filters import PortalFilterSet, checkboxes, countries
from core.forms import active_people
from core.models import Country
from fora.models import ActionItem, Forum, Meeting


def _partner_countries():
    return Country.objects.exclude(iso3="USA")


class ForumFilterSet(PortalFilterSet):
    search_fields = ("name", "acronym", "purpose")
    q = filters.CharFilter(method="search", label="Search")
    kind = checkboxes(Forum.Kind.choices)
    country = countries(_partner_countries(), method="partner_country", label="Partner country")
    cadence = checkboxes(Forum.Cadence.choices)
    us_cochair = filters.ModelChoiceFilter(
        queryset=active_people(),
        label="US co-chair",
    )

    class Meta:
        model = Forum
        fields = []

    def partner_country(self, queryset, name, value: str):
        if not value:
            return queryset
        # A subquery, not a join: one row per forum, no DISTINCT needed.
        through = Forum.countries.through
        return queryset.filter(pk__in=through.objects.filter(country__in=value).values("forum_id"))


class MeetingFilterSet(PortalFilterSet):
    search_fields = ("title", "location", "forum__name", "forum__acronym")
    q = filters.CharFilter(method="search", label="Search")
    when = filters.ChoiceFilter(
        choices=[("upcoming", "Upcoming"), ("past", "Past")],
        method="by_when",
        label="When",
        empty_label="Any time",
    )
    status = checkboxes(Meeting.Status.choices)
    forum = filters.ModelChoiceFilter(queryset=Forum.objects.all(), label="Forum")
    country = countries(_partner_countries(), method="forum_country", label="Partner country")
    starts_after = filters.DateFilter(
        field_name="start_date", lookup_expr="gte", label="Starts on or after"
    )
    starts_before = filters.DateFilter(
        field_name="start_date", lookup_expr="lte", label="Starts on or before"
    )

    class Meta:
        model = Meeting
        fields = []

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

    search_fields = ("description", "closure_note", "meeting__title")
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
