"""URLs of the generation API, under /api/v1/."""

from django.urls import URLPattern, path

from contrib.synth.api import views

app_name = "synth-api"
urlpatterns: list[URLPattern] = [
    path("generation-runs/", views.RunCreateView.as_view(), name="run-list"),
    path("generation-runs/<int:pk>/", views.RunDetailView.as_view(), name="run-detail"),
    path("generation-runs/<int:pk>/samples/", views.SampleListView.as_view(), name="run-samples"),
    path("generation-runs/<int:pk>/cancel/", views.RunCancelView.as_view(), name="run-cancel"),
]
