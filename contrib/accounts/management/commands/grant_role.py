"""Grants a user the contributor, reviewer (of an area) or maintainer role."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from contrib.accounts.choices import Role
from contrib.accounts.services import RoleError, role_grant, role_revoke
from taxonomy.exceptions import InvalidPath


class Command(BaseCommand):
    help = "Grant USERNAME a role: contributor, reviewer --area PATH_PREFIX, or maintainer."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("role", choices=Role.values)
        parser.add_argument("--area", help="The taxonomy path prefix a reviewer owns, e.g. knowledge/science.")
        parser.add_argument("--required-approvals", type=int, help="Approvals the area needs before a merge.")
        parser.add_argument("--revoke", action="store_true", help="Take the role away instead.")

    def handle(self, *args: Any, username: str, role: str, area: str | None, required_approvals: int | None,
               revoke: bool, **options: Any) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}: create it first (sign up, or `createsuperuser`).")
        if required_approvals is not None and required_approvals < 1:
            raise CommandError("--required-approvals must be 1 or more.")
        try:
            if revoke:
                role_revoke(user=user, role=role, area=area)
                self.stdout.write(self.style.SUCCESS(f"Revoked {role} from {username}."))
                return
            granted = role_grant(user=user, role=role, area=area, required_approvals=required_approvals)
        except (RoleError, InvalidPath) as exc:
            raise CommandError(str(exc)) from None
        where = f" of {granted.prefix} ({granted.required_approvals} approval(s) required)" if granted else ""
        self.stdout.write(self.style.SUCCESS(f"{username} is now a {role}{where}."))
