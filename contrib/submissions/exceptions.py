"""Errors the submission services raise, each carrying field-level messages that say how to fix the problem."""

from __future__ import annotations

from typing import Any

Messages = dict[str, list[Any]]


class SubmissionError(Exception):
    """Base class: ``errors`` maps a field (``path``, ``qna_yaml``, ``attribution.license_of_the_work``) to messages.

    Validator messages are their ``to_dict()`` (line, col, yaml_path, rule, message, fix); others are strings.
    """

    default_field = "non_field_errors"

    def __init__(self, errors: Messages | str) -> None:
        if isinstance(errors, str):
            errors = {self.default_field: [errors]}
        self.errors: Messages = errors
        super().__init__(self._summary())

    def _summary(self) -> str:
        parts = []
        for field, messages in self.errors.items():
            for message in messages:
                text = message.get("message", message) if isinstance(message, dict) else message
                parts.append(f"{field}: {text}")
        return "; ".join(parts)


class SubmissionInvalid(SubmissionError):
    """The submitted content or request is invalid; fix the named fields and send it again."""


class InvalidTransition(SubmissionError):
    """The submission's state does not allow this (e.g. revising a merged submission)."""

    default_field = "status"


class MergeNotAllowed(SubmissionError):
    """The submission cannot be merged yet: approvals missing, checks failing or pending, or the wrong state."""

    default_field = "merge"


class MergeConflict(SubmissionError):
    """The leaf changed since the submission's base version; ``changes`` says how."""

    default_field = "merge"

    def __init__(self, errors: Messages | str, *, changes: dict[str, Any]) -> None:
        self.changes = changes
        super().__init__(errors)
