"""The admin reads supervision records; changes go through the services (pages and API), which
keep the stock, the alerts and the event log consistent."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Alert, ControlZone, GateEvent, StockLot, WarehouseIssue, WarehouseReceipt


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ControlZone)
class ControlZoneAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "kind", "operator", "office", "storage_limit_days", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name", "operator__name", "operator__mst")


@admin.register(GateEvent)
class GateEventAdmin(ReadOnlyAdmin):
    list_display = (
        "occurred_at",
        "zone",
        "direction",
        "container_number",
        "bill_of_lading",
        "outcome",
    )
    list_filter = ("direction", "outcome", "zone")
    search_fields = ("container_number", "bill_of_lading", "message_id")
    date_hierarchy = "occurred_at"


@admin.register(WarehouseReceipt, WarehouseIssue)
class WarehouseDocumentAdmin(ReadOnlyAdmin):
    list_display = ("document_number", "zone", "declaration", "owner", "state")
    list_filter = ("state", "zone")
    search_fields = ("document_number", "declaration__number", "owner__mst")


@admin.register(StockLot)
class StockLotAdmin(ReadOnlyAdmin):
    list_display = (
        "receipt",
        "owner",
        "hs_code",
        "quantity_held",
        "quantity_received",
        "expires_on",
    )
    search_fields = ("hs_code", "owner__mst", "receipt__document_number")


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ("raised_at", "kind", "subject_label", "episode", "office", "state")
    list_filter = ("kind", "state")
    search_fields = ("subject_label",)
