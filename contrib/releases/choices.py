"""Enumerations of releases."""

from django.db import models


class ReleaseStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    BUILDING = "building", "Building"
    BUILT = "built", "Built"
    PUBLISHED = "published", "Published"
    FAILED = "failed", "Failed"
    WITHDRAWN = "withdrawn", "Withdrawn"


class BuildStage(models.TextChoices):
    """Where a running build is, in order, as its progress reports it."""

    COUNTING = "counting", "Counting the rows"
    ROWS = "rows", "Deduplicating, splitting and writing rows"
    FILES = "files", "Finishing the parquet and jsonl files"
    CARD = "card", "Writing the dataset card and manifest"
    STORING = "storing", "Storing the files"


class FileKind(models.TextChoices):
    PARQUET = "parquet", "Parquet shard"
    JSONL = "jsonl", "JSON lines"
    CARD = "card", "Dataset card"
    MANIFEST = "manifest", "Manifest"
    REPORT = "report", "Build report"
    SIGNATURES = "signatures", "Near-duplicate signatures"


class Split(models.TextChoices):
    TRAIN = "train", "Train"
    TEST = "test", "Test"
    NONE = "", "None"


class TakedownKind(models.TextChoices):
    CONTRIBUTOR = "contributor", "Every row of a contributor"
    LEAF_PATH = "leaf_path", "Every row of a leaf path (and below)"
    SUBMISSION = "submission", "Every row from a submission"
