"""Reads of accounts: who may review which path, and who maintains the instance."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from contrib.accounts.models import Area, Profile

AnyUser = AbstractBaseUser | AnonymousUser


def is_maintainer(user: AnyUser) -> bool:
    if not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False):
        return True
    return Profile.objects.filter(user_id=user.pk, is_maintainer=True).exists()


def area_for(path: str, areas: list[Area] | None = None) -> Area | None:
    """The most specific area whose prefix covers ``path``, as CODEOWNERS picks the last matching rule."""
    candidates = areas if areas is not None else list(Area.objects.all())
    covering = [a for a in candidates if a.covers(path)]
    return max(covering, key=lambda a: len(a.prefix), default=None)


def reviewer_ids_for(path: str) -> set[int]:
    area = area_for(path)
    if area is None:
        return set()
    return set(area.reviewers.values_list("pk", flat=True))


def can_review(user: AnyUser, path: str) -> bool:
    """Maintainers review everything; a reviewer reviews the paths whose most specific area they own."""
    if not user.is_authenticated:
        return False
    return is_maintainer(user) or user.pk in reviewer_ids_for(path)


def required_approvals_for(path: str) -> int:
    area = area_for(path)
    return area.required_approvals if area is not None else 1


def owned_prefixes(user: AnyUser) -> list[str]:
    """The area prefixes ``user`` reviews (empty for anonymous users and plain contributors)."""
    if not user.is_authenticated:
        return []
    return list(Area.objects.filter(reviewers__pk=user.pk).values_list("prefix", flat=True))


def profile_of(user: AbstractBaseUser) -> Profile:
    profile, _ = Profile.objects.get_or_create(user_id=user.pk)
    return profile
