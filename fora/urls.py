"""Fora URLs (DESIGN §5): fora at /fora/, meetings and action items nested under it.

Meeting and action-item pages have their own namespace (fora:meetings:...) because
their <pk> is a meeting's, not a forum's; the calendar feeds have theirs
(fora:calendar:...) because they answer without a session.
"""

from django.urls import include, path

from core.permissions import guards
from core.urls_helpers import object_urls
from fora import feeds, views
from fora.models import Forum, Meeting

app_name = "fora"

meeting_patterns = [
    path("meetings/", views.MeetingListView.as_view(), name="list"),
    path("meetings/<int:pk>/", views.MeetingDetailView.as_view(), name="detail"),
    path("meetings/<int:pk>/edit/", views.MeetingEditView.as_view(), name="edit"),
    path("meetings/<int:pk>/delete/", views.MeetingDeleteView.as_view(), name="delete"),
    path("meetings/<int:pk>/agenda/", views.AgendaView.as_view(), name="agenda"),
    path("meetings/<int:pk>/delegations/", views.DelegationsView.as_view(), name="delegations"),
    path("meetings/<int:pk>/action-items/", views.ActionItemsView.as_view(), name="action_items"),
    path("meetings/<int:pk>/meeting.ics", guards(Meeting)(views.meeting_ics), name="ics"),
    path("action-items/", views.ActionItemListView.as_view(), name="my_action_items"),
    path(
        "action-items/<int:pk>/update/",
        views.ActionItemUpdateView.as_view(),
        name="action_item_update",
    ),
]

calendar_patterns = [
    path("link/", feeds.manage_token, name="manage"),
    path("<str:token>/meetings.ics", feeds.user_feed, name="user_feed"),
    path("<str:token>/fora/<int:pk>.ics", feeds.forum_feed, name="forum_feed"),
]

urlpatterns = [
    *object_urls(
        {
            "list": views.ForumListView,
            "add": views.ForumEditView,
            "import": views.ForumImportView,
            "bulk_edit": views.ForumBulkEditView,
            "detail": views.ForumDetailView,
            "edit": views.ForumEditView,
        },
        plain=("delete", "history", "team", "document_add"),
        queryset=Forum.objects.all(),
    ),
    path("<int:pk>/working-groups/", views.WorkingGroupsView.as_view(), name="working_groups"),
    path("<int:pk>/meetings/add/", views.MeetingAddView.as_view(), name="meeting_add"),
    path("<int:pk>/read-ahead/", guards(Forum)(views.ReadAheadView.as_view()), name="read_ahead"),
    path("", include((meeting_patterns, "meetings"))),
    path("calendar/", include((calendar_patterns, "calendar"))),
]
