"""/api/v1/: each app's API routes."""

from django.urls import include, path

urlpatterns = [
    path("", include("programs.api.urls")),
]
