from django.urls import path

from core import generic_views, quality_views, token_views, views

app_name = "core"

urlpatterns = [
    path("documents/<int:pk>/download/", views.document_download, name="document-download"),
    path("documents/<int:pk>/delete/", views.document_delete, name="document-delete"),
    path("views/save/", generic_views.SavedViewCreate.as_view(), name="saved-view-save"),
    path(
        "views/<int:pk>/delete/", generic_views.SavedViewDelete.as_view(), name="saved-view-delete"
    ),
    path("views/columns/", generic_views.ColumnsView.as_view(), name="columns"),
    path("countries/<str:iso3>/", views.country, name="country"),
    path("search/", views.search_page, name="search"),
    path("search/suggest/", views.search_suggest, name="search-suggest"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification-read"),
    path("notifications/read-all/", views.notification_read_all, name="notifications-read-all"),
    path(
        "notifications/preferences/",
        views.notification_preferences,
        name="notification-preferences",
    ),
    path("follow/", views.follow_toggle, name="follow"),
    path("data-quality/", quality_views.data_quality, name="data-quality"),
    path("data-quality/run/", quality_views.data_quality_run, name="data-quality-run"),
    path("accounts/tokens/", token_views.token_list, name="api-tokens"),
    path("accounts/tokens/<int:pk>/revoke/", token_views.token_revoke, name="api-token-revoke"),
]
