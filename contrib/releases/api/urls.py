"""URLs of the releases API, under /api/v1/."""

from django.urls import URLPattern, path

from contrib.releases.api import views

app_name = "releases-api"
urlpatterns: list[URLPattern] = [
    path("releases/", views.ReleaseListCreateView.as_view(), name="release-list"),
    path("releases/<str:version>/", views.ReleaseDetailView.as_view(), name="release-detail"),
    path("releases/<str:version>/publish/", views.ReleasePublishView.as_view(), name="release-publish"),
    path("releases/<str:version>/withdraw/", views.ReleaseWithdrawView.as_view(), name="release-withdraw"),
    path("releases/<str:version>/files/<path:name>", views.ReleaseFileView.as_view(), name="release-file"),
]
