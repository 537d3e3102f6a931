"""How the releases API answers a service error: 400 with field-level messages, or 409 for the release's state."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from contrib.releases.exceptions import ReleaseError, ReleaseImmutable, ReleaseStateError

# The services name the runs ``runs``; the API's body calls them ``generation_runs``.
API_FIELD_NAMES = {"runs": "generation_runs"}

FIELD_ERRORS = OpenApiResponse(
    inline_serializer(
        "ReleaseFieldErrors",
        {"field": serializers.ListField(child=serializers.CharField(), help_text="Messages for one field")},
    ),
    description='Invalid request: an object of field to messages, e.g. `{"version": ["..."], "generation_runs": ["..."]}`.',
)
DETAIL = inline_serializer("ReleaseDetailMessage", {"detail": serializers.CharField()})
UNAUTHENTICATED = OpenApiResponse(DETAIL, description="No or invalid credentials: send `Authorization: Token <token>`.")
FORBIDDEN = OpenApiResponse(DETAIL, description="Signed in, but only maintainers may do this.")
NOT_FOUND = OpenApiResponse(DETAIL, description="No such release, or one you cannot see (drafts are for maintainers).")
CONFLICT = OpenApiResponse(
    inline_serializer("ReleaseStateConflict", {"status": serializers.ListField(child=serializers.CharField())}),
    description="The release's status forbids it: e.g. publishing a release that is not built, or changing a "
    "published one (make a new or a patch release instead).",
)


def api_errors(errors: dict[str, list[Any]]) -> dict[str, list[str]]:
    return {API_FIELD_NAMES.get(field, field): [str(m) for m in messages] for field, messages in errors.items()}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus service errors: ReleaseImmutable and ReleaseStateError 409, other ReleaseErrors 400."""
    if isinstance(exc, ReleaseImmutable | ReleaseStateError):
        return Response(api_errors(exc.errors), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, ReleaseError):
        return Response(api_errors(exc.errors), status=status.HTTP_400_BAD_REQUEST)
    return exception_handler(exc, context)
