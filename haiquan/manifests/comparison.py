"""One voyage's cargo compared, bill by bill: what the carrier manifested, what declarations
drew, what customs cleared, what the port's gates saw come in and go out — and the gaps the
officer has to look at (a read: callers check the voyage is in the user's scope first).

The gaps, each with a code the page and the tests share:
- `undeclared`: no declaration draws on the bill (abandoned-goods time runs from the arrival);
- `under_declared` / `over_declared`: the declarations draw fewer / more packages than the bill
  carries (more is possible only where the bill was amended below them);
- `out_without_release`: a get-out was let through while no declaration of the bill was
  cleared or released at that moment (a gate's override, or a transit's exit);
- `refused_at_gate`: a get-out was refused (the hold, or no cleared declaration);
- `packages_out_differ`: the packages the gates reported out (loose cargo) differ from the
  bill's, or fewer of its containers left than it carries, once any of it left.
Four queries whatever the number of bills (bills with containers, draw-downs with their
declarations, gate events of those containers and bills, open holds).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from haiquan.clearance.choices import Status
from haiquan.supervision.choices import Direction, GateOutcome
from haiquan.supervision.models import GateEvent

from .models import Bill, BillDrawdown, Hold, Voyage

CLEARED = frozenset({Status.CLEARED.value, Status.RELEASED.value})
# Gate events a little before the filing or the arrival still belong to the call (clocks differ).
SLACK = timedelta(hours=6)


@dataclass
class Drawn:
    pk: int
    number: str
    status: str
    status_label: str
    packages: int
    cleared_at: datetime | None


@dataclass
class BillRow:
    bill: Bill
    containers: list[str]
    declarations: list[Drawn] = field(default_factory=list)
    gated_in: set[str] = field(default_factory=set)  # containers (or the bill itself, loose)
    gated_out: set[str] = field(default_factory=set)
    packages_out: Decimal = Decimal(0)
    gaps: list[tuple[str, str]] = field(default_factory=list)  # (code, text)
    held: bool = False

    @property
    def declared(self) -> int:
        return sum(d.packages for d in self.declarations if d.status != Status.CANCELLED)

    @property
    def cleared(self) -> int:
        return sum(d.packages for d in self.declarations if d.status in CLEARED)

    @property
    def declared_state(self) -> str:
        if self.declared <= 0:
            return "undeclared"
        if self.declared < self.bill.packages:
            return "under_declared"
        if self.declared > self.bill.packages:
            return "over_declared"
        return "declared"


@dataclass
class Comparison:
    voyage: Voyage
    rows: list[BillRow]

    def count(self, state: str) -> int:
        return sum(1 for r in self.rows if r.declared_state == state)

    @property
    def totals(self) -> dict[str, int]:
        return {
            "bills": len(self.rows),
            "manifested": sum(r.bill.packages for r in self.rows),
            "declared": sum(r.declared for r in self.rows),
            "cleared": sum(r.cleared for r in self.rows),
            "containers": sum(len(r.containers) for r in self.rows),
            "gated_in": sum(len(r.gated_in) for r in self.rows),
            "gated_out": sum(len(r.gated_out) for r in self.rows),
            "undeclared": self.count("undeclared"),
            "with_gaps": sum(1 for r in self.rows if r.gaps),
        }

    @property
    def gaps(self) -> list[tuple[BillRow, str, str]]:
        return [(r, code, text) for r in self.rows for code, text in r.gaps]


def voyage_comparison(voyage: Voyage) -> Comparison:
    """The voyage's bills against their declarations and the gates (see the module)."""
    bills = list(Bill.objects.filter(voyage=voyage).prefetch_related("containers"))
    rows = {b.pk: BillRow(b, sorted(c.number for c in b.containers.all())) for b in bills}
    drawdowns = BillDrawdown.objects.filter(bill__voyage=voyage).select_related("declaration")
    for dd in drawdowns.order_by("declaration__registered_at", "pk"):
        d = dd.declaration
        rows[dd.bill_id].declarations.append(
            Drawn(d.pk, d.number or "", d.status, d.get_status_display(), dd.packages, d.cleared_at)
        )
    held = set(
        Hold.objects.filter(bill__voyage=voyage, released_at__isnull=True).values_list(
            "bill_id", flat=True
        )
    )
    by_container = {c: r for r in rows.values() for c in r.containers}
    by_number = {r.bill.number: r for r in rows.values()}
    events = _gate_events(voyage, list(by_container), list(by_number))
    for e in events:
        row = by_container.get(e.container_number) or by_number.get(e.bill_of_lading.upper())
        if row is None:
            continue
        unit = e.container_number or row.bill.number
        if e.direction == Direction.IN:
            row.gated_in.add(unit)
        elif e.outcome == GateOutcome.ALLOWED:
            row.gated_out.add(unit)
            if not e.container_number and e.quantity is not None:
                row.packages_out += e.quantity
            if not _released_by(row, e):
                row.gaps.append(
                    (
                        "out_without_release",
                        _("%(unit)s left on %(at)s while no declaration of the bill was cleared")
                        % {"unit": unit, "at": _local(e.occurred_at)},
                    )
                )
        elif e.outcome == GateOutcome.REFUSED:
            row.gaps.append(
                (
                    "refused_at_gate",
                    _("%(unit)s was refused at the gate on %(at)s (%(why)s)")
                    % {
                        "unit": unit,
                        "at": _local(e.occurred_at),
                        "why": e.get_refusal_code_display() or "-",
                    },
                )
            )
    for row in rows.values():
        row.held = row.bill.pk in held
        _declaration_gaps(row)
        _exit_gaps(row)
    return Comparison(voyage, sorted(rows.values(), key=lambda r: r.bill.number))


