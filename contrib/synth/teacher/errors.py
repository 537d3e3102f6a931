"""Errors the teacher client raises; each message names the teacher and says what to check."""

from __future__ import annotations


class TeacherError(Exception):
    """A request to a teacher did not give a completion."""


class TeacherUnavailable(TeacherError):
    """The teacher could not be reached or kept failing after bounded retries (429, 5xx, timeouts, connection)."""


class TeacherRequestRejected(TeacherError):
    """The teacher refused the request itself (a 4xx other than 408/429): retrying would not help."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status
