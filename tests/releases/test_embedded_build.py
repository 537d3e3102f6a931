"""One build, two databases: the embedded SQLite mode reads the samples through the ORM, PostgreSQL through
COPY. Both must give the same rows in the same order."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.conftest import REPO
from tests.releases.factories import ANTONYMS, HAIKU, STARTER, planted_run
from tests.releases.test_build_stages import AWKWARD

pytestmark = pytest.mark.django_db

ROWS = {HAIKU: AWKWARD + [(f"haiku question {i}", f"an answer of {i} words") for i in range(30)],
        ANTONYMS: [(f"antonym of word{i}?", f"not word{i}") for i in range(30)] + AWKWARD[::-1]}

# Run by the child process, against its own SQLite database.
CHILD = """
import json, sys
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from taxonomy.services import tree_import
from contrib.releases.services import release_build, release_create
from tests.releases.factories import planted_run
from tests.releases.test_embedded_build import ROWS, STARTER, release_rows
version = tree_import(source=str(STARTER), message="starter").version
run = planted_run(version, ROWS)
release = release_create(version="2026.11.0", taxonomy_version=version.number, runs=[run.pk],
                         config={"test_fraction": 0.5, "include_seed_examples": True}, created_by=None)
release_build(release=release)
release.refresh_from_db()
assert release.status == "built", release.error
print(json.dumps(release_rows(release)))
"""


def release_rows(release) -> dict[str, list[list[str]]]:  # type: ignore[no-untyped-def]
    """Each parquet split's rows as (leaf path, origin, message contents...), in file order: no ids, no pks."""
    from contrib.releases.storage import release_storage

    out: dict[str, list[list[str]]] = {}
    for file in release.files.filter(kind="parquet").order_by("name"):
        # By path, not through a Python file object: arrow's pool threads keep such a file past the read, and
        # one that drops it while the interpreter exits cannot take the GIL and aborts the process.
        table = pq.read_table(release_storage().path(file.storage_name))
        rows = out.setdefault(f"{file.config_name}/{file.split}", [])
        for record in table.to_pylist():
            meta = record["metadata"]
            rows.append([meta["leaf_path"], meta["origin"], *(m["content"] for m in record["messages"])])
    return out


def test_the_embedded_sqlite_build_has_the_rows_of_the_postgresql_build(tmp_path: Path) -> None:
    from contrib.releases.services import release_build, release_create
    from taxonomy.services import tree_import

    version = tree_import(source=str(STARTER), message="starter").version
    assert version is not None
    run = planted_run(version, ROWS)
    release = release_create(version="2026.11.0", taxonomy_version=version.number, runs=[run.pk],
                             config={"test_fraction": 0.5, "include_seed_examples": True}, created_by=None)
    release_build(release=release)
    release.refresh_from_db()
    on_postgresql = release_rows(release)

    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL"}}
    env.update({"SEEDBED_VAR_DIR": str(tmp_path / "var"), "MEDIA_ROOT": str(tmp_path / "media"),
                "SEEDBED_RELEASE_SCRATCH": str(tmp_path / "scratch"), "DJANGO_SETTINGS_MODULE": "contrib.settings",
                "PYTHONPATH": str(REPO)})
    done = subprocess.run([sys.executable, "-c", CHILD], check=False, cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    on_sqlite = json.loads(done.stdout.strip().splitlines()[-1])

    assert on_sqlite == on_postgresql
    rows = [row for split in on_postgresql.values() for row in split]
    assert {row[1] for row in rows} == {"seed", "synthetic"}
    assert any("\t" in content or "\\" in content for row in rows for content in row[2:])
