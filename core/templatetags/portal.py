"""Template helpers for display only."""

from django import template
from django.urls import NoReverseMatch, resolve, reverse

register = template.Library()

# The pages of one record in the URL scheme (DESIGN §5, core.urls_helpers.object_urls).
RECORD_PAGES = ("edit", "delete", "team", "document_add")


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "") if hasattr(mapping, "get") else ""


@register.filter
def money(value):
    if value in (None, ""):
        return "—"
    return f"{value:,.0f}"


@register.filter
def meta(record, name):
    """A model's Meta option, e.g. {{ object|meta:"verbose_name_plural" }}."""
    return getattr(record._meta, name, "")


@register.simple_tag
def record_urls(record):
    """{page: URL} of the standard pages the record's app has: list, edit, delete, team,
    document_add, and history (its root's: a meeting's changes are on its forum's page).

    Found from the namespace of the record's own URL, so a new model's detail page links to
    its pages without naming them; a page the app does not have is simply absent."""
    from core.generic_views import history_url

    namespace = resolve(record.get_absolute_url()).namespace
    urls = {"history": history_url(record)}
    for page in ("list", *RECORD_PAGES):
        args = () if page == "list" else (record.pk,)
        try:
            urls[page] = reverse(f"{namespace}:{page}", args=args)
        except NoReverseMatch:
            continue
    return urls
