from django.urls import path

from briefs import views
from briefs.models import Packet
from core.permissions import guards

app_name = "briefs"

urlpatterns = [
    path("", views.PacketListView.as_view(), name="list"),
    path("request/", views.PacketRequestView.as_view(), name="request"),
    path("weekly/", views.WeeklyView.as_view(), name="weekly"),
    path("weekly/stop/", views.weekly_stop, name="weekly_stop"),
    path("<int:pk>/", guards(Packet)(views.packet_detail), name="detail"),
    path("<int:pk>/progress/", guards(Packet)(views.packet_progress), name="progress"),
    path("<int:pk>/download/", guards(Packet)(views.packet_download), name="download"),
    path("<int:pk>/cancel/", guards(Packet)(views.packet_cancel), name="cancel"),
    path("<int:pk>/rerun/", guards(Packet)(views.packet_rerun), name="rerun"),
    path("<int:pk>/delete/", guards(Packet)(views.packet_delete), name="delete"),
]
