from django.urls import include, path

from agreements import views
from agreements.models import Agreement
from core.urls_helpers import object_urls

app_name = "agreements"

# Coordination pages have their own namespace (agreements:coordination:...): their <pk>
# is a coordination row's, not an agreement's.
coordination_patterns = [
    path("", views.CoordinationListView.as_view(), name="list"),
    path("<int:pk>/answer/", views.CoordinationAnswerView.as_view(), name="answer"),
    path("<int:pk>/overrule/", views.CoordinationOverruleView.as_view(), name="overrule"),
]

urlpatterns = [
    *object_urls(
        {
            "list": views.AgreementListView,
            "add": views.AgreementEditView,
            "import": views.AgreementImportView,
            "bulk_edit": views.AgreementBulkEditView,
            "detail": views.AgreementDetailView,
            "edit": views.AgreementEditView,
        },
        plain=("delete", "history", "team", "document_add"),
        queryset=Agreement.objects.all(),
    ),
    path("<int:pk>/participants/", views.ParticipantsView.as_view(), name="participants"),
    path("<int:pk>/signatories/", views.SignatoriesView.as_view(), name="signatories"),
    path("<int:pk>/transition/", views.TransitionView.as_view(), name="transition"),
    path("coordination/", include((coordination_patterns, "coordination"))),
]
