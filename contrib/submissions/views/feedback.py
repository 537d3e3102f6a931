"""What checking the compose form finds: the generated files, located messages per field, and word counts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django import forms

from contrib.submissions.choices import Action
from contrib.submissions.forms import ATTRIBUTION_FIELDS, KNOWLEDGE_PAIRS, compose, field_for, live_rows
from taxonomy.choices import LeafKind
from taxonomy.format import validate_text
from taxonomy.format.attribution import AttributionFields, check_attribution, render_attribution
from taxonomy.format.render import render_qna

#: Messages not tied to one input are shown at the top of their section.
SECTIONS = ("examples", "attribution", "documents", "__all__")


@dataclass
class Feedback:
    """The generated qna.yaml and attribution.txt, and every message placed at the field it is about."""

    qna_yaml: str = ""
    attribution_txt: str = ""
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    word_counts: dict[str, int] = field(default_factory=dict)
    rows: list[int] = field(default_factory=list)
    build_error: str = ""

    @property
    def valid(self) -> bool:
        return not self.errors and not self.build_error

    def section(self, name: str) -> list[dict[str, Any]]:
        return [m for m in self.errors + self.warnings if m["field"] == name]

    @property
    def sections(self) -> dict[str, list[dict[str, Any]]]:
        return {name.strip("_") or "all": self.section(name) for name in SECTIONS}

    def to_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "qna_yaml": self.qna_yaml,
            "attribution_txt": self.attribution_txt,
            "errors": self.errors,
            "warnings": self.warnings,
            "word_counts": self.word_counts,
            "build_error": self.build_error,
        }


def _message(name: str, text: str, *, yaml_path: str = "", line: int | None = None, col: int | None = None,
             fix: str = "", rule: str = "") -> dict[str, Any]:
    return {"field": name, "yaml_path": yaml_path, "line": line, "col": col, "message": text, "fix": fix, "rule": rule}


def _words(text: Any) -> int:
    return len(text.split()) if isinstance(text, str) else 0


def word_counts(formset: Any, prefix: str) -> dict[str, int]:
    """Words per context and per question/answer pair, by form field, and the total over live rows."""
    counts: dict[str, int] = {}
    total = 0
    for index, row in live_rows(formset):
        counts[f"{prefix}-{index}-context"] = _words(row.get("context"))
        total += counts[f"{prefix}-{index}-context"]
        for n in range(1, KNOWLEDGE_PAIRS + 1):
            pair = _words(row.get(f"question_{n}")) + _words(row.get(f"answer_{n}"))
            counts[f"{prefix}-{index}-qa_{n}"] = pair
            total += pair
    counts["total"] = total
    return counts


def check_form(
    form: forms.Form, formset: Any, *, prefix: str, path: str | None = None, extra_documents: Iterable[str] = ()
) -> Feedback:
    """Build the leaf's files from the form and run the validator and the attribution checks on them."""
    feedback = Feedback()
    for name, errors in form.errors.items():
        feedback.errors.extend(_message(name, str(e)) for e in errors)
    if not formset.management_form.is_valid():
        feedback.build_error = "The seed-example rows of the form are incomplete: reload the page and try again."
        return feedback
    cleaned = form.cleaned_data
    feedback.word_counts = word_counts(formset, prefix)
    values = {name: (cleaned.get(name) or "").strip() for name in ATTRIBUTION_FIELDS}
    if any(values.values()):
        fields = AttributionFields(**values)
        feedback.attribution_txt = render_attribution(fields)
        feedback.errors.extend(_message(p.field, p.message) for p in check_attribution(fields))
    if cleaned.get("action") == Action.REMOVE:
        return feedback
    composed = compose(cleaned, formset)
    feedback.rows = composed.rows
    feedback.qna_yaml = render_qna(composed.data)
    knowledge = cleaned.get("kind") == LeafKind.KNOWLEDGE
    leaf_path = path or cleaned.get("path") or ("knowledge/draft" if knowledge else "compositional_skills/draft")
    documents = [f.name or "" for f in form.files.getlist("documents")] + list(extra_documents)
    result = validate_text(
        feedback.qna_yaml, path=f"{leaf_path}/qna.yaml", attribution=feedback.attribution_txt or None,
        documents=documents if knowledge else None,
    )
    for messages, into in ((result.errors, feedback.errors), (result.warnings, feedback.warnings)):
        for m in messages:
            into.append(_message(field_for(m.yaml_path, composed.rows, prefix), m.message, yaml_path=m.yaml_path,
                                 line=m.line, col=m.col, fix=m.fix, rule=m.rule))
    return feedback


def _place(form: forms.Form, formset: Any, name: str, text: str, prefix: str) -> bool:
    """Attach ``text`` to the bound input ``name`` (a leaf field or a row field); False if there is none."""
    if name in form.fields:
        form.add_error(name, text)
        return True
    parts = name.split("-")
    if len(parts) == 3 and parts[0] == prefix and parts[1].isdigit():
        index = int(parts[1])
        if index < len(formset.forms) and parts[2] in formset.forms[index].fields:
            formset.forms[index].add_error(parts[2], text)
            return True
    return False


def apply_errors(form: forms.Form, feedback: Feedback, errors: dict[str, list[Any]], *, prefix: str) -> None:
    """Replace the feedback's errors by a service's field-level errors, each named by the field it is about."""
    feedback.errors = [m for m in feedback.errors if m["field"] in form.errors]
    for key, items in errors.items():
        for item in items:
            if isinstance(item, dict):
                name = field_for(item.get("yaml_path", ""), feedback.rows, prefix) if key == "qna_yaml" else key
                feedback.errors.append(_message(
                    name, item.get("message", ""), yaml_path=item.get("yaml_path", ""), line=item.get("line"),
                    col=item.get("col"), fix=item.get("fix", ""), rule=item.get("rule", ""),
                ))
            else:
                name = key.split(".", 1)[1] if key.startswith("attribution.") else key
                feedback.errors.append(_message("__all__" if name == "non_field_errors" else name, str(item)))


def place_feedback(form: forms.Form, formset: Any, feedback: Feedback, *, prefix: str) -> None:
    """Show each message under its input on a re-rendered page; the rest go to the top of their section."""
    for message in feedback.errors:
        name = message["field"]
        if name in SECTIONS or (name in form.fields and name in form.errors):
            continue
        text = f"{message['message']} {message['fix']}".strip()
        if not _place(form, formset, name, text, prefix):
            message["field"] = "__all__"
