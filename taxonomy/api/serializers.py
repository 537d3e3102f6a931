"""Serializers of the taxonomy API: versions, the tree at a version, leaves, and qna.yaml validation."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from rest_framework import serializers

from taxonomy.choices import LeafKind, VersionOrigin
from taxonomy.exceptions import InvalidPath
from taxonomy.format import MAX_FILE_BYTES
from taxonomy.models import LeafRevision, TaxonomyVersion
from taxonomy.paths import normalize_path


class TaxonomyVersionSerializer(serializers.ModelSerializer[TaxonomyVersion]):
    """One version of the tree."""

    parent = serializers.IntegerField(source="parent_id", allow_null=True, read_only=True,
                                      help_text="The number of the version this one was made on top of.")
    origin = serializers.ChoiceField(choices=VersionOrigin.choices, read_only=True)

    class Meta:
        model = TaxonomyVersion
        fields = ["number", "parent", "message", "origin", "origin_ref", "author_name", "created_at", "signoff"]
        read_only_fields = fields


class TreeLeafSerializer(serializers.Serializer[Any]):
    """One leaf of the tree at a version, by its hashes."""

    path = serializers.CharField()
    sha256 = serializers.CharField(help_text="Content address of the whole leaf (qna.yaml, attribution, documents).")
    kind = serializers.ChoiceField(choices=LeafKind.choices)
    schema_version = serializers.IntegerField()
    qna_sha256 = serializers.CharField()
    attribution_sha256 = serializers.CharField(allow_null=True)


class TreeSerializer(serializers.Serializer[Any]):
    """Every leaf live at a version."""

    version = serializers.IntegerField()
    leaves = TreeLeafSerializer(many=True)


class LeafSerializer(serializers.ModelSerializer[LeafRevision]):
    """A leaf as it is at one version: its files, parsed data, and the versions it is live in."""

    path = serializers.CharField(source="node.path")
    qna_yaml = serializers.CharField(source="qna.text", help_text="The exact text of qna.yaml.")
    attribution_txt = serializers.CharField(
        source="attribution.text", allow_null=True, default=None, help_text="The text of attribution.txt, or null."
    )
    valid_from = serializers.IntegerField(source="valid_from_id", help_text="First version this revision is live in.")
    valid_to = serializers.IntegerField(
        source="valid_to_id", allow_null=True, help_text="Version that replaced or removed it (exclusive), or null."
    )
    documents = serializers.SerializerMethodField(help_text="File names of the documents stored with the leaf.")
    data = serializers.JSONField(help_text="The parsed qna.yaml.")

    class Meta:
        model = LeafRevision
        fields = [
            "path", "sha256", "kind", "schema_version", "data", "qna_yaml", "attribution_txt",
            "valid_from", "valid_to", "documents",
        ]
        read_only_fields = fields

    def get_documents(self, revision: LeafRevision) -> list[str]:
        return list(self.context.get("documents", []))


class LeafRevisionSerializer(serializers.ModelSerializer[LeafRevision]):
    """One revision in a leaf's history, with the versions that bound it and the message that made it."""

    valid_from = serializers.IntegerField(source="valid_from_id")
    valid_to = serializers.IntegerField(source="valid_to_id", allow_null=True)
    qna_sha256 = serializers.CharField(source="qna_id")
    attribution_sha256 = serializers.CharField(source="attribution_id", allow_null=True)
    message = serializers.CharField(source="valid_from.message", help_text="Message of the version that made it.")
    created_at = serializers.DateTimeField(source="valid_from.created_at")

    class Meta:
        model = LeafRevision
        fields = [
            "sha256", "kind", "schema_version", "qna_sha256", "attribution_sha256",
            "valid_from", "valid_to", "message", "created_at",
        ]
        read_only_fields = fields


