"""Checks and preparation of a revision's content: path, action, sign-off, attribution, qna.yaml and documents."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from contrib.accounts.selectors import is_maintainer
from contrib.submissions.choices import Action
from contrib.submissions.exceptions import Messages
from taxonomy.choices import READ_ONLY_ROOTS
from taxonomy.exceptions import InvalidPath
from taxonomy.format import ValidationResult, validate_text
from taxonomy.format.attribution import AttributionFields, check_attribution, render_attribution
from taxonomy.models import LeafRevision
from taxonomy.paths import normalize_path
from taxonomy.selectors import version_head
from taxonomy.services import LeafContent

SIGNOFF_RE = re.compile(r"^Signed-off-by: .+ <[^@\s]+@[^@\s]+>$")
TITLE_MAX = 200
DESCRIPTION_MAX = 20_000
BODY_MAX = 20_000
QNA_MAX = 512 * 1024
DOCUMENT_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
DOCUMENT_SUFFIXES = (".md", ".markdown", ".txt")

DocumentUpload = tuple[str, bytes, str]


@dataclass
class Head:
    """The taxonomy head and the leaf at ``path`` in it (its content address, or '' when absent)."""

    number: int | None
    leaf_sha256: str


@dataclass
class Prepared:
    """A revision's content, checked: what to store and what the validator said."""

    qna_yaml: str
    attribution_txt: str
    signoff: str
    validation: ValidationResult | None
    documents: dict[str, bytes] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return (self.validation.kind or "") if self.validation else ""

    @property
    def schema_version(self) -> int | None:
        return self.validation.version if self.validation else None

    @property
    def data(self) -> Any:
        if self.validation is None or self.validation.data is None:
            return None
        # The stored copy must be JSON: YAML may hold dates and other non-JSON scalars.
        return json.loads(json.dumps(self.validation.data, default=str))

    def validation_dict(self) -> dict[str, Any]:
        if self.validation is None:
            return {}
        return {**self.validation.to_dict(), "kind": self.validation.kind}

    def sha256(self) -> str:
        return leaf_sha256(self.qna_yaml, self.attribution_txt, self.documents)


def leaf_sha256(qna_yaml: str, attribution_txt: str, documents: Mapping[str, bytes]) -> str:
    """The content address a taxonomy leaf with these files would have."""
    content = LeafContent(
        path="x/y", qna=qna_yaml.encode(), attribution=attribution_txt.encode() if attribution_txt else None,
        kind="", schema_version=0, data=None, documents=dict(documents),
    )
    return content.sha256


def path_clean(path: str, *, user: AbstractBaseUser, errors: Messages) -> str:
    """The normalised path, recording why when it is unusable or read-only for ``user``."""
    try:
        clean = normalize_path(path)
    except InvalidPath as exc:
        errors.setdefault("path", []).append(str(exc))
        return ""
    if clean.split("/", 1)[0] in READ_ONLY_ROOTS and not is_maintainer(user):
        errors.setdefault("path", []).append(
            f"{clean.split('/', 1)[0]} is read-only for contributors: choose a path under compositional_skills "
            "or knowledge, or ask a maintainer."
        )
    return clean


def head_state(path: str) -> Head:
    head = version_head()
    current = LeafRevision.objects.current().filter(node__path=path).values_list("sha256", flat=True).first()
    return Head(number=head.number if head else None, leaf_sha256=current or "")


def action_check(action: str, path: str, head: Head, errors: Messages) -> None:
    """An add needs a free path at the head; an update or removal needs a leaf there."""
    if action not in Action.values:
        errors.setdefault("action", []).append(f"{action!r} is not an action: use add, update or remove.")
    elif action == Action.ADD and head.leaf_sha256:
        errors.setdefault("action", []).append(
            f"A leaf already exists at {path} (version {head.number}): use action 'update' to change it."
        )
    elif action in (Action.UPDATE, Action.REMOVE) and path and not head.leaf_sha256:
        errors.setdefault("action", []).append(
            f"There is no leaf at {path} in the current tree: use action 'add' to create it, or check the path."
        )


def text_limits(values: Mapping[str, tuple[str, int]], errors: Messages) -> None:
    for name, (value, limit) in values.items():
        if len(value) > limit:
            errors.setdefault(name, []).append(f"This is {len(value)} characters; shorten it to at most {limit}.")


def signoff_check(signoff: str, errors: Messages) -> str:
    clean = (signoff or "").strip()
    if not clean:
        errors.setdefault("signoff", []).append(
            "A DCO sign-off is required: add 'Signed-off-by: Your Name <you@example.org>' to attest the "
            "Developer Certificate of Origin."
        )
    elif not SIGNOFF_RE.match(clean):
        errors.setdefault("signoff", []).append(
            f"{clean[:80]!r} is not a sign-off: write exactly 'Signed-off-by: Your Name <you@example.org>'."
        )
    return clean


