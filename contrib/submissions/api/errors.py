"""How the submissions API answers a service error: 400 or 409 with field-level, located messages."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from contrib.submissions.exceptions import InvalidTransition, MergeConflict, SubmissionError

FIELD_ERRORS = OpenApiResponse(
    inline_serializer(
        "FieldErrors",
        {"field": serializers.ListField(child=serializers.JSONField(), help_text="Messages for one field")},
    ),
    description=(
        "Invalid request: an object of field to messages, e.g. `{\"signoff\": [\"...\"], \"qna_yaml\": "
        "[{\"line\": 3, \"col\": 5, \"yaml_path\": \".seed_examples\", \"rule\": \"yaml-syntax\", \"message\": \"...\", "
        "\"fix\": \"...\"}]}`. Validator messages are objects with their location; others are strings."
    ),
)
DETAIL = inline_serializer("Detail", {"detail": serializers.CharField()})
UNAUTHENTICATED = OpenApiResponse(DETAIL, description="No or invalid credentials: send `Authorization: Token <token>`.")
FORBIDDEN = OpenApiResponse(DETAIL, description="Signed in, but not allowed to do this; the detail says why.")
NOT_FOUND = OpenApiResponse(DETAIL, description="No such submission, or a draft you cannot see.")
CONFLICT = OpenApiResponse(
    inline_serializer(
        "StateConflict",
        {
            "merge": serializers.ListField(child=serializers.CharField(), required=False),
            "status": serializers.ListField(child=serializers.CharField(), required=False),
            "changes": serializers.JSONField(
                required=False,
                help_text="For a merge conflict: path, base_version, base_sha256, current_sha256, current_version, "
                "the versions that changed the leaf, and a unified diff base to current.",
            ),
        },
    ),
    description="The submission's state forbids it (closed), or the leaf changed since its base (merge conflict).",
)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus service errors: SubmissionError 400, InvalidTransition 409, MergeConflict 409."""
    if isinstance(exc, MergeConflict):
        return Response({**exc.errors, "changes": exc.changes}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, InvalidTransition):
        return Response(exc.errors, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, SubmissionError):
        return Response(exc.errors, status=status.HTTP_400_BAD_REQUEST)
    return exception_handler(exc, context)
