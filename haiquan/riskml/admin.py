from typing import TYPE_CHECKING, Any

from django.contrib import admin

from .models import InspectionTarget, RiskModel

if TYPE_CHECKING:
    _Admin = admin.ModelAdmin[Any]
else:  # ModelAdmin is generic for the type checker only
    _Admin = admin.ModelAdmin


@admin.register(RiskModel)
class RiskModelAdmin(_Admin):
    """Read-only: versions are trained, activated and deactivated through the services."""

    list_display = ("version", "status", "rank_by", "created_at", "training_rows")
    exclude = ("classifier", "regressor")
    readonly_fields = [
        f.name for f in RiskModel._meta.fields if f.name not in ("classifier", "regressor")
    ]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(InspectionTarget)
class InspectionTargetAdmin(_Admin):
    list_display = ("office", "rate", "updated_at", "updated_by")

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False
