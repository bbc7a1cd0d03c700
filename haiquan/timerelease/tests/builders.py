"""Hand-built consignments: a declaration row (what reports break down by) and its event log,
each event at a stated time, as the live workflow would have appended them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone
from decimal import Decimal
from itertools import count
from typing import Any

from django.db import transaction

from haiquan.accounts.models import User
from haiquan.clearance.models import Declaration, DeclarationLine
from haiquan.eventlog.services import event_build, events_append
from haiquan.refdata.models import Country, Currency, DeclarationType, Enterprise, Office

UTC = UTC
_numbers = count(1)


def at(text: str) -> datetime:
    """'2026-05-04 09:00' in Vietnam time, as an aware datetime."""
    local = datetime.fromisoformat(text).replace(tzinfo=dt_timezone(timedelta(hours=7)))
    return local.astimezone(UTC)


@dataclass
class Consignment:
    declaration: Declaration
    start: datetime

    def events(self, *steps: tuple[int, str, str]) -> Consignment:
        """Steps as (seconds after `start`, kind, party)."""
        with transaction.atomic():
            events_append(
                [
                    event_build(
                        kind=kind,
                        subject_type="declaration",
                        subject_id=self.declaration.pk,
                        party=party,
                        declaration_id=self.declaration.pk,
                        office_code=self.declaration.office.code,
                        occurred_at=self.start + timedelta(seconds=seconds),
                    )
                    for seconds, kind, party in steps
                ]
            )
        return self


def consignment(
    *,
    filer: User,
    enterprise: Enterprise,
    start: datetime,
    office: str = "20BD",
    flow: str = "import",
    lane: str = "green",
    mode: str = "road",
    type_code: str = "A11",
    hs_codes: tuple[tuple[str, int], ...] = (("08109092", 1000),),
    status: str = "released",
    **extra: Any,
) -> Consignment:
    """A registered declaration (lines: (HS code, customs value VND)); its events come next."""
    n = next(_numbers)
    d = Declaration.objects.create(
        number=f"{'1' if flow == 'import' else '3'}0{n:010d}",
        flow=flow,
        type=DeclarationType.objects.get(code=type_code),
        status=status,
        lane=lane,
        enterprise=enterprise,
        created_by=filer,
        office=Office.objects.get(code=office),
        transport_mode=mode,
        incoterm="CIF",
        currency=Currency.objects.get(code="USD"),
        invoice_value=Decimal("1000"),
        registered_at=start,
        **extra,
    )
    for i, (hs, value) in enumerate(hs_codes):
        DeclarationLine.objects.create(
            declaration=d,
            line_no=i + 1,
            hs_code=hs,
            description="Hàng thử nghiệm",
            origin=Country.objects.get(code="CN"),
            quantity=Decimal("1"),
            unit="KGM",
            unit_price=Decimal("1"),
            value=Decimal("1"),
            customs_value_vnd=Decimal(value),
        )
    return Consignment(d, start)


# Lodged four seconds before registration, then the lane at once (VNACCS).
REGISTER = (
    (-4, "declaration.lodged", "trader"),
    (0, "declaration.registered", "trader"),
    (0, "declaration.lane_decided", "customs"),
)
