"""A cargo report as plain typed data, named after the WCO Data Model. The JSON API and the
CUSCAR reader both produce these; `validation.cargo_report_validate` checks them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class TransportEquipmentInput:
    identification: str  # ISO 6346 container number
    seals: tuple[str, ...] = ()


@dataclass(frozen=True)
class GoodsItemInput:
    description: str
    package_quantity: int
    gross_mass_measure: Decimal  # kg
    commodity_classification: str = ""  # HS code, when the carrier knows it
    package_type_code: str = ""  # UN/ECE Rec. 21, e.g. CT (carton), PK (package)


@dataclass(frozen=True)
class ConsignmentInput:
    """One transport document (bill of lading, air waybill) and what it covers."""

    transport_contract_document_id: str
    consignor_name: str
    consignee_name: str
    total_package_quantity: int
    total_gross_mass_measure: Decimal
    goods_items: tuple[GoodsItemInput, ...]
    transport_contract_document_type: str = "simple"  # simple, master, house
    master_transport_contract_document_id: str = ""
    consignor_address: str = ""
    consignee_id: str = ""  # the consignee's tax code (MST), when it is a Vietnamese enterprise
    notify_party_name: str = ""
    transport_equipment: tuple[TransportEquipmentInput, ...] = ()


@dataclass(frozen=True)
class CargoReportInput:
    transport_mode_code: str  # sea, air, road, rail
    transport_means_id: str  # IMO number, flight's carrier code + number, plate
    conveyance_reference_number: str  # the voyage or flight
    loading_location_id: str  # UN/LOCODE
    office_of_arrival: str  # customs office code
    estimated_arrival: datetime | None
    consignments: tuple[ConsignmentInput, ...]
    transport_means_name: str = ""
    reference: str = ""  # the carrier's own reference of the manifest (BGM)
    # arrival (import manifest) or departure (export manifest, filed before loading: then
    # office_of_arrival is the office of loading and estimated_arrival the estimated departure)
    direction: str = "arrival"


@dataclass(frozen=True)
class AmendmentInput:
    """Bills added or replaced whole (by number) and bills withdrawn, with the reason."""

    reason: str
    consignments: tuple[ConsignmentInput, ...] = ()
    withdrawn: tuple[str, ...] = ()
