"""Unit tests of the qna.yaml validator: each InstructLab rule, each safety limit, each guide check."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest
import yaml

from taxonomy.format import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_NODES,
    Message,
    Severity,
    ValidationResult,
    iter_qna_files,
    validate_file,
    validate_text,
)
from taxonomy.format.guide import CONTEXT_MAX_WORDS, QA_MAX_WORDS, SKILL_MAX_WORDS, glob_match

ATTRIBUTION = "Title of work: Seedbed tests\nLicense of the work: CC-BY-4.0\nCreator names: Seedbed\n"


def skill_yaml(*, version: int = 3, contexts: bool = False, answers: list[str] | None = None) -> str:
    """A skill with five seed examples; ``contexts`` makes it grounded."""
    answers = answers or [f"Tide {i} turns twice a day." for i in range(5)]
    lines = [
        f"version: {version}",
        "created_by: seedbed-tests",
        "task_description: Answer questions about tides.",
        "seed_examples:",
    ]
    for i, answer in enumerate(answers):
        if contexts:
            lines.append(f"  - context: Harbour tide table number {i}.")
            lines.append(f"    question: What does tide table {i} say?")
        else:
            lines.append(f"  - question: What happens to tide {i}?")
        lines.append(f"    answer: {answer}")
    return "\n".join(lines) + "\n"


def knowledge_yaml(
    *, context: str = "Seeds can stay dormant for years.", questions: list[str] | None = None
) -> str:
    """A version 3 knowledge leaf with five seed examples of three questions each."""
    questions = questions or [f"Question {i} {j} about dormancy?" for i in range(5) for j in range(3)]
    lines = [
        "version: 3",
        "created_by: seedbed-tests",
        "domain: botany",
        "document_outline: Seed dormancy and germination.",
        "seed_examples:",
    ]
    for i in range(5):
        lines.append(f"  - context: {context}")
        lines.append("    questions_and_answers:")
        for j in range(3):
            lines.append(f"      - question: {questions[i * 3 + j]}")
            lines.append(f"        answer: Answer {i} {j}.")
    lines += [
        "document:",
        "  repo: https://github.com/example/botany-docs",
        "  commit: 0123456789abcdef0123456789abcdef01234567",
        "  patterns:",
        "    - docs/*.md",
    ]
    return "\n".join(lines) + "\n"


def rules(messages: list[Message]) -> list[str]:
    return [message.rule for message in messages]


# --- the fixtures themselves -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "path", "kind"),
    [
        (skill_yaml(), "compositional_skills/tides/qna.yaml", "freeform_skill"),
        (skill_yaml(contexts=True), "compositional_skills/tides/qna.yaml", "grounded_skill"),
        (knowledge_yaml(), "knowledge/botany/dormancy/qna.yaml", "knowledge"),
    ],
)
def test_valid_leaves_have_no_messages_and_a_kind(text: str, path: str, kind: str) -> None:
    result = validate_text(text, path=path, attribution=ATTRIBUTION)
    assert result.ok and not result.errors and not result.warnings, [m.format_text() for m in result.errors]
    assert result.kind == kind
    assert result.version == 3
    assert result.data["created_by"] == "seedbed-tests"


# --- InstructLab's rules ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   \n", "# only a comment\n", "---\n", "{}\n", "[]\n"])
def test_empty_file_is_a_warning_and_stops(text: str) -> None:
    result = validate_text(text)
    assert result.ok
    assert rules(result.warnings) == ["empty"]
    assert result.warnings[0].message == "The file is empty"
    assert result.version is None and result.kind is None


@pytest.mark.parametrize("text", ["- a\n- b\n", "just some text\n", "42\n"])
def test_top_level_not_a_mapping_is_an_error(text: str) -> None:
    result = validate_text(text)
    assert rules(result.errors) == ["not-a-mapping"]
    assert "not an object with key-value pairs" in result.errors[0].message
    assert result.errors[0].line == 1 and result.errors[0].col == 1


@pytest.mark.parametrize(
    ("declared", "version"),
    [(None, 1), ("'abc'", 1), ("[1, 2]", 1), ("'3'", 3), ("2.0", 2), (".inf", 1), ("true", 1)],
)
def test_version_is_read_as_instructlab_reads_it(declared: str | None, version: int) -> None:
    text = skill_yaml(version=1)
    text = text.replace("version: 1\n", "" if declared is None else f"version: {declared}\n")
    result = validate_text(text, attribution=ATTRIBUTION)
    assert result.version == version


def test_declared_version_of_wrong_type_is_a_schema_error() -> None:
    result = validate_text(skill_yaml().replace("version: 3", "version: '3'"), attribution=ATTRIBUTION)
    assert result.version == 3
    assert any(m.yaml_path == ".version" and "is not of type 'integer'" in m.message for m in result.errors)


def test_version_1_skill_without_version_key_is_valid_and_not_linted() -> None:
    text = (
        skill_yaml(version=1)
        .replace("version: 1\n", "")
        .replace("Answer questions about tides.", "Tides.   ")
    )
    result = validate_text(text)
    assert result.ok, [m.format_text() for m in result.errors]
    assert result.version == 1


def test_missing_schema_version_is_a_clean_error() -> None:
    result = validate_text(skill_yaml(version=9), attribution=ATTRIBUTION)
    assert rules(result.errors) == ["schema-missing"]
    assert result.errors[0].message.startswith("Cannot load schema file ")
    assert "v9" in result.errors[0].message and result.errors[0].line == 1


def test_deprecated_schema_reports_its_description() -> None:
    text = knowledge_yaml().replace("version: 3", "version: 2")
    result = validate_text(text, path="knowledge/botany/qna.yaml", attribution=ATTRIBUTION)
    assert [m.message for m in result.errors] == [
        "Version 2 is not supported for knowledge. Minimum supported version is 3."
    ]


def test_schema_errors_carry_instructlab_message_yaml_path_and_real_position() -> None:
    text = skill_yaml(answers=["ok", "ok too", "35.67", "fine", "also fine"])
    result = validate_text(text, attribution=ATTRIBUTION)
    (error,) = result.errors
    assert error.message == "35.67 is not of type 'string'"
    assert error.yaml_path == ".seed_examples[2].answer"
    assert error.rule == "schema/type"
    assert (error.line, error.col) == (10, 5)  # the "answer:" key of the third example
    assert error.format_text() == f"ERROR: qna.yaml:10:5 [.seed_examples[2].answer] {error.message}"


def test_min_items_message_is_shortened_as_instructlab_does() -> None:
    text = skill_yaml(answers=["only one"])
    result = validate_text(text, attribution=ATTRIBUTION)
    assert [(m.message, m.yaml_path) for m in result.errors] == [
        ("Value must have at least 5 items", ".seed_examples")
    ]


def test_root_level_error_has_dot_yaml_path() -> None:
    result = validate_text(skill_yaml().replace("created_by: seedbed-tests\n", ""), attribution=ATTRIBUTION)
    assert [(m.message, m.yaml_path) for m in result.errors] == [("'created_by' is a required property", ".")]


def test_unexpected_key_is_located_at_that_key() -> None:
    text = skill_yaml().replace(
        "  - question: What happens to tide 3?", "  - attribution: me\n    question: q3?"
    )
    result = validate_text(text, attribution=ATTRIBUTION)
    (error,) = result.errors
    assert error.message == "Unevaluated properties are not allowed ('attribution' was unexpected)"
    assert error.yaml_path == ".seed_examples[3]"
    assert (error.line, error.col) == (11, 5)


@pytest.mark.parametrize(
    ("path", "schema_required_key"),
    [
        ("knowledge/tides/qna.yaml", "domain"),  # knowledge by its root, whatever the content
        ("compositional_skills/tides/qna.yaml", None),
        ("foundational_skills/reasoning/tides/qna.yaml", None),  # foundational skills follow the skill schema
        ("qna.yaml", None),  # no root: no 'document', so a skill
        ("tides/qna.yaml", None),
    ],
)
def test_schema_is_chosen_by_first_root_segment(path: str, schema_required_key: str | None) -> None:
    result = validate_text(skill_yaml(), path=path, attribution=ATTRIBUTION)
    if schema_required_key:
        assert f"'{schema_required_key}' is a required property" in [m.message for m in result.errors]
        assert result.kind == "knowledge"
    else:
        assert result.ok, [m.format_text() for m in result.errors]
        assert result.kind == "freeform_skill"


def test_schema_is_chosen_by_content_without_a_root() -> None:
    result = validate_text(knowledge_yaml(), path="qna.yaml", attribution=ATTRIBUTION)
    assert result.ok and result.kind == "knowledge"
    result = validate_text(knowledge_yaml(), path="compositional_skills/x/qna.yaml", attribution=ATTRIBUTION)
    assert not result.ok and result.kind == "grounded_skill"  # a skill schema, and its examples have contexts


def test_first_root_segment_wins_in_a_taxonomy_path() -> None:
    result = validate_text(
        skill_yaml(), path="compositional_skills/trivia/knowledge/qna.yaml", attribution=ATTRIBUTION
    )
    assert result.ok


# --- attribution ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attribution", "message"), [(None, "attribution.txt is missing"), (" \n", "attribution.txt is empty")]
)
def test_attribution_is_required_from_version_2(attribution: str | None, message: str) -> None:
    result = validate_text(skill_yaml(), attribution=attribution)
    assert [(m.rule, m.message) for m in result.errors] == [("attribution-missing", message)]
    assert result.errors[0].fix


def test_attribution_is_not_required_for_version_1_or_when_not_checked() -> None:
    assert validate_text(skill_yaml(version=1)).ok
    assert validate_text(skill_yaml(), check_attribution=False).ok


def test_validate_file_reads_the_sibling_attribution(tmp_path: Path) -> None:
    leaf = tmp_path / "compositional_skills" / "tides"
    leaf.mkdir(parents=True)
    (leaf / "qna.yaml").write_text(skill_yaml())
    assert rules(validate_file(leaf / "qna.yaml").errors) == ["attribution-missing"]
    (leaf / "attribution.txt").write_text(ATTRIBUTION)
    result = validate_file(leaf / "qna.yaml", display_path="tides/qna.yaml")
    assert result.ok and result.path == "tides/qna.yaml"


# --- yamllint --------------------------------------------------------------------------------------------


def test_lint_error_level_problem_is_an_error() -> None:
    text = skill_yaml().replace("created_by: seedbed-tests", "created_by: seedbed-tests   ")
    result = validate_text(text, attribution=ATTRIBUTION)
    (error,) = result.errors
    assert (error.rule, error.line, error.col) == ("yamllint/trailing-spaces", 2, 26)
    assert error.message == "trailing spaces (trailing-spaces)"
    assert error.format_text() == "ERROR: qna.yaml:2:26 trailing spaces (trailing-spaces)"


def test_lint_warning_level_problem_is_a_warning() -> None:
    text = skill_yaml().replace("created_by: seedbed-tests\n", "created_by: seedbed-tests\n\n\n\n\n")
    result = validate_text(text, attribution=ATTRIBUTION)
    assert result.ok
    (warning,) = result.warnings
    assert (warning.rule, warning.line, warning.col) == ("yamllint/empty-lines", 6, 1)
    assert warning.severity is Severity.WARNING
    assert warning.message == "too many blank lines (4 > 2) (empty-lines)"


def test_missing_final_newline_is_a_lint_error_only_from_version_2() -> None:
    assert rules(validate_text(skill_yaml().rstrip("\n"), attribution=ATTRIBUTION).errors) == [
        "yamllint/new-line-at-end-of-file"
    ]
    assert validate_text(skill_yaml(version=1).rstrip("\n")).ok


def test_yamllint_directives_are_honoured() -> None:
    spaced = skill_yaml().replace("created_by: seedbed-tests", "created_by: seedbed-tests  ")
    assert rules(validate_text(spaced, attribution=ATTRIBUTION).errors) == ["yamllint/trailing-spaces"]
    for directive in ("# yamllint disable rule:trailing-spaces\n", "# yamllint disable-file\n"):
        assert validate_text(directive + spaced, attribution=ATTRIBUTION).ok, directive
    inline = spaced.replace(
        "seedbed-tests  ", "seedbed-tests  # yamllint disable-line rule:trailing-spaces  "
    )
    assert validate_text(inline, attribution=ATTRIBUTION).ok


# --- unparseable YAML and encodings -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "version: 3\ncreated_by: me\ntask_description: Say: hello\n",
        "version: 3\nseed_examples:\n  - question: a\n   answer: b\n",
        "version: 3\nanswer: *nothing\n",
        "version: 1\na: b\n---\nc: d\n",
        "a: 'unclosed\n",
        "a:\tb\n",  # libyaml accepts this tab; InstructLab's pure-Python parser does not
        "a: |#\n  text\n",  # likewise a '#' straight after a block scalar header
        "a: [1, 2\n",
        'a: "don\\\'t"\n',  # libyaml puts this escape error one column earlier than PyYAML
    ],
)
def test_unparseable_yaml_is_a_located_error_like_pyyaml_reports(text: str) -> None:
    with pytest.raises(yaml.MarkedYAMLError) as reference:
        yaml.safe_load(text)
    mark, problem = reference.value.problem_mark, reference.value.problem
    assert mark is not None and problem is not None
    result = validate_text(text, attribution=ATTRIBUTION)
    (error,) = result.errors
    assert error.rule == "yaml-syntax"
    assert (error.line, error.col) == (mark.line + 1, mark.column + 1)
    assert problem in error.message
    assert error.fix.endswith(".")


def test_syntax_error_column_counts_characters_not_bytes() -> None:
    result = validate_text("title: Ça va, garçon\nbad: x: y\n")
    assert (result.errors[0].line, result.errors[0].col) == (2, 7)


def test_syntax_fix_explains_quoting() -> None:
    result = validate_text("version: 3\ntask_description: Say: hello\n")
    assert "Quote strings containing ': '" in result.errors[0].fix


def test_invalid_utf8_is_an_encoding_error_at_the_bad_byte() -> None:
    result = validate_text(b"version: 1\r\ntitle: caf\xc3\xa9 \xff\n")
    (error,) = result.errors
    assert (error.rule, error.line, error.col) == ("encoding", 2, 13)
    assert "0xff" in error.message and "UTF-8" in error.fix


def test_text_with_lone_surrogate_is_an_encoding_error() -> None:
    assert rules(validate_text("a: b\nc: \ud800\n").errors) == ["encoding"]


def test_control_character_is_a_located_syntax_error() -> None:
    result = validate_text("a: b\nc: d\x07e\n")
    (error,) = result.errors
    assert (error.rule, error.line, error.col) == ("yaml-syntax", 2, 5)


def test_newlines_are_universal() -> None:
    crlf = skill_yaml().replace("\n", "\r\n").encode()
    result = validate_text(crlf, attribution=ATTRIBUTION)
    assert result.ok, [m.format_text() for m in result.errors]
    assert validate_text(skill_yaml().replace("\n", "\r"), attribution=ATTRIBUTION).ok


def test_byte_order_mark_is_accepted() -> None:
    assert validate_text(b"\xef\xbb\xbf" + skill_yaml().encode(), attribution=ATTRIBUTION).ok


def test_invalid_date_value_is_an_error_not_an_exception() -> None:
    result = validate_text("version: 1\ncreated: 2024-02-30\n")
    assert rules(result.errors) == ["yaml-value"]


@pytest.mark.parametrize(
    "content", [b"\x00\x01\x02", b"\xfe\xff\x00a", "!!python/object:os.system {}\n", "? [a]\n: b\n"]
)
def test_hostile_or_odd_input_never_raises(content: str | bytes) -> None:
    result = validate_text(content)
    assert isinstance(result, ValidationResult) and result.errors


# --- safety limits ----------------------------------------------------------------------------------------


def test_limits_are_what_the_documentation_says() -> None:
    assert MAX_FILE_BYTES == 1024 * 1024
    assert MAX_NODES == 100_000
    assert MAX_DEPTH == 100


@pytest.mark.parametrize("as_text", [False, True])
def test_twenty_megabytes_are_refused_before_parsing(as_text: bool) -> None:
    big = b"a: " + b"x" * (20 * 1024 * 1024) + b"\n"
    content: str | bytes = big.decode() if as_text else big
    started = time.perf_counter()
    result = validate_text(content)
    assert time.perf_counter() - started < 0.5
    (error,) = result.errors
    assert error.rule == "too-large" and f"{MAX_FILE_BYTES:,}" in error.message


def test_size_limit_counts_utf8_bytes_and_allows_exactly_the_limit() -> None:
    at_limit = "#" * (MAX_FILE_BYTES - 1) + "\n"
    assert rules(validate_text(at_limit).warnings) == ["empty"]
    assert rules(validate_text(at_limit.encode()).warnings) == ["empty"]
    over_in_bytes = "#" + "é" * (MAX_FILE_BYTES // 2) + "\n"  # fewer characters than the limit, more bytes
    assert rules(validate_text(over_in_bytes).errors) == ["too-large"]


def test_large_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "qna.yaml"
    with path.open("wb") as handle:
        handle.truncate(20 * 1024 * 1024)
    started = time.perf_counter()
    result = validate_file(path)
    assert time.perf_counter() - started < 0.5
    assert rules(result.errors) == ["too-large"]
    assert "20,971,520 bytes" in result.errors[0].message


def billion_laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels + 1):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "version: 1\n" + "\n".join(lines) + "\n"


def test_billion_laughs_is_refused_fast_and_in_little_memory() -> None:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = validate_text(billion_laughs())
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rules(result.errors) == ["yaml-bomb"]
    assert elapsed < 2
    assert peak < 50 * 1024 * 1024


def test_shared_anchors_below_the_limit_are_fine() -> None:
    result = validate_text(billion_laughs(levels=3))  # 10**3 lols: a few thousand nodes
    assert "yaml-bomb" not in rules(result.errors)


def test_flat_document_with_too_many_nodes_is_refused() -> None:
    text = "version: 1\nitems:\n" + "- 1\n" * (MAX_NODES + 10)
    assert rules(validate_text(text).errors) == ["yaml-bomb"]


@pytest.mark.parametrize("text", ["a: &a [*a]\n", "a: &a {b: *a}\n", "- &x\n  - [*x]\n"])
def test_recursive_alias_is_refused(text: str) -> None:
    assert rules(validate_text(text).errors) == ["yaml-recursive-alias"]


@pytest.mark.parametrize(
    "text",
    [
        "[" * 200_000 + "]" * 200_000,  # libyaml takes minutes and PyYAML's C composer overflows the C stack
        "- " * 200_000 + "x\n",
        "".join(" " * i + f"k{i}:\n" for i in range(MAX_DEPTH + 5)),
        "a: " + "{b: " * 150 + "c" + "}" * 150 + "\n",
        "\ufeff" + "- " * 150 + "x\n",
        "a:\n" + "\u2028".join("- " * 1 for _ in range(3)) + "- " * 150 + "x\n",
    ],
)
def test_nesting_deeper_than_the_limit_is_refused_fast(text: str) -> None:
    started = time.perf_counter()
    result = validate_text(text)
    assert time.perf_counter() - started < 2
    assert "yaml-too-deep" in rules(result.errors) or "yaml-syntax" in rules(result.errors)
    assert result.errors


def test_nesting_at_the_limit_is_accepted() -> None:
    depth = MAX_DEPTH - 1  # the mapping below adds one level
    text = "a: " + "[" * depth + "x" + "]" * depth + "\n"
    assert "yaml-too-deep" not in rules(validate_text(text).errors)
    assert rules(validate_text("a: " + "[" * (depth + 1) + "x" + "]" * (depth + 1) + "\n").errors) == [
        "yaml-too-deep"
    ]


def test_many_brackets_in_text_do_not_trip_the_depth_guard() -> None:
    answers = ["See [1] and {2} " * 40 + "done."] * 5
    result = validate_text(skill_yaml(answers=answers), attribution=ATTRIBUTION)
    assert "yaml-too-deep" not in rules(result.errors)


# --- Seedbed's guide checks -------------------------------------------------------------------------------


def words(count: int) -> str:
    return " ".join(["word"] * count)


@pytest.mark.parametrize("strict", [False, True])
def test_knowledge_context_word_limit(strict: bool) -> None:
    text = knowledge_yaml(context=words(CONTEXT_MAX_WORDS + 1))
    result = validate_text(text, path="knowledge/botany/qna.yaml", attribution=ATTRIBUTION, strict=strict)
    found = [m for m in result.errors + result.warnings if m.rule == "seedbed/context-words"]
    assert len(found) == 5
    assert {m.severity for m in found} == {Severity.ERROR if strict else Severity.WARNING}
    assert found[0].yaml_path == ".seed_examples[0].context" and found[0].line == 6
    assert result.ok is not strict


def test_context_at_the_word_limit_is_fine() -> None:
    text = knowledge_yaml(context=words(CONTEXT_MAX_WORDS))
    assert validate_text(text, path="knowledge/botany/qna.yaml", attribution=ATTRIBUTION, strict=True).ok


@pytest.mark.parametrize("strict", [False, True])
def test_question_and_answer_word_limit(strict: bool) -> None:
    answers = ["Short."] * 4 + [words(QA_MAX_WORDS)]  # with the question's five words, over the limit
    result = validate_text(skill_yaml(answers=answers), attribution=ATTRIBUTION, strict=strict)
    found = [m for m in result.errors + result.warnings if m.rule == "seedbed/qa-words"]
    assert [m.yaml_path for m in found] == [".seed_examples[4]"]
    assert found[0].severity is (Severity.ERROR if strict else Severity.WARNING)


@pytest.mark.parametrize("strict", [False, True])
def test_skill_total_word_limit(strict: bool) -> None:
    answers = [words(SKILL_MAX_WORDS // 5)] * 5  # each pair is long too; the total crosses the skill limit
    result = validate_text(skill_yaml(answers=answers), attribution=ATTRIBUTION, strict=strict)
    found = [m for m in result.errors + result.warnings if m.rule == "seedbed/skill-words"]
    assert len(found) == 1 and found[0].yaml_path == ".seed_examples"
    assert found[0].severity is (Severity.ERROR if strict else Severity.WARNING)
    assert result.ok is not strict


@pytest.mark.parametrize("strict", [False, True])
def test_duplicate_questions_are_normalised(strict: bool) -> None:
    questions = [f"Question {i}?" for i in range(15)]
    questions[7] = "  QUESTION   2? "
    text = knowledge_yaml(questions=questions)
    result = validate_text(text, path="knowledge/botany/qna.yaml", attribution=ATTRIBUTION, strict=strict)
    found = [m for m in result.errors + result.warnings if m.rule == "seedbed/duplicate-question"]
    assert [m.yaml_path for m in found] == [".seed_examples[2].questions_and_answers[1].question"]
    assert ".seed_examples[0].questions_and_answers[2]" in found[0].message
    assert found[0].severity is (Severity.ERROR if strict else Severity.WARNING)


@pytest.mark.parametrize("strict", [False, True])
def test_yaml_boolean_trap_says_quote_it(strict: bool) -> None:
    result = validate_text(
        skill_yaml(answers=["a", "b", "Yes", "d", "e"]), attribution=ATTRIBUTION, strict=strict
    )
    assert any(m.rule == "schema/type" for m in result.errors)  # InstructLab's own verdict stands
    (trap,) = [m for m in result.errors + result.warnings if m.rule == "seedbed/yaml-boolean"]
    assert trap.yaml_path == ".seed_examples[2].answer" and (trap.line, trap.col) == (10, 13)
    assert "quote" in trap.fix.lower() and '"Yes"' in trap.fix
    assert trap.severity is (Severity.ERROR if strict else Severity.WARNING)


@pytest.mark.parametrize("value", ["'yes'", '"off"', "y", "n", "yesterday", "!!str yes"])
def test_quoted_or_non_boolean_values_are_no_trap(value: str) -> None:
    result = validate_text(skill_yaml(answers=["a", "b", value, "d", "e"]), attribution=ATTRIBUTION)
    assert "seedbed/yaml-boolean" not in rules(result.warnings)


def test_boolean_version_is_no_trap() -> None:
    result = validate_text("version: on\ncreated_by: me\n")
    assert "seedbed/yaml-boolean" not in rules(result.warnings)


@pytest.mark.parametrize("strict", [False, True])
def test_document_pattern_matching_nothing(strict: bool) -> None:
    path = "knowledge/botany/qna.yaml"
    documents = {"README.md": "readme", "notes/seeds.md": "seeds"}
    result = validate_text(
        knowledge_yaml(), path=path, attribution=ATTRIBUTION, documents=documents, strict=strict
    )
    found = [m for m in result.errors + result.warnings if m.rule == "seedbed/unmatched-pattern"]
    assert [m.yaml_path for m in found] == [".document.patterns[0]"]
    assert found[0].severity is (Severity.ERROR if strict else Severity.WARNING)
    matched = validate_text(
        knowledge_yaml(), path=path, attribution=ATTRIBUTION, documents=["docs/seeds.md"], strict=True
    )
    assert matched.ok
    unchecked = validate_text(knowledge_yaml(), path=path, attribution=ATTRIBUTION, strict=True)
    assert unchecked.ok


@pytest.mark.parametrize(
    ("pattern", "name", "matches"),
    [
        ("*.md", "a.md", True),
        ("*.md", "docs/a.md", False),  # '*' stays in one directory, as glob.glob does
        ("docs/*.md", "docs/a.md", True),
        ("docs/**/*.md", "docs/x/a.md", True),  # non-recursive glob: '**' is '*'
        ("docs/**/*.md", "docs/x/y/a.md", False),
        ("docs/*.md", "docs/.hidden.md", False),
        ("docs/.*.md", "docs/.hidden.md", True),
        ("./docs/a.md", "docs/a.md", True),
        ("docs/A.md", "docs/a.md", False),
        ("docs/[ab].md", "docs/b.md", True),
        ("/docs/a.md", "docs/a.md", False),
        ("docs/", "docs", False),
    ],
)
def test_glob_semantics(pattern: str, name: str, matches: bool) -> None:
    assert glob_match(pattern, name) is matches


def test_guide_checks_never_change_the_non_strict_verdict() -> None:
    answers = [words(SKILL_MAX_WORDS // 5)] * 4 + ["yes"]
    text = skill_yaml(answers=answers).replace("answer: yes", "answer: 'yes'")
    result = validate_text(text, attribution=ATTRIBUTION)
    assert result.ok and result.warnings


# --- messages, results, files ---------------------------------------------------------------------------


def test_message_and_result_shapes() -> None:
    result = validate_text(skill_yaml().replace("created_by: seedbed-tests\n", ""), path="x/qna.yaml")
    message = result.errors[0]
    assert set(message.to_dict()) == {"line", "col", "yaml_path", "rule", "message", "fix", "severity"}
    assert message.to_dict()["severity"] == "error"
    assert message.path == "x/qna.yaml"
    assert set(result.to_dict()) == {"path", "version", "errors", "warnings"}
    assert result.to_dict()["path"] == "x/qna.yaml" and result.to_dict()["version"] == 3
    warning = validate_text("").warnings[0]
    assert warning.format_text() == "WARN: qna.yaml:1:1 The file is empty"
    with pytest.raises(AttributeError):
        message.line = 3  # type: ignore[misc]
    assert all(m.fix.strip() for m in result.errors)


def test_validate_file_refuses_missing_file_and_wrong_name(tmp_path: Path) -> None:
    missing = validate_file(tmp_path / "qna.yaml")
    assert rules(missing.errors) == ["file-missing"]
    template = tmp_path / "template_qna.yaml"
    template.write_text(skill_yaml(version=1))
    result = validate_file(template)
    assert [m.message for m in result.errors] == [
        'Taxonomy file must be named "qna.yaml"; "template_qna.yaml" is not a valid name'
    ]


def test_validate_file_chooses_schema_by_the_last_root_in_the_absolute_path(tmp_path: Path) -> None:
    leaf = tmp_path / "knowledge" / "checkout" / "compositional_skills" / "tides"
    leaf.mkdir(parents=True)
    (leaf / "qna.yaml").write_text(skill_yaml())
    (leaf / "attribution.txt").write_text(ATTRIBUTION)
    assert validate_file(leaf / "qna.yaml").ok


def test_iter_qna_files_walks_sorted_and_skips_hidden_directories(tmp_path: Path) -> None:
    for relative in [
        "b/qna.yaml",
        "a/z/qna.yaml",
        "a/qna.yaml",
        "a-c/qna.yaml",
        ".git/x/qna.yaml",
        "a/other.yaml",
    ]:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("version: 1\n")
    single = tmp_path / "b" / "qna.yaml"
    found = list(iter_qna_files([tmp_path, single]))
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "a/qna.yaml",
        "a/z/qna.yaml",
        "a-c/qna.yaml",
        "b/qna.yaml",
        "b/qna.yaml",
    ]


def test_format_package_imports_nothing_from_django_or_contrib() -> None:
    import subprocess
    import sys

    code = (
        "import sys, taxonomy.format; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('django', 'contrib', 'rest_framework')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    repo = Path(__file__).resolve().parents[2]
    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_question_mark_in_a_flow_mapping_gets_instructlab_verdict() -> None:
    """PyYAML (InstructLab's parser) ends a plain scalar at '?' inside a flow mapping; libyaml does not."""
    import yaml

    text = "version: 3\nseed_examples:\n  - {question: Why?, answer: x}\n"
    with pytest.raises(yaml.YAMLError):
        yaml.load(text, Loader=yaml.SafeLoader)
    result = validate_text(text, path="compositional_skills/a/b/qna.yaml", attribution="x")
    assert not result.ok
    assert result.errors[0].rule == "yaml-syntax"
    assert result.errors[0].line == 3
