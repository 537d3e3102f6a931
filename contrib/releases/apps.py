"""Django app configuration of releases."""

from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    name = "contrib.releases"
    label = "releases"
    verbose_name = "Releases"
