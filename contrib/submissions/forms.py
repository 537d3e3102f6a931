"""Forms of the submission pages: the guided leaf form with its seed-example rows, review, comments and filters."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.forms import formset_factory

from contrib.submissions.choices import Action, RejectReason, Status, Verdict
from taxonomy.choices import LeafKind
from taxonomy.exceptions import InvalidPath
from taxonomy.format.attribution import ALLOWED_LICENSES
from taxonomy.paths import normalize_path

#: Seed-example rows the form shows at first, as InstructLab asks for at least five.
INITIAL_ROWS = 5
#: Question/answer pairs in each knowledge seed example.
KNOWLEDGE_PAIRS = 3
MAX_ROWS = 50
QNA_UPLOAD_MAX_BYTES = 1024 * 1024

KNOWLEDGE_FIELDS = ("domain", "document_outline", "document_repo", "document_commit", "document_patterns")
ATTRIBUTION_FIELDS = ("title_of_work", "link_to_work", "revision", "license_of_the_work", "creator_names")
INTENTS = ("preview", "add_row", "draft", "open")


def _area(rows: int = 3, **attrs: Any) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, **attrs})


class TextField(forms.CharField):
    """Multi-line text with the browser's CRLF line ends turned into the LF that qna.yaml keeps."""

    def __init__(self, *, rows: int = 3, widget_attrs: dict[str, str] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("widget", _area(rows, **(widget_attrs or {})))
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        text = super().to_python(value) or ""
        return text.replace("\r\n", "\n").replace("\r", "\n").strip()


class LeafForm(forms.Form):
    """Steps 1, 2, 4 and 5 of the guided form: kind and path, details, attribution, sign-off."""

    kind = forms.ChoiceField(choices=LeafKind.choices, initial=LeafKind.FREEFORM_SKILL, widget=forms.RadioSelect)
    path = forms.CharField(
        max_length=1024,
        help_text="Where the leaf lives, e.g. compositional_skills/writing/poetry/haiku. Search the tree to pick one.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "placeholder": "compositional_skills/…"}),
    )
    action = forms.ChoiceField(choices=Action.choices, initial=Action.ADD, widget=forms.RadioSelect)
    title = forms.CharField(max_length=200, help_text="One line saying what the submission adds or changes.")
    description = TextField(required=False, max_length=20_000, help_text="Why this helps (optional).")
    task_description = TextField(rows=2, required=False, help_text="What the skill teaches the model.")
    domain = forms.CharField(required=False, max_length=200, help_text="The knowledge domain, e.g. Botany.")
    document_outline = TextField(rows=2, required=False, help_text="A short outline of the document.")
    document_repo = forms.CharField(
        label="Document repository", required=False, max_length=500,
        help_text="The git repository holding the documents (uploaded documents are stored by Seedbed too).",
    )
    document_commit = forms.CharField(label="Document commit", required=False, max_length=100)
    document_patterns = TextField(
        label="Document patterns", required=False, rows=2, widget_attrs={"spellcheck": "false"},
        help_text="One file pattern per line, e.g. *.md; each must match an uploaded document.",
    )
    created_by = forms.CharField(required=False, max_length=100, help_text="Your username, as the leaf's author.")
    title_of_work = forms.CharField(required=False, max_length=500, help_text="The source the content comes from.")
    link_to_work = forms.CharField(required=False, max_length=1000, help_text="A URL of the source.")
    revision = forms.CharField(required=False, max_length=200, help_text="The source's revision or date.")
    license_of_the_work = forms.ChoiceField(
        label="Licence of the work", required=False,
        choices=[("", "Choose a licence")] + [(name, name) for name in ALLOWED_LICENSES],
        help_text="InstructLab accepts only these licences.",
    )
    creator_names = forms.CharField(required=False, max_length=1000, help_text="Who wrote the source.")
    documents = forms.FileField(
        required=False, widget=forms.ClearableFileInput(attrs={"accept": ".md,.markdown,.txt,text/markdown,text/plain"}),
        help_text="Knowledge documents: Markdown or plain text.",
    )
    signoff = forms.CharField(
        label="Sign-off line", required=False, max_length=500,
        help_text="Signed-off-by: Your Name <you@example.org>, from your profile.",
    )
    signoff_confirmed = forms.BooleanField(
        required=False,
        label="I certify the Developer Certificate of Origin: I have the right to submit this under the licence above.",
    )
    intent = forms.ChoiceField(choices=[(i, i) for i in INTENTS], required=False)

    def __init__(self, *args: Any, revise: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.revise = revise
        self.fields["documents"].widget.attrs["multiple"] = True
        if revise:
            for name in ("path", "action", "title", "description"):
                del self.fields[name]

    def clean_path(self) -> str:
        raw: str = self.cleaned_data["path"]
        try:
            return normalize_path(raw)
        except InvalidPath as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("intent") == "open" and not cleaned.get("signoff_confirmed"):
            self.add_error("signoff_confirmed", "Tick the sign-off to attest the Developer Certificate of Origin.")
        return cleaned

    def chosen_intent(self) -> str:
        """The button pressed: preview (the default), add_row, draft or open."""
        return (self.cleaned_data.get("intent") if hasattr(self, "cleaned_data") else "") or "preview"

    def attribution(self) -> dict[str, str]:
        return {name: (self.cleaned_data.get(name) or "").strip() for name in ATTRIBUTION_FIELDS}


class ExampleForm(forms.Form):
    """One seed-example row: a context (grounded skills, knowledge) and up to three question/answer pairs."""

    context = TextField(required=False, rows=4)
    question_1 = TextField(label="Question", required=False, rows=2)
    answer_1 = TextField(label="Answer", required=False)
    question_2 = TextField(label="Question 2", required=False, rows=2)
    answer_2 = TextField(label="Answer 2", required=False)
    question_3 = TextField(label="Question 3", required=False, rows=2)
    answer_3 = TextField(label="Answer 3", required=False)

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {}) or {}
        return not any((data.get(name) or "").strip() for name in self.fields if name != "DELETE")


ExampleFormSet = formset_factory(ExampleForm, extra=0, can_delete=True, max_num=MAX_ROWS, absolute_max=MAX_ROWS)


@dataclass
class Composed:
    """What the form builds: the leaf data (qna.yaml as a dict) and, for each seed example, its form row."""

    data: dict[str, Any]
    rows: list[int] = field(default_factory=list)


def live_rows(formset: Any) -> list[tuple[int, dict[str, str]]]:
    """The rows that count, with their index in the form: not deleted, not left blank."""
    rows = []
    for index, form in enumerate(formset.forms):
        data = getattr(form, "cleaned_data", None) or {}
        if data.get("DELETE") or form.is_blank():
            continue
        rows.append((index, {k: (v or "").strip() if isinstance(v, str) else v for k, v in data.items()}))
    return rows


def compose(cleaned: dict[str, Any], formset: Any) -> Composed:
    """The qna.yaml data the form describes, built with the format's helpers so it renders trap-free."""
    from taxonomy.format.render import build_knowledge, build_skill

    rows = live_rows(formset)
    kind = cleaned.get("kind") or LeafKind.FREEFORM_SKILL
    text = {name: (cleaned.get(name) or "").strip() for name in ("task_description", "created_by", *KNOWLEDGE_FIELDS)}
    examples: list[dict[str, Any]]
    if kind == LeafKind.KNOWLEDGE:
        examples = [
            {
                "context": row["context"],
                "questions_and_answers": [
                    {"question": row[f"question_{n}"], "answer": row[f"answer_{n}"]} for n in range(1, KNOWLEDGE_PAIRS + 1)
                ],
            }
            for _, row in rows
        ]
        patterns = [line.strip() for line in text["document_patterns"].splitlines() if line.strip()]
        data = build_knowledge(
            created_by=text["created_by"], domain=text["domain"], document_outline=text["document_outline"],
            examples=examples, repo=text["document_repo"], commit=text["document_commit"], patterns=patterns,
        )
    else:
        grounded = kind == LeafKind.GROUNDED_SKILL
        examples = []
        for _, row in rows:
            example = {"question": row["question_1"], "answer": row["answer_1"]}
            if grounded:
                example["context"] = row["context"]
            examples.append(example)
        data = build_skill(task_description=text["task_description"], created_by=text["created_by"], examples=examples)
    return Composed(data=data, rows=[index for index, _ in rows])


_EXAMPLE = re.compile(r"^\.seed_examples\[(\d+)\](.*)$")
_PAIR = re.compile(r"^\.questions_and_answers\[(\d+)\](?:\.(question|answer))?")
_TOP = {
    ".task_description": "task_description", ".created_by": "created_by", ".domain": "domain",
    ".document_outline": "document_outline", ".document.repo": "document_repo", ".document.commit": "document_commit",
    ".document.patterns": "document_patterns", ".document": "document_repo", ".seed_examples": "examples",
}


def field_for(yaml_path: str, rows: list[int], prefix: str = "ex") -> str:
    """The form field a validator message belongs to: ``.seed_examples[2].answer`` is row 3's answer field."""
    match = _EXAMPLE.match(yaml_path or "")
    if match:
        position, rest = int(match.group(1)), match.group(2)
        if position >= len(rows):
            return "examples"
        row = f"{prefix}-{rows[position]}"
        pair = _PAIR.match(rest)
        if pair:
            return f"{row}-{pair.group(2) or 'question'}_{int(pair.group(1)) + 1}"
        if rest in (".question", ".answer"):
            return f"{row}-{rest[1:]}_1"
        if rest == ".context":
            return f"{row}-context"
        return row
    for key, name in _TOP.items():
        if yaml_path == key or yaml_path.startswith((key + "[", key + ".")):
            return name
    return "attribution" if not yaml_path else "__all__"


def initial_from_data(data: Any) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Form values and seed-example rows from a parsed qna.yaml, to prefill the form from an upload or a revision."""
    if not isinstance(data, dict):
        return {}, []

    def text(value: Any) -> str:
        return value.rstrip("\n") if isinstance(value, str) else ("" if value is None else str(value))

    document: dict[str, Any] = data["document"] if isinstance(data.get("document"), dict) else {}
    patterns: list[Any] = document["patterns"] if isinstance(document.get("patterns"), list) else []
    knowledge = "domain" in data or "document" in data
    examples = [e for e in data.get("seed_examples") or [] if isinstance(e, dict)]
    initial: dict[str, Any] = {
        "created_by": text(data.get("created_by")),
        "task_description": text(data.get("task_description")),
        "domain": text(data.get("domain")),
        "document_outline": text(data.get("document_outline")),
        "document_repo": text(document.get("repo")),
        "document_commit": text(document.get("commit")),
        "document_patterns": "\n".join(text(p) for p in patterns),
    }
    if knowledge:
        initial["kind"] = LeafKind.KNOWLEDGE
    else:
        grounded = any("context" in e for e in examples)
        initial["kind"] = LeafKind.GROUNDED_SKILL if grounded else LeafKind.FREEFORM_SKILL
    rows = []
    for example in examples:
        row: dict[str, str] = {"context": text(example.get("context"))}
        pairs = example.get("questions_and_answers")
        if isinstance(pairs, list):
            for n, pair in enumerate(p for p in pairs[:KNOWLEDGE_PAIRS] if isinstance(p, dict)):
                row[f"question_{n + 1}"] = text(pair.get("question"))
                row[f"answer_{n + 1}"] = text(pair.get("answer"))
        else:
            row["question_1"] = text(example.get("question"))
            row["answer_1"] = text(example.get("answer"))
        rows.append(row)
    return initial, rows


class UploadForm(forms.Form):
    """An existing qna.yaml (and optionally its attribution.txt) to prefill the form with."""

    qna_file = forms.FileField(label="qna.yaml file")
    attribution_file = forms.FileField(label="attribution.txt (optional)", required=False)

    def clean_qna_file(self) -> bytes:
        upload = self.cleaned_data["qna_file"]
        if upload.size > QNA_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(f"The file is {upload.size} bytes; a qna.yaml may be at most {QNA_UPLOAD_MAX_BYTES}.")
        return bytes(upload.read())

    def clean_attribution_file(self) -> str | None:
        upload = self.cleaned_data.get("attribution_file")
        if not upload:
            return None
        if upload.size > 64 * 1024:
            raise forms.ValidationError("An attribution.txt is a few lines: this file is too large.")
        return bytes(upload.read()).decode("utf-8", "replace")


class ReviewForm(forms.Form):
    """A reviewer's verdict, with a preset reason for a rejection."""

    verdict = forms.ChoiceField(choices=Verdict.choices, widget=forms.RadioSelect, initial=Verdict.COMMENT)
    reason = forms.ChoiceField(
        choices=[("", "Choose a reason")] + list(RejectReason.choices), required=False, label="Reason (for a rejection)"
    )
    body = TextField(required=False, rows=4, max_length=20_000, label="Review comment")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("verdict") == Verdict.REJECT and not cleaned.get("reason"):
            self.add_error("reason", "Choose why the submission is rejected.")
        return cleaned


class CommentForm(forms.Form):
    """A comment on the submission, or on one line or YAML path of its qna.yaml."""

    body = TextField(max_length=20_000, label="Comment")
    yaml_path = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)
    line = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    verdict = forms.ChoiceField(choices=[("comment", "Comment"), ("request_changes", "Request changes")], required=False)


class QueueFilterForm(forms.Form):
    """Filters of the review queue, read from the query string."""

    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any open state"), (Status.OPEN, "Open"), (Status.CHANGES_REQUESTED, "Changes requested"),
                 (Status.APPROVED, "Approved")],
    )
    kind = forms.ChoiceField(required=False, choices=[("", "Any kind")] + list(LeafKind.choices))
    area = forms.CharField(required=False, max_length=1024)
    age = forms.IntegerField(required=False, min_value=0, max_value=3650, label="Older than (days)")


class MarkReadForm(forms.Form):
    """Notifications to mark as read; none given means all."""

    ids = forms.CharField(required=False, widget=forms.MultipleHiddenInput)

    def clean_ids(self) -> list[int]:
        values = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        try:
            return [int(v) for v in values if str(v).strip()]
        except ValueError:
            raise forms.ValidationError("Notification ids are numbers.") from None
