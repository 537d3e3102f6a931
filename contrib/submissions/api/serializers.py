"""Serializers of the submissions API: requests that feed the services, and the shapes they answer with."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from contrib.submissions.choices import Action, CheckName, CheckStatus, RejectReason, Status, Verdict
from contrib.submissions.models import Check, Notification, Submission
from contrib.submissions.notifications import submission_url

TEXT = {"trim_whitespace": False, "allow_blank": True, "required": False}


class AttributionSerializer(serializers.Serializer[Any]):
    """InstructLab's attribution fields; the licence must be on the allow-list (CC0-1.0, CC-BY-4.0, MIT, ...)."""

    title_of_work = serializers.CharField(max_length=1000, **TEXT)
    link_to_work = serializers.CharField(max_length=2000, **TEXT)
    revision = serializers.CharField(max_length=1000, **TEXT)
    license_of_the_work = serializers.CharField(max_length=200, **TEXT)
    creator_names = serializers.CharField(max_length=2000, **TEXT)


class ContentSerializer(serializers.Serializer[Any]):
    """A revision's content: qna.yaml, attribution (raw text or fields) and the DCO sign-off."""

    qna_yaml = serializers.CharField(default="", help_text="The qna.yaml text (empty for a removal).", **TEXT)
    attribution_txt = serializers.CharField(
        allow_null=True, default=None, help_text="A raw attribution.txt; or give `attribution` fields.", **TEXT
    )
    attribution = AttributionSerializer(required=False, allow_null=True, default=None)
    signoff = serializers.CharField(
        default="", help_text="'Signed-off-by: Name <email>', attesting the Developer Certificate of Origin.", **TEXT
    )
    draft = serializers.BooleanField(
        default=False, help_text="Save as a draft: kept even when invalid, visible to you and maintainers only."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("attribution") is not None and attrs.get("attribution_txt") is not None:
            message = "Give either `attribution` fields or a raw `attribution_txt`, not both."
            raise serializers.ValidationError({"attribution": [message], "attribution_txt": [message]})
        return attrs


class SubmissionCreateSerializer(ContentSerializer):
    """A new submission: what to change where, and the content."""

    title = serializers.CharField(max_length=200, **TEXT)
    description = serializers.CharField(max_length=20_000, default="", **TEXT)
    action = serializers.ChoiceField(choices=Action.choices)
    path = serializers.CharField(max_length=1024, help_text="The leaf's taxonomy path, e.g. knowledge/science/birds.")


class RevisionCreateSerializer(ContentSerializer):
    """A new revision of a submission, rebased on the current tree."""

    action = serializers.ChoiceField(
        choices=Action.choices, required=False, help_text="Change the action, e.g. to update when the leaf was added since."
    )


class DocumentUploadSerializer(serializers.Serializer[Any]):
    file = serializers.FileField(help_text="A Markdown (.md, .markdown) or plain-text (.txt) document, UTF-8.")


class AnchoredCommentSerializer(serializers.Serializer[Any]):
    """A comment anchored to a YAML path (e.g. .seed_examples[0].answer) or a line of the latest qna.yaml."""

    yaml_path = serializers.CharField(max_length=500, **TEXT)
    line = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    body = serializers.CharField(max_length=20_000, trim_whitespace=False)


class ReviewCreateSerializer(serializers.Serializer[Any]):
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    body = serializers.CharField(max_length=20_000, default="", **TEXT)
    reason = serializers.ChoiceField(choices=RejectReason.choices, allow_blank=True, required=False, default="")
    comments = AnchoredCommentSerializer(many=True, required=False, default=list)


class CommentCreateSerializer(AnchoredCommentSerializer):
    """A comment on the submission, optionally anchored."""


class NotificationReadSerializer(serializers.Serializer[Any]):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, allow_null=True, default=None,
        help_text="Notifications to mark read; all of yours when left out.",
    )


