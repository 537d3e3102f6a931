"""URLs of the release pages: the list, the schedule, a release and its actions, and file downloads."""

from django.urls import URLPattern, path

from contrib.releases import views

app_name = "releases"
urlpatterns: list[URLPattern] = [
    path("releases/", views.release_list, name="list"),
    # Before <version>/, so the schedule page is never read as a release named "schedule".
    path("releases/schedule/", views.release_schedule, name="schedule"),
    path("releases/schedule/remove/", views.release_schedule_remove, name="schedule-remove"),
    path("releases/<str:version>/", views.release_detail, name="detail"),
    path("releases/<str:version>/progress.json", views.release_progress_json, name="progress"),
    path("releases/<str:version>/publish/", views.release_publish, name="publish"),
    path("releases/<str:version>/withdraw/", views.release_withdraw, name="withdraw"),
    path("releases/<str:version>/verify/", views.release_verify, name="verify"),
    path("releases/<str:version>/build/", views.release_build, name="build"),
    path("releases/<str:version>/files/<path:name>", views.release_file_download, name="file"),
]