class ValidateTextRequestSerializer(serializers.Serializer[Any]):
    """A pasted qna.yaml to validate, with the options of the check."""

    qna_yaml = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False,
        help_text="The text of a qna.yaml. Give this or `file` (multipart upload), not both.",
    )
    attribution = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False,
        help_text=(
            "The text of the leaf's attribution.txt. As in InstructLab, qna.yaml files of version 2 and later "
            "need one: when you leave this out, the result reports the missing attribution as an error unless "
            "`check_attribution` is false."
        ),
    )
    check_attribution = serializers.BooleanField(
        required=False, default=True,
        help_text="Check attribution.txt (default true). Set false to validate qna.yaml alone.",
    )
    path = serializers.CharField(
        required=False, allow_blank=True,
        help_text="The leaf's taxonomy path, such as compositional_skills/linguistics/synonyms; "
        "it decides which schema (skill or knowledge) applies and names the file in messages.",
    )
    strict = serializers.BooleanField(
        required=False, default=False, help_text="Treat warnings as errors, as `validate_taxonomy --strict` does."
    )

    def validate_qna_yaml(self, value: str) -> str:
        return _within_limit(value, "qna.yaml")

    def validate_attribution(self, value: str) -> str:
        return _within_limit(value, "attribution.txt")

    def validate_path(self, value: str) -> str:
        if not value:
            return ""
        try:
            return normalize_path(value)
        except InvalidPath as exc:
            raise serializers.ValidationError(str(exc)) from None


class ValidateRequestSerializer(ValidateTextRequestSerializer):
    """A qna.yaml to validate, pasted as text or uploaded as a file (exactly one of them)."""

    file = serializers.FileField(
        required=False, allow_empty_file=True, use_url=False,
        help_text=f"An uploaded qna.yaml (multipart/form-data), at most {MAX_FILE_BYTES} bytes. "
        "Give this or `qna_yaml`, not both.",
    )

    def validate_file(self, upload: UploadedFile) -> UploadedFile:
        # The size is known from the multipart headers: refuse before reading the content.
        if upload.size is not None and upload.size > MAX_FILE_BYTES:
            raise serializers.ValidationError(
                f"The file is {upload.size} bytes; a qna.yaml may be at most {MAX_FILE_BYTES} bytes. "
                "Split the leaf's seed examples, or move long context into a knowledge document."
            )
        return upload

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        has_text = "qna_yaml" in attrs
        has_file = "file" in attrs
        if has_text and has_file:
            message = "Give either `qna_yaml` (pasted text) or `file` (an upload), not both."
            raise serializers.ValidationError({"qna_yaml": [message], "file": [message]})
        if not has_text and not has_file:
            message = "Give the qna.yaml to validate, as `qna_yaml` (pasted text) or `file` (an upload)."
            raise serializers.ValidationError({"qna_yaml": [message], "file": [message]})
        return attrs


def _within_limit(value: str, name: str) -> str:
    size = len(value.encode("utf-8", errors="surrogatepass"))
    if size > MAX_FILE_BYTES:
        raise serializers.ValidationError(
            f"The {name} text is {size} bytes in UTF-8; it may be at most {MAX_FILE_BYTES} bytes: shorten it."
        )
    return value


class ValidationMessageSerializer(serializers.Serializer[Any]):
    """One problem found in a qna.yaml, located in the file, with how to fix it."""

    line = serializers.IntegerField(allow_null=True)
    col = serializers.IntegerField(allow_null=True)
    yaml_path = serializers.CharField(allow_null=True, help_text="Where in the document, e.g. seed_examples[2].answer.")
    rule = serializers.CharField(help_text="A stable rule name, such as yaml-syntax.")
    message = serializers.CharField()
    fix = serializers.CharField(allow_null=True, allow_blank=True)
    severity = serializers.ChoiceField(choices=["error", "warning"])


class ValidationResultSerializer(serializers.Serializer[Any]):
    """The verdict on a qna.yaml: valid or not, with located errors and warnings."""

    valid = serializers.BooleanField(help_text="True when there are no errors (and no warnings in strict mode).")
    path = serializers.CharField()
    version = serializers.IntegerField(allow_null=True, help_text="The schema version the file declares.")
    kind = serializers.CharField(allow_null=True, required=False)
    errors = ValidationMessageSerializer(many=True)
    warnings = ValidationMessageSerializer(many=True)
