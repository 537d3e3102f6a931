"""Admin of generation: teachers (with a "test connection" action), runs with their leaf jobs, and samples."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from contrib.synth.models import GenerationRun, LeafJob, Sample, Teacher
from contrib.synth.services import teacher_check
from contrib.synth.teacher.errors import TeacherError


@admin.register(Teacher)
class TeacherAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "model", "base_url", "max_concurrency", "timeout", "enabled")
    list_filter = ("enabled",)
    search_fields = ("name", "model", "base_url")
    actions = ["test_connection"]

    @admin.action(description="Test connection")
    def test_connection(self, request: HttpRequest, queryset: QuerySet[Teacher]) -> None:
        for teacher in queryset:
            try:
                summary = teacher_check(teacher=teacher)
            except TeacherError as exc:
                self.message_user(request, f"{teacher.name}: {exc}", level=messages.ERROR)
            else:
                self.message_user(request, f"{teacher.name}: {summary}", level=messages.SUCCESS)


class LeafJobInline(admin.TabularInline):  # type: ignore[type-arg]
    model = LeafJob
    fk_name = "run"
    fields = readonly_fields = ("path", "kind", "status", "reused_from", "requests_done", "requests_total",
                                "samples_kept", "samples_filtered", "error")
    extra = 0
    can_delete = False


@admin.register(GenerationRun)
class GenerationRunAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("id", "scope", "taxonomy_version", "teacher", "scale", "status", "requests_done",
                    "requests_total", "samples_kept", "samples_filtered", "created_at")
    list_filter = ("status", "scope")
    readonly_fields = [f.name for f in GenerationRun._meta.fields]
    inlines = [LeafJobInline]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # runs start through the API or `manage.py generate`, which enqueue them


@admin.register(Sample)
class SampleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("idempotency_key", "leaf_path", "kept", "filter_reason", "pipeline", "teacher_model")
    list_filter = ("kept", "filter_reason", "pipeline")
    search_fields = ("leaf_path", "question", "answer")
    readonly_fields = [f.name for f in Sample._meta.fields]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
