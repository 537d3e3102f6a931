"""Creates the first-run demo admin, and prints its credentials every run."""

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create the demo superuser 'admin' with a random password (kept in var/demo-admin-password) and print it."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--username", default="admin")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("The demo admin is for the embedded first run only; use `createsuperuser` in production.")
        secret_file = settings.VAR_DIR / "demo-admin-password"
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None or not secret_file.exists():
            password = secrets.token_urlsafe(12)
            if user is None:
                user = User.objects.create_superuser(username=username, email=f"{username}@localhost", password=password)
            else:
                user.set_password(password)
                user.save(update_fields=["password"])
            secret_file.parent.mkdir(parents=True, exist_ok=True)
            secret_file.write_text(password + "\n")
            secret_file.chmod(0o600)
        password = secret_file.read_text().strip()
        self.stdout.write(self.style.SUCCESS(f"Demo admin: username '{username}', password '{password}'"))
