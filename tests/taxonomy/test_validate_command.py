"""The validate_taxonomy management command: output formats, exit statuses, directory walking, --strict."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

REPO = Path(__file__).resolve().parents[2]
ATTRIBUTION = "Title of work: Seedbed tests\nLicense of the work: CC-BY-4.0\n"


def skill_yaml(first_answer: str = "It rises.") -> str:
    answers = [first_answer, "It falls.", "Twice a day.", "The moon.", "At the coast."]
    examples = "".join(f"  - question: Tide question {i}?\n    answer: {a}\n" for i, a in enumerate(answers))
    return "version: 3\ncreated_by: seedbed-tests\ntask_description: Answer questions about tides.\n" + (
        "seed_examples:\n" + examples
    )


def leaf(root: Path, path: str, text: str, attribution: str | None = ATTRIBUTION) -> Path:
    directory = root / path
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "qna.yaml").write_text(text)
    if attribution is not None:
        (directory / "attribution.txt").write_text(attribution)
    return directory / "qna.yaml"


def run(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("validate_taxonomy", *args, stdout=out, stderr=StringIO(), no_color=True)
    except CommandError as error:
        return error.returncode, out.getvalue()
    return 0, out.getvalue()


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    leaf(tmp_path, "compositional_skills/tides/rising", skill_yaml())
    leaf(tmp_path, "compositional_skills/tides/falling", skill_yaml().replace("It falls.", "It falls.  "))
    leaf(tmp_path, "compositional_skills/tides/.hidden", "not: [valid")
    return tmp_path


def test_valid_file_text_output_and_status_0(tree: Path) -> None:
    path = str(tree / "compositional_skills/tides/rising/qna.yaml")
    status, out = run(path)
    assert status == 0
    assert out.strip() == "Checked 1 qna.yaml file: 1 valid, 0 invalid; 0 errors, 0 warnings."


def test_directory_is_walked_and_errors_are_printed_as_instructlab_does(tree: Path) -> None:
    status, out = run(str(tree))
    assert status == 1
    falling = tree / "compositional_skills/tides/falling/qna.yaml"
    lines = out.splitlines()
    assert lines[0] == f"ERROR: {falling}:8:22 trailing spaces (trailing-spaces)"
    assert lines[1].startswith("    fix: ") and "spaces" in lines[1]
    assert lines[-1] == "Checked 2 qna.yaml files: 1 valid, 1 invalid; 1 errors, 0 warnings."
    assert ".hidden" not in out


def test_yaml_path_is_printed_in_brackets(tmp_path: Path) -> None:
    path = leaf(tmp_path, "compositional_skills/tides", skill_yaml(first_answer="35.67"))
    status, out = run(str(path))
    assert status == 1
    assert f"ERROR: {path}:6:5 [.seed_examples[0].answer] 35.67 is not of type 'string'" in out.splitlines()


def test_json_output_is_a_list_of_results(tree: Path) -> None:
    status, out = run("--format", "json", str(tree))
    assert status == 1
    results = json.loads(out)
    assert [Path(r["path"]).parent.name for r in results] == ["falling", "rising"]
    falling, rising = results
    assert set(falling) == {"path", "version", "errors", "warnings"}
    assert falling["version"] == 3 and rising["errors"] == [] and rising["warnings"] == []
    (error,) = falling["errors"]
    assert error == {
        "line": 8,
        "col": 22,
        "yaml_path": "",
        "rule": "yamllint/trailing-spaces",
        "message": "trailing spaces (trailing-spaces)",
        "fix": error["fix"],
        "severity": "error",
    }
    assert error["fix"]


def test_strict_turns_guide_warnings_into_errors(tmp_path: Path) -> None:
    repeated = skill_yaml().replace("Tide question 1?", "tide  QUESTION 0?")
    path = str(leaf(tmp_path, "compositional_skills/tides", repeated))
    status, out = run(path)
    assert status == 0
    assert "WARN: " in out and "[.seed_examples[1].question] This question repeats" in out
    status, out = run("--strict", path)
    assert status == 1
    assert "ERROR: " in out and "[.seed_examples[1].question] This question repeats" in out


def test_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No such file or directory") as raised:
        call_command("validate_taxonomy", str(tmp_path / "nope"), stdout=StringIO())
    assert raised.value.returncode == 2


def test_given_file_not_named_qna_yaml_is_reported(tmp_path: Path) -> None:
    other = tmp_path / "template_qna.yaml"
    other.write_text(skill_yaml())
    status, out = run(str(other))
    assert status == 1 and 'Taxonomy file must be named "qna.yaml"' in out


def test_exit_status_of_the_real_command(tree: Path) -> None:
    manage = [sys.executable, str(REPO / "manage.py"), "validate_taxonomy"]
    valid = subprocess.run(
        [*manage, str(tree / "compositional_skills/tides/rising")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert valid.returncode == 0, valid.stderr
    invalid = subprocess.run(
        [*manage, "--format", "json", str(tree)], capture_output=True, text=True, check=False
    )
    assert invalid.returncode == 1
    assert len(json.loads(invalid.stdout)) == 2
    missing = subprocess.run([*manage, str(tree / "missing")], capture_output=True, text=True, check=False)
    assert missing.returncode == 2
    assert "No such file or directory" in missing.stderr and "Traceback" not in missing.stderr
