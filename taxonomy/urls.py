"""URLs of the taxonomy's HTML pages."""

from django.urls import URLPattern, path

from taxonomy import views

app_name = "taxonomy"
urlpatterns: list[URLPattern] = [
    path("", views.tree, name="home"),
    path("tree/", views.tree, name="tree"),
    path("tree/<path:path>/", views.tree, name="directory"),
    # A path never ends in "qna.yaml" (normalize_path strips it), so this cannot shadow a leaf.
    path("leaf/<path:path>/qna.yaml", views.leaf_qna, name="leaf-qna"),
    path("leaf/<path:path>/", views.leaf, name="leaf"),
]
