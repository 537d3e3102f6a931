"""Tests of qna.yaml rendering: exact round trips, yamllint-clean output, key order, valid leaves."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from yamllint import linter
from yamllint.config import YamlLintConfig

from taxonomy.format import build_knowledge, build_skill, render_qna, validate_text

try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    HAVE_HYPOTHESIS = True
except ImportError:  # pragma: no cover - hypothesis is a dev extra
    HAVE_HYPOTHESIS = False

LINT = YamlLintConfig("{extends: relaxed, rules: {line-length: disable}}")

TRAPS = [
    "yes",
    "no",
    "on",
    "off",
    "true",
    "False",
    "null",
    "Null",
    "~",
    "y",
    "n",
    "=",
    "<<",
    "1.0",
    "012",
    "1e3",
    "0x1F",
    "0o17",
    ".inf",
    "-.5",
    "1_000",
    "2024-05-01",
    "12:30",
    "1:20:30",
    "*star",
    "&amp",
    "!tag",
    "@user",
    "`tick`",
    "%percent",
    "- dash",
    "-dash",
    "? what",
    ":colon",
    "# hash",
    "'single'",
    '"double"',
    "[list]",
    "{map}",
    "| pipe",
    "> fold",
    ",comma",
    "key: value",
    "text # not a comment",
    "a #b",
    "ends with colon:",
    "trailing space ",
    " leading space",
    "  ",
    " ",
    "",
    "tab\tinside",
    "trailing tab\t",
    "cr\rinside",
    "nul\x00",
    "bell\x07",
    "del\x7f",
    "nel\x85x",
    "ls\u2028ps\u2029",
    "bom\ufeff",
    "nbsp\u00a0",
    "émoji 😀 ünïcödé",
    "日本語の質問ですか？",
    "line\n",
    "line",
    "two\nlines",
    "two\nlines\n",
    "keep\n\n",
    "keep more\n\n\n",
    "\nleading break",
    "  indented first\nline\n",
    "first\n  indented second\n",
    "trailing spaces \nnext\n",
    "last line space \n",
    "blank  \n\nlines",
    "three\n\n\n\nblank lines",
    "two\n\n\nblank lines",
    "# heading\n- item\n",
    "- item\n- item",
    "key: value\nother: value\n",
    "---\ndocument\n",
    "...\n",
    "tab\n\tindent\n",
    "crlf\r\nline\r\n",
    "x" * 300,
    ("long line " * 60) + "\nand more\n",
]


def skill(answer: Any = "Tides turn twice a day.", **extra: Any) -> dict[str, Any]:
    data = build_skill(
        task_description="Answer questions about tides.",
        created_by="seedbed-tests",
        examples=[{"question": f"What does tide {i} do?", "answer": f"Tide {i} turns."} for i in range(5)],
    )
    data["seed_examples"][2]["answer"] = answer
    data.update(extra)
    return data


def knowledge() -> dict[str, Any]:
    return build_knowledge(
        created_by="seedbed-tests",
        domain="botany",
        document_outline="Seed dormancy and germination.",
        examples=[
            {
                "context": f"Seeds of kind {i} can stay dormant for years.\n",
                "questions_and_answers": [
                    {"question": f"How long do seeds of kind {i} sleep ({j})?", "answer": f"Years, case {j}."}
                    for j in range(3)
                ],
            }
            for i in range(5)
        ],
        repo="https://github.com/example/docs",
        commit="951999afdc59c46d325493568193b40bd5439c9e",
        patterns=["seeds/*.md", "dormancy.md"],
    )


def assert_renders(data: Any) -> str:
    text = render_qna(data)
    assert yaml.safe_load(text) == data, text
    assert yaml.load(text, Loader=yaml.CSafeLoader) == data, text
    problems = [(p.line, p.rule, p.message) for p in linter.run(text, LINT)]
    assert problems == [], text
    return text


@pytest.mark.parametrize("value", TRAPS, ids=[repr(v)[:30] for v in TRAPS])
def test_trap_values_round_trip_lint_clean_and_validate(value: str) -> None:
    data = skill(value)
    text = assert_renders(data)
    result = validate_text(text, path="compositional_skills/tides/qna.yaml", attribution="x")
    if value.strip() and "\x00" not in value and "\x07" not in value and "\x7f" not in value:
        assert result.ok, [m.format_text() for m in result.errors]
        assert result.data == data


@pytest.mark.parametrize("value", TRAPS, ids=[repr(v)[:30] for v in TRAPS])
def test_trap_values_as_keys_and_list_items(value: str) -> None:
    assert_renders({"version": 3, "extra": {value: [value, {value: value}]}, value: value})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("yes", "answer: 'yes'"),
        ("1e3", "answer: '1e3'"),
        ("key: value", "answer: 'key: value'"),
        ("two\nlines\n", "answer: |\n      two\n      lines\n"),
        ("two\nlines", "answer: |-\n      two\n      lines\n"),
        ("keep\n\n", "answer: |+\n      keep\n\n"),
        ("  indented first\nline\n", 'answer: "  indented first\\nline\\n"'),
        ("trailing spaces \nnext\n", 'answer: "trailing spaces \\nnext\\n"'),
        ("tab\tinside", 'answer: "tab\\tinside"'),
        ("émoji 😀", "answer: émoji 😀"),
    ],
)
def test_style_chosen_for_each_kind_of_text(value: str, expected: str) -> None:
    assert expected in render_qna(skill(value))


def test_key_order_follows_instructlab_and_unknown_keys_follow() -> None:
    data = knowledge()
    scrambled = {
        "zeta": 1,
        "document": {"patterns": ["a.md"], "extra": "x", "commit": "abc", "repo": "https://x"},
        "seed_examples": [
            {
                "questions_and_answers": [{"answer": "A", "note": "x", "question": "Q"}],
                "context": "C",
                "more": 1,
            }
        ],
        "domain": data["domain"],
        "document_outline": data["document_outline"],
        "created_by": "me",
        "task_description": "t",
        "version": 3,
        "alpha": 2,
    }
    text = assert_renders(scrambled)
    assert [line.split(":")[0] for line in text.splitlines() if not line.startswith(" ")] == [
        "version",
        "task_description",
        "created_by",
        "domain",
        "document_outline",
        "seed_examples",
        "document",
        "zeta",
        "alpha",
    ]
    assert text.index("context: C") < text.index("questions_and_answers:") < text.index("more: 1")
    assert text.index("question: Q") < text.index("answer: A") < text.index("note: x")
    assert text.index("repo:") < text.index("commit:") < text.index("patterns:") < text.index("extra: x")


def test_sequences_are_indented_under_their_key_as_instructlab_writes_them() -> None:
    text = render_qna(knowledge())
    assert "seed_examples:\n  - context: |\n      Seeds of kind 0" in text
    assert "    questions_and_answers:\n      - question: How long" in text
    assert "  patterns:\n    - seeds/*.md\n" in text


def test_the_last_value_keeps_trailing_blank_lines_without_ending_the_file_with_them() -> None:
    data = skill()
    data["seed_examples"][-1]["answer"] = "ends with blank lines\n\n\n"
    text = assert_renders(data)
    assert text.endswith('answer: "ends with blank lines\\n\\n\\n"\n')
    data["seed_examples"][-2]["answer"] = "middle\n\n"
    assert "answer: |+\n      middle\n\n" in assert_renders(data)


def test_anchors_are_never_written_for_shared_objects() -> None:
    shared = {"question": "Same?", "answer": "Same."}
    data = {"version": 3, "seed_examples": [shared, shared], "patterns": (["a"], ["a"])}
    text = render_qna(data)
    assert "&" not in text and "*" not in text
    assert yaml.safe_load(text)["seed_examples"] == [shared, shared]


def test_non_string_values_and_mappings_of_any_kind() -> None:
    from types import MappingProxyType

    data: dict[Any, Any] = {
        "version": 3,
        "n": None,
        "b": True,
        "f": 1.5,
        "i": -3,
        "l": [],
        "d": {},
        5: "int key",
    }
    assert_renders(data)
    assert yaml.safe_load(render_qna(MappingProxyType({"x": MappingProxyType({"y": "z"})}))) == {
        "x": {"y": "z"}
    }


def test_build_skill_freeform_and_grounded() -> None:
    freeform = skill()
    assert freeform["version"] == 3
    assert list(freeform) == ["version", "task_description", "created_by", "seed_examples"]
    assert all("context" not in example for example in freeform["seed_examples"])
    result = validate_text(render_qna(freeform), path="compositional_skills/tides/qna.yaml", attribution="x")
    assert result.ok and result.kind == "freeform_skill"

    grounded = build_skill(
        task_description="Summarise.",
        created_by="me",
        examples=[
            {"context": f"Text {i}.", "question": f"Q {i}?", "answer": f"A {i}.", "ignored": 1}
            for i in range(5)
        ]
        + [{"context": "", "question": "No context?", "answer": "Then none."}],
    )
    assert grounded["seed_examples"][0] == {"context": "Text 0.", "question": "Q 0?", "answer": "A 0."}
    assert "context" not in grounded["seed_examples"][5]
    result = validate_text(render_qna(grounded), path="compositional_skills/sum/qna.yaml", attribution="x")
    assert result.ok and result.kind == "grounded_skill"


def test_build_knowledge_is_a_valid_version_3_leaf() -> None:
    data = knowledge()
    assert data["version"] == 3
    assert data["document"] == {
        "repo": "https://github.com/example/docs",
        "commit": "951999afdc59c46d325493568193b40bd5439c9e",
        "patterns": ["seeds/*.md", "dormancy.md"],
    }
    text = assert_renders(data)
    result = validate_text(text, path="knowledge/botany/seeds/qna.yaml", attribution="x")
    assert result.ok, [m.format_text() for m in result.errors]
    assert result.kind == "knowledge"
    assert result.warnings == []


def test_rendering_does_not_change_the_input() -> None:
    data = knowledge()
    before = copy.deepcopy(data)
    render_qna(data)
    assert data == before


def test_every_sample_round_trips_lints_clean_and_keeps_its_verdict(samples: Path) -> None:
    import json

    verdicts = {
        entry["sha"]: entry["verdict"]
        for entry in json.loads((samples / "corpus" / "reference_verdicts.json").read_text())
    }
    files = sorted(samples.rglob("*.yaml"))
    assert len(files) > 200
    for file in files:
        try:
            data = yaml.safe_load(file.read_text(encoding="utf-8"))
        except (yaml.YAMLError, ValueError):
            continue
        if not isinstance(data, dict):
            continue
        text = assert_renders(data)
        if file.parent.name == "corpus" and verdicts.get(file.stem) != "valid":
            continue
        path = _taxonomy_path(file, samples)
        if validate_text(file.read_bytes(), path=path, attribution="x").ok:
            rendered = validate_text(text, path=path, attribution="x")
            assert rendered.ok, (file, [m.format_text() for m in rendered.errors])
            assert rendered.data == data


def _taxonomy_path(file: Path, samples: Path) -> str:
    if file.parent.name == "corpus":
        index = samples / "corpus" / "index.tsv"
        for line in index.read_text().splitlines():
            sha, _, original = line.partition("\t")
            if sha == file.stem:
                return original
    return file.relative_to(samples / "tree").as_posix()


if HAVE_HYPOTHESIS:
    _pieces = st.one_of(
        st.text(st.characters(codec="utf-8"), max_size=6),
        st.sampled_from(list(" \n\t\r#:-?*&!|>'\"%@`[]{},\x85\u2028\u2029\ufeff\xa0é😀")),
        st.sampled_from(
            ["yes", "no", "~", "null", "1.0", "012", "1e3", ": ", " #", "\n\n\n", "  ", "- ", "---"]
        ),
    )
    _text = st.lists(_pieces, max_size=8).map("".join)
    _values = st.recursive(
        st.one_of(_text, st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False)),
        lambda children: st.one_of(
            st.lists(children, max_size=3), st.dictionaries(_text, children, max_size=3)
        ),
        max_leaves=12,
    )

    @settings(max_examples=400, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.dictionaries(_text, _values, max_size=5))
    def test_any_data_round_trips_and_lints_clean(data: dict[str, Any]) -> None:
        assert_renders(data)

    @settings(max_examples=200, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(st.tuples(_text, _text, _text), min_size=5, max_size=6))
    def test_any_schema_valid_skill_validates(examples: list[tuple[str, str, str]]) -> None:
        data = build_skill(
            task_description="Answer.",
            created_by="me",
            examples=[
                {"context": f"c{i} {c}", "question": f"q{i} {q}", "answer": f"a{i} {a}"}
                for i, (c, q, a) in enumerate(examples)
            ],
        )
        text = assert_renders(data)
        result = validate_text(text, path="compositional_skills/any/qna.yaml", attribution="x")
        assert result.ok, [m.format_text() for m in result.errors]
