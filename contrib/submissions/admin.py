"""Admin of submissions: read-mostly views of submissions, their revisions, checks, reviews and timeline."""

from django.contrib import admin

from contrib.submissions.models import (
    Check,
    Comment,
    Document,
    Event,
    Notification,
    Review,
    Revision,
    Submission,
)


class RevisionInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Revision
    fields = readonly_fields = ("number", "sha256", "kind", "base_version", "signoff", "created_at")
    extra = 0
    can_delete = False
    show_change_link = True


class ReviewInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Review
    fields = readonly_fields = ("reviewer", "verdict", "reason", "dismissed", "created_at")
    extra = 0
    can_delete = False


class EventInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Event
    fields = readonly_fields = ("kind", "actor", "data", "created_at")
    extra = 0
    can_delete = False


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["id", "title", "action", "path", "status", "author", "opened_at", "merged_version"]
    list_filter = ["status", "action"]
    search_fields = ["title", "path", "author__username"]
    raw_id_fields = ["author", "latest_revision"]
    readonly_fields = ("base_version", "base_leaf_sha256", "merged_version", "created_at", "updated_at",
                       "opened_at", "closed_at")
    inlines = [RevisionInline, ReviewInline, EventInline]


class CheckInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Check
    fields = readonly_fields = ("name", "status", "summary", "updated_at")
    extra = 0


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["__str__", "kind", "sha256", "created_at"]
    raw_id_fields = ["submission", "created_by"]
    inlines = [CheckInline]


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "submission", "revision", "size", "content_type", "created_at"]
    raw_id_fields = ["submission", "revision", "blob", "uploaded_by"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["__str__", "author", "created_at"]
    raw_id_fields = ["submission", "revision", "review", "author"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["user", "event", "read_at", "emailed", "created_at"]
    list_filter = ["emailed"]
    raw_id_fields = ["user", "event"]
