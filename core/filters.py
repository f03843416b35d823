"""The base of every filter set: model-choice filters offer and accept only what the
user may see (`core.permissions.restrict_choices`), on the list pages and the API alike.

An app's filter set inherits `PortalFilterSet`; the API's filter backend builds the
filter sets of a viewset's `filterset_fields` on it too (settings.REST_FRAMEWORK).
"""

import django_filters
from django_filters import rest_framework as drf_filters

from core.permissions import restrict_choices


class PortalFilterSet(django_filters.FilterSet):
    """A filter set whose record filters (`?program=`, `?parent=`…) know only the records
    the user may see: an unseen id is "not one of the available choices", like a missing one.

    The user is the request's, or `user=` where there is no request (a background job).
    """

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


class PortalApiFilterSet(PortalFilterSet, drf_filters.FilterSet):
    """The base DRF builds a viewset's `filterset_fields` filter set on (DRF's booleans)."""


class PortalFilterBackend(drf_filters.DjangoFilterBackend):
    """django-filter's DRF backend, with `filterset_fields` built on `PortalFilterSet`."""

    filterset_base = PortalApiFilterSet
