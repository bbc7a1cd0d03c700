from typing import TYPE_CHECKING

from django.contrib import admin
from django.http import HttpRequest

from .models import CheckResult, Declaration, DeclarationLine, DeclarationVersion

if TYPE_CHECKING:
    _LineInline = admin.TabularInline[DeclarationLine, Declaration]
    _DeclarationAdmin = admin.ModelAdmin[Declaration]
    _CheckResultAdmin = admin.ModelAdmin[CheckResult]
    _VersionAdmin = admin.ModelAdmin[DeclarationVersion]
else:  # generic for the type checker only
    _LineInline = admin.TabularInline
    _DeclarationAdmin = _CheckResultAdmin = _VersionAdmin = admin.ModelAdmin


class LineInline(_LineInline):
    model = DeclarationLine
    extra = 0
    fields = (
        "line_no",
        "hs_code",
        "description",
        "origin",
        "quantity",
        "unit",
        "value",
        "total_vnd",
    )
    readonly_fields = fields
    can_delete = False


@admin.register(Declaration)
class DeclarationAdmin(_DeclarationAdmin):
    """Read-only: declarations change only through the workflow services (with their events)."""

    list_display = (
        "number",
        "type",
        "status",
        "lane",
        "enterprise",
        "office",
        "total_duties_vnd",
        "registered_at",
    )
    list_filter = ("status", "lane", "flow", "office")
    search_fields = ("number", "enterprise__mst", "enterprise__name", "bill_of_lading")
    date_hierarchy = "registered_at"
    inlines = [LineInline]
    list_select_related = ("type", "enterprise", "office")

    def has_change_permission(self, request: HttpRequest, obj: Declaration | None = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Declaration | None = None) -> bool:
        return False


@admin.register(CheckResult)
class CheckResultAdmin(_CheckResultAdmin):
    list_display = ("declaration", "kind", "outcome", "officer", "recorded_at", "difference_vnd")
    list_filter = ("kind", "outcome")

    def has_change_permission(self, request: HttpRequest, obj: CheckResult | None = None) -> bool:
        return False


@admin.register(DeclarationVersion)
class DeclarationVersionAdmin(_VersionAdmin):
    list_display = ("declaration", "number", "created_by", "created_at", "difference_vnd")

    def has_change_permission(
        self, request: HttpRequest, obj: DeclarationVersion | None = None
    ) -> bool:
        return False
