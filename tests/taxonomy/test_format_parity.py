"""Parity of the qna.yaml validator with instructlab-schema 0.4.2 on 250 real taxonomy files.

The corpus and the reference's recorded verdicts live in ../shared (never copied into the repository).
Each file is laid out at its original taxonomy path, with an attribution.txt beside it, as in the taxonomy.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from yamllint import linter

from taxonomy.format import validate_file
from taxonomy.format.lint import _config, lint
from taxonomy.format.loader import load
from taxonomy.format.messages import Refusal

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("SEEDBED_SHARED", REPO.parent / "shared"))
CORPUS = SHARED / "taxonomy-samples" / "corpus"
VERDICTS = CORPUS / "reference_verdicts.json"


def _entries() -> list[dict[str, Any]]:
    if not VERDICTS.is_file():
        return []
    entries: list[dict[str, Any]] = json.loads(VERDICTS.read_text(encoding="utf-8"))
    return entries


ENTRIES = _entries()
JUDGED = [entry for entry in ENTRIES if entry["verdict"] in ("valid", "invalid")]
CRASHED = [entry for entry in ENTRIES if entry["verdict"] == "crash"]


def _id(entry: dict[str, Any]) -> str:
    return f"{entry['sha'][:10]}-{entry['path'].split('/')[0]}"


def test_corpus_is_present() -> None:
    assert VERDICTS.is_file(), (
        f"the shared corpus is missing at {CORPUS}: set SEEDBED_SHARED to the shared directory"
    )
    assert len(ENTRIES) == 250 and len(JUDGED) == 226 and len(CRASHED) == 24


@pytest.fixture(scope="module")
def laid_out(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """sha -> the file at its original taxonomy path, under a root of its own (paths repeat across shas)."""
    base = tmp_path_factory.mktemp("corpus")
    placed: dict[str, Path] = {}
    for entry in ENTRIES:
        target = base / entry["sha"] / entry["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CORPUS / f"{entry['sha']}.yaml", target)
        (target.parent / "attribution.txt").write_text(
            "Title of work: test\nLicense of the work: CC-BY-4.0\n"
        )
        placed[entry["sha"]] = target
    return placed


@pytest.mark.parametrize("entry", JUDGED, ids=_id)
def test_verdict_matches_instructlab(entry: dict[str, Any], laid_out: dict[str, Path]) -> None:
    result = validate_file(laid_out[entry["sha"]])
    verdict = "valid" if result.ok else "invalid"
    assert verdict == entry["verdict"], (
        [m.format_text() for m in result.errors],
        entry["messages"],
    )


@pytest.mark.parametrize("entry", JUDGED, ids=_id)
def test_error_and_lint_warning_counts_match_instructlab(
    entry: dict[str, Any], laid_out: dict[str, Path]
) -> None:
    result = validate_file(laid_out[entry["sha"]])
    instructlab_warnings = [m for m in result.warnings if not m.rule.startswith("seedbed/")]
    assert (len(result.errors), len(instructlab_warnings)) == (entry["errors"], entry["warnings"])
    # the messages are InstructLab's own, apart from the path and the line the reference could not find
    ours = sorted(m.format_text().split(" ", 2)[2] for m in [*result.errors, *instructlab_warnings])
    theirs = sorted(line.split(" ", 2)[2] for line in entry["messages"])
    assert ours == theirs


@pytest.mark.parametrize("entry", CRASHED, ids=_id)
def test_crash_of_instructlab_is_a_located_syntax_error(
    entry: dict[str, Any], laid_out: dict[str, Path]
) -> None:
    result = validate_file(laid_out[entry["sha"]])
    syntax = [m for m in result.errors if m.rule == "yaml-syntax"]
    assert syntax, [m.format_text() for m in result.errors]
    assert all(m.line >= 1 and m.col >= 1 and m.message and m.fix for m in syntax)


@pytest.mark.parametrize("entry", ENTRIES, ids=_id)
def test_loader_builds_what_pyyaml_safe_load_builds(entry: dict[str, Any]) -> None:
    text = (CORPUS / f"{entry['sha']}.yaml").read_text(encoding="utf-8")
    try:
        expected = yaml.safe_load(text)
    except yaml.YAMLError as error:
        with pytest.raises(Refusal) as refused:
            load(text)
        assert refused.value.rule == "yaml-syntax"
        mark = error.problem_mark  # type: ignore[attr-defined]
        assert (refused.value.line, refused.value.col) == (mark.line + 1, mark.column + 1)
        return
    assert load(text).data == expected


def test_lint_reports_what_yamllint_reports() -> None:
    """Every corpus file that parses (InstructLab lints only those) gets yamllint's own problems.

    All versions are linted here, not only those InstructLab lints, to try the libyaml token path on more
    text; the few files over 64 KiB are left out, as pure-Python yamllint takes seconds on each.
    """
    checked, mismatched = 0, []
    for entry in ENTRIES:
        text = (CORPUS / f"{entry['sha']}.yaml").read_text(encoding="utf-8")
        if len(text) > 64 * 1024:
            continue
        try:
            yaml.safe_load(text)
        except yaml.YAMLError:
            continue
        # as InstructLab runs it: the yamllint command reading the file's bytes from stdin
        expected = [
            (p.line, p.column, p.rule, p.level, p.message) for p in linter.run(text.encode(), _config(), "")
        ]
        if [(f.line, f.col, f.rule, f.level, f.message) for f in lint(text)] != expected:
            mismatched.append(entry["sha"])
        checked += 1
    assert checked == 222 and not mismatched
