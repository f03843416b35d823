from django.urls import include, path

from core.permissions import guards
from core.urls_helpers import object_urls
from tsfd import views
from tsfd.models import DelegationLetter, DisclosureRequest, Release

app_name = "tsfd"

release_patterns = object_urls(
    {"list": views.ReleaseListView, "detail": views.ReleaseDetailView},
    plain=("history",),
    queryset=Release.objects.all(),
)

ddl_patterns = object_urls(
    {
        "list": views.DelegationLetterListView,
        "add": views.DelegationLetterEditView,
        "detail": views.DelegationLetterDetailView,
        "edit": views.DelegationLetterEditView,
        "delete": views.DelegationLetterDeleteView,
        "document_add": views.DelegationLetterDocumentAddView,
    },
    plain=("history",),
    queryset=DelegationLetter.objects.all(),
)

ndp_patterns = [path("", views.NdpLevelListView.as_view(), name="list")]

urlpatterns = [
    *object_urls(
        {
            "list": views.RequestListView,
            "add": views.RequestEditView,
            "detail": views.RequestDetailView,
            "edit": views.RequestEditView,
            "delete": views.RequestDeleteView,
            "document_add": views.RequestDocumentAddView,
        },
        plain=("history",),
        queryset=DisclosureRequest.objects.all(),
    ),
    path("queue/", views.QueueView.as_view(), name="queue"),
    path("<int:pk>/intake/", guards(DisclosureRequest)(views.IntakeView.as_view()), name="intake"),
    path("<int:pk>/decide/", guards(DisclosureRequest)(views.DecideView.as_view()), name="decide"),
    path(
        "<int:pk>/reconsider/",
        guards(DisclosureRequest)(views.ReconsiderView.as_view()),
        name="reconsider",
    ),
    # The step's name and the review's area travel in the query string or form, so every
    # route of the app is keyed by the request alone (and follows its visibility).
    path("<int:pk>/step/", views.StepView.as_view(), name="step"),
    path("<int:pk>/review/", guards(DisclosureRequest)(views.ReviewView.as_view()), name="review"),
    path("<int:pk>/releases/add/", views.ReleaseAddView.as_view(), name="release_add"),
    path("releases/", include((release_patterns, "releases"))),
    path("ddl/", include((ddl_patterns, "ddl"))),
    path("ndp/", include((ndp_patterns, "ndp"))),
]
