"""Reads for supervision, restricted to what the user may see: an operator its own zones, an
officer or leader the zones of its offices, analysts and administrators everything."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Min, QuerySet, Sum
from django.utils import timezone

from haiquan.accounts.models import User
from haiquan.clearance.choices import Status
from haiquan.clearance.models import Container, Declaration, DeclarationLine
from haiquan.core.problems import NotFound

from .choices import CargoKind, Direction, DocumentState, GateOutcome
from .models import (
    Alert,
    ControlZone,
    GateEvent,
    IssueLine,
    StockLedgerEntry,
    StockLot,
    WarehouseIssue,
    WarehouseReceipt,
    ZonePresence,
)


def zone_get_for(user: User, code: str) -> ControlZone:
    """The zone if the user may see it; 404 otherwise (codes do not leak)."""
    zone = (
        ControlZone.objects.select_related("office", "operator")
        .visible_to(user)
        .filter(code=code)
        .first()
    )
    if zone is None:
        raise NotFound(f"control zone {code} not found")
    return zone


# ---------------------------------------------------------------------------------------------
# What is inside


@dataclass(frozen=True)
class InsideRow:
    presence: ZonePresence
    days_inside: Decimal
    limit_days: int | None

    @property
    def days_left(self) -> Decimal | None:
        return None if self.limit_days is None else Decimal(self.limit_days) - self.days_inside

    @property
    def overdue(self) -> bool:
        return self.limit_days is not None and self.days_inside > self.limit_days

    @property
    def cargo(self) -> str:
        return self.presence.container_number or self.presence.bill_of_lading


def zone_inventory(zone: ControlZone, *, now: datetime | None = None) -> list[InsideRow]:
    """What is inside the zone now, longest there first, against the zone's time limit."""
    now = now or timezone.now()
    rows = []
    for p in (
        ZonePresence.objects.filter(zone=zone, exited_at__isnull=True)
        .select_related("gate_in__declaration")
        .order_by("entered_at", "id")
    ):
        days = Decimal((now - p.entered_at).total_seconds() / 86400).quantize(Decimal("0.1"))
        rows.append(InsideRow(presence=p, days_inside=days, limit_days=zone.storage_limit_days))
    return rows


def zone_counts(zones: list[ControlZone], *, now: datetime | None = None) -> dict[int, dict]:
    """Per zone: how many are inside now and how many of them are over the time limit."""
    now = now or timezone.now()
    out: dict[int, dict] = {z.pk: {"inside": 0, "overdue": 0} for z in zones}
    inside = (
        ZonePresence.objects.filter(zone__in=zones, exited_at__isnull=True)
        .values("zone_id")
        .annotate(n=Count("id"))
    )
    for row in inside:
        out[row["zone_id"]]["inside"] = row["n"]
    for z in zones:
        if z.storage_limit_days:
            out[z.pk]["overdue"] = ZonePresence.objects.filter(
                zone=z,
                exited_at__isnull=True,
                entered_at__lt=now - timedelta(days=z.storage_limit_days),
            ).count()
    return out


def gate_events_of(zone: ControlZone) -> QuerySet[GateEvent]:
    return (
        GateEvent.objects.filter(zone=zone)
        .select_related("declaration", "reported_by")
        .order_by("-occurred_at", "-id")
    )


@dataclass
class Discrepancies:
    """Differences between what was declared and what went in or out."""

    # Containers on a registered declaration of the zone's office never reported in any of
    # that office's zones.
    declared_not_gated_in: list[tuple[str, Declaration]] = field(default_factory=list)
    # Containers inside the zone that no registered declaration lists.
    inside_undeclared: list[ZonePresence] = field(default_factory=list)
    # Get-outs of cargo the zone never reported in.
    out_without_gate_in: list[GateEvent] = field(default_factory=list)
    # Refused get-outs of cargo still inside.
    refused_exits: list[GateEvent] = field(default_factory=list)
    # Inside longer than the zone's time limit.
    overdue: list[InsideRow] = field(default_factory=list)

    @property
    def total(self) -> int:
        return (
            len(self.declared_not_gated_in)
            + len(self.inside_undeclared)
            + len(self.out_without_gate_in)
            + len(self.refused_exits)
            + len(self.overdue)
        )


