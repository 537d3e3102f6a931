"""The client that talks to a teacher model over an OpenAI-compatible HTTP API."""

from contrib.synth.teacher.client import Completion, TeacherClient, TeacherConfig
from contrib.synth.teacher.errors import TeacherError, TeacherRequestRejected, TeacherUnavailable

__all__ = (
    "Completion",
    "TeacherClient",
    "TeacherConfig",
    "TeacherError",
    "TeacherRequestRejected",
    "TeacherUnavailable",
)
