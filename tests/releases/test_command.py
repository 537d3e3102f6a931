"""`release` and `takedown` commands: the workflow end to end, and clear errors instead of tracebacks."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from contrib.releases.choices import ReleaseStatus
from contrib.releases.models import Release, Takedown
from contrib.releases.storage import release_storage
from tests.releases.factories import HAIKU, MERGED, distinct_pairs, planted_run, world_make

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_build_publish_verify_diff_export_and_takedown_patch(tmp_path: Path) -> None:
    world = world_make()
    planted = planted_run(world.version, {HAIKU: distinct_pairs("h", 5), MERGED: distinct_pairs("m", 5)})
    assert "Built release 2026.11.0" in run("release", "build", "2026.11.0", "--taxonomy-version",
                                             str(world.version.number), "--runs", str(planted.pk),
                                             "--config", '{"include_seed_examples": false}')
    run("release", "publish", "2026.11.0")
    assert "verified" in run("release", "verify", "2026.11.0", "--rebuild")
    run("release", "build", "2026.11.1", "--taxonomy-version", str(world.imported.number), "--runs",
        str(planted_run(world.imported, {HAIKU: distinct_pairs("x", 3)}).pk))
    diff = json.loads(run("release", "diff", "2026.11.0", "2026.11.1"))
    assert MERGED in diff["leaves_removed"]
    assert "Wrote 5 leaves" in run("release", "export", "2026.11.0", str(tmp_path / "tree"))
    assert (tmp_path / "tree" / MERGED / "qna.yaml").is_file()

    out = run("takedown", "file", "--contributor", world.author.get_username(), "--reason", "consent withdrawn")
    assert "2026.11.0" in out
    takedown = Takedown.objects.get()
    assert run("takedown", "affected", str(takedown.pk)).split() == ["2026.11.0"]
    run("takedown", "patch", str(takedown.pk), "--version", "2026.11.2")
    patch = Release.objects.get(version="2026.11.2")
    assert patch.patch_of.version == "2026.11.0" and patch.status == ReleaseStatus.BUILT
    assert MERGED not in patch.stats["rows_by_leaf"] and patch.stats["dropped"]["takedown"] == 5
    assert world.author.pk not in patch.stats["included"]["contributor_user_ids"]
    assert HAIKU in patch.stats["rows_by_leaf"]
    # the patch's files themselves: not one row of the author's, every other row of the original
    rows = [row["metadata"] for name in patch.files.filter(kind="parquet").values_list("storage_name", flat=True)
            for row in pq.read_table(release_storage().path(name)).to_pylist()]
    assert rows and {row["leaf_path"] for row in rows} == {HAIKU}
    assert world.submission.pk not in {row["submission_id"] for row in rows}
    assert "Aesop Writer" not in {row["contributor"] for row in rows}
    assert len(rows) == Release.objects.get(version="2026.11.0").stats["rows"] - 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("release", "publish", "9.9.9"), "no release 9.9.9"),
        (("release", "build", "9.9.9"), "--taxonomy-version"),
        (("release", "build", "bad", "--taxonomy-version", "1", "--runs", "x"), "run ids"),
        (("release", "build", "bad", "--taxonomy-version", "1", "--runs", "1", "--config", "{"), "not valid JSON"),
        (("release", "build", "bad", "--taxonomy-version", "99", "--runs", "123456"), "version: 'bad'"),
        (("takedown", "affected", "12345"), "no takedown"),
        (("takedown", "file", "--contributor", "nobody", "--reason", "x"), "no user"),
    ],
)
def test_errors_are_command_errors(args: tuple[str, ...], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args)
