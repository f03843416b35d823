"""The base of every filter set: model-choice filters offer and accept only what the
user may see (`core.permissions.restrict_choices`), on the list pages and the API alike.

An app's filter set inherits `PortalFilterSet`; the API's filter backend builds the
filter sets of a viewset's `filterset_fields` on it too (settings.REST_FRAMEWORK).
"""

import django_filters
from django import forms
from django.db.models import Q
from django_filters import rest_framework as drf_filters

from core.forms import CHOOSE_SEVERAL
from core.models import Country
from core.permissions import restrict_choices


def checkboxes(choices, **kwargs):
    """A filter of several of a field's choices (kind, status, phase…), as check boxes."""
    return django_filters.MultipleChoiceFilter(
        choices=choices, widget=forms.CheckboxSelectMultiple, **kwargs
    )


def countries(queryset=None, **kwargs):
    """A filter of several countries, named by ISO code (GBR) like everywhere in the API;
    the filter set's `method` says which of its countries they are."""
    return django_filters.ModelMultipleChoiceFilter(
        queryset=Country.objects.all() if queryset is None else queryset,
        to_field_name="iso3",
        help_text=CHOOSE_SEVERAL,
        **kwargs,
    )


class PortalFilterSet(django_filters.FilterSet):
    """A filter set whose record filters (`?program=`, `?parent=`…) know only the records
    the user may see: an unseen id is "not one of the available choices", like a missing one.

    The user is the request's, or `user=` where there is no request (a background job).

    A filter set with a search box declares `q = filters.CharFilter(method="search", …)`
    and the fields it searches, `search_fields = ("code", "name", …)`.
    """

    search_fields = ()

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, user=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.user = user if user is not None else getattr(request, "user", None)
        self._choices_restricted = False

    @property
    def form(self):
        # The form is built on first use, after every subclass's __init__ has set its
        # querysets: restricting here covers them all, whatever they set.
        if not self._choices_restricted:
            restrict_choices(self, self.user)
            self._choices_restricted = True
        return super().form

    def search(self, queryset, name, value: str):
        """The records any of `search_fields` contains the text in (case-insensitive)."""
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)


class PortalApiFilterSet(PortalFilterSet, drf_filters.FilterSet):
    """The base DRF builds a viewset's `filterset_fields` filter set on (DRF's booleans)."""


class PortalFilterBackend(drf_filters.DjangoFilterBackend):
    """django-filter's DRF backend, with `filterset_fields` built on `PortalFilterSet`."""

    filterset_base = PortalApiFilterSet
