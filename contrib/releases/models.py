"""Release, its files, and the takedowns future releases must honour."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from contrib.releases.choices import FileKind, ReleaseStatus, Split, TakedownKind


def default_config() -> dict:
    return {
        "include_seed_examples": True,
        "near_dup_threshold": 0.9,
        "test_fraction": 0.1,
        "seed": 0,
        "system_prompt": "",
    }


class Release(models.Model):
    """A versioned dataset release: a taxonomy version, the generation runs to include, and a build config."""

    version = models.CharField(max_length=64, unique=True, help_text="CalVer such as 2026.11.0, or SemVer.")
    taxonomy_version = models.ForeignKey(
        "taxonomy.TaxonomyVersion", on_delete=models.PROTECT, related_name="+", to_field="number"
    )
    runs = models.ManyToManyField("synth.GenerationRun", related_name="releases", blank=True)
    config = models.JSONField(default=default_config)
    status = models.CharField(max_length=16, choices=ReleaseStatus.choices, default=ReleaseStatus.DRAFT, db_index=True)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The published release this one is compared and deduplicated against.",
    )
    patch_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="patches",
        help_text="The release this patch release replaces after a takedown.",
    )
    stats = models.JSONField(default=dict, blank=True)
    diff = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    build_attempt = models.PositiveIntegerField(default=0)
    progress = models.JSONField(
        default=dict, blank=True,
        help_text="The running build's stage and rows processed, {stage, rows_done, rows_total}, for its page.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    built_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.version

    @property
    def is_immutable(self) -> bool:
        return self.status in (ReleaseStatus.PUBLISHED, ReleaseStatus.WITHDRAWN)


class ReleaseFile(models.Model):
    """One file of a built release, with what the manifest says of it."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=500, help_text="Path inside the release, e.g. skills/train-00000-of-00001.parquet")
    kind = models.CharField(max_length=16, choices=FileKind.choices)
    config_name = models.CharField(max_length=32, blank=True, help_text="The dataset config: skills or knowledge.")
    split = models.CharField(max_length=8, choices=Split.choices, blank=True)
    rows = models.PositiveIntegerField(default=0)
    bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=500, help_text="Where the storage API keeps the bytes (content-addressed).")

    class Meta:
        ordering = ["release", "name"]
        constraints = [models.UniqueConstraint(fields=["release", "name"], name="unique_release_file_name")]

    def __str__(self) -> str:
        return f"{self.release.version}/{self.name}"


class Takedown(models.Model):
    """What must leave every future release: a contributor's rows, a leaf path, or a submission's rows."""

    kind = models.CharField(max_length=16, choices=TakedownKind.choices)
    contributor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="takedowns"
    )
    leaf_path = models.CharField(max_length=1024, blank=True)
    submission = models.ForeignKey(
        "submissions.Submission", null=True, blank=True, on_delete=models.PROTECT, related_name="takedowns"
    )
    reason = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind=TakedownKind.CONTRIBUTOR, contributor__isnull=False)
                    | Q(kind=TakedownKind.LEAF_PATH) & ~Q(leaf_path="")
                    | Q(kind=TakedownKind.SUBMISSION, submission__isnull=False)
                ),
                name="takedown_names_its_target",
            )
        ]

    def __str__(self) -> str:
        return f"takedown {self.pk} ({self.kind})"
