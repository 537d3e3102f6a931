"""Writes of accounts: sign-up, roles and areas."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from contrib.accounts.choices import Role
from contrib.accounts.models import Area, Profile
from taxonomy.paths import normalize_path


class RoleError(ValueError):
    """A role grant that cannot be applied as asked."""


@transaction.atomic
def user_signup(*, username: str, email: str, password: str, display_name: str = "") -> AbstractBaseUser:
    user = get_user_model().objects.create_user(username=username, email=email, password=password)
    Profile.objects.create(user=user, display_name=display_name, dco_email=email)
    return user


def area_normalize(prefix: str) -> str:
    """Areas are path prefixes; a bare root such as ``knowledge`` is allowed too."""
    cleaned = prefix.strip().strip("/")
    if "/" not in cleaned:
        # normalize_path wants a leaf below a root; an area may be the root itself.
        return normalize_path(f"{cleaned}/x").rsplit("/", 1)[0]
    return normalize_path(cleaned)


@transaction.atomic
def role_grant(*, user: AbstractBaseUser, role: str, area: str | None = None, required_approvals: int | None = None) -> Area | None:
    """Make ``user`` a contributor (a no-op: every user is one), a reviewer of ``area``, or a maintainer."""
    profile, _ = Profile.objects.get_or_create(user_id=user.pk)
    if role == Role.CONTRIBUTOR:
        return None
    if role == Role.MAINTAINER:
        profile.is_maintainer = True
        profile.save(update_fields=["is_maintainer"])
        return None
    if role == Role.REVIEWER:
        if not area:
            raise RoleError("A reviewer owns an area: give --area PATH_PREFIX, e.g. --area knowledge/science.")
        prefix = area_normalize(area)
        obj, _ = Area.objects.get_or_create(prefix=prefix)
        if required_approvals is not None:
            obj.required_approvals = required_approvals
            obj.save(update_fields=["required_approvals"])
        obj.reviewers.add(user.pk)
        return obj
    raise RoleError(f"Unknown role {role!r}: use contributor, reviewer or maintainer.")


@transaction.atomic
def role_revoke(*, user: AbstractBaseUser, role: str, area: str | None = None) -> None:
    if role == Role.MAINTAINER:
        Profile.objects.filter(user_id=user.pk).update(is_maintainer=False)
    elif role == Role.REVIEWER and area:
        for obj in Area.objects.filter(prefix=area_normalize(area)):
            obj.reviewers.remove(user.pk)
