"""URLs of the taxonomy API, under /api/v1/."""

from django.urls import URLPattern, path

from taxonomy.api import views

app_name = "taxonomy-api"
urlpatterns: list[URLPattern] = [
    path("taxonomy/versions/", views.VersionListView.as_view(), name="version-list"),
    path("taxonomy/versions/<int:number>/", views.VersionDetailView.as_view(), name="version-detail"),
    path("taxonomy/versions/<int:number>/tree/", views.VersionTreeView.as_view(), name="version-tree"),
    # History has its own prefix: under leaves/<path>/history/ it would shadow a leaf named "history".
    path("taxonomy/history/<path:path>/", views.LeafHistoryView.as_view(), name="leaf-history"),
    path("taxonomy/leaves/<path:path>/", views.LeafDetailView.as_view(), name="leaf-detail"),
    path("validate/", views.ValidateView.as_view(), name="validate"),
]
