"""API token endpoint: trade a username and password for the token used as ``Authorization: Token <token>``."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.request import Request
from rest_framework.response import Response


class TokenView(ObtainAuthToken):
    """Answers the user's API token, creating it on first use."""

    parser_classes = [JSONParser, FormParser]
    authentication_classes: list[type] = []

    @extend_schema(
        tags=["auth"],
        summary="Get an API token",
        description="Send it as `Authorization: Token <token>` on later requests. Bad credentials answer 400.",
        request=AuthTokenSerializer,
        responses={
            200: inline_serializer("Token", {"token": serializers.CharField()}),
            400: OpenApiResponse(description="`{\"non_field_errors\": [\"Unable to log in with provided credentials.\"]}`"),
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)
