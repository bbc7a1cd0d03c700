"""What a declarant submits, as plain typed data. The API schemas and the page forms both
produce these; the services validate them against the rules and the reference data."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class LineInput:
    hs_code: str
    description: str
    origin: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    value: Decimal
    preference: str = ""
    co_number: str = ""
    co_date: date | None = None
    ruling_number: str = ""  # an advance ruling (classification or origin) the line relies on
    # An AHTN 2017 code the declarant wrote, converted to `hs_code` (`hs_codes.py`).
    hs_code_as_written: str = ""


@dataclass(frozen=True)
class DeclarationInput:
    type_code: str
    office_code: str
    enterprise_mst: str
    transport_mode: str
    incoterm: str
    currency: str
    invoice_value: Decimal
    lines: tuple[LineInput, ...]
    freight: Decimal = Decimal(0)
    insurance: Decimal = Decimal(0)
    bill_of_lading: str = ""
    arrival_date: date | None = None
    invoice_number: str = ""
    invoice_date: date | None = None
    partner_name: str = ""
    partner_country: str = ""
    containers: tuple[str, ...] = field(default_factory=tuple)
    # Total number of packages (WCO DM TotalPackageQuantity; VNACCS "số lượng kiện"): what the
    # declaration draws from its bill(s) of lading.
    packages: int | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class LineCorrection:
    """What an officer found different on one line; fields left None are as declared."""

    line_no: int
    hs_code: str | None = None
    origin: str | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    preference: str | None = None
    description: str | None = None
