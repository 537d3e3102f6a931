"""Validation of one qna.yaml: InstructLab's verdict in located, fixable messages, plus the guide checks."""

from __future__ import annotations

import logging
import os
import pathlib
from collections.abc import Iterable, Mapping
from typing import Any

from taxonomy.format.decoding import check_size, decode
from taxonomy.format.guide import guide_findings
from taxonomy.format.limits import MAX_FILE_BYTES
from taxonomy.format.lint import lint
from taxonomy.format.loader import load
from taxonomy.format.marks import locate, yaml_path
from taxonomy.format.messages import Message, Refusal, Severity, ValidationResult
from taxonomy.format.schema import ROOTS, compiled_schema, leaf_kind, schema_errors, schema_name_for

logger = logging.getLogger(__name__)

ATTRIBUTION_FILE = "attribution.txt"

_ATTRIBUTION_FIX = (
    f"Add a non-empty {ATTRIBUTION_FILE} beside qna.yaml naming the source of the content, its licence and "
    "its authors; InstructLab's taxonomy CI requires it for files of version 2 and later."
)


def validate_text(
    content: str | bytes,
    *,
    path: str = "qna.yaml",
    attribution: str | None = None,
    check_attribution: bool = True,
    documents: Mapping[str, str] | Iterable[str] | None = None,
    strict: bool = False,
) -> ValidationResult:
    """Validate qna.yaml ``content``; never raises.

    ``path`` is the taxonomy path shown in messages; its first root segment (compositional_skills, knowledge,
    foundational_skills) picks the schema. ``attribution`` is the text of the leaf's attribution.txt, None
    when it has none. ``documents`` (names, or names to text) enables the check that each knowledge
    pattern matches a document. ``strict`` makes the guide checks errors instead of warnings.
    """
    parts = pathlib.PurePosixPath(path.replace("\\", "/")).parts
    return _validate(
        content,
        path=path,
        taxonomy_parts=parts,
        attribution=attribution,
        check_attribution=check_attribution,
        documents=documents,
        strict=strict,
    )


def validate_file(
    path: str | os.PathLike[str], *, strict: bool = False, display_path: str | None = None
) -> ValidationResult:
    """Validate the qna.yaml file at ``path`` and the attribution.txt beside it; never raises.

    As InstructLab does, the schema is named by the last root directory in the file's absolute path, and a
    file not named qna.yaml is refused. Messages carry ``display_path``, by default ``path`` as given.
    """
    shown = display_path if display_path is not None else os.fspath(path)
    file_path = pathlib.Path(path)
    result = ValidationResult(path=shown)
    try:
        if not file_path.is_file():
            raise Refusal(
                "file-missing",
                f'The file "{shown}" does not exist or is not a file',
                "Give the path of a qna.yaml file, or of a directory holding qna.yaml files.",
            )
        if file_path.name != "qna.yaml":
            raise Refusal(
                "file-name",
                f'Taxonomy file must be named "qna.yaml"; "{file_path.name}" is not a valid name',
                "Rename the file to qna.yaml, in its own directory of the taxonomy tree.",
            )
        with file_path.open("rb") as handle:
            # refused on its size alone, so a huge file is never read
            check_size(os.fstat(handle.fileno()).st_size)
            content = handle.read(MAX_FILE_BYTES + 1)
        attribution = _read_attribution(file_path.with_name(ATTRIBUTION_FILE))
        absolute = file_path.resolve().parts
        starts = [index for index, part in enumerate(absolute) if part in ROOTS]
        parts = absolute[starts[-1] :] if starts else ()
    except Refusal as refusal:
        return _refuse(result, refusal)
    except OSError as error:
        return _refuse(
            result,
            Refusal(
                "file-unreadable",
                f"The file cannot be read: {error.strerror or error}.",
                "Check that the file is readable by the user running the validator.",
            ),
        )
    except Exception as error:  # noqa: BLE001  (the contract is a verdict, never a traceback)
        return _refuse(result, _internal_error(shown, error))
    return _validate(
        content,
        path=shown,
        taxonomy_parts=parts,
        attribution=attribution,
        check_attribution=True,
        documents=None,
        strict=strict,
    )


