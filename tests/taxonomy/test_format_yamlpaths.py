"""Tests of the mapping between qna.yaml lines and the YAML paths of their values."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from taxonomy.format import line_paths, path_line, render_qna, validate_text
from taxonomy.format.loader import load
from taxonomy.format.marks import locate, yaml_path
from taxonomy.format.messages import Refusal

KNOWLEDGE = """\
# a leading comment
version: 3
created_by: seedbed-tests
domain: botany
document_outline: Seed dormancy.
seed_examples:
  - context: |
      Seeds can stay dormant
      for many years.

    questions_and_answers:
      - question: How long?
        answer: >-
          Years,
          sometimes centuries.
      - {question: Why do they wait, answer: To wait for rain.}
  -
    context: "Second context"
    questions_and_answers:
      - question: 'Third?'
        answer: Yes it is.
document:
  repo: https://github.com/example/docs
  commit: abc123
  patterns: [seeds/*.md,
    dormancy.md]
"""


def test_each_line_maps_to_the_most_specific_value_covering_it() -> None:
    assert line_paths(KNOWLEDGE) == {
        2: ".version",
        3: ".created_by",
        4: ".domain",
        5: ".document_outline",
        6: ".seed_examples",
        7: ".seed_examples[0].context",
        8: ".seed_examples[0].context",
        9: ".seed_examples[0].context",
        10: ".seed_examples[0]",
        11: ".seed_examples[0].questions_and_answers",
        12: ".seed_examples[0].questions_and_answers[0].question",
        13: ".seed_examples[0].questions_and_answers[0].answer",
        14: ".seed_examples[0].questions_and_answers[0].answer",
        15: ".seed_examples[0].questions_and_answers[0].answer",
        16: ".seed_examples[0].questions_and_answers[1]",
        17: ".seed_examples[1]",
        18: ".seed_examples[1].context",
        19: ".seed_examples[1].questions_and_answers",
        20: ".seed_examples[1].questions_and_answers[0].question",
        21: ".seed_examples[1].questions_and_answers[0].answer",
        22: ".document",
        23: ".document.repo",
        24: ".document.commit",
        25: ".document.patterns[0]",
        26: ".document.patterns[1]",
    }


def test_path_line_finds_keys_and_sequence_items() -> None:
    assert path_line(KNOWLEDGE, ".version") == 2
    assert path_line(KNOWLEDGE, ".seed_examples") == 6
    assert path_line(KNOWLEDGE, ".seed_examples[0]") == 7
    assert path_line(KNOWLEDGE, ".seed_examples[1]") == 17
    assert path_line(KNOWLEDGE, ".seed_examples[0].questions_and_answers[1].answer") == 16
    assert path_line(KNOWLEDGE, ".document.patterns[1]") == 26
    assert path_line(KNOWLEDGE, "document.commit") == 24
    assert path_line(KNOWLEDGE, ".") == 2
    assert path_line(KNOWLEDGE, ".seed_examples[9]") is None
    assert path_line(KNOWLEDGE, ".nothing") is None


@pytest.mark.parametrize(
    "text", ["", "a: [b", "key: *undefined", "\t- x: :", "- a\n  b: c\n", "---\na: 1\n---\nb: 2\n"]
)
def test_unparseable_or_empty_text_gives_nothing(text: str) -> None:
    assert line_paths(text) == {}
    assert path_line(text, ".a") is None


def test_keys_that_are_not_identifiers_are_written_as_the_validator_writes_them() -> None:
    text = "odd key: 1\n'with.dot': [x]\n2: two\n"
    assert line_paths(text) == {1: "['odd key']", 2: "['with.dot'][0]", 3: "[2]"}
    assert path_line(text, "['odd key']") == 1


def test_aliases_and_merge_keys_claim_only_their_own_lines() -> None:
    text = "base: &b\n  x: 1\nsame: *b\nderived:\n  <<: *b\n  y: 2\n"
    paths = line_paths(text)
    assert paths[2] == ".base.x"
    assert paths[3] == ".same"
    assert paths[6] == ".derived.y"


def test_schema_errors_point_at_lines_line_paths_agree_with() -> None:
    text = KNOWLEDGE.replace("domain: botany", "domain: ''").replace("answer: Yes it is.", "answer: 3")
    result = validate_text(text, path="knowledge/botany/qna.yaml", attribution="x")
    located = [m for m in result.errors if m.rule.startswith("schema/") and m.yaml_path != "."]
    assert located
    for message in located:
        assert path_line(text, message.yaml_path) == message.line
        assert line_paths(text)[message.line] == message.yaml_path


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def test_path_line_agrees_with_the_validator_on_every_value_of_every_sample(samples: Path) -> None:
    checked = 0
    for file in sorted(samples.rglob("qna.yaml")) + sorted((samples / "corpus").glob("*.yaml"))[:60]:
        text = file.read_text(encoding="utf-8")
        try:
            document = load(text)
        except Refusal:
            continue
        paths = line_paths(text)
        for steps in _paths(document.data):
            if not steps:
                continue
            written = yaml_path(steps)
            line, _ = locate(document.root, steps)
            assert path_line(text, written) == line, (file, written)
            assert paths[line].startswith(written) or written.startswith(paths[line]), (
                file,
                written,
                paths[line],
            )
            checked += 1
        for rendered_file in (render_qna(document.data),) if isinstance(document.data, dict) else ():
            assert set(line_paths(rendered_file)) == set(range(1, rendered_file.count("\n") + 1))
    assert checked > 1000


def test_a_rendered_leaf_maps_every_line() -> None:
    data = yaml.safe_load(KNOWLEDGE)
    text = render_qna(data)
    paths = line_paths(text)
    assert set(paths) == set(range(1, text.count("\n") + 1))
    assert paths[path_line(text, ".seed_examples[0].questions_and_answers[0].answer") or 0].endswith(
        ".answer"
    )