def attribution_resolve(
    attribution_txt: str | None, attribution: AttributionFields | Mapping[str, Any] | None, errors: Messages
) -> str:
    """The attribution.txt text from raw text or from fields, with per-field problems (licence allow-list)."""
    if attribution is not None:
        fields = attribution if isinstance(attribution, AttributionFields) else _fields(attribution, errors)
        if fields is None:
            return ""
        for problem in check_attribution(fields):
            errors.setdefault(f"attribution.{problem.field}", []).append(problem.message)
        return render_attribution(fields)
    text = attribution_txt or ""
    if text.strip():
        for problem in check_attribution(text):
            errors.setdefault(f"attribution.{problem.field}", []).append(problem.message)
    return text


def _fields(values: Mapping[str, Any], errors: Messages) -> AttributionFields | None:
    names = set(AttributionFields.__dataclass_fields__)
    unknown = sorted(set(values) - names)
    if unknown:
        errors.setdefault("attribution", []).append(
            f"Unknown attribution fields {', '.join(unknown)}: use {', '.join(sorted(names))}."
        )
        return None
    kwargs = {name: values.get(name) or "" for name in names}
    return AttributionFields(**kwargs)


def documents_clean(uploads: Iterable[DocumentUpload], errors: Messages, key: str = "documents") -> dict[str, bytes]:
    """Each upload's safe name mapped to its bytes; problems are recorded under ``key``."""
    clean: dict[str, bytes] = {}
    for name, data, _content_type in uploads:
        problem = document_problem(name, data)
        if problem:
            errors.setdefault(key, []).append(problem)
        else:
            clean[name] = data
    return clean


def document_problem(name: str, data: bytes) -> str:
    """Why a knowledge document upload is refused, or '' when it is fine."""
    limit = settings.SEEDBED_DOCUMENT_MAX_BYTES
    if not name or "/" in name or "\\" in name or name in (".", "..") or not DOCUMENT_NAME_RE.match(name):
        return (
            f"{name[:80]!r} is not a safe document name: use a plain file name of letters, digits, '.', '_' and '-' "
            "(no directories), such as history.md."
        )
    if not name.lower().endswith(DOCUMENT_SUFFIXES):
        return f"{name!r} is not Markdown or plain text: upload a .md, .markdown or .txt file."
    if len(data) > limit:
        return f"{name} is {len(data)} bytes; a document may be at most {limit} bytes: split it into smaller files."
    if b"\x00" in data:
        return f"{name} is a binary file (it holds NUL bytes): upload Markdown or plain text, e.g. exported from a PDF."
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return f"{name} is not UTF-8 text: save it as UTF-8 Markdown or plain text and upload it again."
    return ""


def content_prepare(
    *,
    action: str,
    path: str,
    qna_yaml: str,
    attribution_txt: str | None,
    attribution: AttributionFields | Mapping[str, Any] | None,
    signoff: str,
    documents: Mapping[str, bytes],
    strict: bool,
    errors: Messages,
) -> Prepared:
    """Check sign-off, attribution and qna.yaml; with ``strict`` a missing or invalid part is an error."""
    signoff_clean = signoff_check(signoff, errors if strict else {})
    if action == Action.REMOVE:
        return Prepared(qna_yaml="", attribution_txt="", signoff=signoff_clean, validation=None)
    attribution_text = attribution_resolve(attribution_txt, attribution, errors if strict else {})
    text_limits({"qna_yaml": (qna_yaml, QNA_MAX)}, errors)
    if strict and not attribution_text.strip():
        errors.setdefault("attribution", []).append(
            "Give the attribution of the content: its title, link, revision, licence and creators "
            "(as `attribution` fields or an `attribution_txt`)."
        )
    result = None
    if path:
        result = validate_text(
            qna_yaml,
            path=f"{path}/qna.yaml",
            attribution=attribution_text or None,
            check_attribution=False,
            documents={name: data.decode("utf-8", "replace") for name, data in documents.items()},
        )
        if strict and not qna_yaml.strip():
            errors.setdefault("qna_yaml", []).append("The qna.yaml is empty: write or upload the leaf's seed examples.")
        elif strict and result.errors:
            errors.setdefault("qna_yaml", []).extend(m.to_dict() for m in result.errors)
    return Prepared(
        qna_yaml=qna_yaml, attribution_txt=attribution_text, signoff=signoff_clean, validation=result,
        documents=dict(documents),
    )
