"""Serializers of the generation API: the run request, and the run, progress and sample shapes."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from contrib.synth.models import GenerationRun, Sample


class RunCreateSerializer(serializers.Serializer[Any]):
    """A run over a taxonomy version, or a preview of a submission revision (give exactly one)."""

    taxonomy_version = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    submission_revision = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                                   help_text="The id of a submission revision, for a preview.")
    teacher = serializers.CharField(max_length=100, help_text="The teacher's name.")
    scale = serializers.IntegerField(min_value=1, help_text="Samples per seed example.")
    seed = serializers.IntegerField(default=0)
    incremental_from = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                                help_text="An earlier run whose unchanged leaves are reused.")


class RunCreatedSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()


class ProgressSerializer(serializers.Serializer[Any]):
    status = serializers.CharField()
    requests_done = serializers.IntegerField()
    requests_total = serializers.IntegerField()
    samples_kept = serializers.IntegerField()
    samples_filtered = serializers.IntegerField()
    filtered_by_reason = serializers.DictField(child=serializers.IntegerField())
    tokens_in = serializers.IntegerField()
    tokens_out = serializers.IntegerField()
    eta_seconds = serializers.FloatField(allow_null=True)


class RunSerializer(serializers.ModelSerializer[GenerationRun]):
    teacher = serializers.CharField(source="teacher.name")
    taxonomy_version = serializers.IntegerField(source="taxonomy_version_id", allow_null=True)
    submission_revision = serializers.IntegerField(source="submission_revision_id", allow_null=True)
    incremental_from = serializers.IntegerField(source="incremental_from_id", allow_null=True)
    progress = serializers.SerializerMethodField()
    counts = serializers.SerializerMethodField()
    tokens = serializers.SerializerMethodField()

    class Meta:
        model = GenerationRun
        fields = [
            "id", "scope", "status", "taxonomy_version", "submission_revision", "teacher", "pipelines", "scale",
            "seed", "incremental_from", "progress", "counts", "tokens", "error", "created_at", "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_progress(self, obj: GenerationRun) -> dict[str, Any]:
        from contrib.synth.selectors import run_progress

        return run_progress(obj)

    def get_counts(self, obj: GenerationRun) -> dict[str, Any]:
        return {"kept": obj.samples_kept, "filtered": obj.samples_filtered,
                "filtered_by_reason": dict(obj.filtered_by_reason or {})}

    def get_tokens(self, obj: GenerationRun) -> dict[str, int]:
        return {"in": obj.tokens_in, "out": obj.tokens_out}


class SampleSerializer(serializers.ModelSerializer[Sample]):
    leaf = serializers.CharField(source="leaf_path")

    class Meta:
        model = Sample
        fields = [
            "id", "leaf", "leaf_sha256", "idempotency_key", "stage", "index", "pipeline", "pipeline_version",
            "teacher_name", "teacher_model", "question", "answer", "context", "stage_outputs", "judge_scores",
            "judge_rationale", "kept", "filter_reason", "tokens_in", "tokens_out", "latency", "reused",
            "created_at",
        ]
        read_only_fields = fields
