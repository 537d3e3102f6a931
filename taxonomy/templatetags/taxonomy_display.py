"""Template tags that present leaves readably: kind badges, seed examples, search snippets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from taxonomy.choices import READ_ONLY_ROOTS, LeafKind

register = template.Library()

_KIND_LABELS = dict(LeafKind.choices)


@dataclass(frozen=True)
class QAPair:
    """One question with its answer."""

    question: str
    answer: str


@dataclass(frozen=True)
class SeedExample:
    """A seed example: an optional context and one (skill) or several (knowledge) Q&A pairs."""

    context: str
    pairs: list[QAPair]


@dataclass(frozen=True)
class LeafPresentation:
    """What a leaf's parsed qna.yaml says, as plain strings a template can show whatever the schema version."""

    kind: str
    created_by: str
    task_description: str
    domain: str
    document_outline: str
    document_repo: str
    document_commit: str
    document_patterns: list[str] = field(default_factory=list)
    examples: list[SeedExample] = field(default_factory=list)

    @property
    def is_knowledge(self) -> bool:
        return self.kind == LeafKind.KNOWLEDGE

    @property
    def has_document(self) -> bool:
        return bool(self.document_repo or self.document_commit or self.document_patterns)


def _text(value: Any) -> str:
    """A value of the parsed YAML as display text; a stored leaf was validated, but stay total anyway."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float, bool)):
        return str(value)
    return json.dumps(value, ensure_ascii=False, indent=2)


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _sequence(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def present_leaf(data: Any, kind: str) -> LeafPresentation:
    """Read a leaf's parsed data into a LeafPresentation (knowledge v3 nests Q&A under each context)."""
    data = _mapping(data)
    document = _mapping(data.get("document"))
    examples: list[SeedExample] = []
    for raw in _sequence(data.get("seed_examples")):
        example = _mapping(raw)
        nested = _sequence(example.get("questions_and_answers"))
        if nested:
            pairs = [
                QAPair(question=_text(_mapping(qa).get("question")), answer=_text(_mapping(qa).get("answer")))
                for qa in nested
            ]
        else:
            pairs = [QAPair(question=_text(example.get("question")), answer=_text(example.get("answer")))]
        examples.append(SeedExample(context=_text(example.get("context")), pairs=pairs))
    return LeafPresentation(
        kind=kind,
        created_by=_text(data.get("created_by")),
        task_description=_text(data.get("task_description")),
        domain=_text(data.get("domain")),
        document_outline=_text(data.get("document_outline")),
        document_repo=_text(document.get("repo")),
        document_commit=_text(document.get("commit")),
        document_patterns=[_text(p) for p in _sequence(document.get("patterns"))],
        examples=examples,
    )


@register.inclusion_tag("taxonomy/_seed_examples.html")
def seed_examples(data: Any, kind: str) -> dict[str, Any]:
    """Render a leaf's task, document and seed examples as readable blocks."""
    return {"leaf": present_leaf(data, kind)}


@register.simple_tag
def kind_badge(kind: str) -> SafeString:
    """A small coloured label naming the leaf kind."""
    if not kind:
        return format_html('<span class="badge badge--dir">{}</span>', "directory")
    return format_html('<span class="badge badge--{}">{}</span>', kind, _KIND_LABELS.get(kind, kind))


@register.filter
def is_read_only(path: str) -> bool:
    """Whether ``path`` lies under a root contributors may not change (foundational_skills)."""
    return bool(path) and path.split("/", 1)[0] in READ_ONLY_ROOTS


@register.filter
def short_sha(sha: str | None) -> str:
    return (sha or "")[:12]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@register.simple_tag
def search_snippet(data: Any, query: str, width: int = 80) -> SafeString | str:
    """The first text of ``data`` holding a word of ``query``, cut around it, with the word marked."""
    words = [w.lower() for w in query.split() if w]
    for text in _strings(data):
        lowered = text.lower()
        for word in words:
            at = lowered.find(word)
            if at < 0:
                continue
            start = max(0, at - width)
            end = min(len(text), at + len(word) + width)
            return format_html(
                "{}{}<mark>{}</mark>{}{}",
                "…" if start > 0 else "",
                text[start:at],
                text[at : at + len(word)],
                text[at + len(word) : end],
                "…" if end < len(text) else "",
            )
    return ""