class CheckSummarySerializer(serializers.ModelSerializer[Check]):
    name = serializers.ChoiceField(choices=CheckName.choices)
    status = serializers.ChoiceField(choices=CheckStatus.choices)

    class Meta:
        model = Check
        fields = ["name", "status", "summary"]


class CheckSerializer(CheckSummarySerializer):
    class Meta:
        model = Check
        fields = ["name", "status", "summary", "details", "updated_at"]


class SubmissionCreatedSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Status.choices)
    checks = CheckSummarySerializer(many=True)
    url = serializers.CharField(help_text="The submission's HTML page.")


class SubmissionListSerializer(serializers.ModelSerializer[Submission]):
    """A submission in a list: what, where, by whom, and its state."""

    author = serializers.CharField(source="author.username")
    base_version = serializers.IntegerField(source="base_version_id", allow_null=True)
    merged_version = serializers.IntegerField(source="merged_version_id", allow_null=True)
    kind = serializers.SerializerMethodField()
    label = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Submission
        fields = [
            "id", "title", "action", "path", "kind", "status", "label", "author", "base_version",
            "merged_version", "created_at", "opened_at", "updated_at", "closed_at", "url",
        ]
        read_only_fields = fields

    def get_kind(self, obj: Submission) -> str:
        return obj.latest_revision.kind if obj.latest_revision else ""

    def get_label(self, obj: Submission) -> str:
        from contrib.submissions.selectors import submission_label

        return submission_label(obj)

    def get_url(self, obj: Submission) -> str:
        return submission_url(obj)


class RevisionSerializer(serializers.Serializer[Any]):
    number = serializers.IntegerField()
    sha256 = serializers.CharField()
    signoff = serializers.CharField()
    base_version = serializers.IntegerField(source="base_version_id", allow_null=True)
    base_leaf_sha256 = serializers.CharField()
    kind = serializers.CharField()
    schema_version = serializers.IntegerField(allow_null=True)
    qna_yaml = serializers.CharField()
    attribution_txt = serializers.CharField()
    validation = serializers.JSONField(help_text="The validator's verdict: located errors and warnings.")
    created_by = serializers.CharField(source="created_by.username")
    created_at = serializers.DateTimeField()


class ReviewSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    reviewer = serializers.CharField(source="reviewer.username")
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    body = serializers.CharField(help_text="Raw text: escape it when rendering HTML.")
    reason = serializers.CharField()
    dismissed = serializers.BooleanField()
    revision = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_revision(self, obj: Any) -> int | None:
        return self.context.get("revision_numbers", {}).get(obj.revision_id)


class CommentSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    author = serializers.CharField(source="author.username")
    body = serializers.CharField(help_text="Raw text: escape it when rendering HTML.")
    yaml_path = serializers.CharField()
    line = serializers.IntegerField(allow_null=True)
    review = serializers.IntegerField(source="review_id", allow_null=True)
    revision = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_revision(self, obj: Any) -> int | None:
        return self.context.get("revision_numbers", {}).get(obj.revision_id)


class EventSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField()
    actor = serializers.SerializerMethodField()
    data = serializers.JSONField()
    created_at = serializers.DateTimeField()

    def get_actor(self, obj: Any) -> str | None:
        return obj.actor.username if obj.actor else None


class DocumentSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    sha256 = serializers.CharField(source="blob_id")
    size = serializers.IntegerField()
    content_type = serializers.CharField()
    revision = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_revision(self, obj: Any) -> int | None:
        return self.context.get("revision_numbers", {}).get(obj.revision_id)


class DiffLineSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=[" ", "+", "-", "@"], help_text="' ' context, '+' added, '-' removed, '@' hunk")
    old_no = serializers.IntegerField(allow_null=True)
    new_no = serializers.IntegerField(allow_null=True)
    text = serializers.CharField()
    yaml_path = serializers.CharField()


class PermissionsSerializer(serializers.Serializer[Any]):
    """What the requesting user may do with this submission now."""

    revise = serializers.BooleanField()
    review = serializers.BooleanField()
    comment = serializers.BooleanField()
    merge = serializers.BooleanField()
    withdraw = serializers.BooleanField()
    open = serializers.BooleanField()


