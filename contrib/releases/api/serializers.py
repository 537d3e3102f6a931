"""Serializers of the releases API: the requests that feed the services, and the shapes releases answer with."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contrib.releases.choices import ReleaseStatus
from contrib.releases.models import Release, ReleaseFile


class ReleaseCreateSerializer(serializers.Serializer[Any]):
    """A new release; its build is queued at once."""

    version = serializers.CharField(max_length=64, help_text="CalVer such as 2026.11.0, or SemVer such as 1.2.0.")
    taxonomy_version = serializers.IntegerField(min_value=1, help_text="The taxonomy version whose live leaves it holds.")
    generation_runs = serializers.ListField(
        child=serializers.IntegerField(min_value=1), default=list, help_text="Ids of the generation runs to include."
    )
    config = serializers.JSONField(
        required=False, allow_null=True, default=None,
        help_text="Build config; keys left out take their defaults: include_seed_examples, near_dup_threshold, "
        "test_fraction, seed, system_prompt.",
    )

    def validate_config(self, value: Any) -> Any:
        if value is not None and not isinstance(value, dict):
            raise serializers.ValidationError(
                'Give the config as an object, e.g. {"test_fraction": 0.1, "seed": 0}, or leave it out.'
            )
        return value


class WithdrawSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(
        max_length=10_000, help_text="Why the release is taken back (shown on its page and kept for audit)."
    )


class ReleaseFileSerializer(serializers.ModelSerializer[ReleaseFile]):
    url = serializers.SerializerMethodField(help_text="The absolute URL that serves the bytes (ETag, Range).")

    class Meta:
        model = ReleaseFile
        fields = ["name", "kind", "config_name", "split", "rows", "bytes", "sha256", "url"]
        read_only_fields = fields

    def get_url(self, obj: ReleaseFile) -> str:
        path = reverse("releases:file", kwargs={"version": self.context["version"], "name": obj.name})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class ReleaseSerializer(serializers.ModelSerializer[Release]):
    """A release: status, config, stats, the diff against the previous release, and its files."""

    status = serializers.ChoiceField(choices=ReleaseStatus.choices)
    taxonomy_version = serializers.IntegerField(source="taxonomy_version_id")
    generation_runs = serializers.SerializerMethodField()
    previous = serializers.SerializerMethodField(help_text="The version of the release this one is compared with.")
    patch_of = serializers.SerializerMethodField(help_text="The version this patch release replaces, if any.")
    config = serializers.JSONField()
    stats = serializers.JSONField(help_text="Counts the build wrote: rows by area and kind, kept and filtered by reason.")
    diff = serializers.JSONField(help_text="Against the previous release: leaves added, removed, changed; rows per area.")
    progress = serializers.JSONField(
        help_text="While building: {stage, rows_done, rows_total}; stage is counting, rows, files, card or storing.",
    )
    files = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text="The release's HTML page.")

    class Meta:
        model = Release
        fields = [
            "version", "status", "progress", "taxonomy_version", "generation_runs", "config", "previous", "patch_of",
            "stats", "diff", "error", "created_at", "built_at", "published_at", "withdrawn_at", "withdrawn_reason", "files",
            "url",
        ]
        read_only_fields = fields

    def get_generation_runs(self, obj: Release) -> list[int]:
        return sorted(run.pk for run in obj.runs.all())

    def get_previous(self, obj: Release) -> str | None:
        return obj.previous.version if obj.previous_id and obj.previous else None

    def get_patch_of(self, obj: Release) -> str | None:
        return obj.patch_of.version if obj.patch_of_id and obj.patch_of else None

    @extend_schema_field(ReleaseFileSerializer(many=True))
    def get_files(self, obj: Release) -> list[dict[str, Any]]:
        context = {**self.context, "version": obj.version}
        return ReleaseFileSerializer(obj.files.all(), many=True, context=context).data  # type: ignore[return-value]

    def get_url(self, obj: Release) -> str:
        path = reverse("releases:detail", kwargs={"version": obj.version})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path
