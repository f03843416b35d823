"""Values every template needs: the marking banner, the user's roles, the navigation."""

from functools import cache

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from core.notifications import unread_count
from core.roles import role_names

NAVIGATION = [
    ("Programs", "programs:list"),
    ("Agreements", "agreements:list"),
    ("TSFD", "tsfd:list"),
    ("Fora", "fora:list"),
    ("Briefs", "briefs:list"),
    ("Data quality", "core:data-quality"),
]


@cache
def navigation():
    """The primary navigation: every app whose pages are installed, in a fixed order."""
    items = []
    for label, name in NAVIGATION:
        try:
            items.append((label, reverse(name)))
        except NoReverseMatch:
            continue
    return tuple(items)


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
        "unread_notifications": unread_count(user)
        if user is not None and user.is_authenticated
        else 0,
    }
