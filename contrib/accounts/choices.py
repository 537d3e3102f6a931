"""Enumerations of accounts."""

from django.db import models


class Role(models.TextChoices):
    CONTRIBUTOR = "contributor", "Contributor"
    REVIEWER = "reviewer", "Reviewer"
    MAINTAINER = "maintainer", "Maintainer"


class CreditConsent(models.TextChoices):
    NAMED = "named", "Credit me by name in release cards"
    PSEUDONYMOUS = "pseudonymous", "Credit me under a pseudonym"
