"""The admin reads targets and their history; targets are set through the service (pages and
API), which keeps the history and the event log. The aggregates are derived data, rebuilt by
`haiquan stats_refresh`, so they are not listed here."""

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Target, TargetChange, Watermark

if TYPE_CHECKING:
    _Admin = admin.ModelAdmin[Any]
    _Inline = admin.TabularInline[Any, Any]
else:  # generic for the type checker only
    _Admin = admin.ModelAdmin
    _Inline = admin.TabularInline


class ReadOnlyAdmin(_Admin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TargetChangeInline(_Inline):
    model = TargetChange
    extra = 0
    fields = ("changed_at", "changed_by", "amount_before_vnd", "amount_after_vnd", "reason")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Target)
class TargetAdmin(ReadOnlyAdmin):
    list_display = ("year", "office", "authority", "amount_vnd", "updated_by", "updated_at")
    list_filter = ("year", "authority")
    search_fields = ("office__code", "office__name_vi")
    inlines = [TargetChangeInline]


@admin.register(Watermark)
class WatermarkAdmin(ReadOnlyAdmin):
    list_display = ("name", "last_event_id", "started_at", "finished_at")
