"""URLs of the submissions API, under /api/v1/."""

from django.urls import URLPattern, path

from contrib.submissions.api import views

app_name = "submissions-api"
urlpatterns: list[URLPattern] = [
    path("submissions/", views.SubmissionListCreateView.as_view(), name="submission-list"),
    path("submissions/<int:pk>/", views.SubmissionDetailView.as_view(), name="submission-detail"),
    path("submissions/<int:pk>/revisions/", views.RevisionCreateView.as_view(), name="submission-revisions"),
    path("submissions/<int:pk>/documents/", views.DocumentCreateView.as_view(), name="submission-documents"),
    path("submissions/<int:pk>/reviews/", views.ReviewCreateView.as_view(), name="submission-reviews"),
    path("submissions/<int:pk>/comments/", views.CommentCreateView.as_view(), name="submission-comments"),
    path("submissions/<int:pk>/merge/", views.MergeView.as_view(), name="submission-merge"),
    path("submissions/<int:pk>/withdraw/", views.WithdrawView.as_view(), name="submission-withdraw"),
    path("submissions/<int:pk>/open/", views.OpenView.as_view(), name="submission-open"),
    path("notifications/", views.NotificationListView.as_view(), name="notification-list"),
    path("notifications/read/", views.NotificationReadView.as_view(), name="notification-read"),
]
