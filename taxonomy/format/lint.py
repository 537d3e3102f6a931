"""yamllint run in-process with InstructLab's configuration, for qna.yaml files of version 2 and later."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from yamllint import linter, parser
from yamllint.config import YamlLintConfig
from yamllint.linter import LintProblem

#: The configuration InstructLab's taxonomy CI passes to yamllint.
LINT_CONFIG = "{extends: relaxed, rules: {line-length: disable}}"

_DISABLE_FILE = re.compile(r"^#\s*yamllint disable-file\s*$")

# Where libyaml's tokens are not PyYAML's (tabs, a '#' right after a block scalar header, byte order marks
# inside the text, NEL/LS/PS line breaks), or where '# yamllint' directives need yamllint's own filtering,
# yamllint's pure-Python scanner is used. Elsewhere libyaml's tokens, with PyYAML's marks rebuilt from their
# character index, equal PyYAML's token for token on the corpus and on thousands of fuzzed variants of it.
_NEEDS_YAMLLINT_SCANNER = re.compile(
    r"[\t\ufeff\x85\u2028\u2029]|#(?<=[|>]#)|#(?<=[|>][-+0-9]#)|#(?<=[|>][-+0-9]{2}#)"
)

_FIXES = {
    "trailing-spaces": "Delete the spaces or tabs at the end of this line.",
    "new-line-at-end-of-file": "End the file with a newline after its last line.",
    "new-lines": "Use Unix line endings (\\n).",
    "key-duplicates": "Keep this key once per mapping: YAML keeps only the last value of a repeated key.",
    "anchors": "Define each anchor ('&name') once, before the aliases ('*name') that use it.",
    "indentation": "Indent each level by 2 spaces, and indent list items the same way throughout the file.",
    "empty-lines": "Remove the extra blank lines.",
    "hyphens": "Put exactly one space after each '-' that starts a list item.",
    "colons": "Put no space before ':' and exactly one space after it.",
    "commas": "Put no space before ',' and one space after it.",
    "braces": "Put at most one space inside '{' and '}'.",
    "brackets": "Put at most one space inside '[' and ']'.",
}


@dataclass(frozen=True)
class LintFinding:
    """One yamllint problem: 1-based position, rule id, level ('error' or 'warning') and message."""

    line: int
    col: int
    rule: str
    level: str
    message: str

    @property
    def fix(self) -> str:
        return _FIXES.get(self.rule, f"See yamllint's documentation of the '{self.rule}' rule.")


@functools.cache
def _config() -> YamlLintConfig:
    return YamlLintConfig(LINT_CONFIG)


def lint(text: str) -> list[LintFinding]:
    """yamllint's problems in ``text``, which must already have parsed as YAML, as the yamllint command
    reports them for InstructLab.

    The command reads bytes and drops a UTF-8 byte order mark, so that is done here. yamllint's syntax pass
    is skipped: InstructLab lints only text PyYAML has already parsed, where that pass finds nothing, and it
    would double the cost of linting.
    """
    buffer = text.removeprefix("\ufeff")
    if _DISABLE_FILE.match(next(parser.line_generator(buffer)).content):
        return []
    conf = _config()
    problems: Iterator[LintProblem]
    if "yamllint" in buffer or _NEEDS_YAMLLINT_SCANNER.search(buffer):
        problems = linter.get_cosmetic_problems(buffer, conf, None)
    else:
        problems = _problems_from_libyaml_tokens(buffer, conf)
    return [
        LintFinding(line=p.line, col=p.column, rule=p.rule, level=p.level, message=p.message)
        for p in problems
    ]


def _problems_from_libyaml_tokens(buffer: str, conf: YamlLintConfig) -> Iterator[LintProblem]:
    """yamllint's rules fed with libyaml's tokens: what get_cosmetic_problems yields for a file without
    '# yamllint' directives, at a fraction of the cost of PyYAML's pure-Python scanner."""
    checks: dict[str, list[tuple[str, str, Any, dict[str, Any]]]] = {"token": [], "comment": [], "line": []}
    for rule in conf.enabled_rules(None):
        rule_conf = conf.rules[rule.ID]
        checks[rule.TYPE].append((rule.ID, rule_conf["level"], rule.check, rule_conf))
    contexts: dict[str, dict[str, Any]] = {rule_id: {} for rule_id, _, _, _ in checks["token"]}
    for element in _tokens_comments_and_lines(buffer):
        # hot loop: one call per rule per token, so no helper generator in between
        if isinstance(element, parser.Token):
            for rule_id, level, check, rule_conf in checks["token"]:
                args = (element.curr, element.prev, element.next, element.nextnext, contexts[rule_id])
                for problem in check(rule_conf, *args):
                    problem.rule, problem.level = rule_id, level
                    yield problem
        else:
            for rule_id, level, check, rule_conf in checks[
                "comment" if isinstance(element, parser.Comment) else "line"
            ]:
                for problem in check(rule_conf, element):
                    problem.rule, problem.level = rule_id, level
                    yield problem


def _tokens_comments_and_lines(buffer: str) -> Iterator[parser.Token | parser.Comment | parser.Line]:
    """Tokens (with the comments after each) and lines, in yamllint's order: a line comes after the tokens
    and comments that start on it."""
    lines = parser.line_generator(buffer)
    line = next(lines, None)
    for element in _tokens_and_comments(buffer):
        while line is not None and line.line_no < element.line_no:
            yield line
            line = next(lines, None)
        yield element
    while line is not None:
        yield line
        line = next(lines, None)


def _tokens_and_comments(buffer: str) -> Iterator[parser.Token | parser.Comment]:
    tokens = _libyaml_tokens(buffer)
    count = len(tokens)
    for index, token in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < count else None
        yield parser.Token(
            token.start_mark.line + 1,
            token,
            tokens[index - 1] if index else None,
            following,
            tokens[index + 2] if index + 2 < count else None,
        )
        # yamllint finds comments as '#' between two tokens; most gaps hold none, so skip its generator there
        end = following.start_mark.index if following is not None else len(buffer)
        if buffer.find("#", token.end_mark.index, end) != -1:
            yield from parser.comments_between_tokens(token, following)


def _libyaml_tokens(buffer: str) -> list[yaml.Token]:
    """libyaml's tokens with marks as PyYAML makes them: over ``buffer + '\\0'``, pointer = index.

    libyaml counts characters as PyYAML does, but when the text does not end with a line break it moves
    the marks at the very end to a new line; those get PyYAML's line and column back.
    """
    source = buffer + "\0"
    last_line_start = buffer.rfind("\n") + 1
    last_line = buffer.count("\n")

    def mark(c_mark: Any) -> yaml.Mark:
        index = c_mark.index
        if index >= last_line_start:
            return yaml.Mark("<unicode string>", index, last_line, index - last_line_start, source, index)
        return yaml.Mark("<unicode string>", index, c_mark.line, c_mark.column, source, index)

    loader = yaml.CBaseLoader(buffer)
    tokens: list[yaml.Token] = []
    try:
        while (token := loader.get_token()) is not None:
            token.start_mark = mark(token.start_mark)
            token.end_mark = mark(token.end_mark)
            if isinstance(token, yaml.ScalarToken) and token.style == "":
                token.style = None  # PyYAML's plain style
            tokens.append(token)
    finally:
        loader.dispose()
    return tokens
