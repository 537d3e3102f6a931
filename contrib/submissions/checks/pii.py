"""Finding personal data and secrets (emails, phone and card numbers, API keys) in a leaf's text."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from taxonomy.format.marks import yaml_path as format_path

EMAIL = "email"
PHONE = "phone"
CARD = "card_number"
AWS_ACCESS_KEY = "aws_access_key"
GITHUB_TOKEN = "github_token"
OPENAI_KEY = "openai_key"
SLACK_TOKEN = "slack_token"
GOOGLE_API_KEY = "google_api_key"
PRIVATE_KEY = "private_key"
JWT = "jwt"
SECRET_ASSIGNMENT = "secret_assignment"

#: What each kind of finding is, for people reading the check's results.
KIND_LABELS = {
    EMAIL: "email address",
    PHONE: "phone number",
    CARD: "payment card number",
    AWS_ACCESS_KEY: "AWS access key id",
    GITHUB_TOKEN: "GitHub token",
    OPENAI_KEY: "OpenAI-style API key",
    SLACK_TOKEN: "Slack token",
    GOOGLE_API_KEY: "Google API key",
    PRIVATE_KEY: "private key",
    JWT: "JSON Web Token",
    SECRET_ASSIGNMENT: "password or secret",
}


@dataclass(frozen=True)
class PiiFinding:
    """Personal data or a secret at ``start``:``end`` of the string at ``yaml_path``, excerpt masked."""

    kind: str
    yaml_path: str
    excerpt: str
    start: int
    end: int


_TOKEN_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (PRIVATE_KEY, re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")),
    (AWS_ACCESS_KEY, re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Z0-9])")),
    (
        GITHUB_TOKEN,
        re.compile(r"(?<![\w])(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})(?![\w])"),
    ),
    (SLACK_TOKEN, re.compile(r"(?<![\w-])xox[baprs]-[A-Za-z0-9-]{10,}")),
    (GOOGLE_API_KEY, re.compile(r"(?<![\w-])AIza[0-9A-Za-z_-]{35}(?![\w-])")),
    (JWT, re.compile(r"(?<![\w-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")),
    # a key's body mixes letters and digits, unlike a hyphenated word that happens to start with 'sk-'
    (
        OPENAI_KEY,
        re.compile(r"(?<![\w-])sk-(?=[A-Za-z0-9_-]*[0-9])(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{20,}"),
    ),
)

# RFC 2606 and RFC 6761 names that exist only for documentation and tests.
_EXAMPLE_DOMAIN = re.compile(
    r"(?:^|\.)(?:example(?:\.(?:com|org|net))?|test|invalid|localhost)$", re.IGNORECASE
)
_FILE_EXTENSIONS = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "pdf", "js", "css", "html"})
_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}"
    r"@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24})(?![\w-])"
)

# A run of digits with the separators phone and card numbers use; judged as a whole by _is_phone and _is_card.
_NUMBER_RUN = re.compile(r"(?<![\w+.,/-])\+?\(?\d(?:[ .()/-]{0,2}\d)+\)?(?![\w])")
_NANP = re.compile(r"(?:\+?1[ .-]?)?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}")
_TRUNK_PREFIXED = re.compile(r"(?:\(0\d{1,4}\)|0\d{1,4})(?:[ .\-/]\d{2,8}){1,4}")
_INTERNATIONAL = re.compile(r"\+\d{1,3}(?:[ .-]?\(?\d{1,5}\)?)(?:[ .-]?\d{1,6}){1,5}")
_CARD_GROUPS = re.compile(r"\d{13,19}|\d{4}(?:[ -]\d{4}){2}[ -]\d{1,7}|\d{4}[ -]\d{6}[ -]\d{4,5}")
_DOTTED_QUAD = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_DATE = re.compile(r"\d{1,2}[./-]\d{1,2}[./-](?:19|20)\d\d|(?:19|20)\d\d[./-]\d{1,2}[./-]\d{1,2}")
_ISBN_BEFORE = re.compile(r"ISBN(?:-1[03])?:?\s*$", re.IGNORECASE)

# Anchored on the keyword alone (a prefix such as 'db_' or 'client_' before it is allowed by the lookbehind),
# so the scan stays linear however the text repeats separators.
_SECRET_ASSIGNMENT = re.compile(
    r"(?i)(?<![a-z])(?:password|passwd|pwd|passphrase|secret|token"
    r"|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|private[_-]?key)"
    r"[\"']?[ \t]*[:=][ \t]*[\"']?(?P<value>[^\s\"',;]{6,})"
)
_PLACEHOLDER_WORDS = frozenset(
    {
        "password",
        "secret",
        "changeme",
        "redacted",
        "example",
        "hidden",
        "none",
        "null",
        "true",
        "false",
        "token",
    }
)
_SECRET_SYMBOLS = set("!@#$%^&*+/=~?")


def scan(data: Any) -> list[PiiFinding]:
    """Every finding in the strings of parsed qna.yaml ``data`` (values, not keys), in document order."""
    findings: list[PiiFinding] = []
    for path, text in _strings(data, ()):
        findings.extend(scan_text(text, format_path(path)))
    return findings


def scan_text(text: str, yaml_path: str = "") -> list[PiiFinding]:
    """Every finding in ``text``, ordered by position; where two overlap, the more specific one is kept."""
    candidates: list[tuple[int, int, int, str]] = []  # (priority, start, end, kind): lower priority wins
    for priority, (kind, pattern) in enumerate(_TOKEN_PATTERNS):
        candidates.extend((priority, m.start(), m.end(), kind) for m in pattern.finditer(text))
    base = len(_TOKEN_PATTERNS)
    for match in _EMAIL.finditer(text):
        if _is_email(match):
            candidates.append((base, match.start(), match.end(), EMAIL))
    for match in _NUMBER_RUN.finditer(text):
        run = (
            match.group().rstrip(")")
            if match.group().count("(") < match.group().count(")")
            else match.group()
        )
        end = match.start() + len(run)
        if _is_card(run):
            candidates.append((base + 1, match.start(), end, CARD))
        elif _is_phone(run) and not _ISBN_BEFORE.search(text, max(0, match.start() - 12), match.start()):
            candidates.append((base + 2, match.start(), end, PHONE))
    for match in _SECRET_ASSIGNMENT.finditer(text):
        if _looks_secret(match.group("value")):
            candidates.append((base + 3, match.start("value"), match.end("value"), SECRET_ASSIGNMENT))

    # kept spans never overlap, so sorted by start they are sorted by end too, and one bisect finds a clash
    starts: list[int] = []
    kept: list[tuple[int, int, str]] = []
    for _, start, end, kind in sorted(candidates):
        position = bisect.bisect_right(starts, start)
        if (position and kept[position - 1][1] > start) or (position < len(kept) and kept[position][0] < end):
            continue
        starts.insert(position, start)
        kept.insert(position, (start, end, kind))
    return [
        PiiFinding(kind=kind, yaml_path=yaml_path, excerpt=mask(text[start:end]), start=start, end=end)
        for start, end, kind in kept
    ]


def mask(value: str) -> str:
    """``value`` with all but its first and last two characters replaced by '*' (all of it when short)."""
    if len(value) <= 6:
        return "*" * len(value)
    return value[:2] + "*" * (len(value) - 4) + value[-2:]


def _strings(value: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))


def _is_email(match: re.Match[str]) -> bool:
    domain = match.group(1)
    local = match.group()[: -len(domain) - 1]
    # 'git@host' is an SSH remote and 'icon@2x.png' a file name, not someone's address
    return (
        not _EXAMPLE_DOMAIN.search(domain)
        and local.casefold() != "git"
        and domain.rsplit(".", 1)[-1].casefold() not in _FILE_EXTENSIONS
    )


def _digits(run: str) -> str:
    return re.sub(r"\D", "", run)


def _is_phone(run: str) -> bool:
    digits = _digits(run)
    if run.startswith("+"):
        return 8 <= len(digits) <= 15 and _fullmatch(_INTERNATIONAL, run)
    if not 9 <= len(digits) <= 12 or run.isdigit() or _DOTTED_QUAD.fullmatch(run) or _DATE.search(run):
        return False  # a bare digit string is an id or a count more often than a phone number
    return _fullmatch(_NANP, run) or _fullmatch(_TRUNK_PREFIXED, run)


def _is_card(run: str) -> bool:
    digits = _digits(run)
    return (
        13 <= len(digits) <= 19
        and digits[0] in "23456"  # the major networks' leading digits; cuts false hits on long ids by half
        and len(set(digits)) > 1
        and _fullmatch(_CARD_GROUPS, run)
        and _luhn(digits)
    )


def _luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _looks_secret(value: str) -> bool:
    """Whether an assigned value looks like a real credential rather than prose or a placeholder."""
    lowered = value.casefold()
    if (
        value[0] in "<{[($%"
        or lowered.strip("*x.") == ""
        or "xxx" in lowered
        or "***" in value
        or "..." in value
        or lowered in _PLACEHOLDER_WORDS
        or "environ" in lowered
        or "getenv" in lowered
        or lowered.startswith(("your", "my_", "<"))
    ):
        return False
    has_digit = any(char.isdigit() for char in value)
    has_alpha = any(char.isalpha() for char in value)
    mixed_case = any(char.islower() for char in value) and any(char.isupper() for char in value[1:])
    return (has_digit and has_alpha) or mixed_case or bool(_SECRET_SYMBOLS & set(value))


def _fullmatch(pattern: re.Pattern[str], text: str) -> bool:
    return pattern.fullmatch(text) is not None
