"""Read-only admin pages: changes go through the services (events, versions, cache)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import OfficeRiskSetting, RiskProfile, RiskProfileVersion


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class VersionInline(admin.TabularInline):
    model = RiskProfileVersion
    extra = 0
    can_delete = False
    fields = (
        "number",
        "lane",
        "reason",
        "valid_from",
        "valid_to",
        "created_by",
        "created_at",
        "change_note",
    )
    readonly_fields = fields
    ordering = ("-number",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RiskProfile)
class RiskProfileAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "active", "created_by", "created_at")
    list_filter = ("active",)
    search_fields = ("code", "name", "description")
    inlines = [VersionInline]


@admin.register(RiskProfileVersion)
class RiskProfileVersionAdmin(ReadOnlyAdmin):
    list_display = (
        "profile",
        "number",
        "lane",
        "valid_from",
        "valid_to",
        "created_by",
        "created_at",
    )
    list_filter = ("lane",)
    search_fields = ("profile__code", "reason", "change_note")
    list_select_related = ("profile", "created_by")


@admin.register(OfficeRiskSetting)
class OfficeRiskSettingAdmin(ReadOnlyAdmin):
    list_display = ("office", "random_rate", "target_inspection_rate", "updated_by", "updated_at")
    search_fields = ("office__code", "office__name_vi", "office__name_en")
    list_select_related = ("office", "updated_by")
