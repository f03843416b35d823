from django.urls import path

from core.urls_helpers import object_urls
from programs import views
from programs.models import Program

app_name = "programs"

urlpatterns = [
    *object_urls(
        {
            "list": views.ProgramListView,
            "add": views.ProgramEditView,
            "import": views.ProgramImportView,
            "bulk_edit": views.ProgramBulkEditView,
            "detail": views.ProgramDetailView,
            "edit": views.ProgramEditView,
        },
        plain=("delete", "history", "team", "document_add"),
        queryset=Program.objects.all(),
    ),
    path("<int:pk>/partners/", views.ParticipantsView.as_view(), name="partners"),
    path("<int:pk>/funding/", views.FundingView.as_view(), name="funding"),
    path("<int:pk>/milestones/", views.MilestonesView.as_view(), name="milestones"),
]
