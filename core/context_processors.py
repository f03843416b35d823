"""Values every template needs: the marking banner, the user's roles, the navigation."""

from functools import cache

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse

from core.notifications import unread_count
from core.registry import registry
from core.roles import role_names


@cache
def navigation():
    """The primary navigation: what each app registered (core.registry), in order."""
    return tuple((item.label, reverse(item.url_name)) for item in registry["navigation"])


@cache
def app_stylesheets():
    """The URLs of the apps' own CSS files, in the order the apps registered them."""
    return tuple(static(path) for path in registry["stylesheets"])


def portal(request):
    # Kept for the request: a detail page renders each related panel with the request's
    # context, and its roles and unread count need reading once, not once per panel.
    kept = getattr(request, "_portal_context", None)
    if kept is None:
        kept = request._portal_context = _portal(request)
    return kept


def _portal(request):
    user = getattr(request, "user", None)
    return {
        "portal_marking": settings.PORTAL_MARKING,
        "user_roles": role_names(user) if user is not None and user.is_authenticated else [],
        "navigation": navigation(),
        "app_stylesheets": app_stylesheets(),
        "unread_notifications": unread_count(user)
        if user is not None and user.is_authenticated
        else 0,
    }
