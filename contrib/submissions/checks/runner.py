"""Running the checks of a revision: schema and documents now, near-duplicates and PII on a worker."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from contrib.submissions.checks.documents import Outcome, documents_check
from contrib.submissions.choices import Action, CheckName, CheckStatus, Status
from contrib.submissions.models import Check, Revision
from taxonomy.choices import Root
from taxonomy.models import LeafRevision

NEAR_DUP_THRESHOLD = 0.5
NEAR_DUP_SHOWN = 5
#: PII kinds that are only a warning; every other kind (keys, secrets, card numbers) fails the check.
PII_WARN_KINDS = frozenset({"email", "phone"})
OPEN_STATUSES = (Status.OPEN, Status.CHANGES_REQUESTED, Status.APPROVED)


def _save(revision: Revision, name: str, outcome: Outcome) -> Check:
    check, _ = Check.objects.update_or_create(
        revision=revision,
        name=name,
        defaults={"status": outcome.status, "summary": outcome.summary[:500], "details": outcome.details},
    )
    return check


def schema_outcome(revision: Revision) -> Outcome:
    """Fail on validator errors, warn on warnings, pass otherwise, from the stored validation."""
    if revision.submission.action == Action.REMOVE:
        return Outcome(CheckStatus.PASS, "A removal has no content to check.")
    validation = revision.validation or {}
    errors, warnings = validation.get("errors", []), validation.get("warnings", [])
    details = {"errors": errors, "warnings": warnings}
    if not validation:
        return Outcome(CheckStatus.FAIL, "The qna.yaml was not validated: push a revision with its content.", details)
    if errors:
        first = errors[0]
        return Outcome(
            CheckStatus.FAIL,
            f"{len(errors)} error(s), {len(warnings)} warning(s); first at line {first.get('line')}: {first.get('message')}",
            details,
        )
    if warnings:
        return Outcome(CheckStatus.WARN, f"Valid, with {len(warnings)} warning(s).", details)
    return Outcome(CheckStatus.PASS, "Valid qna.yaml: schema and lint pass.", details)


def revision_documents(revision: Revision) -> dict[str, bytes]:
    return {d.name: bytes(d.blob.data) for d in revision.documents.select_related("blob")}


def checks_run_sync(revision: Revision) -> list[Check]:
    """Record the fast checks and mark the slow ones pending; returns the revision's checks."""
    submission = revision.submission
    checks = [_save(revision, CheckName.SCHEMA, schema_outcome(revision))]
    if submission.action == Action.REMOVE:
        Check.objects.filter(revision=revision).exclude(name=CheckName.SCHEMA).delete()
        return checks
    if submission.root == Root.KNOWLEDGE:
        checks.append(_save(revision, CheckName.DOCUMENTS, documents_check(revision.data, revision_documents(revision))))
    for name in (CheckName.NEAR_DUPLICATES, CheckName.PII):
        check, _ = Check.objects.get_or_create(
            revision=revision, name=name, defaults={"status": CheckStatus.PENDING, "summary": "Queued for a worker."}
        )
        checks.append(check)
    return checks


def documents_rerun(revision: Revision) -> Check | None:
    if revision.submission.root != Root.KNOWLEDGE:
        return None
    return _save(revision, CheckName.DOCUMENTS, documents_check(revision.data, revision_documents(revision)))


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _jsonable(v) for k, v in dataclasses.asdict(value).items()}
    if hasattr(value, "_asdict"):
        return {k: _jsonable(v) for k, v in value._asdict().items()}
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float):
        return round(value, 4)
    return value


def _corpus(revision: Revision) -> dict[str, Any]:
    """Leaves live at the head (but the one this submission changes) and other open submissions' latest content."""
    from contrib.submissions.models import Submission

    submission = revision.submission
    corpus: dict[str, Any] = {}
    for path, data in LeafRevision.objects.current().exclude(node__path=submission.path).values_list("node__path", "data"):
        corpus[f"leaf:{path}"] = data
    others = (
        Submission.objects.filter(status__in=OPEN_STATUSES, latest_revision__isnull=False)
        .exclude(pk=submission.pk)
        .exclude(action=Action.REMOVE)
        .values_list("pk", "path", "latest_revision__data")
    )
    for pk, path, data in others:
        if data:
            corpus[f"submission:{pk}:{path}"] = data
    return corpus


