"""The URL scheme every model follows (DESIGN §5), written once."""

from django.urls import path

from core import generic_views

# URL name -> route, for the standard views of one model.
ROUTES = {
    "list": "",
    "add": "add/",
    "import": "import/",
    "bulk_edit": "bulk-edit/",
    "detail": "<int:pk>/",
    "edit": "<int:pk>/edit/",
    "delete": "<int:pk>/delete/",
    "history": "<int:pk>/history/",
    "team": "<int:pk>/team/",
    "document_add": "<int:pk>/documents/add/",
}

# The standard views that need nothing but the model's records.
PLAIN_VIEWS = {
    "delete": generic_views.ObjectDeleteView,
    "history": generic_views.ObjectHistoryView,
    "team": generic_views.TeamView,
    "document_add": generic_views.DocumentAddView,
}


def plain_view(name, queryset):
    """Core's generic view `name` (see PLAIN_VIEWS) on `queryset`, e.g. ProgramTeamView."""
    base = PLAIN_VIEWS[name]
    class_name = queryset.model.__name__ + base.__name__.removeprefix("Object")
    return type(class_name, (base,), {"queryset": queryset, "__module__": __name__})


def object_urls(views, plain=(), queryset=None):
    """URL patterns for the standard views of one model.

    `views` maps a name (list, add, detail, edit, delete, history, import, bulk_edit,
    team, document_add) to a view class. The names in `plain` the app does not change
    (delete, history, team, document_add) get core's generic view on `queryset`.
    Missing names get no URL.
    """
    views = views | {name: plain_view(name, queryset) for name in plain}
    return [
        path(route, views[name].as_view(), name=name)
        for name, route in ROUTES.items()
        if name in views
    ]