def _gate_events(voyage: Voyage, containers: list[str], numbers: list[str]) -> list[GateEvent]:
    if not containers and not numbers:
        return []
    # The voyage's cargo moves once its manifest is filed (reported early, or late by a
    # carrier that files on arrival: the earlier of the two).
    since = min(voyage.filed_at, voyage.actual_arrival or voyage.filed_at)
    return list(
        GateEvent.objects.filter(
            Q(container_number__in=containers) | Q(bill_of_lading__in=numbers),
            occurred_at__gte=since - SLACK,
        ).order_by("occurred_at", "pk")
    )


def _released_by(row: BillRow, event: GateEvent) -> bool:
    return any(
        d.status in CLEARED and d.cleared_at is not None and d.cleared_at <= event.occurred_at
        for d in row.declarations
    )


def _declaration_gaps(row: BillRow) -> None:
    state, bill = row.declared_state, row.bill
    if state == "undeclared":
        row.gaps.insert(0, ("undeclared", _("no declaration names this bill")))
    elif state == "under_declared":
        row.gaps.insert(
            0,
            (
                "under_declared",
                _("%(d)s of the %(n)s packages are declared")
                % {"d": row.declared, "n": bill.packages},
            ),
        )
    elif state == "over_declared":
        row.gaps.insert(
            0,
            (
                "over_declared",
                _("%(d)s packages are declared but the bill carries %(n)s")
                % {"d": row.declared, "n": bill.packages},
            ),
        )


def _exit_gaps(row: BillRow) -> None:
    if not row.gated_out:
        return
    if row.containers and len(row.gated_out) < len(row.containers):
        row.gaps.append(
            (
                "packages_out_differ",
                _("%(o)s of the bill's %(n)s containers left")
                % {"o": len(row.gated_out), "n": len(row.containers)},
            )
        )
    elif not row.containers and row.packages_out and row.packages_out != row.bill.packages:
        row.gaps.append(
            (
                "packages_out_differ",
                _("%(o)s packages left but the bill carries %(n)s")
                % {"o": _plain(row.packages_out), "n": row.bill.packages},
            )
        )


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _local(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
