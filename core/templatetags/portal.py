"""Template helpers for display only."""

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "") if hasattr(mapping, "get") else ""


@register.filter
def money(value):
    if value in (None, ""):
        return "—"
    return f"{value:,.0f}"
