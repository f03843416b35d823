"""The URL scheme every model follows (DESIGN §5), written once."""

from django.urls import path


def object_urls(views, prefix=""):
    """URL patterns for the standard views of one model.

    `views` maps a name (list, add, detail, edit, delete, history, import, bulk_edit,
    team, document_add) to a view class; missing names get no URL.
    """
    routes = {
        "list": ("", "list"),
        "add": ("add/", "add"),
        "import": ("import/", "import"),
        "bulk_edit": ("bulk-edit/", "bulk_edit"),
        "detail": ("<int:pk>/", "detail"),
        "edit": ("<int:pk>/edit/", "edit"),
        "delete": ("<int:pk>/delete/", "delete"),
        "history": ("<int:pk>/history/", "history"),
        "team": ("<int:pk>/team/", "team"),
        "document_add": ("<int:pk>/documents/add/", "document_add"),
    }
    patterns = []
    for key, (route, name) in routes.items():
        view = views.get(key)
        if view is None:
            continue
        url_name = f"{prefix.replace('/', '') + '_' if prefix else ''}{name}"
        patterns.append(path(prefix + route, view.as_view(), name=url_name))
    return patterns