def near_duplicates_outcome(revision: Revision) -> Outcome:
    """Warn when the closest existing leaves or open submissions share ≥ 50% of their text, listing five."""
    from contrib.submissions.checks.neardup import NearDupIndex, example_matches

    if not revision.data:
        return Outcome(CheckStatus.PASS, "Nothing to compare: the qna.yaml did not parse.")
    corpus = _corpus(revision)
    matches = NearDupIndex(corpus).query(revision.data, k=NEAR_DUP_SHOWN, threshold=NEAR_DUP_THRESHOLD)
    matches = sorted(matches, key=lambda m: -m.similarity)[:NEAR_DUP_SHOWN]
    listed = []
    for match in matches:
        source, _, rest = match.key.partition(":")
        entry: dict[str, Any] = {
            "key": match.key,
            "source": source,
            "path": rest.split(":", 1)[-1],
            "similarity": round(float(match.similarity), 4),
            "examples": _jsonable(example_matches(revision.data, corpus[match.key], NEAR_DUP_THRESHOLD)),
        }
        if source == "submission":
            entry["submission"] = int(rest.split(":", 1)[0])
        listed.append(entry)
    details = {"threshold": NEAR_DUP_THRESHOLD, "compared": len(corpus), "matches": listed}
    if listed:
        top = listed[0]
        return Outcome(
            CheckStatus.WARN,
            f"{len(listed)} similar leaf/submission(s); closest {top['path']} at {top['similarity']:.0%}: "
            "make the examples distinct, or update that leaf instead.",
            details,
        )
    return Outcome(CheckStatus.PASS, f"No near-duplicates among {len(corpus)} leaves and open submissions.", details)


def pii_outcome(revision: Revision) -> Outcome:
    """Fail on secrets, keys and card numbers; warn on emails and phone numbers."""
    from contrib.submissions.checks.pii import scan

    if not revision.data:
        return Outcome(CheckStatus.PASS, "Nothing to scan: the qna.yaml did not parse.")
    findings = [
        {"kind": f.kind, "yaml_path": f.yaml_path, "excerpt": f.excerpt, "severity": _severity(f.kind)}
        for f in scan(revision.data)
    ]
    details = {"findings": findings}
    failing = [f for f in findings if f["severity"] == CheckStatus.FAIL]
    if failing:
        kinds = sorted({f["kind"] for f in failing})
        return Outcome(
            CheckStatus.FAIL,
            f"{len(failing)} secret(s) or card number(s) found ({', '.join(kinds)}) at {failing[0]['yaml_path']}: "
            "remove them; leaked keys must also be revoked.",
            details,
        )
    if findings:
        kinds = sorted({f["kind"] for f in findings})
        return Outcome(
            CheckStatus.WARN,
            f"{len(findings)} possible personal data ({', '.join(kinds)}): replace with example.org addresses "
            "or fictitious numbers unless they are public.",
            details,
        )
    return Outcome(CheckStatus.PASS, "No personal data or secrets found.", details)


def _severity(kind: str) -> str:
    return CheckStatus.WARN if kind in PII_WARN_KINDS else CheckStatus.FAIL


SLOW_CHECKS: dict[str, Callable[[Revision], Outcome]] = {CheckName.NEAR_DUPLICATES: near_duplicates_outcome, CheckName.PII: pii_outcome}


def check_run(revision: Revision, name: str) -> Outcome:
    """One slow check, turning an unexpected failure into a failed check rather than a crash."""
    try:
        return SLOW_CHECKS[name](revision)
    except ImportError as exc:
        return Outcome(CheckStatus.FAIL, f"The {name} check is not available on this worker: {exc}.", {})
