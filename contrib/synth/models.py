"""Teachers, generation runs, their per-leaf jobs, and the samples they generate."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from contrib.synth.choices import FilterReason, JobStatus, RunScope, RunStatus


class Teacher(models.Model):
    """An OpenAI-compatible server and model; its API key is read from an environment variable, never stored."""

    name = models.CharField(max_length=100, unique=True)
    base_url = models.URLField(max_length=500, help_text="The OpenAI-compatible endpoint, e.g. http://gpu:8000/v1.")
    model = models.CharField(max_length=200)
    api_key_env = models.CharField(
        max_length=100, blank=True, help_text="The NAME of the environment variable holding the API key."
    )
    max_concurrency = models.PositiveIntegerField(default=8, help_text="Requests in flight, across all workers.")
    timeout = models.FloatField(default=60.0, help_text="Seconds to wait for one response.")
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class GenerationRun(models.Model):
    """One generation over a taxonomy version or, as a preview, over a submission revision; tracked live."""

    scope = models.CharField(max_length=16, choices=RunScope.choices)
    taxonomy_version = models.ForeignKey(
        "taxonomy.TaxonomyVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        to_field="number",
    )
    submission_revision = models.ForeignKey(
        "submissions.Revision", null=True, blank=True, on_delete=models.CASCADE, related_name="generation_runs"
    )
    teacher = models.ForeignKey(Teacher, on_delete=models.PROTECT, related_name="runs")
    pipelines = models.JSONField(default=dict, blank=True, help_text="Pipeline name to version, as run.")
    scale = models.PositiveIntegerField(help_text="Samples per seed example.")
    seed = models.BigIntegerField(default=0)
    incremental_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="increments"
    )
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED, db_index=True)
    requests_done = models.PositiveIntegerField(default=0)
    requests_total = models.PositiveIntegerField(default=0, help_text="An estimate, made when the run starts.")
    samples_kept = models.PositiveIntegerField(default=0)
    samples_filtered = models.PositiveIntegerField(default=0)
    filtered_by_reason = models.JSONField(default=dict, blank=True)
    tokens_in = models.PositiveBigIntegerField(default=0)
    tokens_out = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(taxonomy_version__isnull=False, submission_revision__isnull=True, scope=RunScope.TAXONOMY)
                | Q(taxonomy_version__isnull=True, submission_revision__isnull=False, scope=RunScope.PREVIEW),
                name="generation_run_one_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"run {self.pk} ({self.status})"


class LeafJob(models.Model):
    """The generation of one leaf within a run: the unit of fan-out, resume and reuse."""

    run = models.ForeignKey(GenerationRun, on_delete=models.CASCADE, related_name="leaf_jobs")
    leaf_revision = models.ForeignKey(
        "taxonomy.LeafRevision", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Empty for a preview, which generates from a submission revision.",
    )
    path = models.CharField(max_length=1024)
    kind = models.CharField(max_length=16)
    leaf_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    reused_from = models.ForeignKey(
        GenerationRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requests_done = models.PositiveIntegerField(default=0)
    requests_total = models.PositiveIntegerField(default=0)
    samples_kept = models.PositiveIntegerField(default=0)
    samples_filtered = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "path"]
        constraints = [models.UniqueConstraint(fields=["run", "path"], name="one_job_per_leaf_per_run")]

    def __str__(self) -> str:
        return f"{self.path} in run {self.run_id}"


class Sample(models.Model):
    """One generated row: its stage outputs, the judges' verdicts, and whether it was kept."""

    run = models.ForeignKey(GenerationRun, on_delete=models.CASCADE, related_name="samples")
    leaf_job = models.ForeignKey(LeafJob, on_delete=models.CASCADE, related_name="samples")
    leaf_revision = models.ForeignKey(
        "taxonomy.LeafRevision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    leaf_path = models.CharField(max_length=1024)
    leaf_sha256 = models.CharField(max_length=64, db_index=True)
    idempotency_key = models.CharField(
        max_length=255, unique=True, help_text="run:leaf sha:stage:index, so a redelivered task never duplicates."
    )
    stage = models.CharField(max_length=32, help_text="The pipeline step that made the sample.")
    index = models.PositiveIntegerField()
    pipeline = models.CharField(max_length=32)
    pipeline_version = models.CharField(max_length=16)
    teacher_name = models.CharField(max_length=100)
    teacher_model = models.CharField(max_length=200)
    question = models.TextField(blank=True)
    answer = models.TextField(blank=True)
    context = models.TextField(blank=True)
    stage_outputs = models.JSONField(default=dict, blank=True)
    judge_scores = models.JSONField(default=dict, blank=True)
    judge_rationale = models.TextField(blank=True)
    kept = models.BooleanField(default=False)
    filter_reason = models.CharField(max_length=24, choices=FilterReason.choices, blank=True)
    tokens_in = models.PositiveIntegerField(default=0)
    tokens_out = models.PositiveIntegerField(default=0)
    latency = models.FloatField(default=0.0, help_text="Seconds the teacher took over this sample's requests.")
    fingerprint = models.CharField(
        max_length=64, blank=True, help_text="sha256 of the normalised question and answer, for exact duplicates."
    )
    reused = models.BooleanField(default=False, help_text="Copied from an earlier run of the same leaf revision.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run", "leaf_path", "index"]
        indexes = [
            models.Index(fields=["run", "kept"], name="sample_run_kept"),
            models.Index(fields=["leaf_job", "fingerprint"], name="sample_job_fingerprint"),
        ]

    def __str__(self) -> str:
        return self.idempotency_key
