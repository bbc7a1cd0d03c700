from django.contrib import admin

from .models import CheckResult, Declaration, DeclarationLine, DeclarationVersion


class LineInline(admin.TabularInline):
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
class DeclarationAdmin(admin.ModelAdmin):
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

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CheckResult)
class CheckResultAdmin(admin.ModelAdmin):
    list_display = ("declaration", "kind", "outcome", "officer", "recorded_at", "difference_vnd")
    list_filter = ("kind", "outcome")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DeclarationVersion)
class DeclarationVersionAdmin(admin.ModelAdmin):
    list_display = ("declaration", "number", "created_by", "created_at", "difference_vnd")

    def has_change_permission(self, request, obj=None):
        return False
