"""API schemas for transit (`...In` for requests, `...Out` for answers)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from haiquan.accounts.models import User
from haiquan.supervision.geometry import geojson_of

from .models import ESeal, MovementContainer, TransitMovement
from .services import MovementInput, SealAttachment, SealCheck


class ESealIn(Schema):
    manufacturer: str = Field(..., max_length=64)
    serial: str = Field(..., max_length=64)
    device_id: str = Field(
        "", max_length=64, description="What its tracker reports as id (random when empty)"
    )
    owner_mst: str = Field(
        "", max_length=20, description="Tax code of the e-seal platform that owns it"
    )


class ESealOut(Schema):
    manufacturer: str
    serial: str
    device_id: str
    owner_mst: str | None
    state: str
    battery_pct: float | None
    last_seen_at: datetime | None
    key_issued_at: datetime | None


class ESealKeyOut(ESealOut):
    key: str = Field(..., description="The seal's signing key (64 hex characters), shown this once")


def eseal_out(s: ESeal) -> dict[str, Any]:
    return {
        "manufacturer": s.manufacturer,
        "serial": s.serial,
        "device_id": s.device_id,
        "owner_mst": s.owner.mst if s.owner_id and s.owner else None,
        "state": s.state,
        "battery_pct": s.battery_pct,
        "last_seen_at": s.last_seen_at,
        "key_issued_at": s.key_issued_at,
    }


class MovementIn(Schema):
    declaration_number: str = Field("", max_length=12)
    departure_zone: str = Field("", max_length=20, description="Code of the place of departure")
    destination_zone: str = Field("", max_length=20, description="Code of the place of destination")
    office_of_departure: str = Field("", max_length=16, description="Needed if no zone is given")
    office_of_destination: str = Field("", max_length=16, description="Needed if no zone is given")
    containers: list[str] = Field(..., max_length=50)
    route: Any = Field(..., description="WKT LINESTRING or GeoJSON LineString, lon/lat")
    corridor_m: int = Field(500, description="Metres either side of the route")
    permitted_stops: Any = Field(None, description="Where stopping is allowed: WKT/GeoJSON")
    time_limit_minutes: int
    max_stop_minutes: int | None = None
    vehicle_plate: str = Field("", max_length=20)
    driver_name: str = Field("", max_length=100)
    carrier_mst: str = Field("", max_length=20)

    def to_input(self) -> MovementInput:
        return MovementInput(
            containers=tuple(self.containers),
            route=self.route,
            time_limit_minutes=self.time_limit_minutes,
            office_of_departure=self.office_of_departure,
            office_of_destination=self.office_of_destination,
            departure_zone=self.departure_zone,
            destination_zone=self.destination_zone,
            declaration_number=self.declaration_number,
            corridor_m=self.corridor_m,
            permitted_stops=self.permitted_stops,
            max_stop_minutes=self.max_stop_minutes,
            vehicle_plate=self.vehicle_plate,
            driver_name=self.driver_name,
            carrier_mst=self.carrier_mst,
        )


class SealAttachmentIn(Schema):
    container_number: str
    device_id: str


class SealIn(Schema):
    seals: list[SealAttachmentIn]

    def attachments(self) -> list[SealAttachment]:
        return [SealAttachment(s.container_number, s.device_id) for s in self.seals]


class SealCheckIn(Schema):
    container_number: str
    intact: bool
    note: str = ""


class VerifyIn(Schema):
    checks: list[SealCheckIn]

    def to_checks(self) -> list[SealCheck]:
        return [SealCheck(c.container_number, c.intact, c.note) for c in self.checks]


class MovementAtIn(Schema):
    at: datetime | None = None


class MovementNoteIn(Schema):
    note: str = ""


class MovementReasonIn(Schema):
    reason: str


class IncidentIn(Schema):
    kind: str
    description: str
    container_number: str = ""
    occurred_at: datetime | None = None
    latitude: float | None = None
    longitude: float | None = None
    replacement_device_id: str = ""


class MovementContainerOut(Schema):
    container_number: str
    seal: str | None
    sealed_at: datetime | None
    opened_at: datetime | None
    seal_intact: bool | None
    last_fix_at: datetime | None
    last_lat: float | None
    last_lon: float | None
    last_battery: float | None


class MovementOut(Schema):
    reference: str
    state: str
    declaration_number: str | None
    office_of_departure: str
    office_of_destination: str
    departure_zone: str | None
    destination_zone: str | None
    vehicle_plate: str
    driver_name: str
    route: dict[str, Any] | None
    corridor_m: int
    time_limit_minutes: int
    deadline: datetime | None
    declared_at: datetime
    sealed_at: datetime | None
    departed_at: datetime | None
    departure_reported_at: datetime | None
    arrived_at: datetime | None
    arrival_reported_at: datetime | None
    verified_at: datetime | None
    closed_at: datetime | None
    has_incident: bool
    containers: list[MovementContainerOut]


def movement_out(m: TransitMovement, viewer: User | None = None) -> dict[str, Any]:
    """The movement; where its seals are is shown to customs and to each seal's platform
    only (`viewer` None: everything, for code that checked already)."""

    def seal_readable(c: MovementContainer) -> bool:
        return (
            viewer is None
            or viewer.is_customs
            or (
                c.seal is not None
                and c.seal.owner_id is not None
                and c.seal.owner_id == viewer.enterprise_id
            )
        )

    containers = list(m.containers.select_related("seal").order_by("container_number"))
    return {
        "reference": m.reference,
        "state": m.state,
        "declaration_number": m.declaration.number if m.declaration_id and m.declaration else None,
        "office_of_departure": m.office_of_departure.code,
        "office_of_destination": m.office_of_destination.code,
        "departure_zone": m.departure_zone.code if m.departure_zone else None,
        "destination_zone": m.destination_zone.code if m.destination_zone else None,
        "vehicle_plate": m.vehicle_plate,
        "driver_name": m.driver_name,
        "route": geojson_of(m.route_wkt),
        "corridor_m": m.corridor_m,
        "time_limit_minutes": m.time_limit_minutes,
        "deadline": m.deadline,
        "declared_at": m.declared_at,
        "sealed_at": m.sealed_at,
        "departed_at": m.departed_at,
        "departure_reported_at": m.departure_reported_at,
        "arrived_at": m.arrived_at,
        "arrival_reported_at": m.arrival_reported_at,
        "verified_at": m.verified_at,
        "closed_at": m.closed_at,
        "has_incident": m.has_incident,
        "containers": [
            {
                "container_number": c.container_number,
                "seal": c.seal.device_id if c.seal else None,
                "sealed_at": c.sealed_at,
                "opened_at": c.opened_at,
                "seal_intact": c.seal_intact,
                **(
                    {
                        "last_fix_at": c.last_fix_at,
                        "last_lat": c.last_lat,
                        "last_lon": c.last_lon,
                        "last_battery": c.last_battery,
                    }
                    if seal_readable(c)
                    else {
                        "last_fix_at": None,
                        "last_lat": None,
                        "last_lon": None,
                        "last_battery": None,
                    }
                ),
            }
            for c in containers
        ],
    }


class PositionBatchIn(Schema):
    positions: list[dict[str, Any]] = Field(
        ...,
        max_length=5000,
        description="Objects with the OsmAnd keys (id, timestamp, lat, lon, ...)",
    )


class IngestOut(Schema):
    received: int
    stored: int
    duplicates: int
    conflicts: int = Field(..., description="Reports differing from the one stored: evidence")
    refused: list[int] = Field(..., description="Indexes of positions not authenticated")
    replayed: list[int] = Field(..., description="Indexes of positions whose counter was used")
    invalid: list[dict[str, Any]]
    alerts: int


class TrackPointOut(Schema):
    seal: str
    at: datetime
    lat: float
    lon: float
    speed_kn: float | None
    battery_pct: float | None
    alarm: str
