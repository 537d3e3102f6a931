"""Starts a generation run over a taxonomy version and, with --wait, shows its progress until it ends."""

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from contrib.synth.choices import RUN_FINISHED, RunStatus
from contrib.synth.exceptions import SynthError
from contrib.synth.models import GenerationRun, Teacher
from contrib.synth.selectors import run_progress
from contrib.synth.services import generation_run_create
from taxonomy.models import TaxonomyVersion

BAR_WIDTH = 30


def progress_line(progress: dict[str, Any]) -> str:
    """One line: a text bar of requests done, samples kept and filtered, tokens and the ETA."""
    total, done = progress["requests_total"], progress["requests_done"]
    fraction = min(done / total, 1.0) if total else 0.0
    filled = round(fraction * BAR_WIDTH)
    eta = progress["eta_seconds"]
    eta_text = f" eta {eta:.0f}s" if eta else ""
    return (
        f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total} requests "
        f"kept {progress['samples_kept']} filtered {progress['samples_filtered']} "
        f"tokens {progress['tokens_in']}/{progress['tokens_out']} {progress['status']}{eta_text}"
    )


class Command(BaseCommand):
    help = "Generate synthetic data from taxonomy version N with teacher NAME at scale K (samples per seed example)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--taxonomy-version", type=int, required=True)
        parser.add_argument("--teacher", required=True)
        parser.add_argument("--scale", type=int, required=True)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--incremental-from", type=int, help="Reuse the unchanged leaves of this earlier run.")
        parser.add_argument("--wait", action="store_true", help="Show progress until the run ends.")
        parser.add_argument("--poll", type=float, default=1.0, help="Seconds between progress updates.")

    def handle(self, *args: Any, taxonomy_version: int, teacher: str, scale: int, seed: int,
               incremental_from: int | None, wait: bool, poll: float, **options: Any) -> None:
        version = TaxonomyVersion.objects.filter(number=taxonomy_version).first()
        if version is None:
            raise CommandError(f"There is no taxonomy version {taxonomy_version}: import or merge one first.")
        row = Teacher.objects.filter(name=teacher).first()
        if row is None:
            raise CommandError(f"No teacher named {teacher!r}: register it with `manage.py configure_teacher`.")
        earlier = None
        if incremental_from is not None:
            earlier = GenerationRun.objects.filter(pk=incremental_from).first()
            if earlier is None:
                raise CommandError(f"There is no generation run {incremental_from}.")
        try:
            run = generation_run_create(teacher=row, scale=scale, seed=seed, taxonomy_version=version,
                                        incremental_from=earlier)
        except SynthError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Generation run {run.pk} queued.")
        if not wait:
            return
        err = sys.stderr
        while True:
            run.refresh_from_db()
            err.write("\r" + progress_line(run_progress(run)))
            err.flush()
            if run.status in RUN_FINISHED:
                break
            time.sleep(poll)
        err.write("\n")
        if run.status != RunStatus.SUCCEEDED:
            raise CommandError(f"Run {run.pk} {run.status}: {run.error or 'no error recorded'}")
        self.stdout.write(self.style.SUCCESS(
            f"Run {run.pk} succeeded: {run.samples_kept} samples kept, {run.samples_filtered} filtered."
        ))
