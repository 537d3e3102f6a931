"""Loads the starter taxonomy shipped with Seedbed, once, into an empty instance."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from taxonomy.models import TaxonomyVersion
from taxonomy.services import tree_import

STARTER = Path(__file__).resolve().parents[2] / "starter"


class Command(BaseCommand):
    help = "Import the starter taxonomy (three skills, one knowledge leaf with a Markdown document) into an empty instance."

    def handle(self, *args: Any, **options: Any) -> None:
        head = TaxonomyVersion.objects.order_by("-number").first()
        if head is not None:
            self.stdout.write(f"The taxonomy is already at version {head.number}; the starter taxonomy is not loaded again.")
            return
        result = tree_import(source=str(STARTER), message="Starter taxonomy")
        if result.version is None:
            self.stderr.write("The starter taxonomy produced no version.")
            return
        self.stdout.write(
            self.style.SUCCESS(f"Loaded the starter taxonomy as version {result.version.number} ({len(result.added)} leaves).")
        )
