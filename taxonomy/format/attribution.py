"""InstructLab's attribution.txt: its fields, rendering, lenient parsing, licence allow-list and checks."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

#: Licences InstructLab's taxonomy accepts for contributed content, as SPDX ids.
ALLOWED_LICENSES = ("CC0-1.0", "CDLA-Permissive-2.0", "CC-BY-4.0", "CC-BY-SA-4.0", "Apache-2.0", "MIT")


@dataclass(frozen=True)
class AttributionFields:
    """The five fields describing one source work of a leaf, as attribution.txt writes them."""

    title_of_work: str = ""
    link_to_work: str = ""
    revision: str = ""
    license_of_the_work: str = ""
    creator_names: str = ""


@dataclass(frozen=True)
class FieldProblem:
    """One problem with an attribution field; ``work`` is the 0-based index of the work in the file."""

    field: str
    message: str
    work: int = 0


#: Field name to the label attribution.txt gives it, in the file's order.
LABELS = {
    "title_of_work": "Title of work",
    "link_to_work": "Link to work",
    "revision": "Revision",
    "license_of_the_work": "License of the work",
    "creator_names": "Creator names",
}

# Spellings seen in hand-written files, after _label_key.
_LABEL_ALIASES = {
    "title of work": "title_of_work",
    "title of the work": "title_of_work",
    "title": "title_of_work",
    "link to work": "link_to_work",
    "link to the work": "link_to_work",
    "link": "link_to_work",
    "url": "link_to_work",
    "revision": "revision",
    "license of the work": "license_of_the_work",
    "license of work": "license_of_the_work",
    "license": "license_of_the_work",
    "creator names": "creator_names",
    "creator name": "creator_names",
    "creators": "creator_names",
    "creator": "creator_names",
    "authors": "creator_names",
    "author": "creator_names",
}

_LINE_BREAKS = re.compile(r"\s*[\n\r\v\f\x85\u2028\u2029]\s*")
_LICENSE_WORDS = (
    ("creative commons", "cc"),
    ("community data license agreement", "cdla"),
    ("attribution", "by"),
    ("share alike", "sa"),
    ("share-alike", "sa"),
    ("sharealike", "sa"),
)
_LICENSE_NOISE = frozenset(
    {
        "license",
        "licence",
        "version",
        "v",
        "international",
        "the",
        "universal",
        "public",
        "domain",
        "dedication",
    }
)
_LICENSE_KEYS = {
    "cc0 1.0": "CC0-1.0",
    "cc0": "CC0-1.0",
    "cdla permissive 2.0": "CDLA-Permissive-2.0",
    "cc by 4.0": "CC-BY-4.0",
    "cc by sa 4.0": "CC-BY-SA-4.0",
    "apache 2.0": "Apache-2.0",
    "mit": "MIT",
}


def render_attribution(fields: AttributionFields) -> str:
    """attribution.txt text for ``fields``: one ``Label: value`` line per field, in InstructLab's order.

    Values are trimmed and line breaks inside them become spaces, since each field must stay on its line.
    """
    lines = []
    for name, label in LABELS.items():
        value = _one_line(getattr(fields, name))
        lines.append(f"{label}: {value}" if value else f"{label}:")
    return "\n".join(lines) + "\n"


def render_attributions(works: Iterable[AttributionFields]) -> str:
    """attribution.txt text for several source works, separated by a blank line."""
    return "\n".join(render_attribution(fields) for fields in works)


def parse_attribution(text: str) -> AttributionFields:
    """The first work described in attribution.txt ``text``; missing fields are ""."""
    works = parse_attributions(text)
    return works[0] if works else AttributionFields()


def parse_attributions(text: str) -> list[AttributionFields]:
    """Every work described in attribution.txt ``text``, read leniently.

    Labels are matched case-insensitively with common variants ('Licence', 'Author'); a label met again
    starts the next work; a line without a label continues the field on the line before it.
    """
    works: list[dict[str, str]] = []
    current: dict[str, str] = {}
    last: str | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            last = None
            continue
        label, colon, value = line.partition(":")
        name = _LABEL_ALIASES.get(_label_key(label)) if colon else None
        if name is None:
            if last is not None:
                current[last] = f"{current[last]} {line}".strip()
            continue
        if name in current:
            works.append(current)
            current = {}
        current[name] = value.strip()
        last = name
    if current:
        works.append(current)
    return [AttributionFields(**work) for work in works]


def normalize_license(value: str) -> str | None:
    """The SPDX id of the allowed licence ``value`` names ('CC BY-SA 4.0', 'Apache License 2.0', 'mit'), or
    None when it names none of ALLOWED_LICENSES."""
    if value.strip() in ALLOWED_LICENSES:
        return value.strip()
    # 'The MIT License (MIT)': every part, inside parentheses or not, must name the same licence
    parts = [part for part in re.split(r"[()]", value) if part.strip()]
    ids = {_LICENSE_KEYS.get(_license_key(part)) for part in parts}
    return ids.pop() if len(ids) == 1 else None


def check_attribution(fields_or_text: AttributionFields | str) -> list[FieldProblem]:
    """What must change in an attribution (fields, or the text of attribution.txt) before it can be merged."""
    if isinstance(fields_or_text, str):
        works = parse_attributions(fields_or_text) or [AttributionFields()]
    else:
        works = [fields_or_text]
    problems: list[FieldProblem] = []
    for index, fields in enumerate(works):
        problems.extend(dataclasses.replace(problem, work=index) for problem in _check_work(fields))
    return problems


def _check_work(fields: AttributionFields) -> list[FieldProblem]:
    problems = []
    if not fields.title_of_work.strip():
        problems.append(
            FieldProblem(
                "title_of_work",
                "The title of the work is missing: add 'Title of work: <title of the source>'.",
            )
        )
    link = fields.link_to_work.strip()
    if not link:
        problems.append(
            FieldProblem(
                "link_to_work",
                "The link to the work is missing: add 'Link to work: <URL of the source>', "
                "or '-' when it has none.",
            )
        )
    elif link != "-" and not _is_web_url(link):
        problems.append(
            FieldProblem(
                "link_to_work",
                f"'{link}' is not a link: give the http:// or https:// URL of the source, "
                "or '-' when it has none.",
            )
        )
    license_value = fields.license_of_the_work.strip()
    if not license_value:
        problems.append(
            FieldProblem(
                "license_of_the_work",
                "The licence of the work is missing: add 'License of the work: <SPDX id>', one of "
                f"{', '.join(ALLOWED_LICENSES)}.",
            )
        )
    elif normalize_license(license_value) is None:
        problems.append(
            FieldProblem(
                "license_of_the_work",
                f"The licence '{license_value}' is not accepted: content must be under one of "
                f"{', '.join(ALLOWED_LICENSES)}. Use a source under one of these, "
                "or your own work under one.",
            )
        )
    if not fields.creator_names.strip():
        problems.append(
            FieldProblem(
                "creator_names",
                "The creators are missing: add 'Creator names: <authors of the work>' "
                "(for Wikipedia, 'Wikipedia Authors').",
            )
        )
    return problems


def _one_line(value: str) -> str:
    return _LINE_BREAKS.sub(" ", value).strip()


def _label_key(label: str) -> str:
    words = label.casefold().replace("licence", "license").split()
    return " ".join(words)


def _license_key(value: str) -> str:
    key = value.casefold()
    for words, short in _LICENSE_WORDS:
        key = key.replace(words, short)
    tokens = [token for token in re.findall(r"[a-z0-9]+(?:\.[0-9]+)*", key) if token not in _LICENSE_NOISE]
    # 'Apache 2' and 'CC BY 4' name the same versions as 'Apache 2.0' and 'CC BY 4.0'
    return " ".join(f"{token}.0" if token.isdigit() else token for token in tokens)


def _is_web_url(value: str) -> bool:
    if any(char.isspace() for char in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)
