from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest

from .models import AccessRecord

if TYPE_CHECKING:
    _Admin = admin.ModelAdmin[Any]
else:  # generic for the type checker only
    _Admin = admin.ModelAdmin


@admin.register(AccessRecord)
class AccessRecordAdmin(_Admin):
    """Read only: administrators search the trail; nobody edits it."""

    list_display = (
        "occurred_at",
        "user",
        "role",
        "via",
        "part",
        "subject_reference",
        "enterprise",
        "office_code",
        "address",
    )
    list_filter = ("role", "via", "part", "office_code")
    search_fields = ("user__username", "subject_reference", "enterprise__mst", "address")
    date_hierarchy = "occurred_at"
    list_select_related = ("user", "enterprise")
    show_full_result_count = False  # no COUNT(*) over tens of millions of rows

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
