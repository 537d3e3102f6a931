"""Django app configuration of accounts."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "contrib.accounts"
    label = "accounts"
    verbose_name = "Accounts"
