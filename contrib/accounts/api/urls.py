"""URLs of the accounts API, under /api/v1/."""

from django.urls import URLPattern, path

from contrib.accounts.api.views import TokenView

app_name = "accounts-api"
urlpatterns: list[URLPattern] = [
    path("auth/token/", TokenView.as_view(), name="token"),
]