def zone_discrepancies(
    zone: ControlZone, *, days: int = 30, now: datetime | None = None
) -> Discrepancies:
    """What the zone's records and the declarations disagree on over the last `days` days."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    result = Discrepancies()
    declared = (
        Container.objects.filter(
            declaration__office_id=zone.office_id, declaration__registered_at__gte=since
        )
        .exclude(declaration__status__in=(Status.DRAFT, Status.CANCELLED))
        .select_related("declaration")
    )
    gated = set(
        GateEvent.objects.filter(
            zone__office_id=zone.office_id,
            direction=Direction.IN,
            occurred_at__gte=since - timedelta(days=days),
        ).values_list("container_number", flat=True)
    )
    result.declared_not_gated_in = [
        (c.number, c.declaration) for c in declared if c.number not in gated
    ]
    inside = list(
        ZonePresence.objects.filter(
            zone=zone, exited_at__isnull=True, cargo_kind=CargoKind.CONTAINER
        ).order_by("entered_at")
    )
    listed = set(
        Container.objects.filter(number__in=[p.container_number for p in inside])
        .exclude(declaration__status__in=(Status.DRAFT, Status.CANCELLED))
        .values_list("number", flat=True)
    )
    result.inside_undeclared = [p for p in inside if p.container_number not in listed]
    result.out_without_gate_in = list(
        gate_events_of(zone).filter(
            direction=Direction.OUT,
            outcome=GateOutcome.ALLOWED,
            without_gate_in=True,
            occurred_at__gte=since,
        )
    )
    still_inside = {p.container_number for p in inside} | set(
        ZonePresence.objects.filter(
            zone=zone, exited_at__isnull=True, cargo_kind=CargoKind.BULK
        ).values_list("bill_of_lading", flat=True)
    )
    result.refused_exits = [
        e
        for e in gate_events_of(zone).filter(outcome=GateOutcome.REFUSED, occurred_at__gte=since)
        if e.cargo_label in still_inside
    ]
    result.overdue = [row for row in zone_inventory(zone, now=now) if row.overdue]
    return result


# ---------------------------------------------------------------------------------------------
# Alerts


def alert_get_for(user: User, pk: int) -> Alert:
    alert = (
        Alert.objects.select_related("office", "zone", "acknowledged_by", "resolved_by")
        .visible_to(user)
        .filter(pk=pk)
        .first()
    )
    if alert is None:
        raise NotFound(f"alert {pk} not found")
    return alert


# ---------------------------------------------------------------------------------------------
# Bonded warehouses


@dataclass(frozen=True)
class StockRow:
    """What one owner holds of one item (HS code and unit) in a warehouse."""

    owner_mst: str
    owner_name: str
    hs_code: str
    description: str
    unit: str
    quantity: Decimal
    value_vnd: Decimal
    lots: int
    first_expiry: object


def bonded_stock(zone: ControlZone, *, owner_id: int | None = None) -> list[StockRow]:
    qs = StockLot.objects.filter(zone=zone, quantity_held__gt=0)
    if owner_id is not None:
        qs = qs.filter(owner_id=owner_id)
    rows = (
        qs.values("owner__mst", "owner__name", "hs_code", "unit")
        .annotate(
            quantity=Sum("quantity_held"),
            value=Sum("value_held_vnd"),
            lots=Count("id"),
            first_expiry=Min("expires_on"),
            description=Min("description"),
        )
        .order_by("owner__name", "hs_code", "unit")
    )
    return [
        StockRow(
            owner_mst=r["owner__mst"],
            owner_name=r["owner__name"],
            hs_code=r["hs_code"],
            description=r["description"],
            unit=r["unit"],
            quantity=r["quantity"],
            value_vnd=r["value"],
            lots=r["lots"],
            first_expiry=r["first_expiry"],
        )
        for r in rows
    ]


def bonded_lots(zone: ControlZone) -> QuerySet[StockLot]:
    return (
        StockLot.objects.filter(zone=zone, quantity_held__gt=0)
        .select_related("owner", "receipt")
        .order_by("expires_on", "id")
    )


def bonded_ledger(zone: ControlZone, *, owner_id: int | None = None) -> QuerySet[StockLedgerEntry]:
    qs = StockLedgerEntry.objects.filter(zone=zone)
    if owner_id is not None:
        qs = qs.filter(owner_id=owner_id)
    return qs.select_related("owner", "lot", "receipt", "issue", "actor").order_by(
        "-occurred_at", "-id"
    )


def bonded_documents(
    zone: ControlZone,
) -> tuple[QuerySet[WarehouseReceipt], QuerySet[WarehouseIssue]]:
    receipts = WarehouseReceipt.objects.filter(zone=zone).select_related("declaration", "owner")
    issues = WarehouseIssue.objects.filter(zone=zone).select_related("declaration", "owner")
    return receipts.order_by("-received_at", "-id"), issues.order_by("-issued_at", "-id")


@dataclass(frozen=True)
class ReconRow:
    """Declared against held for one owner and item (HS code, unit)."""

    owner_mst: str
    hs_code: str
    unit: str
    declared_in: Decimal  # on the C11 declarations of the receipts
    received: Decimal  # on the active receipts
    declared_out: Decimal  # on the declarations of the issues (C12 / domestic)
    issued: Decimal  # on the active issues
    held: Decimal  # in the lots now
    ledger: Decimal  # the sum of the ledger

    @property
    def expected_held(self) -> Decimal:
        return self.received - self.issued

    @property
    def not_yet_received(self) -> Decimal:
        return self.declared_in - self.received

    @property
    def not_yet_issued(self) -> Decimal:
        return self.declared_out - self.issued

    @property
    def consistent(self) -> bool:
        """The lots hold what the documents say, and the ledger agrees."""
        return self.held == self.expected_held == self.ledger


def bonded_reconciliation(zone: ControlZone) -> list[ReconRow]:
    """Per owner and item: what the declarations say came in and went out, what the receipts
    and issues record, what the lots hold and what the ledger sums to. A row that is not
    `consistent` is a discrepancy to explain; `not_yet_received`/`not_yet_issued` are goods
    declared but not (yet) moved."""
    Key = tuple[str, str, str]
    acc: dict[Key, dict[str, Decimal]] = {}

    def add(key: Key, name: str, qty: Decimal | None) -> None:
        row = acc.setdefault(
            key,
            {
                n: Decimal(0)
                for n in ("declared_in", "received", "declared_out", "issued", "held", "ledger")
            },
        )
        row[name] += qty or Decimal(0)

    active_receipts = WarehouseReceipt.objects.filter(zone=zone, state=DocumentState.ACTIVE)
    active_issues = WarehouseIssue.objects.filter(zone=zone, state=DocumentState.ACTIVE)
    for r in (
        DeclarationLine.objects.filter(declaration__in=active_receipts.values("declaration"))
        .values("declaration__enterprise__mst", "hs_code", "unit")
        .annotate(q=Sum("quantity"))
    ):
        add((r["declaration__enterprise__mst"], r["hs_code"], r["unit"]), "declared_in", r["q"])
    for r in (
        DeclarationLine.objects.filter(declaration__in=active_issues.values("declaration"))
        .values("declaration__enterprise__mst", "hs_code", "unit")
        .annotate(q=Sum("quantity"))
    ):
        add((r["declaration__enterprise__mst"], r["hs_code"], r["unit"]), "declared_out", r["q"])
    lots = StockLot.objects.filter(zone=zone)
    for r in (
        lots.filter(receipt__state=DocumentState.ACTIVE)
        .values("owner__mst", "hs_code", "unit")
        .annotate(received=Sum("quantity_received"))
    ):
        add((r["owner__mst"], r["hs_code"], r["unit"]), "received", r["received"])
    for r in lots.values("owner__mst", "hs_code", "unit").annotate(held=Sum("quantity_held")):
        add((r["owner__mst"], r["hs_code"], r["unit"]), "held", r["held"])
    for r in (
        IssueLine.objects.filter(issue__in=active_issues)
        .values("lot__owner__mst", "lot__hs_code", "lot__unit")
        .annotate(q=Sum("quantity"))
    ):
        add((r["lot__owner__mst"], r["lot__hs_code"], r["lot__unit"]), "issued", r["q"])
    for r in (
        StockLedgerEntry.objects.filter(zone=zone)
        .values("owner__mst", "lot__hs_code", "lot__unit")
        .annotate(q=Sum("quantity"))
    ):
        add((r["owner__mst"], r["lot__hs_code"], r["lot__unit"]), "ledger", r["q"])
    return [ReconRow(owner_mst=k[0], hs_code=k[1], unit=k[2], **v) for k, v in sorted(acc.items())]
