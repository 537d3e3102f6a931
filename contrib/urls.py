"""Top-level URL configuration of Seedbed."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from contrib.health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("taxonomy.api.urls")),
    path("api/v1/", include("contrib.accounts.api.urls")),
    path("api/v1/", include("contrib.submissions.api.urls")),
    path("api/v1/", include("contrib.synth.api.urls")),
    path("api/v1/", include("contrib.releases.api.urls")),
    path("accounts/", include("contrib.accounts.urls")),
    path("", include("contrib.submissions.urls")),
    path("", include("contrib.synth.urls")),
    path("", include("contrib.releases.urls")),
    path("", include("taxonomy.urls")),
]
