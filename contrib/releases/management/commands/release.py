"""`release build|publish|withdraw|verify|diff|export|push|takedown-affected|patch`: the maintainer's release workflow."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from contrib.releases.choices import ReleaseStatus
from contrib.releases.exceptions import ReleaseError
from contrib.releases.models import Release, Takedown
from contrib.releases.selectors import release_get


def release_or_error(version: str) -> Release:
    release = release_get(version)
    if release is None:
        raise CommandError(f"There is no release {version}: see the releases with `release list`.")
    return release


def errors_text(exc: ReleaseError) -> str:
    return "\n".join(f"{field}: {message}" for field, messages in exc.errors.items() for message in messages)


class Command(BaseCommand):
    help = "Build, publish, verify, compare and export dataset releases."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        build = sub.add_parser("build", help="Create (if needed) and build a release.")
        build.add_argument("version")
        build.add_argument("--taxonomy-version", type=int)
        build.add_argument("--runs", default="", help="Generation run ids, comma-separated.")
        build.add_argument("--config", default=None, help="The build config as JSON.")
        build.add_argument("--async", dest="run_async", action="store_true", help="Enqueue on a worker instead.")
        build.add_argument("--wait", action="store_true", help="Build here and now (the default).")
        sub.add_parser("list", help="List releases.")
        for name in ("publish", "show"):
            p = sub.add_parser(name)
            p.add_argument("version")
        withdraw = sub.add_parser("withdraw")
        withdraw.add_argument("version")
        withdraw.add_argument("--reason", required=True)
        verify = sub.add_parser("verify", help="Recompute every checksum; --rebuild compares a rebuild byte for byte.")
        verify.add_argument("version")
        verify.add_argument("--rebuild", action="store_true")
        diff = sub.add_parser("diff")
        diff.add_argument("a")
        diff.add_argument("b")
        export = sub.add_parser("export", help="Write the release's taxonomy version as an InstructLab tree.")
        export.add_argument("version")
        export.add_argument("dir")
        push = sub.add_parser("push", help="Push a published release to a Hugging Face Hub dataset repo (HF_TOKEN).")
        push.add_argument("version")
        push.add_argument("--repo-id", default="", help="OWNER/NAME; default SEEDBED_RELEASE_HUB_REPO.")
        affected = sub.add_parser("takedown-affected")
        affected.add_argument("takedown", type=int)
        patch = sub.add_parser("patch", help="Build a patch release of VERSION without taken-down rows.")
        patch.add_argument("release")
        patch.add_argument("--version", dest="new_version", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, "do_" + options["action"].replace("-", "_"))(options)
        except ReleaseError as exc:
            raise CommandError(errors_text(exc)) from None

    def do_list(self, options: dict[str, Any]) -> None:
        for release in Release.objects.order_by("-created_at"):
            self.stdout.write(f"{release.version}\t{release.status}\tv{release.taxonomy_version_id}\t"
                              f"{(release.stats or {}).get('rows', 0)} rows")

    def do_show(self, options: dict[str, Any]) -> None:
        release = release_or_error(options["version"])
        self.stdout.write(json.dumps({"version": release.version, "status": release.status,
                                      "stats": release.stats, "diff": release.diff,
                                      "files": [[f.name, f.rows, f.bytes, f.sha256] for f in release.files.all()]},
                                     indent=2))

    def do_build(self, options: dict[str, Any]) -> None:
        from contrib.releases.services import release_build, release_build_enqueue, release_create

        release = release_get(options["version"])
        if release is None:
            if options["taxonomy_version"] is None or not options["runs"]:
                raise CommandError("A new release needs --taxonomy-version N and --runs ID[,ID...].")
            try:
                runs = [int(r) for r in options["runs"].split(",") if r.strip()]
            except ValueError:
                raise CommandError("--runs takes run ids separated by commas, e.g. --runs 3,4.") from None
            config = None
            if options["config"]:
                try:
                    config = json.loads(options["config"])
                except ValueError as exc:
                    raise CommandError(f"--config is not valid JSON ({exc}): e.g. '{{\"test_fraction\": 0.1}}'.") from None
            release = release_create(version=options["version"], taxonomy_version=options["taxonomy_version"],
                                     runs=runs, config=config, created_by=None)
            self.stdout.write(f"Created release {release.version} (draft).")
        elif options["config"] or options["runs"]:
            raise CommandError(f"Release {release.version} exists: its runs and config are fixed. Build it without "
                               "--runs/--config, or choose a new version.")
        if options["run_async"]:
            release_build_enqueue(release=release)
            self.stdout.write(f"Release {release.version} is building on a worker.")
            return
        try:
            result = release_build(release=release)
        except ReleaseError:
            raise
        except Exception as exc:  # noqa: BLE001 - the release records it; the CLI shows one line
            raise CommandError(f"The build of {release.version} failed: {exc}") from None
        release.refresh_from_db()
        self.stdout.write(f"Built release {release.version}: {result.stats['rows']} rows, "
                          f"dropped {result.stats['dropped']}, {len(result.files)} files.")
        for stage, seconds in sorted(result.timings.items()):
            self.stdout.write(f"  {stage}: {seconds:.2f}s")

    def do_publish(self, options: dict[str, Any]) -> None:
        from contrib.releases.services import release_publish

        release = release_publish(release=release_or_error(options["version"]), actor=None)
        self.stdout.write(f"Published release {release.version}.")

    def do_withdraw(self, options: dict[str, Any]) -> None:
        from contrib.releases.services import release_withdraw

        release = release_withdraw(release=release_or_error(options["version"]), actor=None, reason=options["reason"])
        self.stdout.write(f"Withdrew release {release.version}.")

    def do_verify(self, options: dict[str, Any]) -> None:
        from contrib.releases.services import release_verify

        release = release_or_error(options["version"])
        if release.status in (ReleaseStatus.DRAFT, ReleaseStatus.BUILDING):
            raise CommandError(f"Release {release.version} is {release.status}: build it before verifying.")
        result = release_verify(release=release, rebuild=options["rebuild"])
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(problem)
            raise CommandError(f"Release {release.version} failed verification: {len(result.problems)} problem(s).")
        what = "checksums and a byte-for-byte rebuild" if options["rebuild"] else "checksums"
        self.stdout.write(f"Release {release.version} verified: {result.checked} files, {what} match.")

    def do_diff(self, options: dict[str, Any]) -> None:
        from contrib.releases.services import release_diff_between

        a, b = release_or_error(options["a"]), release_or_error(options["b"])
        self.stdout.write(json.dumps(release_diff_between(a, b), indent=2, sort_keys=True))

    def do_export(self, options: dict[str, Any]) -> None:
        from taxonomy.exceptions import TaxonomyError
        from taxonomy.exchange.tree_writer import tree_write

        release = release_or_error(options["version"])
        try:
            count = tree_write(Path(options["dir"]), release.taxonomy_version_id)
        except TaxonomyError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Wrote {count} leaves of taxonomy version {release.taxonomy_version_id} to {options['dir']}.")

    def do_push(self, options: dict[str, Any]) -> None:
        from contrib.releases.services import release_push

        plan = release_push(release=release_or_error(options["version"]), repo_id=options["repo_id"])
        self.stdout.write(f"Pushed {len(plan.operations)} files to {plan.repo_id}, tagged {plan.tag}.")

    def do_takedown_affected(self, options: dict[str, Any]) -> None:
        from contrib.releases.services import takedown_affected

        takedown = Takedown.objects.filter(pk=options["takedown"]).first()
        if takedown is None:
            raise CommandError(f"There is no takedown {options['takedown']}.")
        for release in takedown_affected(takedown):
            self.stdout.write(release.version)

    def do_patch(self, options: dict[str, Any]) -> None:
        from contrib.releases.services import release_patch

        patch = release_patch(release=release_or_error(options["release"]), version=options["new_version"])
        self.stdout.write(f"Built patch release {patch.version} of {options['release']}: {patch.status}.")
