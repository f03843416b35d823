"""Top-level URLs: one include per app, the API under /api/v1/, the admin site."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core import oidc
from core import views as core_views

admin.site.site_header = "IC Portal administration"
admin.site.site_title = "IC Portal admin"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("consent/", core_views.consent, name="consent"),
    path("accounts/login/", core_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", core_views.LogoutView.as_view(), name="logout"),
    path("accounts/profile/", core_views.profile, name="profile"),
    # Sign-in through the organisation's OpenID Connect provider (404 unless configured).
    path("oidc/authenticate/", oidc.SignInView.as_view(), name="oidc_authentication_init"),
    path("oidc/callback/", oidc.CallbackView.as_view(), name="oidc_authentication_callback"),
    path("healthz", core_views.healthz, name="healthz"),
    path("", include("core.urls")),
    path("programs/", include("programs.urls")),
    path("tsfd/", include("tsfd.urls")),
    path("agreements/", include("agreements.urls")),
    path("fora/", include("fora.urls")),
    path("briefs/", include("briefs.urls")),
    path("api/v1/", include("icportal.api_urls")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file, not inline, so the
    # docs page keeps the portal's strict Content-Security-Policy.
    path(
        "api/v1/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"
    ),
    path("admin/", admin.site.urls),
]

handler500 = "core.views.server_error"
handler404 = "core.views.not_found"
