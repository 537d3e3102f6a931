"""URLs of the submission pages: the form, a submission and its actions, the queue, dashboards, notifications."""

from django.urls import URLPattern, path

from contrib.submissions import views

app_name = "submissions"
urlpatterns: list[URLPattern] = [
    path("submit/", views.submit, name="submit"),
    path("submit/validate/", views.submit_validate, name="submit-validate"),
    path("submit/paths/", views.submit_paths, name="submit-paths"),
    path("submit/upload/", views.submit_upload, name="submit-upload"),
    path("submissions/mine/", views.mine, name="mine"),
    path("submissions/<int:pk>/", views.detail, name="detail"),
    path("submissions/<int:pk>/revise/", views.revise, name="revise"),
    path("submissions/<int:pk>/review/", views.review, name="review"),
    path("submissions/<int:pk>/comments/", views.comment, name="comment"),
    path("submissions/<int:pk>/merge/", views.merge, name="merge"),
    path("submissions/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("submissions/<int:pk>/open/", views.open_draft, name="open"),
    path("review/", views.queue, name="queue"),
    path("notifications/", views.notifications, name="notifications"),
]
