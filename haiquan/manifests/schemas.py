"""The manifests API's schemas: WCO Data Model names in snake case."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ninja import Field, Schema

from .inputs import (
    AmendmentInput,
    CargoReportInput,
    ConsignmentInput,
    GoodsItemInput,
    TransportEquipmentInput,
)
from .models import AbandonedNotice, Amendment, Bill, Hold, Voyage
from .selectors import BillStatus


class TransportEquipmentIn(Schema):
    identification: str = Field(..., max_length=15, description="ISO 6346 container number")
    seals: list[str] = Field(default_factory=list, max_length=10)

    def to_input(self) -> TransportEquipmentInput:
        return TransportEquipmentInput(
            identification=self.identification.strip().upper(),
            seals=tuple(s.strip() for s in self.seals),
        )


class GoodsItemIn(Schema):
    description: str = Field(..., max_length=512)
    package_quantity: int = Field(..., ge=0, le=10_000_000)
    gross_mass_measure: Decimal = Field(..., max_digits=14, decimal_places=3, description="kg")
    commodity_classification: str = Field("", max_length=10, description="HS code")
    package_type_code: str = Field("", max_length=2, description="UN/ECE Rec. 21")

    def to_input(self) -> GoodsItemInput:
        return GoodsItemInput(
            description=self.description,
            package_quantity=self.package_quantity,
            gross_mass_measure=self.gross_mass_measure,
            commodity_classification=self.commodity_classification.strip().replace(".", ""),
            package_type_code=self.package_type_code,
        )


class ConsignmentIn(Schema):
    transport_contract_document_id: str = Field(..., max_length=35, description="Bill number")
    transport_contract_document_type: str = Field("simple", description="simple, master, house")
    master_transport_contract_document_id: str = Field("", max_length=35)
    consignor_name: str = Field(..., max_length=140)
    consignor_address: str = Field("", max_length=255)
    consignee_name: str = Field(..., max_length=140)
    consignee_id: str = Field("", max_length=20, description="Consignee's tax code (MST)")
    notify_party_name: str = Field("", max_length=140)
    total_package_quantity: int = Field(..., ge=0, le=10_000_000)
    total_gross_mass_measure: Decimal = Field(..., max_digits=14, decimal_places=3)
    goods_items: list[GoodsItemIn] = Field(..., max_length=999)
    transport_equipment: list[TransportEquipmentIn] = Field(default_factory=list, max_length=500)

    def to_input(self) -> ConsignmentInput:
        return ConsignmentInput(
            transport_contract_document_id=self.transport_contract_document_id,
            transport_contract_document_type=self.transport_contract_document_type,
            master_transport_contract_document_id=self.master_transport_contract_document_id,
            consignor_name=self.consignor_name,
            consignor_address=self.consignor_address,
            consignee_name=self.consignee_name,
            consignee_id=self.consignee_id,
            notify_party_name=self.notify_party_name,
            total_package_quantity=self.total_package_quantity,
            total_gross_mass_measure=self.total_gross_mass_measure,
            goods_items=tuple(g.to_input() for g in self.goods_items),
            transport_equipment=tuple(e.to_input() for e in self.transport_equipment),
        )


class CargoReportIn(Schema):
    transport_mode_code: str = Field(..., description="sea, air, road or rail")
    transport_means_id: str = Field(..., max_length=35, description="IMO number or flight")
    transport_means_name: str = Field("", max_length=70)
    conveyance_reference_number: str = Field(..., max_length=35, description="Voyage or flight")
    loading_location_id: str = Field(..., max_length=5, description="UN/LOCODE")
    office_of_arrival: str = Field(..., max_length=16, description="Customs office code")
    estimated_arrival: datetime
    reference: str = Field("", max_length=35)
    direction: str = Field(
        "arrival",
        description="arrival (import manifest) or departure (export manifest, filed before "
        "loading: office_of_arrival is then the office of loading, estimated_arrival the "
        "estimated departure)",
    )
    consignments: list[ConsignmentIn] = Field(..., max_length=20_000)

    def to_input(self) -> CargoReportInput:
        return CargoReportInput(
            transport_mode_code=self.transport_mode_code.strip().lower(),
            transport_means_id=self.transport_means_id,
            transport_means_name=self.transport_means_name,
            conveyance_reference_number=self.conveyance_reference_number,
            loading_location_id=self.loading_location_id,
            office_of_arrival=self.office_of_arrival,
            estimated_arrival=self.estimated_arrival,
            reference=self.reference,
            direction=self.direction.strip().lower(),
            consignments=tuple(c.to_input() for c in self.consignments),
        )


class AmendmentIn(Schema):
    reason: str = Field(..., max_length=2000)
    consignments: list[ConsignmentIn] = Field(default_factory=list, max_length=20_000)
    withdrawn: list[str] = Field(default_factory=list, max_length=20_000)

    def to_input(self) -> AmendmentInput:
        return AmendmentInput(
            reason=self.reason,
            consignments=tuple(c.to_input() for c in self.consignments),
            withdrawn=tuple(self.withdrawn),
        )


class ArrivalIn(Schema):
    arrived_at: datetime


class AmendmentOut(Schema):
    number: int
    reason: str
    after_arrival: bool
    made_at: datetime
    changes: dict[str, object]


class VoyageOut(Schema):
    id: int
    reference: str
    carrier_id: str = Field(..., description="The carrier's or agent's tax code")
    transport_mode_code: str
    direction: str = Field(..., description="arrival or departure")
    transport_means_id: str
    transport_means_name: str
    conveyance_reference_number: str
    loading_location_id: str
    office_of_arrival: str
    estimated_arrival: datetime
    actual_arrival: datetime | None
    bills: int
    amendments: list[AmendmentOut]


class HoldIn(Schema):
    kind: str = Field(
        ...,
        description="inspect_at_arrival (a bill of an arrival) or do_not_load (a bill of a "
        "departure, before it is loaded)",
    )
    reason: str = Field(..., max_length=2000)


class HoldReleaseIn(Schema):
    outcome: str = Field(..., description="nothing_found or irregularity_found")
    outcome_note: str = Field("", max_length=2000)


class HoldOut(Schema):
    id: int
    bill: str
    kind: str
    reason: str
    placed_at: datetime
    released_at: datetime | None
    outcome: str


def hold_out(h: Hold) -> dict[str, object]:
    return {
        "id": h.pk,
        "bill": h.bill.number,
        "kind": h.kind,
        "reason": h.reason,
        "placed_at": h.placed_at,
        "released_at": h.released_at,
        "outcome": h.outcome,
    }


class BillOut(Schema):
    transport_contract_document_id: str
    transport_contract_document_type: str
    master_transport_contract_document_id: str
    consignee_name: str
    consignee_id: str
    total_package_quantity: int
    total_gross_mass_measure: Decimal
    containers: int
    declared_package_quantity: int
    status: str
    risk_flags: list[str] = Field(..., description="Why pre-arrival targeting flagged the bill")
    hold: HoldOut | None = None


class CuscarAcceptedOut(Schema):
    accepted: bool
    voyage: VoyageOut


def amendment_out(a: Amendment) -> dict[str, object]:
    return {
        "number": a.number,
        "reason": a.reason,
        "after_arrival": a.after_arrival,
        "made_at": a.made_at,
        "changes": a.changes,
    }


def voyage_out(v: Voyage) -> dict[str, object]:
    return {
        "id": v.pk,
        "reference": v.reference,
        "carrier_id": v.carrier.mst,
        "transport_mode_code": v.mode,
        "direction": v.direction,
        "transport_means_id": v.transport_means_id,
        "transport_means_name": v.transport_means_name,
        "conveyance_reference_number": v.conveyance_reference,
        "loading_location_id": v.loading_location,
        "office_of_arrival": v.office.code,
        "estimated_arrival": v.estimated_arrival,
        "actual_arrival": v.actual_arrival,
        "bills": v.bills.count(),
        "amendments": [amendment_out(a) for a in v.amendments.all()],
    }


def bill_out(s: BillStatus) -> dict[str, object]:
    b = s.bill
    return {
        "transport_contract_document_id": b.number,
        "transport_contract_document_type": b.kind,
        "master_transport_contract_document_id": b.master_number,
        "consignee_name": b.consignee_name,
        "consignee_id": b.consignee_mst,
        "total_package_quantity": b.packages,
        "total_gross_mass_measure": b.gross_mass_kg,
        "containers": s.containers,
        "declared_package_quantity": s.declared_packages,
        "status": s.status,
        "risk_flags": s.flags,
        "hold": hold_out(s.hold) if s.hold else None,
    }


class AbandonedHandlingIn(Schema):
    handling: str = Field(..., description="declared_late, re_exported, sold or destroyed")
    note: str = Field("", max_length=2000)


class AbandonedOut(Schema):
    voyage_id: int
    transport_contract_document_id: str
    consignee_name: str
    consignee_id: str
    office_of_arrival: str
    actual_arrival: datetime | None
    noticed_at: datetime | None
    handling: str


def abandoned_out(b: Bill) -> dict[str, object]:
    notice: AbandonedNotice | None = getattr(b, "abandoned_notice", None)
    return {
        "voyage_id": b.voyage_id,
        "transport_contract_document_id": b.number,
        "consignee_name": b.consignee_name,
        "consignee_id": b.consignee_mst,
        "office_of_arrival": b.voyage.office.code,
        "actual_arrival": b.voyage.actual_arrival,
        "noticed_at": notice.noticed_at if notice else None,
        "handling": notice.handling if notice else "",
    }
