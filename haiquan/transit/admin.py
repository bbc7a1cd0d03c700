"""The admin reads transit records; movements change state only through the services."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import ESeal, Incident, Position, PositionConflict, TransitMovement


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ESeal)
class ESealAdmin(ReadOnlyAdmin):
    list_display = (
        "manufacturer",
        "serial",
        "device_id",
        "owner",
        "state",
        "key_issued_at",
        "battery_pct",
        "last_seen_at",
    )
    list_filter = ("state", "manufacturer")
    search_fields = ("serial", "device_id")


@admin.register(TransitMovement)
class TransitMovementAdmin(ReadOnlyAdmin):
    list_display = (
        "reference",
        "state",
        "office_of_departure",
        "office_of_destination",
        "deadline",
    )
    list_filter = ("state",)
    search_fields = ("reference", "vehicle_plate", "containers__container_number")


@admin.register(Position)
class PositionAdmin(ReadOnlyAdmin):
    list_display = ("recorded_at", "seal", "movement", "latitude", "longitude", "alarm", "channel")
    list_filter = ("channel",)
    raw_id_fields = ("seal", "movement")


@admin.register(PositionConflict)
class PositionConflictAdmin(ReadOnlyAdmin):
    """Evidence: reports that differed from the one stored for their seal and time."""

    list_display = ("recorded_at", "seal", "movement", "received_at", "channel", "counter")
    list_filter = ("channel",)
    raw_id_fields = ("seal", "movement", "stored")


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "movement", "kind", "container_number")
