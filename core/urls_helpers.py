"""The URL scheme every model follows (DESIGN §5), written once."""

from django.urls import path

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


def object_urls(views):
    """URL patterns for the standard views of one model.

    `views` maps a name (list, add, detail, edit, delete, history, import, bulk_edit,
    team, document_add) to a view class; missing names get no URL.
    """
    return [
        path(route, views[name].as_view(), name=name)
        for name, route in ROUTES.items()
        if name in views
    ]
