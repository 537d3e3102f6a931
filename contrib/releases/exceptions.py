"""Errors the release services raise, each with field-level messages that say how to fix the request."""

from __future__ import annotations

from typing import Any

Messages = dict[str, list[Any]]


class ReleaseError(Exception):
    """Base class: ``errors`` maps a field (``version``, ``runs``, ``config``) to messages."""

    default_field = "non_field_errors"

    def __init__(self, errors: Messages | str) -> None:
        if isinstance(errors, str):
            errors = {self.default_field: [errors]}
        self.errors: Messages = errors
        super().__init__("; ".join(f"{f}: {m}" for f, ms in errors.items() for m in ms))


class ReleaseInvalid(ReleaseError):
    """The release asked for cannot be made; fix the named fields."""


class ReleaseImmutable(ReleaseError):
    """The release is published (or withdrawn): it can never change. Make a new or a patch release."""

    default_field = "status"


class ReleaseStateError(ReleaseError):
    """The release is not in a state that allows this transition."""

    default_field = "status"


class TakedownInvalid(ReleaseError):
    """The takedown does not name exactly one valid target, or has no reason."""
