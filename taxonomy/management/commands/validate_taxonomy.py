"""Validate qna.yaml files as InstructLab's taxonomy CI does, with a position and a fix for each problem."""

from __future__ import annotations

import json
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from taxonomy.format import Severity, ValidationResult, iter_qna_files, validate_file


class Command(BaseCommand):
    help = (
        "Validate qna.yaml files (or every qna.yaml under directories) with InstructLab's rules and "
        "Seedbed's contribution-guide checks. Exits with status 1 when any file has an error."
    )
    # validation reads files only; Django's system checks would add start-up time and nothing else
    requires_system_checks: list[str] = []  # noqa: RUF012  (Django reads it from the class)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "paths", nargs="+", metavar="PATH", help="a qna.yaml file, or a directory to search"
        )
        parser.add_argument(
            "--format", choices=("text", "json"), default="text", help="text (InstructLab's lines) or json"
        )
        parser.add_argument(
            "--strict", action="store_true", help="treat contribution-guide warnings (seedbed/...) as errors"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        paths: list[str] = options["paths"]
        missing = [path for path in paths if not os.path.exists(path)]
        if missing:
            raise CommandError(
                f"No such file or directory: {', '.join(missing)}. "
                "Give qna.yaml files or directories holding them.",
                returncode=2,
            )
        results = [
            validate_file(path, strict=options["strict"], display_path=str(path))
            for path in iter_qna_files(paths)
        ]
        if options["format"] == "json":
            self.stdout.write(
                json.dumps([result.to_dict() for result in results], indent=2, ensure_ascii=False)
            )
        else:
            self._write_text(results)
        invalid = sum(1 for result in results if not result.ok)
        if invalid:
            raise CommandError(f"{invalid} of {len(results)} qna.yaml files are invalid.", returncode=1)

    def _write_text(self, results: list[ValidationResult]) -> None:
        for result in results:
            for message in [*result.errors, *result.warnings]:
                style = self.style.ERROR if message.severity is Severity.ERROR else self.style.WARNING
                self.stdout.write(style(message.format_text()))
                self.stdout.write(f"    fix: {message.fix}")
        errors = sum(len(result.errors) for result in results)
        warnings = sum(len(result.warnings) for result in results)
        invalid = sum(1 for result in results if not result.ok)
        summary = (
            f"Checked {len(results)} qna.yaml file{'s' if len(results) != 1 else ''}: "
            f"{len(results) - invalid} valid, {invalid} invalid; {errors} errors, {warnings} warnings."
        )
        self.stdout.write(self.style.ERROR(summary) if invalid else self.style.SUCCESS(summary))
