"""Django app configuration of submissions."""

from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "contrib.submissions"
    label = "submissions"
    verbose_name = "Submissions"
