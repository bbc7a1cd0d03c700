"""What agency systems and partner countries' endpoints send, as plain typed data. The API
schemas and the page forms both produce these; the services check them."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any


def digest(data: Any) -> str:
    """A stable SHA-256 of a message's content, to tell a replay from a different message."""
    text = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class GoodsInput:
    hs_code: str
    quantity: Decimal
    unit: str
    description: str = ""


@dataclass(frozen=True)
class DocumentMessage:
    """A permit or inspection result message: the original, an amendment (the full new
    content) or a revocation (reference and reason only)."""

    message_id: str
    reference: str
    function: str = "original"
    kind: str = ""
    holder_mst: str = ""
    declaration_number: str = ""
    issued_on: date | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    result: str = ""
    notes: str = ""
    reason: str = ""
    goods: tuple[GoodsInput, ...] = field(default_factory=tuple)

    def content_digest(self) -> str:
        data = asdict(self)
        data.pop("message_id")
        return digest(data)


@dataclass(frozen=True)
class CertificateItemInput:
    item_no: int
    hs_code: str
    description: str
    origin_criterion: str
    quantity: Decimal
    unit: str
    fob_value: Decimal
    fob_currency: str = "USD"


@dataclass(frozen=True)
class CertificateInput:
    """An e-C/O as received through the ASEAN Single Window (WCO Data Model names in the API)."""

    reference_number: str
    form: str
    issuing_country: str
    issue_date: date
    exporter_name: str
    importer_mst: str
    items: tuple[CertificateItemInput, ...]
    agreement: str = ""
    exporter_id: str = ""
    importer_name: str = ""
    importation_country: str = "VN"
    expiry_date: date | None = None

    def content_digest(self) -> str:
        return digest(asdict(self))


def quantity_text(q: Decimal) -> str:
    """10000.000 → '10000', 12.500 → '12.5' (never '1E+4')."""
    text = format(q.normalize(), "f")
    return text
