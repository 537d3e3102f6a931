"""URLs of the generation pages: runs, a run's progress and samples, and a submission's preview."""

from django.urls import URLPattern, path

from contrib.synth import views

app_name = "synth"
urlpatterns: list[URLPattern] = [
    path("runs/", views.run_list, name="runs"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/progress.json", views.run_progress_json, name="run-progress"),
    path("runs/<int:pk>/samples/", views.run_samples_fragment, name="run-samples"),
    path("runs/<int:pk>/cancel/", views.run_cancel, name="run-cancel"),
    path("submissions/<int:pk>/preview/", views.submission_preview, name="submission-preview"),
]
