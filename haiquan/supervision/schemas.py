"""API schemas for supervision (`...In` for requests, `...Out` for answers)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from .alerts import alert_message
from .bonded import DocumentLine
from .geometry import geojson_of
from .models import Alert, ControlZone, GateEvent
from .selectors import InsideRow, ReconRow, StockRow
from .services import GateAnswer, GateReport


class ZoneIn(Schema):
    code: str = Field(..., max_length=20, description="The zone's code, e.g. 20CDP01")
    name: str = Field(..., max_length=255)
    kind: str = Field(..., description="port, container_yard, icd, bonded_warehouse, border_gate")
    operator_mst: str = Field(..., max_length=20, description="Tax code of the operator")
    office_code: str = Field(..., max_length=16, description="The supervising customs office")
    geometry: Any = Field(None, description="The area: WKT POLYGON or GeoJSON, lon/lat")
    storage_limit_days: int | None = None


class ZoneOut(Schema):
    code: str
    name: str
    kind: str
    operator_mst: str
    operator_name: str
    office_code: str
    storage_limit_days: int | None
    geometry: dict[str, Any] | None
    active: bool


def zone_out(z: ControlZone) -> dict[str, Any]:
    return {
        "code": z.code,
        "name": z.name,
        "kind": z.kind,
        "operator_mst": z.operator.mst,
        "operator_name": z.operator.name,
        "office_code": z.office.code,
        "storage_limit_days": z.storage_limit_days,
        "geometry": geojson_of(z.geometry_wkt),
        "active": z.active,
    }


class GateEventIn(Schema):
    message_id: str = Field(
        ...,
        max_length=100,
        description="Unique per operator: a retry with the same id is answered, not recorded again",
    )
    direction: str = Field(..., description="in or out")
    container_number: str = Field("", max_length=20, description="ISO 6346, with check digit")
    bill_of_lading: str = Field("", max_length=35, description="For bulk or loose goods")
    occurred_at: datetime | None = Field(
        None, description="When it passed the gate (now if absent)"
    )
    quantity: Decimal | None = Field(None, description="Bulk goods: the quantity that passed")
    unit: str = Field("", max_length=8)
    vehicle_plate: str = Field("", max_length=20)

    def to_report(self) -> GateReport:
        return GateReport(
            message_id=self.message_id,
            direction=self.direction.strip().lower(),
            container_number=self.container_number,
            bill_of_lading=self.bill_of_lading,
            occurred_at=self.occurred_at,
            quantity=self.quantity,
            unit=self.unit,
            vehicle_plate=self.vehicle_plate,
        )


class GateBatchIn(Schema):
    events: list[GateEventIn] = Field(..., max_length=500)


class GateEventOut(Schema):
    id: int
    message_id: str
    zone: str
    direction: str
    container_number: str
    bill_of_lading: str
    quantity: Decimal | None
    unit: str
    vehicle_plate: str
    occurred_at: datetime
    outcome: str
    allowed: bool | None = Field(description="For a get-out: may it leave? null for a get-in")
    reason: str
    refusal_code: str
    declaration_number: str | None
    transit_reference: str
    without_gate_in: bool
    replayed: bool = False


def gate_event_out(event: GateEvent, replayed: bool = False) -> dict[str, Any]:
    answer = GateAnswer(event=event, replayed=replayed)
    return {
        "id": event.pk,
        "message_id": event.message_id,
        "zone": event.zone.code,
        "direction": event.direction,
        "container_number": event.container_number,
        "bill_of_lading": event.bill_of_lading,
        "quantity": event.quantity,
        "unit": event.unit,
        "vehicle_plate": event.vehicle_plate,
        "occurred_at": event.occurred_at,
        "outcome": event.outcome,
        "allowed": answer.allowed,
        "reason": answer.reason,
        "refusal_code": event.refusal_code,
        "declaration_number": event.declaration.number if event.declaration else None,
        "transit_reference": event.transit_reference,
        "without_gate_in": event.without_gate_in,
        "replayed": replayed,
    }


class ProblemItem(Schema):
    field: str
    problem: str
    code: str


class GateBatchItemOut(Schema):
    index: int
    status: int = Field(description="201 recorded, 200 replayed, or the problem's status")
    event: GateEventOut | None = None
    detail: str | None = None
    errors: list[ProblemItem] | None = None


class GateBatchOut(Schema):
    results: list[GateBatchItemOut]


class InsideOut(Schema):
    cargo_kind: str
    container_number: str
    bill_of_lading: str
    entered_at: datetime
    days_inside: Decimal
    limit_days: int | None
    days_left: Decimal | None
    overdue: bool
    quantity_in: Decimal | None
    quantity_out: Decimal
    unit: str
    declaration_number: str | None


def inside_out(row: InsideRow) -> dict[str, Any]:
    p = row.presence
    decl = p.gate_in.declaration if p.gate_in_id else None
    return {
        "cargo_kind": p.cargo_kind,
        "container_number": p.container_number,
        "bill_of_lading": p.bill_of_lading,
        "entered_at": p.entered_at,
        "days_inside": row.days_inside,
        "limit_days": row.limit_days,
        "days_left": row.days_left,
        "overdue": row.overdue,
        "quantity_in": p.quantity_in,
        "quantity_out": p.quantity_out,
        "unit": p.unit,
        "declaration_number": decl.number if decl else None,
    }


class DeclaredNotGatedOut(Schema):
    container_number: str
    declaration_number: str | None
    registered_at: datetime | None


class DiscrepanciesOut(Schema):
    declared_not_gated_in: list[DeclaredNotGatedOut]
    inside_undeclared: list[str]
    out_without_gate_in: list[GateEventOut]
    refused_exits: list[GateEventOut]
    overdue: list[InsideOut]
    total: int


class AlertOut(Schema):
    id: int
    kind: str
    kind_label: str
    state: str
    message: str
    subject_type: str
    subject_id: int
    subject_label: str
    episode: int
    office_code: str
    zone: str | None
    occurred_at: datetime
    raised_at: datetime
    latitude: float | None
    longitude: float | None
    data: dict[str, Any]
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    acknowledge_note: str
    resolved_at: datetime | None
    resolved_by: str | None
    resolution_note: str


def alert_out(a: Alert) -> dict[str, Any]:
    return {
        "id": a.pk,
        "kind": a.kind,
        "kind_label": str(a.get_kind_display()),
        "state": a.state,
        "message": alert_message(a),
        "subject_type": a.subject_type,
        "subject_id": a.subject_id,
        "subject_label": a.subject_label,
        "episode": a.episode,
        "office_code": a.office.code,
        "zone": a.zone.code if a.zone_id and a.zone else None,
        "occurred_at": a.occurred_at,
        "raised_at": a.raised_at,
        "latitude": a.latitude,
        "longitude": a.longitude,
        "data": a.data,
        "acknowledged_at": a.acknowledged_at,
        "acknowledged_by": a.acknowledged_by.get_username() if a.acknowledged_by else None,
        "acknowledge_note": a.acknowledge_note,
        "resolved_at": a.resolved_at,
        "resolved_by": a.resolved_by.get_username() if a.resolved_by else None,
        "resolution_note": a.resolution_note,
    }


class AlertNoteIn(Schema):
    note: str = Field("", max_length=2000)


class CancelReasonIn(Schema):
    reason: str = Field(..., max_length=2000)


class DocumentLineIn(Schema):
    line_no: int = Field(..., ge=1, description="The line of the declaration")
    quantity: Decimal | None = Field(None, description="Absent: all that is still due")


class WarehouseDocumentIn(Schema):
    declaration_number: str = Field(..., max_length=12)
    document_number: str = Field(
        ..., max_length=35, description="The warehouse's receipt/issue number"
    )
    occurred_at: datetime | None = None
    lines: list[DocumentLineIn] | None = Field(None, description="Absent: every line, in full")

    def document_lines(self) -> list[DocumentLine] | None:
        if self.lines is None:
            return None
        return [DocumentLine(line_no=ln.line_no, quantity=ln.quantity) for ln in self.lines]


class LotOut(Schema):
    id: int
    receipt: str
    owner_mst: str
    hs_code: str
    description: str
    unit: str
    quantity_received: Decimal
    quantity_held: Decimal
    value_held_vnd: Decimal
    received_at: datetime
    expires_on: date


class WarehouseDocumentOut(Schema):
    id: int
    document_number: str
    declaration_number: str
    declaration_type: str
    owner_mst: str
    occurred_at: datetime
    state: str
    lines: list[dict[str, Any]]


class StockOut(Schema):
    owner_mst: str
    owner_name: str
    hs_code: str
    description: str
    unit: str
    quantity: Decimal
    value_vnd: Decimal
    lots: int
    first_expiry: date | None


def stock_out(r: StockRow) -> dict[str, Any]:
    return r.__dict__


class ReconOut(Schema):
    owner_mst: str
    hs_code: str
    unit: str
    declared_in: Decimal
    received: Decimal
    declared_out: Decimal
    issued: Decimal
    held: Decimal
    ledger: Decimal
    not_yet_received: Decimal
    not_yet_issued: Decimal
    consistent: bool


def recon_out(r: ReconRow) -> dict[str, Any]:
    return {
        **r.__dict__,
        "not_yet_received": r.not_yet_received,
        "not_yet_issued": r.not_yet_issued,
        "consistent": r.consistent,
    }


class LedgerOut(Schema):
    id: int
    occurred_at: datetime
    kind: str
    owner_mst: str
    hs_code: str
    unit: str
    quantity: Decimal
    value_vnd: Decimal
    document: str
    actor: str
