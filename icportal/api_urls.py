"""/api/v1/: each app's API routes."""

from django.urls import include, path

urlpatterns = [
    path("", include("programs.api.urls")),
    path("", include("tsfd.api.urls")),
    path("", include("agreements.api.urls")),
    path("", include("fora.api.urls")),
    path("", include("briefs.api.urls")),
]
