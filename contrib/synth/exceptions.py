"""Errors the generation services raise, each with field-level messages that say how to fix the request."""

from __future__ import annotations

from typing import Any

Messages = dict[str, list[Any]]


class SynthError(Exception):
    """Base class: ``errors`` maps a field (``teacher``, ``scale``, ``api_key_env``) to messages."""

    default_field = "non_field_errors"

    def __init__(self, errors: Messages | str) -> None:
        if isinstance(errors, str):
            errors = {self.default_field: [errors]}
        self.errors: Messages = errors
        super().__init__("; ".join(f"{f}: {m}" for f, ms in errors.items() for m in ms))


class RunInvalid(SynthError):
    """The run asked for cannot be made; fix the named fields."""


class TeacherInvalid(SynthError):
    """The teacher's configuration is invalid; fix the named fields."""


class RunFinished(SynthError):
    """The run already finished, so it cannot be cancelled."""

    default_field = "status"
