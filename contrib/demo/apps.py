"""Django app configuration of the first-run demo."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "contrib.demo"
    label = "demo"
    verbose_name = "First-run demo"
