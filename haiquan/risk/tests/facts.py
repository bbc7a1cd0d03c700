"""Building lane-decision facts directly, without the clearance app."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from haiquan.refdata.tests.factories import valid_mst
from haiquan.risk.engine import DeclarationFacts, LineFacts

MST = valid_mst(4242)
OTHER_MST = valid_mst(4243)


def line(
    no: int = 1,
    *,
    hs: str = "85171300",
    origin: str = "KR",
    quantity: str | int = 100,
    unit: str = "PCE",
    value: str | int = 250_000_000,
    preference: str = "",
) -> LineFacts:
    qty = Decimal(quantity)
    val = Decimal(value)
    return LineFacts(
        line_no=no,
        hs_code=hs,
        origin=origin,
        quantity=qty,
        unit=unit,
        customs_value_vnd=val,
        unit_price_vnd=val / qty,
        preference=preference,
    )


def facts(
    *lines: LineFacts,
    number: str = "104000000017",
    registered_at: datetime | None = None,
    office_code: str = "20CF",
    office_path: str | None = None,
    **overrides: Any,
) -> DeclarationFacts:
    """An import by a high-compliance enterprise at Hon Gai port; override what a test needs."""
    lines = lines or (line(),)
    paths = {"20CF": "/00/20/20CF/", "20BD": "/00/20/20BD/", "43IH": "/00/43/43IH/"}
    base = DeclarationFacts(
        number=number,
        flow="import",
        type_code="A11",
        office_code=office_code,
        office_path=office_path or paths.get(office_code, f"/00/{office_code}/"),
        enterprise_mst=MST,
        compliance_rank="high",
        transport_mode="sea",
        partner_country="KR",
        total_customs_value_vnd=sum((ln.customs_value_vnd for ln in lines), Decimal(0)),
        registered_at=registered_at or timezone.now(),
        lines=tuple(lines),
    )
    return replace(base, **overrides)
