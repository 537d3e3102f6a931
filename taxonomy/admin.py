"""Admin pages of the taxonomy: read-only views of the tree, its versions, revisions and files."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from taxonomy.models import Blob, LeafDocument, LeafRevision, Node, TaxonomyVersion, TreeImport

PREVIEW_CHARS = 4000


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Shows rows without letting anyone add, change or delete them: history is written by services only."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _pre(text: str) -> SafeString:
    if len(text) > PREVIEW_CHARS:
        text = text[:PREVIEW_CHARS] + f"\n… ({len(text) - PREVIEW_CHARS} more characters)"
    return format_html('<pre style="white-space: pre-wrap; max-width: 60rem">{}</pre>', text)


@admin.register(TaxonomyVersion)
class TaxonomyVersionAdmin(ReadOnlyAdmin):
    list_display = ["number", "short_message", "origin", "origin_ref", "author_name", "created_at"]
    list_filter = ["origin"]
    search_fields = ["message", "origin_ref", "author_name", "author_email"]
    ordering = ["-number"]
    date_hierarchy = "created_at"

    @admin.display(description="message")
    def short_message(self, obj: TaxonomyVersion) -> str:
        return obj.message if len(obj.message) <= 80 else obj.message[:79] + "…"


@admin.register(Node)
class NodeAdmin(ReadOnlyAdmin):
    list_display = ["path", "depth"]
    search_fields = ["path"]
    list_filter = ["depth"]


class LeafDocumentInline(admin.TabularInline):  # type: ignore[type-arg]
    model = LeafDocument
    fields = readonly_fields = ("name", "blob")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LeafRevision)
class LeafRevisionAdmin(ReadOnlyAdmin):
    list_display = ["path", "short_sha", "kind", "schema_version", "valid_from", "valid_to"]
    list_filter = ["kind", "schema_version"]
    list_select_related = ["node"]
    search_fields = ["node__path", "sha256"]
    fields = readonly_fields = (
        "node", "sha256", "kind", "schema_version", "valid_from", "valid_to",
        "qna", "qna_text", "attribution", "attribution_text", "pretty_data",
    )
    inlines = [LeafDocumentInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[LeafRevision]:
        # The list never shows file contents: defer the blobs' bytes until a detail page asks for them.
        return super().get_queryset(request).select_related("node")

    @admin.display(description="sha256")
    def short_sha(self, obj: LeafRevision) -> str:
        return obj.sha256[:12]

    @admin.display(description="qna.yaml")
    def qna_text(self, obj: LeafRevision) -> SafeString:
        return _pre(obj.qna.text)

    @admin.display(description="attribution.txt")
    def attribution_text(self, obj: LeafRevision) -> SafeString | str:
        return _pre(obj.attribution.text) if obj.attribution else "(none)"

    @admin.display(description="parsed data")
    def pretty_data(self, obj: LeafRevision) -> SafeString:
        return _pre(json.dumps(obj.data, indent=2, ensure_ascii=False))


@admin.register(Blob)
class BlobAdmin(ReadOnlyAdmin):
    list_display = ["sha256", "size"]
    search_fields = ["sha256"]
    fields = readonly_fields = ("sha256", "size", "preview")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Blob]:
        return super().get_queryset(request).defer("data")

    @admin.display(description="content (as UTF-8)")
    def preview(self, obj: Blob) -> SafeString:
        return _pre(obj.text)


@admin.register(LeafDocument)
class LeafDocumentAdmin(ReadOnlyAdmin):
    list_display = ["name", "revision", "blob_sha256"]
    list_select_related = ["revision__node"]
    search_fields = ["name", "revision__node__path"]
    raw_id_fields = ["revision", "blob"]

    @admin.display(description="blob sha256")
    def blob_sha256(self, obj: LeafDocument) -> str:
        return obj.blob_id


@admin.register(TreeImport)
class TreeImportAdmin(ReadOnlyAdmin):
    """Imports are started from the command line or the maintainer pages; here they can be read and cleared."""

    list_display = ["pk", "source", "ref", "status", "version", "created_at", "finished_at"]
    list_filter = ["status"]
    search_fields = ["source", "ref", "message"]
    fields = readonly_fields = (
        "source", "ref", "message", "all_or_nothing", "requested_by", "status", "version",
        "created_at", "started_at", "finished_at", "error", "pretty_report",
    )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # An import row is only a record; deleting it touches no version.
        return bool(request.user.is_superuser)

    @admin.display(description="report")
    def pretty_report(self, obj: TreeImport) -> SafeString:
        return _pre(json.dumps(obj.report, indent=2, ensure_ascii=False))
