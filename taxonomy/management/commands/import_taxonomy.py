"""Imports an InstructLab taxonomy tree, from a directory or a git repository, as one new version."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from taxonomy.exceptions import TaxonomyError
from taxonomy.services import ImportResult, tree_import


class Command(BaseCommand):
    help = (
        "Import an InstructLab taxonomy tree (the qna.yaml leaves under compositional_skills, knowledge and "
        "foundational_skills) from a directory or a git repository as ONE new taxonomy version. Invalid or "
        "unsafe leaves are reported and skipped (with --all-or-nothing, nothing is imported). Exit status 0 "
        "when every leaf was imported or nothing changed; 1 when any leaf was skipped or refused, or the "
        "source could not be read."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("source", help="A directory, a file:// URL, or a git URL (https, ssh, git).")
        parser.add_argument(
            "--ref",
            help="Branch, tag or commit to read from git (a local directory is then read from git).",
        )
        parser.add_argument("--message", default="", help='Version message (default: "Import from SOURCE").')
        parser.add_argument(
            "--all-or-nothing",
            action="store_true",
            help="Refuse the whole import when any leaf is invalid or unsafe.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = tree_import(
                source=options["source"],
                ref=options["ref"],
                message=options["message"],
                all_or_nothing=options["all_or_nothing"],
            )
        except TaxonomyError as exc:
            raise CommandError(str(exc)) from None
        self._report(result)
        if result.refused:
            raise CommandError(
                f"Import refused: {_problems(result)} (see above), and --all-or-nothing was given; "
                "no version was made. Fix them, or drop --all-or-nothing to import the rest."
            )
        if not result.ok:
            raise CommandError(f"{_problems(result)} (see above); fix them and import again.")

    def _report(self, result: ImportResult) -> None:
        for entry in result.unsafe:
            self.stdout.write(self.style.WARNING(entry.format_text()))
        for leaf in result.skipped:
            self.stdout.write(self.style.WARNING(f"Skipped {leaf.path} ({leaf.reason}):"))
            for line in leaf.lines():
                self.stdout.write(f"  {line}")
        counts = (
            f"{len(result.added)} added, {len(result.updated)} updated, {len(result.removed)} removed, "
            f"{len(result.unchanged)} unchanged, {len(result.skipped)} skipped"
        )
        if result.refused:
            self.stdout.write(f"Nothing imported from {result.source}.")
        elif result.version is None:
            self.stdout.write(
                f"No changes: {result.source} matches the taxonomy; no version made ({counts})."
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(f"Imported {result.source} as version {result.version.number}: {counts}.")
            )


def _problems(result: ImportResult) -> str:
    parts = []
    if result.skipped:
        parts.append(f"{len(result.skipped)} leaf(s) skipped")
    if result.unsafe:
        parts.append(f"{len(result.unsafe)} unsafe entry(ies) refused")
    return " and ".join(parts)
