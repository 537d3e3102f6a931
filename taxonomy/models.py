"""The tree (Node), its immutable content-addressed leaf revisions, and its linear versions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from taxonomy.choices import LeafKind, VersionOrigin


class TaxonomyVersion(models.Model):
    """One state of the whole tree: 1, 2, 3, ... each the child of the one before."""

    number = models.PositiveIntegerField(unique=True)
    # A one-to-one parent makes a fork impossible: two versions can never claim the same parent.
    parent = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="child", to_field="number"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(max_length=200, blank=True)
    author_email = models.CharField(max_length=254, blank=True)
    message = models.TextField()
    signoff = models.CharField(max_length=500, blank=True, help_text="The Signed-off-by trailer, kept verbatim.")
    origin = models.CharField(max_length=16, choices=VersionOrigin.choices)
    origin_ref = models.CharField(max_length=500, blank=True, help_text="Import source, or the merged submission.")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(parent__isnull=True, number=1) | Q(parent__isnull=False, number__gt=1),
                name="taxonomy_version_root_is_one",
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.number}"


class Node(models.Model):
    """A directory of the tree, such as ``compositional_skills/linguistics``; leaves are nodes with revisions."""

    path = models.CharField(max_length=1024, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    name = models.CharField(max_length=100)
    depth = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["path"]

    def __str__(self) -> str:
        return self.path

    @property
    def root(self) -> str:
        return self.path.split("/", 1)[0]


class Blob(models.Model):
    """Exact file bytes, addressed by their sha256, stored once however many revisions share them."""

    sha256 = models.CharField(max_length=64, primary_key=True)
    data = models.BinaryField()
    size = models.PositiveIntegerField()

    def __str__(self) -> str:
        return self.sha256[:12]

    @property
    def text(self) -> str:
        return bytes(self.data).decode("utf-8", errors="replace")


class LeafRevisionQuerySet(models.QuerySet["LeafRevision"]):
    def live_at(self, number: int) -> LeafRevisionQuerySet:
        """Revisions live in version ``number``: one indexed range query."""
        return self.filter(valid_from_id__lte=number).filter(Q(valid_to__isnull=True) | Q(valid_to_id__gt=number))

    def current(self) -> LeafRevisionQuerySet:
        return self.filter(valid_to__isnull=True)


class LeafRevision(models.Model):
    """The content of one leaf over a range of versions [valid_from, valid_to); never edited but to close it."""

    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="revisions")
    sha256 = models.CharField(max_length=64, db_index=True, help_text="Content address of qna.yaml, attribution and documents.")
    qna = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="+")
    attribution = models.ForeignKey(Blob, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=LeafKind.choices)
    schema_version = models.PositiveSmallIntegerField()
    data = models.JSONField(help_text="The parsed qna.yaml.")
    valid_from = models.ForeignKey(
        TaxonomyVersion, on_delete=models.PROTECT, related_name="+", to_field="number", db_column="valid_from"
    )
    valid_to = models.ForeignKey(
        TaxonomyVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        to_field="number",
        db_column="valid_to",
    )

    objects = LeafRevisionQuerySet.as_manager()

    class Meta:
        ordering = ["node__path", "valid_from"]
        indexes = [models.Index(fields=["valid_from", "valid_to"], name="leafrev_validity")]
        constraints = [
            models.UniqueConstraint(fields=["node"], condition=Q(valid_to__isnull=True), name="one_live_revision_per_node"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="leafrev_nonempty_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.node.path}@{self.sha256[:12]}"

    @property
    def path(self) -> str:
        return self.node.path

    @property
    def qna_sha256(self) -> str:
        return self.qna_id

    @property
    def attribution_sha256(self) -> str | None:
        return self.attribution_id


class LeafDocument(models.Model):
    """A knowledge document stored with a leaf revision (Markdown or plain text), by relative file name."""

    revision = models.ForeignKey(LeafRevision, on_delete=models.CASCADE, related_name="documents")
    name = models.CharField(max_length=255)
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["revision", "name"], name="unique_document_name")]

    def __str__(self) -> str:
        return self.name


class TreeImport(models.Model):
    """An import of a directory tree or git repository, run by a Celery worker and tracked here."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    source = models.CharField(max_length=2000)
    ref = models.CharField(max_length=255, blank=True)
    message = models.TextField(blank=True)
    all_or_nothing = models.BooleanField(default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    report = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    version = models.ForeignKey(TaxonomyVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"import {self.pk} of {self.source}"
