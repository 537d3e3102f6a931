"""Views of the releases API: thin wrappers that parse input, call one service and answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import NotAuthenticated, NotFound, PermissionDenied
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contrib.accounts.selectors import is_maintainer
from contrib.releases.api import serializers as s
from contrib.releases.api.errors import (
    CONFLICT,
    FIELD_ERRORS,
    FORBIDDEN,
    NOT_FOUND,
    UNAUTHENTICATED,
    api_exception_handler,
)
from contrib.releases.models import Release
from contrib.releases.views import releases_visible, serve_release_file


def services():  # type: ignore[no-untyped-def]
    """The release services, imported on first use: they pull in the build pipeline (pyarrow, datasets)."""
    from contrib.releases import services as module

    return module


TAG = "releases"
READ = {404: NOT_FOUND}
WRITE = {401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND}


class ReleasesAPIView(APIView):
    """Anyone reads published and withdrawn releases; maintainers read everything and make the changes."""

    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [AllowAny]

    def get_exception_handler(self) -> Callable[..., Response | None]:
        return api_exception_handler

    def releases(self) -> QuerySet[Release]:
        return releases_visible(self.request.user).select_related("previous", "patch_of").prefetch_related("runs", "files")

    def release(self, version: str) -> Release:
        release = self.releases().filter(version=version).first()
        if release is None:
            raise NotFound(f"There is no release {version} you can see.")
        return release

    def maintainer_only(self, action: str) -> None:
        if not self.request.user.is_authenticated:
            raise NotAuthenticated(f"Sign in as a maintainer to {action}: send `Authorization: Token <token>`.")
        if not is_maintainer(self.request.user):
            raise PermissionDenied(f"Only maintainers {action}.")

    def answer(self, release: Release, *, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.release(release.version) if is_maintainer(self.request.user) else release
        return Response(s.ReleaseSerializer(fresh, context={"request": self.request}).data, status=code)


class ReleaseListCreateView(ReleasesAPIView, generics.ListAPIView[Release]):
    """List the releases you can see, or create one and queue its build."""

    serializer_class = s.ReleaseSerializer
    parser_classes = [JSONParser]
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Release]:
        return self.releases()

    @extend_schema(tags=[TAG], summary="List releases", responses={200: s.ReleaseSerializer(many=True)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=[TAG],
        summary="Create a release (maintainers)",
        description="Creates a draft release of the taxonomy version and generation runs, and queues its build in "
        "the workers; poll `GET /api/v1/releases/{version}/` for its status. Errors answer 400 with messages per field.",
        request=s.ReleaseCreateSerializer,
        responses={201: s.ReleaseSerializer, 400: FIELD_ERRORS, **WRITE},
    )
    def post(self, request: Request) -> Response:
        self.maintainer_only("create releases")
        data = s.ReleaseCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        release = services().release_create(
            version=v["version"], taxonomy_version=v["taxonomy_version"], runs=v["generation_runs"],
            config=v["config"], created_by=request.user,
        )
        services().release_build_enqueue(release=release, actor=request.user)
        return self.answer(release, code=status.HTTP_201_CREATED)


class ReleaseDetailView(ReleasesAPIView):
    @extend_schema(tags=[TAG], summary="Get a release", responses={200: s.ReleaseSerializer, **READ})
    def get(self, request: Request, version: str) -> Response:
        return self.answer(self.release(version))


class ReleasePublishView(ReleasesAPIView):
    @extend_schema(
        tags=[TAG], summary="Publish a built release (maintainers)",
        description="A published release is immutable. Answers 409 unless the release is built.",
        request=None, responses={200: s.ReleaseSerializer, 409: CONFLICT, **WRITE},
    )
    def post(self, request: Request, version: str) -> Response:
        self.maintainer_only("publish releases")
        release = self.release(version)
        services().release_publish(release=release, actor=request.user)
        return self.answer(release)


class ReleaseWithdrawView(ReleasesAPIView):
    parser_classes = [JSONParser]

    @extend_schema(
        tags=[TAG], summary="Withdraw a published release (maintainers)",
        description="Its files stay downloadable for audit, marked `X-Seedbed-Release-Status: withdrawn`. "
        "Answers 409 unless the release is published.",
        request=s.WithdrawSerializer, responses={200: s.ReleaseSerializer, 400: FIELD_ERRORS, 409: CONFLICT, **WRITE},
    )
    def post(self, request: Request, version: str) -> Response:
        self.maintainer_only("withdraw releases")
        release = self.release(version)
        data = s.WithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services().release_withdraw(release=release, actor=request.user, reason=data.validated_data["reason"])
        return self.answer(release)


class AnyContentNegotiation(BaseContentNegotiation):
    """File bytes answer whatever the client accepts; errors are JSON."""

    def select_parser(self, request: Any, parsers: Any) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        return (renderers[0], renderers[0].media_type)


class ReleaseFileView(ReleasesAPIView):
    content_negotiation_class = AnyContentNegotiation

    @extend_schema(
        tags=[TAG], summary="Download a release file",
        description="The bytes of one file, streamed, as the release page's download link serves them: `ETag` is "
        "the quoted sha256 (`If-None-Match` answers 304), one `Range: bytes=a-b`, `a-` or `-n` answers 206 with "
        "`Content-Range`, an unsatisfiable range 416. Files of withdrawn releases carry "
        "`X-Seedbed-Release-Status: withdrawn`.",
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            (206, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="One byte range."),
            304: OpenApiResponse(description="Not modified: the client's ETag is current."),
            404: NOT_FOUND,
            416: OpenApiResponse(description="Range not satisfiable; `Content-Range: bytes */size`."),
        },
    )
    def get(self, request: Request, version: str, name: str) -> HttpResponseBase:
        return serve_release_file(request._request, request.user, version, name)
