"""Enumerations of submissions: actions, states, verdicts, check outcomes, events."""

from django.db import models


class Action(models.TextChoices):
    ADD = "add", "Add a leaf"
    UPDATE = "update", "Update a leaf"
    REMOVE = "remove", "Remove a leaf"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"
    MERGED = "merged", "Merged"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


#: States from which nothing moves any more.
CLOSED = frozenset({Status.MERGED, Status.REJECTED, Status.WITHDRAWN})


class Label(models.TextChoices):
    """InstructLab's triage labels, as shown on dashboards."""

    NEEDS_TRIAGE = "needs_triage", "needs triage"
    IN_REVIEW = "in_review", "in review"
    CHANGES_REQUESTED = "changes_requested", "changes requested"
    APPROVED = "approved", "approved"
    MERGED = "merged", "merged"
    REJECTED = "rejected", "rejected"
    DRAFT = "draft", "draft"
    WITHDRAWN = "withdrawn", "withdrawn"


class Verdict(models.TextChoices):
    APPROVE = "approve", "Approve"
    REQUEST_CHANGES = "request_changes", "Request changes"
    REJECT = "reject", "Reject"
    COMMENT = "comment", "Comment"


class RejectReason(models.TextChoices):
    """InstructLab's common review outcomes, offered as presets."""

    BELONGS_IN_KNOWLEDGE = "belongs_in_knowledge", "This belongs in knowledge, not skills"
    LLM_WRITTEN = "llm_written", "The answers look LLM-written"
    ALREADY_KNOWN = "already_known", "The model already has this skill"
    REPETITIVE = "repetitive", "The examples are repetitive"
    NO_REASONING = "no_reasoning", "The answers show no reasoning steps"
    OTHER = "other", "Other (explained in the review)"


class CheckName(models.TextChoices):
    SCHEMA = "schema", "Schema and lint"
    DOCUMENTS = "documents", "Knowledge documents"
    NEAR_DUPLICATES = "near_duplicates", "Near-duplicates"
    PII = "pii", "Personal data and secrets"


class CheckStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PASS = "pass", "Pass"
    WARN = "warn", "Warn"
    FAIL = "fail", "Fail"


class EventKind(models.TextChoices):
    OPENED = "opened", "opened the submission"
    DRAFTED = "drafted", "saved a draft"
    REVISED = "revised", "pushed a new revision"
    DOCUMENT_ADDED = "document_added", "added a document"
    CHECKS_COMPLETED = "checks_completed", "checks completed"
    REVIEWED = "reviewed", "reviewed"
    APPROVAL_DISMISSED = "approval_dismissed", "approvals dismissed by a new revision"
    COMMENTED = "commented", "commented"
    MERGED = "merged", "merged"
    MERGE_CONFLICT = "merge_conflict", "merge refused: conflict"
    REJECTED = "rejected", "rejected"
    WITHDRAWN = "withdrawn", "withdrew the submission"
