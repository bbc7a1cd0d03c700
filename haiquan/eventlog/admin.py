from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Event, LogRoot

if TYPE_CHECKING:
    _Admin = admin.ModelAdmin[Event]
    _RootAdmin = admin.ModelAdmin[LogRoot]
else:  # ModelAdmin is generic for the type checker only
    _Admin = _RootAdmin = admin.ModelAdmin


@admin.register(Event)
class EventAdmin(_Admin):
    list_display = (
        "occurred_at",
        "kind",
        "subject_type",
        "subject_id",
        "office_code",
        "party",
        "actor_label",
    )
    list_filter = ("kind", "party", "subject_type")
    search_fields = ("subject_id", "declaration_id", "office_code", "actor_label")
    date_hierarchy = "occurred_at"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(LogRoot)
class LogRootAdmin(_RootAdmin):
    """The daily roots of the record's hash chains (`haiquan log-roots export` prints them)."""

    list_display = ("day", "log", "count", "first_id", "last_id", "root", "cut_at")
    list_filter = ("log",)
    date_hierarchy = "day"

    def has_change_permission(self, request: HttpRequest, obj: LogRoot | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: LogRoot | None = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
