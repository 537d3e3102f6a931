"""Views of the taxonomy API: read-only versions, trees and leaves, and qna.yaml validation."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from taxonomy import selectors
from taxonomy.api.filtersets import TaxonomyVersionFilterSet
from taxonomy.api.serializers import (
    LeafRevisionSerializer,
    LeafSerializer,
    TaxonomyVersionSerializer,
    TreeSerializer,
    ValidateRequestSerializer,
    ValidateTextRequestSerializer,
    ValidationResultSerializer,
)
from taxonomy.exceptions import InvalidPath
from taxonomy.format import MAX_FILE_BYTES, validate_text
from taxonomy.models import LeafRevision, TaxonomyVersion
from taxonomy.paths import normalize_path

#: A validate request holds at most qna.yaml, attribution.txt and a little form overhead.
MAX_VALIDATE_REQUEST_BYTES = 2 * MAX_FILE_BYTES + 64 * 1024

TAG = "taxonomy"
VERSION_PARAM = OpenApiParameter(
    "version", OpenApiTypes.INT, description="Taxonomy version number; the newest when left out."
)
PATH_PARAM = OpenApiParameter(
    "path",
    str,
    location=OpenApiParameter.PATH,
    description="The leaf's taxonomy path, slashes included, e.g. compositional_skills/writing/poetry/haiku.",
)
ERROR_RESPONSE = inline_serializer("ErrorDetail", {"detail": serializers.CharField()})


class VersionQuerySerializer(serializers.Serializer[Any]):
    """``?version=N``."""

    version = serializers.IntegerField(required=False, min_value=1)


def _path_or_404(raw: str) -> str:
    try:
        return normalize_path(raw)
    except InvalidPath as exc:
        raise NotFound(str(exc)) from None


def _version_number(request: Request) -> int:
    """The ``?version=`` asked for (400 when malformed, 404 when unknown), or the head's number."""
    query = VersionQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    head = selectors.version_head()
    if head is None:
        raise NotFound("The taxonomy is empty: import one with `python manage.py import_taxonomy PATH`.")
    number: int = query.validated_data.get("version", head.number)
    if number > head.number:
        raise NotFound(f"There is no version {number}; the newest is {head.number}.")
    return number


@extend_schema(tags=[TAG], summary="List taxonomy versions, newest first")
class VersionListView(generics.ListAPIView[TaxonomyVersion]):
    """Every version of the tree, newest first, paginated."""

    serializer_class = TaxonomyVersionSerializer
    filterset_class = TaxonomyVersionFilterSet

    def get_queryset(self) -> QuerySet[TaxonomyVersion]:
        return TaxonomyVersion.objects.order_by("-number")


@extend_schema(tags=[TAG], summary="Get one taxonomy version")
class VersionDetailView(generics.RetrieveAPIView[TaxonomyVersion]):
    """One version of the tree, by number."""

    serializer_class = TaxonomyVersionSerializer
    queryset = TaxonomyVersion.objects.all()
    lookup_field = "number"
    lookup_url_kwarg = "number"
    filter_backends: list[type] = []


class VersionTreeView(APIView):
    """Every leaf live at a version, with the hashes of its files."""

    @extend_schema(
        tags=[TAG],
        summary="List every leaf at a version",
        description="Not paginated: one entry per leaf, without file contents.",
        responses={200: TreeSerializer, 404: ERROR_RESPONSE},
    )
    def get(self, request: Request, number: int) -> Response:
        if selectors.version_find(number) is None:
            raise NotFound(f"There is no version {number}.")
        entries = selectors.tree_index_at(number)
        return Response(TreeSerializer({"version": number, "leaves": entries}).data)


class LeafDetailView(APIView):
    """A leaf at a version: its files, parsed data and validity range."""

    @extend_schema(
        tags=[TAG],
        summary="Get a leaf at a version",
        parameters=[PATH_PARAM, VERSION_PARAM],
        responses={200: LeafSerializer, 400: OpenApiTypes.OBJECT, 404: ERROR_RESPONSE},
    )
    def get(self, request: Request, path: str) -> Response:
        leaf_path = _path_or_404(path)
        number = _version_number(request)
        revision = selectors.leaf_at(leaf_path, number)
        if revision is None:
            raise NotFound(
                f"There is no leaf at {leaf_path} in version {number}; "
                f"GET /api/v1/taxonomy/history/{leaf_path}/ lists the versions it exists in."
            )
        documents = selectors.leaf_document_names(revision)
        return Response(LeafSerializer(revision, context={"documents": documents}).data)


@extend_schema(
    tags=[TAG],
    summary="List the revisions of a leaf, oldest first",
    parameters=[PATH_PARAM],
    responses={200: LeafRevisionSerializer(many=True), 404: ERROR_RESPONSE},
)
class LeafHistoryView(generics.ListAPIView[LeafRevision]):
    """Every revision a leaf has had, each with the versions it is live in: [valid_from, valid_to)."""

    serializer_class = LeafRevisionSerializer
    pagination_class = None
    filter_backends: list[type] = []

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        history = selectors.leaf_history(_path_or_404(self.kwargs["path"]))
        if not history:
            raise NotFound(f"There has never been a leaf at {self.kwargs['path']}.")
        return Response(self.get_serializer(history, many=True).data)


class ValidateView(APIView):
    """Validate one qna.yaml, pasted or uploaded, against InstructLab's rules."""

    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        tags=["validation"],
        summary="Validate a qna.yaml",
        description=(
            "Answers 200 with the verdict whether or not the file is valid; errors are located by line, column "
            "and YAML path, and say how to fix the problem. A request that cannot be judged (no file, two "
            f"files, a bad path, a file over {MAX_FILE_BYTES} bytes) answers 400 with the reason per field; a "
            "request body far over the limit answers 413. A file that is not UTF-8 is judged: the verdict "
            "holds an encoding error. As in InstructLab, version 2 and later files need an attribution.txt: "
            "leave out `attribution` and the verdict reports it, unless `check_attribution` is false."
        ),
        request={
            "application/json": ValidateTextRequestSerializer,
            "application/x-www-form-urlencoded": ValidateTextRequestSerializer,
            "multipart/form-data": ValidateRequestSerializer,
        },
        responses={
            200: ValidationResultSerializer,
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="Field errors: {field: [reasons]}."),
            413: OpenApiResponse(ERROR_RESPONSE, description="The request body is far over the size limit."),
        },
        examples=[
            OpenApiExample(
                "Pasted skill",
                request_only=True,
                media_type="application/json",
                value={
                    "qna_yaml": "version: 3\ncreated_by: you\ntask_description: ...\nseed_examples: []\n",
                    "attribution": "Title of work: ...\n",
                    "path": "compositional_skills/writing/haiku",
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > MAX_VALIDATE_REQUEST_BYTES:
            return Response(
                {"detail": f"The request is {length} bytes; a qna.yaml may be at most {MAX_FILE_BYTES} bytes."},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        form = ValidateRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        upload = data.get("file")
        content: str | bytes = upload.read(MAX_FILE_BYTES + 1) if upload is not None else data["qna_yaml"]
        leaf_path = data.get("path") or ""
        result = validate_text(
            content,
            path=f"{leaf_path}/qna.yaml" if leaf_path else "qna.yaml",
            attribution=data.get("attribution"),
            check_attribution=data["check_attribution"],
            strict=data["strict"],
        )
        body = {"valid": result.ok, **result.to_dict()}
        body.setdefault("kind", result.kind)
        return Response(body)
