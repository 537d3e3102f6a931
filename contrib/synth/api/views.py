"""Views of the generation API: thin wrappers that parse input, call one service and answer."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contrib.submissions import permissions as submission_permissions
from contrib.submissions.models import Revision
from contrib.synth import permissions, selectors, services
from contrib.synth.api import serializers as s
from contrib.synth.exceptions import RunFinished, SynthError
from contrib.synth.models import GenerationRun, Sample, Teacher
from taxonomy.models import TaxonomyVersion

TAG = "generation"


class SynthAPIView(APIView):
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]

    def run(self, pk: int) -> GenerationRun:
        run = GenerationRun.objects.select_related("teacher", "submission_revision__submission").filter(pk=pk).first()
        if run is None or not permissions.can_view(self.request.user, run):
            raise NotFound(f"There is no generation run {pk} you can see.")
        return run


class RunCreateView(SynthAPIView):
    @extend_schema(tags=[TAG], request=s.RunCreateSerializer, responses={201: s.RunCreatedSerializer})
    def post(self, request: Request) -> Response:
        data = s.RunCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        errors: dict[str, list[str]] = {}
        teacher = Teacher.objects.filter(name=v["teacher"]).first()
        if teacher is None:
            errors["teacher"] = [f"No teacher named {v['teacher']!r}: a maintainer registers it with configure_teacher."]
        version = revision = earlier = None
        if v.get("taxonomy_version") is not None:
            version = TaxonomyVersion.objects.filter(number=v["taxonomy_version"]).first()
            if version is None:
                errors["taxonomy_version"] = [f"There is no taxonomy version {v['taxonomy_version']}."]
        if v.get("submission_revision") is not None:
            revision = Revision.objects.select_related("submission").filter(pk=v["submission_revision"]).first()
            if revision is None:
                errors["submission_revision"] = [f"There is no submission revision {v['submission_revision']}."]
        if v.get("incremental_from") is not None:
            earlier = GenerationRun.objects.filter(pk=v["incremental_from"]).first()
            if earlier is None:
                errors["incremental_from"] = [f"There is no generation run {v['incremental_from']}."]
        if errors:
            raise ValidationError(errors)
        if revision is not None and not submission_permissions.can_view(request.user, revision.submission):
            raise NotFound(f"There is no submission revision {revision.pk} you can see.")
        if not permissions.can_start(request.user, revision=revision):
            who = "the submission's author or a reviewer of its area" if revision else "maintainers"
            raise PermissionDenied(f"Only {who} can start this run.")
        try:
            run = services.generation_run_create(
                teacher=teacher, scale=v["scale"], seed=v["seed"], taxonomy_version=version,  # type: ignore[arg-type]
                submission_revision=revision, incremental_from=earlier, created_by=request.user,
            )
        except SynthError as exc:
            raise ValidationError(exc.errors) from None
        return Response({"id": run.pk}, status=status.HTTP_201_CREATED)


class RunDetailView(SynthAPIView):
    @extend_schema(tags=[TAG], responses=s.RunSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(s.RunSerializer(self.run(pk)).data)


class RunCancelView(SynthAPIView):
    @extend_schema(tags=[TAG], request=None, responses={200: s.RunSerializer})
    def post(self, request: Request, pk: int) -> Response:
        run = self.run(pk)
        if not permissions.can_cancel(request.user, run):
            raise PermissionDenied("Only maintainers and whoever started the run can cancel it.")
        try:
            run = services.generation_run_cancel(run=run, actor=request.user)
        except RunFinished as exc:
            return Response(exc.errors, status=status.HTTP_409_CONFLICT)
        return Response(s.RunSerializer(run).data)


class SampleListView(generics.ListAPIView[Sample]):
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]
    serializer_class = s.SampleSerializer
    filter_backends: list[Any] = []

    @extend_schema(tags=[TAG], parameters=[
        OpenApiParameter("kept", bool, description="true: kept samples only; false: filtered ones only"),
        OpenApiParameter("leaf", str, description="One leaf's taxonomy path"),
    ])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        run = SynthAPIView.run(self, self.kwargs["pk"])  # type: ignore[arg-type]
        raw = self.request.query_params.get("kept")
        kept: bool | None = None
        if raw not in (None, ""):
            if raw.lower() not in ("true", "false", "1", "0"):
                raise ValidationError({"kept": ["Use kept=true or kept=false."]})
            kept = raw.lower() in ("true", "1")
        return selectors.run_samples(run, kept=kept, leaf=self.request.query_params.get("leaf") or None)
