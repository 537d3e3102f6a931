"""Profiles, maintainers, and the areas of the tree that reviewers own."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models

from contrib.accounts.choices import CreditConsent


class Profile(models.Model):
    """What Seedbed knows of a user beyond Django's auth: names, DCO identity, credit consent, notifications."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(max_length=150, blank=True)
    dco_name = models.CharField("DCO name", max_length=200, blank=True)
    dco_email = models.EmailField("DCO email", blank=True)
    credit_consent = models.CharField(max_length=16, choices=CreditConsent.choices, default=CreditConsent.PSEUDONYMOUS)
    is_maintainer = models.BooleanField(default=False)
    notify_by_email = models.BooleanField(default=True, help_text="Email me about reviews of my submissions and areas.")

    def __str__(self) -> str:
        return self.display_name or self.user.get_username()

    @property
    def pseudonym(self) -> str:
        """A stable pseudonym, the same in every release, that does not reveal the username."""
        digest = hashlib.sha256(f"seedbed-contributor:{self.user_id}".encode()).hexdigest()
        return f"contributor-{digest[:10]}"

    @property
    def credit_name(self) -> str:
        """The name release cards print: the display name with consent, else the pseudonym."""
        if self.credit_consent == CreditConsent.NAMED:
            return self.display_name or self.dco_name or self.user.get_username()
        return self.pseudonym

    @property
    def signoff(self) -> str:
        """The DCO trailer for this user, or "" until the DCO identity is filled in."""
        if not (self.dco_name and self.dco_email):
            return ""
        return f"Signed-off-by: {self.dco_name} <{self.dco_email}>"


class Area(models.Model):
    """A taxonomy path prefix, like a CODEOWNERS entry: its reviewers and how many approvals it needs."""

    prefix = models.CharField(max_length=1024, unique=True)
    required_approvals = models.PositiveSmallIntegerField(default=1)
    reviewers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="review_areas", blank=True)

    class Meta:
        ordering = ["prefix"]

    def __str__(self) -> str:
        return self.prefix

    def covers(self, path: str) -> bool:
        return path == self.prefix or path.startswith(f"{self.prefix}/")
