"""Django app configuration of synthetic data generation."""

from django.apps import AppConfig


class SynthConfig(AppConfig):
    name = "contrib.synth"
    label = "synth"
    verbose_name = "Synthetic data"
