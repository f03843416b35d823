"""The disclosure requests filter panel; the same filter set serves the list, exports and API."""

import django_filters as filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from core.filters import PortalFilterSet, checkboxes
from core.forms import CHOOSE_SEVERAL
from core.markings import Classification
from core.models import Country
from tsfd.models import (
    DelegationLetter,
    DisclosureRequest,
    InformationCategory,
    NdpLevel,
    Release,
    Review,
    ReviewArea,
)

YES_NO_ANY = forms.Select(choices=[("", "Any"), ("true", "Yes"), ("false", "No")])


def _linked(name):
    """Every record of the model a request's `name` link points to (program, agreement)."""
    return DisclosureRequest._meta.get_field(name).related_model.objects.all()


@extend_schema_field(OpenApiTypes.STR)
class CountryCodesFilter(filters.ModelMultipleChoiceFilter):
    """Countries chosen by ISO code; the schema says each value is a string (the code)."""


class DisclosureRequestFilterSet(PortalFilterSet):
    search_fields = ("number", "title", "technology", "recipient_country__name")
    q = filters.CharFilter(method="search", label="Search")
    status = checkboxes(DisclosureRequest.Status.choices)
    mine = filters.BooleanFilter(
        method="requested_by_me", label="Requested by me", widget=YES_NO_ANY
    )
    assigned_to_me = filters.BooleanFilter(
        method="reviewed_by_me", label="Assigned to me for review", widget=YES_NO_ANY
    )
    recipient_country = CountryCodesFilter(
        queryset=Country.objects.all(),
        field_name="recipient_country__iso3",  # the value is the ISO code, not the row id
        to_field_name="iso3",
        label="Recipient country",
        help_text=CHOOSE_SEVERAL,
    )
    # Only what the user may see is offered (PortalFilterSet; DESIGN §3: no titles leak).
    program = filters.ModelChoiceFilter(queryset=_linked("program"), label="Program")
    agreement = filters.ModelChoiceFilter(queryset=_linked("agreement"), label="Agreement")
    review_area = filters.ModelChoiceFilter(
        queryset=ReviewArea.objects.all(), method="with_area", label="Review area"
    )
    disclosure_form = checkboxes(DisclosureRequest.Form.choices, label="Form of disclosure")
    highest_classification = checkboxes(Classification.choices[:2], label="Highest classification")
    information_category = filters.ModelChoiceFilter(
        queryset=InformationCategory.objects.all(), label="Information category"
    )
    needed_before = filters.DateFilter(
        field_name="needed_by", lookup_expr="lte", label="Needed on or before"
    )
    submitted_after = filters.DateFilter(
        field_name="submitted_at", lookup_expr="date__gte", label="Submitted on or after"
    )

    class Meta:
        model = DisclosureRequest
        fields = []

    def requested_by_me(self, queryset, name, value: str):
        if value is None:
            return queryset
        mine = Q(requested_by=self.request.user)
        return queryset.filter(mine) if value else queryset.exclude(mine)

    def reviewed_by_me(self, queryset, name, value: str):
        if value is None:
            return queryset
        assigned = Q(pk__in=Review.objects.filter(reviewer=self.request.user).values("request_id"))
        return queryset.filter(assigned) if value else queryset.exclude(assigned)

    def with_area(self, queryset, name, value: str):
        if not value:
            return queryset
        return queryset.filter(pk__in=Review.objects.filter(area=value).values("request_id"))


class ReviewFilterSet(PortalFilterSet):
    """Filters of the reviews API."""

    open = filters.BooleanFilter(field_name="completed_at", lookup_expr="isnull", label="Open")
    mine = filters.BooleanFilter(method="assigned_to_me", label="Assigned to me")

    class Meta:
        model = Review
        fields = ["request", "area", "recommendation"]

    def assigned_to_me(self, queryset, name, value: str):
        if value is None:
            return queryset
        me = Q(reviewer=self.request.user)
        return queryset.filter(me) if value else queryset.exclude(me)


class ReleaseFilterSet(PortalFilterSet):
    """The release log's filters (page and API)."""

    search_fields = ("what", "recipient", "request__number")
    q = filters.CharFilter(method="search", label="Search")
    request = filters.ModelChoiceFilter(
        queryset=DisclosureRequest.objects.all(), label="Decision (case)"
    )
    recipient_country = CountryCodesFilter(
        queryset=Country.objects.all(),
        field_name="recipient_country__iso3",
        to_field_name="iso3",
        label="Released to country",
        help_text=CHOOSE_SEVERAL,
    )
    classification_released = checkboxes(Classification.choices, label="Classification")
    released_after = filters.DateFilter(
        field_name="released_on", lookup_expr="gte", label="Released on or after"
    )
    released_before = filters.DateFilter(
        field_name="released_on", lookup_expr="lte", label="Released on or before"
    )

    class Meta:
        model = Release
        fields = []


class DelegationLetterFilterSet(PortalFilterSet):
    search_fields = ("number", "title", "system", "scope")
    q = filters.CharFilter(method="search", label="Search")
    country = CountryCodesFilter(
        queryset=Country.objects.all(),
        field_name="countries__iso3",
        to_field_name="iso3",
        label="Country",
        help_text=CHOOSE_SEVERAL,
        distinct=True,
    )
    classification_limit = checkboxes(Classification.choices, label="Classification limit")
    expired = filters.BooleanFilter(method="expired_only", label="Expired", widget=YES_NO_ANY)

    class Meta:
        model = DelegationLetter
        fields = []

    def expired_only(self, queryset, name, value: str):
        if value is None:
            return queryset
        old = Q(expires_on__lt=timezone.localdate())
        return queryset.filter(old) if value else queryset.exclude(old)


class NdpLevelFilterSet(PortalFilterSet):
    search_fields = ("country__name", "category__name", "note")
    q = filters.CharFilter(method="search", label="Search")
    country = CountryCodesFilter(
        queryset=Country.objects.all(),
        field_name="country__iso3",
        to_field_name="iso3",
        label="Country",
        help_text=CHOOSE_SEVERAL,
    )
    category = filters.ModelChoiceFilter(
        queryset=InformationCategory.objects.all(), label="NDP category"
    )
    level = checkboxes(Classification.choices, label="Delegated level")

    class Meta:
        model = NdpLevel
        fields = []
