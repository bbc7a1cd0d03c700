from django.contrib import admin
from django.http import HttpRequest

from .models import RefreshState


@admin.register(RefreshState)
class RefreshStateAdmin(admin.ModelAdmin):
    list_display = ("last_event_id", "consignments", "refreshed_at", "generation")
    readonly_fields = ("last_event_id", "consignments", "refreshed_at", "generation")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