class SubmissionDetailSerializer(SubmissionListSerializer):
    """A submission with its revisions, latest checks, reviews, comments, documents, timeline and diff."""

    description = serializers.CharField(help_text="Raw text: escape it when rendering HTML.")
    rejected_reason = serializers.CharField()
    base_leaf_sha256 = serializers.CharField()
    required_approvals = serializers.SerializerMethodField()
    approvals = serializers.SerializerMethodField()
    revisions = RevisionSerializer(many=True)
    checks = serializers.SerializerMethodField()
    reviews = ReviewSerializer(many=True)
    comments = CommentSerializer(many=True)
    events = EventSerializer(many=True)
    documents = serializers.SerializerMethodField()
    diff = serializers.SerializerMethodField()
    permissions = serializers.SerializerMethodField()

    class Meta(SubmissionListSerializer.Meta):
        fields = [
            *SubmissionListSerializer.Meta.fields, "description", "rejected_reason", "base_leaf_sha256",
            "required_approvals", "approvals", "revisions", "checks", "reviews", "comments", "events",
            "documents", "diff", "permissions",
        ]
        read_only_fields = fields

    def get_required_approvals(self, obj: Submission) -> int:
        return int(self.context["required_approvals"])

    def get_approvals(self, obj: Submission) -> int:
        return sum(
            1 for r in obj.reviews.all()
            if r.verdict == Verdict.APPROVE and not r.dismissed and r.revision_id == obj.latest_revision_id
        )

    def get_checks(self, obj: Submission) -> list[dict[str, Any]]:
        checks = obj.latest_revision.checks.all() if obj.latest_revision else []
        return CheckSerializer(checks, many=True).data  # type: ignore[return-value]

    def get_documents(self, obj: Submission) -> list[dict[str, Any]]:
        latest = [d for d in obj.documents.all() if d.revision_id == obj.latest_revision_id]
        return DocumentSerializer(latest, many=True, context=self.context).data  # type: ignore[return-value]

    def get_diff(self, obj: Submission) -> list[dict[str, Any]]:
        return DiffLineSerializer(self.context["diff"], many=True).data  # type: ignore[return-value]

    def get_permissions(self, obj: Submission) -> dict[str, bool]:
        return dict(self.context["permissions"])


class RevisionCreatedSerializer(serializers.Serializer[Any]):
    number = serializers.IntegerField()
    sha256 = serializers.CharField()
    base_version = serializers.IntegerField(allow_null=True)
    status = serializers.ChoiceField(choices=Status.choices, help_text="The submission's status after the revision.")
    checks = CheckSummarySerializer(many=True)


class ReviewCreatedSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    status = serializers.ChoiceField(choices=Status.choices)
    approvals = serializers.IntegerField()
    required_approvals = serializers.IntegerField()
    comments = serializers.IntegerField()


class StatusSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Status.choices)
    url = serializers.CharField()


class MergedSerializer(serializers.Serializer[Any]):
    taxonomy_version = serializers.IntegerField(help_text="The number of the version the merge made.")
    status = serializers.ChoiceField(choices=Status.choices)


class NotificationSerializer(serializers.ModelSerializer[Notification]):
    kind = serializers.CharField(source="event.kind")
    submission = serializers.IntegerField(source="event.submission_id")
    title = serializers.CharField(source="event.submission.title")
    actor = serializers.SerializerMethodField()
    data = serializers.JSONField(source="event.data")
    url = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "submission", "title", "actor", "data", "url", "read_at", "emailed", "created_at"]
        read_only_fields = fields

    def get_actor(self, obj: Notification) -> str | None:
        return obj.event.actor.username if obj.event.actor else None

    def get_url(self, obj: Notification) -> str:
        return submission_url(obj.event.submission)


class MarkedSerializer(serializers.Serializer[Any]):
    marked = serializers.IntegerField()
