"""The job record for administrators: read only (the scheduler writes it)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import JobRun, JobState


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(JobState)
class JobStateAdmin(_ReadOnly):
    list_display = (
        "name",
        "last_outcome",
        "last_success_at",
        "last_finished_at",
        "last_duration",
        "running_on",
        "runs",
        "failures",
    )


@admin.register(JobRun)
class JobRunAdmin(_ReadOnly):
    list_display = ("job", "started_at", "outcome", "attempt", "duration", "node", "detail")
    list_filter = ("outcome", "job", "node")
    date_hierarchy = "started_at"
    search_fields = ("job", "detail", "error")