def _read_attribution(path: pathlib.Path) -> str | None:
    try:
        with path.open("rb") as handle:
            return handle.read(MAX_FILE_BYTES).decode("utf-8", "replace")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def _validate(
    content: str | bytes,
    *,
    path: str,
    taxonomy_parts: tuple[str, ...],
    attribution: str | None,
    check_attribution: bool,
    documents: Mapping[str, str] | Iterable[str] | None,
    strict: bool,
) -> ValidationResult:
    result = ValidationResult(path=path)
    try:
        _check(
            result,
            content,
            taxonomy_parts=taxonomy_parts,
            attribution=attribution,
            check_attribution=check_attribution,
            documents=documents,
            strict=strict,
        )
    except Refusal as refusal:
        _refuse(result, refusal)
    except Exception as error:  # noqa: BLE001  (the contract is a verdict, never a traceback)
        _refuse(result, _internal_error(path, error))
    return result


def _internal_error(path: str, error: Exception) -> Refusal:
    logger.exception("validating %s failed", path)
    return Refusal(
        "internal-error",
        f"The validator failed on this file: {type(error).__name__}: {error}",
        "Report this file to the Seedbed maintainers; meanwhile check it with InstructLab's tools.",
    )


def _check(
    result: ValidationResult,
    content: str | bytes,
    *,
    taxonomy_parts: tuple[str, ...],
    attribution: str | None,
    check_attribution: bool,
    documents: Mapping[str, str] | Iterable[str] | None,
    strict: bool,
) -> None:
    text = decode(content)
    document = load(text)
    data, root = document.data, document.root
    if not data:
        _add(result, Severity.WARNING, "empty", "The file is empty", "Write the leaf's qna.yaml content.")
        return
    if not isinstance(data, Mapping):
        line, col = locate(root, ())
        raise Refusal(
            "not-a-mapping",
            "The file is not valid. The top-level element is not an object with key-value pairs.",
            "Start the file with keys such as 'version:', 'created_by:' and 'seed_examples:', "
            "not with a list or text.",
            line=line,
            col=col,
        )

    version = _declared_version(data)
    result.version = int(version)
    result.data = data
    if version > 1:  # InstructLab lints only files of version 2 and later
        for problem in lint(text):
            severity = Severity.ERROR if problem.level == "error" else Severity.WARNING
            rule = f"yamllint/{problem.rule}"
            _add(result, severity, rule, problem.message, problem.fix, line=problem.line, col=problem.col)

    schema_name = schema_name_for(taxonomy_parts, data)
    result.kind = leaf_kind(schema_name, data)
    compiled = compiled_schema(str(version), schema_name)
    if compiled.validator is None:
        line, col = locate(root, ("version",))
        _add(
            result,
            Severity.ERROR,
            compiled.error_rule,
            compiled.error,
            compiled.error_fix,
            line=line,
            col=col,
        )
    else:
        for violation in schema_errors(compiled.validator, data):
            line, col = locate(root, violation.path)
            message, fix = violation.message, violation.fix
            _add(
                result,
                Severity.ERROR,
                violation.rule,
                message,
                fix,
                line=line,
                col=col,
                yaml_path=violation.yaml_path,
            )

    if version > 1 and check_attribution and not (attribution or "").strip():
        state = "missing" if attribution is None else "empty"
        message = f"{ATTRIBUTION_FILE} is {state}"
        _add(result, Severity.ERROR, "attribution-missing", message, _ATTRIBUTION_FIX)

    guide_severity = Severity.ERROR if strict else Severity.WARNING
    knowledge = schema_name == "knowledge"
    booleans = document.plain_booleans
    for finding in guide_findings(
        data, root, knowledge=knowledge, documents=documents, plain_booleans=booleans
    ):
        line, col = finding.mark or locate(root, finding.path)
        at = yaml_path(finding.path)
        _add(
            result,
            guide_severity,
            finding.rule,
            finding.message,
            finding.fix,
            line=line,
            col=col,
            yaml_path=at,
        )


def _declared_version(data: Mapping[Any, Any]) -> Any:
    """The version as InstructLab reads it: an int (bool included) as is, else int() of it, else 1."""
    version = data.get("version", 1)
    if isinstance(version, int):
        return version
    try:
        return int(version)
    except (ValueError, TypeError, OverflowError):
        # InstructLab lets int(.inf)'s OverflowError escape and crashes; with 1 the schema reports it
        return 1


def _add(
    result: ValidationResult,
    severity: Severity,
    rule: str,
    message: str,
    fix: str,
    *,
    line: int = 1,
    col: int = 1,
    yaml_path: str = "",
) -> None:
    result.add(Message(result.path, line, col, yaml_path, rule, severity, message, fix))


def _refuse(result: ValidationResult, refusal: Refusal) -> ValidationResult:
    _add(
        result, Severity.ERROR, refusal.rule, refusal.message, refusal.fix, line=refusal.line, col=refusal.col
    )
    return result
