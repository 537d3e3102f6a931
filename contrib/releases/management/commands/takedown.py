"""`takedown file|affected|patch`: take a contributor's, a leaf path's or a submission's rows out of releases."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from contrib.releases.choices import TakedownKind
from contrib.releases.exceptions import ReleaseError
from contrib.releases.management.commands.release import errors_text
from contrib.releases.models import Takedown
from contrib.submissions.models import Submission


class Command(BaseCommand):
    help = "File a takedown, list the published releases it affects, and build patch releases without it."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        file = sub.add_parser("file")
        target = file.add_mutually_exclusive_group(required=True)
        target.add_argument("--contributor", help="A username.")
        target.add_argument("--leaf-path")
        target.add_argument("--submission", type=int)
        file.add_argument("--reason", required=True)
        affected = sub.add_parser("affected")
        affected.add_argument("id", type=int)
        patch = sub.add_parser("patch", help="Build a patch of every affected published release.")
        patch.add_argument("id", type=int)
        patch.add_argument("--version", dest="new_version", required=True,
                           help="The patch version; with several releases affected, -1, -2... is appended as SemVer pre.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, "do_" + options["action"])(options)
        except ReleaseError as exc:
            raise CommandError(errors_text(exc)) from None

    def _takedown(self, pk: int) -> Takedown:
        takedown = Takedown.objects.filter(pk=pk).first()
        if takedown is None:
            raise CommandError(f"There is no takedown {pk}: file one with `takedown file`.")
        return takedown

    def do_file(self, options: dict[str, Any]) -> None:
        from contrib.releases.services import takedown_affected, takedown_file

        kwargs: dict[str, Any] = {}
        if options["contributor"]:
            user = get_user_model().objects.filter(username=options["contributor"]).first()
            if user is None:
                raise CommandError(f"There is no user {options['contributor']!r}.")
            kwargs = {"kind": TakedownKind.CONTRIBUTOR, "contributor": user}
        elif options["leaf_path"]:
            kwargs = {"kind": TakedownKind.LEAF_PATH, "leaf_path": options["leaf_path"]}
        else:
            submission = Submission.objects.filter(pk=options["submission"]).first()
            if submission is None:
                raise CommandError(f"There is no submission {options['submission']}.")
            kwargs = {"kind": TakedownKind.SUBMISSION, "submission": submission}
        takedown = takedown_file(reason=options["reason"], actor=None, **kwargs)
        affected = [r.version for r in takedown_affected(takedown)]
        self.stdout.write(f"Filed takedown {takedown.pk}; future builds exclude it. Published releases affected: "
                          f"{', '.join(affected) or 'none'}.")

    def do_affected(self, options: dict[str, Any]) -> None:
        from contrib.releases.services import takedown_affected

        for release in takedown_affected(self._takedown(options["id"])):
            self.stdout.write(release.version)

    def do_patch(self, options: dict[str, Any]) -> None:
        from contrib.releases.services import release_patch, takedown_affected

        affected = takedown_affected(self._takedown(options["id"]))
        if not affected:
            self.stdout.write("No published release is affected: nothing to patch.")
            return
        for n, release in enumerate(affected):
            version = options["new_version"] if len(affected) == 1 else f"{options['new_version']}-{n + 1}"
            patch = release_patch(release=release, version=version, actor=None)
            self.stdout.write(f"Built {patch.version} ({patch.status}), a patch of {release.version}.")
