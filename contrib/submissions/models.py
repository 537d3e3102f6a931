"""Submission, its Revisions and Documents, Checks, Reviews, line Comments, timeline Events and Notifications."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from contrib.submissions.choices import (
    Action,
    CheckName,
    CheckStatus,
    EventKind,
    RejectReason,
    Status,
    Verdict,
)


class Submission(models.Model):
    """A proposal to add, update or remove one leaf, against the taxonomy version current when it opened."""

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    action = models.CharField(max_length=8, choices=Action.choices)
    path = models.CharField(max_length=1024, db_index=True, help_text="The leaf's taxonomy path.")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submissions")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    base_version = models.ForeignKey(
        "taxonomy.TaxonomyVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        to_field="number", help_text="The version the latest revision was made against.",
    )
    base_leaf_sha256 = models.CharField(
        max_length=64, blank=True, help_text="The leaf's content address at the base version ('' if absent)."
    )
    merged_version = models.ForeignKey(
        "taxonomy.TaxonomyVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        to_field="number",
    )
    rejected_reason = models.CharField(max_length=32, choices=RejectReason.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    latest_revision = models.OneToOneField(
        "Revision", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "opened_at"], name="submission_queue")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def root(self) -> str:
        return self.path.split("/", 1)[0]


class Revision(models.Model):
    """One immutable state of a submission's files, attested with a DCO sign-off."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    qna_yaml = models.TextField(blank=True, help_text="Empty for a removal.")
    attribution_txt = models.TextField(blank=True)
    signoff = models.CharField(max_length=500)
    base_version = models.ForeignKey(
        "taxonomy.TaxonomyVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        to_field="number",
    )
    base_leaf_sha256 = models.CharField(max_length=64, blank=True)
    kind = models.CharField(max_length=16, blank=True)
    schema_version = models.PositiveSmallIntegerField(null=True, blank=True)
    data = models.JSONField(null=True, blank=True, help_text="The parsed qna.yaml.")
    validation = models.JSONField(default=dict, blank=True, help_text="The validator's result, as the API shows it.")
    sha256 = models.CharField(max_length=64, help_text="Content address, as a taxonomy leaf would have it.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["submission", "number"]
        constraints = [models.UniqueConstraint(fields=["submission", "number"], name="unique_revision_number")]

    def __str__(self) -> str:
        return f"#{self.submission_id} r{self.number}"


class Document(models.Model):
    """A knowledge document uploaded to a submission (Markdown or plain text), stored content-addressed."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="documents")
    revision = models.ForeignKey(Revision, null=True, blank=True, on_delete=models.SET_NULL, related_name="documents")
    name = models.CharField(max_length=255)
    blob = models.ForeignKey("taxonomy.Blob", on_delete=models.PROTECT, related_name="+")
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Check(models.Model):
    """The outcome of one check on one revision, shown like a CI check."""

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="checks")
    name = models.CharField(max_length=32, choices=CheckName.choices)
    status = models.CharField(max_length=8, choices=CheckStatus.choices, default=CheckStatus.PENDING)
    summary = models.CharField(max_length=500, blank=True)
    details = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["revision", "name"]
        constraints = [models.UniqueConstraint(fields=["revision", "name"], name="unique_check_per_revision")]

    def __str__(self) -> str:
        return f"{self.name}: {self.status}"


class Review(models.Model):
    """A reviewer's verdict on a revision; a newer revision dismisses earlier approvals."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="reviews")
    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews")
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    body = models.TextField(blank=True)
    reason = models.CharField(max_length=32, choices=RejectReason.choices, blank=True)
    dismissed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.verdict} by {self.reviewer_id} on #{self.submission_id}"


class Comment(models.Model):
    """A comment anchored to a YAML path or a line of a revision's qna.yaml (or on the whole submission)."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="comments")
    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="comments")
    review = models.ForeignKey(Review, null=True, blank=True, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    yaml_path = models.CharField(max_length=500, blank=True)
    line = models.PositiveIntegerField(null=True, blank=True)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"comment on #{self.submission_id} at {self.yaml_path or self.line}"


class Event(models.Model):
    """One entry of a submission's timeline."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"#{self.submission_id} {self.kind}"


class Notification(models.Model):
    """An in-app notice of an event to one user; email goes out too unless the user opted out."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="notifications")
    read_at = models.DateTimeField(null=True, blank=True)
    emailed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "event"], name="one_notification_per_event")]

    def __str__(self) -> str:
        return f"to {self.user_id}: {self.event}"
