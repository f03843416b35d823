from django.urls import path

from briefs import views

app_name = "briefs"

urlpatterns = [
    path("", views.PacketListView.as_view(), name="list"),
    path("request/", views.PacketRequestView.as_view(), name="request"),
    path("<int:pk>/", views.packet_detail, name="detail"),
    path("<int:pk>/progress/", views.packet_progress, name="progress"),
    path("<int:pk>/download/", views.packet_download, name="download"),
    path("<int:pk>/cancel/", views.packet_cancel, name="cancel"),
    path("<int:pk>/rerun/", views.packet_rerun, name="rerun"),
    path("<int:pk>/delete/", views.packet_delete, name="delete"),
]
