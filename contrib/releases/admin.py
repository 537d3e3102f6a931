"""Admin of releases: read-mostly, since releases change only through their services."""

from django.contrib import admin

from contrib.releases.models import Release, ReleaseFile, Takedown


class ReleaseFileInline(admin.TabularInline):
    model = ReleaseFile
    extra = 0
    can_delete = False
    readonly_fields = ("name", "kind", "config_name", "split", "rows", "bytes", "sha256", "storage_name")

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ("version", "status", "taxonomy_version", "created_at", "built_at", "published_at")
    list_filter = ("status",)
    search_fields = ("version",)
    readonly_fields = ("status", "stats", "diff", "error", "build_attempt", "built_at", "published_at",
                       "withdrawn_at", "withdrawn_reason", "previous", "patch_of")
    inlines = [ReleaseFileInline]  # noqa: RUF012


@admin.register(Takedown)
class TakedownAdmin(admin.ModelAdmin):
    list_display = ("pk", "kind", "contributor", "leaf_path", "submission", "created_at")
    list_filter = ("kind",)
    readonly_fields = ("created_by", "created_at")
