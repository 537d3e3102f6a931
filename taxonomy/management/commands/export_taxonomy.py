"""Exports the taxonomy as an InstructLab directory tree, or as a git repository with its history."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from taxonomy.exceptions import TaxonomyError
from taxonomy.exchange.git_writer import git_history_write
from taxonomy.exchange.tree_writer import tree_write
from taxonomy.models import TaxonomyVersion


class Command(BaseCommand):
    help = (
        "Write the taxonomy at a version (default: the newest) into DIR as an InstructLab tree: qna.yaml, "
        "attribution.txt and documents, byte for byte as stored. With --git, DIR becomes a git repository "
        "with one commit (tagged vN) per taxonomy version from 1 to that version. DIR must be new or empty."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # --version names a taxonomy version here, so it replaces Django's "show the Django version".
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("dir", type=Path, help="A new or empty directory to write into.")
        parser.add_argument(
            "--version", dest="number", type=int, help="The taxonomy version to export (default: the newest)."
        )
        parser.add_argument(
            "--git", action="store_true", help="Write a git repository with one commit per version."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        head = TaxonomyVersion.objects.order_by("-number").first()
        if head is None:
            raise CommandError(
                "Nothing to export: the taxonomy has no version yet; run `manage.py import_taxonomy SOURCE`."
            )
        number = options["number"] if options["number"] is not None else head.number
        if not TaxonomyVersion.objects.filter(number=number).exists():
            raise CommandError(f"There is no version {number}: the versions are 1 to {head.number}.")
        dest: Path = options["dir"]
        try:
            if options["git"]:
                commits = git_history_write(dest, number)
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Wrote a git repository with {len(commits)} commits (v1 to v{number}) to {dest}."
                    )
                )
            else:
                leaves = tree_write(dest, number)
                self.stdout.write(self.style.SUCCESS(f"Wrote {leaves} leaves of version {number} to {dest}."))
        except TaxonomyError as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"Could not write to {dest}: {exc.strerror or exc}.") from None
