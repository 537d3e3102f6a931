"""Messages and results of qna.yaml validation: what went wrong, where, and how to fix it."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Severity(str, enum.Enum):
    """How much a message matters: errors make a file invalid, warnings do not."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Message:
    """One finding about a qna.yaml file, located by line, column and YAML path."""

    path: str
    line: int
    col: int
    yaml_path: str
    rule: str
    severity: Severity
    message: str
    fix: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "col": self.col,
            "yaml_path": self.yaml_path,
            "rule": self.rule,
            "message": self.message,
            "fix": self.fix,
            "severity": self.severity.value,
        }

    def format_text(self) -> str:
        """The message as InstructLab prints it: ``ERROR: path:line:col [yaml_path] message``."""
        label = "ERROR" if self.severity is Severity.ERROR else "WARN"
        where = f"{self.path}:{self.line}:{self.col}"
        if self.yaml_path:
            return f"{label}: {where} [{self.yaml_path}] {self.message}"
        return f"{label}: {where} {self.message}"


@dataclass
class ValidationResult:
    """The verdict on one qna.yaml: its messages and, when it parsed, its version, kind and data."""

    path: str
    version: int | None = None
    kind: str | None = None
    data: Any = None
    errors: list[Message] = field(default_factory=list)
    warnings: list[Message] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, message: Message) -> None:
        (self.errors if message.severity is Severity.ERROR else self.warnings).append(message)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "version": self.version,
            "errors": [m.to_dict() for m in self.errors],
            "warnings": [m.to_dict() for m in self.warnings],
        }


class Refusal(Exception):
    """A file the validator cannot go on with (too large, undecodable, unparseable, a YAML bomb).

    Raised inside the package only; validation turns it into one error message.
    """

    def __init__(self, rule: str, message: str, fix: str, *, line: int = 1, col: int = 1) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.fix = fix
        self.line = line
        self.col = col
