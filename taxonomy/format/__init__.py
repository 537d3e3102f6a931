"""The qna.yaml format: InstructLab-compatible validation with located, fixable messages."""

from taxonomy.format.discovery import iter_qna_files
from taxonomy.format.limits import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES
from taxonomy.format.messages import Message, Severity, ValidationResult
from taxonomy.format.schema import FREEFORM_SKILL, GROUNDED_SKILL, KNOWLEDGE
from taxonomy.format.validate import validate_file, validate_text

__all__ = [
    "FREEFORM_SKILL",
    "GROUNDED_SKILL",
    "KNOWLEDGE",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "Message",
    "Severity",
    "ValidationResult",
    "iter_qna_files",
    "validate_file",
    "validate_text",
]

from taxonomy.format.attribution import (
    ALLOWED_LICENSES,
    AttributionFields,
    FieldProblem,
    check_attribution,
    normalize_license,
    parse_attribution,
    render_attribution,
)
from taxonomy.format.render import build_knowledge, build_skill, render_qna
from taxonomy.format.yamlpaths import line_paths, path_line

__all__ += [
    "ALLOWED_LICENSES",
    "AttributionFields",
    "FieldProblem",
    "build_knowledge",
    "build_skill",
    "check_attribution",
    "line_paths",
    "normalize_license",
    "parse_attribution",
    "path_line",
    "render_attribution",
    "render_qna",
]
