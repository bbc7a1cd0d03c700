"""Matching declarations to the manifest at registration (clearance's extension points).

A declaration names its bill(s) of lading in `bill_of_lading` (several separated by commas).
Where carriers report their cargo — an import by sea or air at an office that receives their
manifests for that mode — every bill named must be on a manifest, consigned to the declaration's
enterprise (the importer, which is the broker's principal when a broker files), and every container
declared must be on one of those bills. The declaration's packages are drawn down from its bills,
so that together the declarations of a bill never take more than it carries.

Elsewhere (road, post, rail, or an office receiving no manifests) the bill stays free text, as
the law allows: a road consignment travels under a CMR note, a postal one under the post's
documents, that no carrier reports here.

Cheap by design: an import naming no bill costs nothing; one naming bills costs one query (none
where no carrier reports in that mode); an unknown bill costs nothing more (which offices receive
manifests for which mode is held per process, `manifested_offices`); the draw-down one locked
read and one write per bill.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Q, Subquery, Sum
from django.utils.translation import gettext as _

from haiquan.clearance.choices import Status, TransportMode
from haiquan.clearance.hooks import written_declaration_is_new
from haiquan.core.problems import FieldProblem, ValidationFailed
from haiquan.core.revisions import revision_token_read
from haiquan.refdata.choices import Flow

from .choices import HoldKind, VoyageDirection
from .models import Bill, BillDrawdown, Voyage

if TYPE_CHECKING:
    from haiquan.clearance.models import Declaration
    from haiquan.clearance.validation import ResolvedDeclaration

MATCHED_MODES = {TransportMode.SEA.value, TransportMode.AIR.value}
SEPARATORS = re.compile(r"[,;\s]+")

# The voyages table's revision token (migration 0004: renewed by triggers on every insert,
# delete, truncate, or change of a voyage's office or mode), read with a registration's other
# tokens (haiquan.core.revisions; registered in apps.py).
REVISION_NAME = "manifests:voyage-offices"  # a revision token's name (not an event kind)
REVISION_SQL = "SELECT token FROM manifests_voyagerevision WHERE id = 1"


@dataclass(frozen=True)
class ManifestedOffices:
    token: str
    pairs: frozenset[tuple[int, str]]  # (office id, mode) of every voyage reported
    modes: frozenset[str]


_offices: ManifestedOffices | None = None
_offices_lock = threading.Lock()


def _voyages_token() -> str:
    return revision_token_read(REVISION_NAME)


def manifested_offices() -> ManifestedOffices:
    """Which offices receive carriers' manifests for which mode, kept per process and read again
    when the voyages' revision token is not the one it was read under. The token is read before
    the rows, so a voyage committed in between is read under the older token and read once more
    on the next use: a new voyage is never missed."""
    global _offices
    token = _voyages_token()
    held = _offices
    if held is not None and held.token == token:
        return held
    with _offices_lock:
        # Import declarations are matched against import manifests (arrivals) only: an office
        # that receives only export manifests leaves an import's bill to the declarant's word.
        arrivals = Voyage.objects.filter(direction=VoyageDirection.ARRIVAL).order_by()
        pairs = frozenset(arrivals.values_list("office_id", "mode").distinct())
        held = ManifestedOffices(
            token=token, pairs=pairs, modes=frozenset(mode for _office, mode in pairs)
        )
        _offices = held
    return held


def bill_numbers(text: str) -> list[str]:
    """The bill numbers a declaration's free text names, in order, without repeats."""
    out: list[str] = []
    for part in SEPARATORS.split(text.strip().upper()):
        if part and part not in out:
            out.append(part)
    return out


def _matched(flow: str, transport_mode: str, text: str) -> list[str]:
    if flow != Flow.IMPORT or transport_mode not in MATCHED_MODES:
        return []
    return bill_numbers(text)


def bills_for(numbers: list[str], mode: str) -> dict[str, Bill]:
    """The bills of these numbers on import manifests (the latest voyage's when a number
    recurs)."""
    found: dict[str, Bill] = {}
    rows = (
        Bill.objects.filter(
            number__in=numbers, voyage__mode=mode, voyage__direction=VoyageDirection.ARRIVAL
        )
        .select_related("voyage__office")
        .prefetch_related("containers")
        .order_by("number", "-voyage__estimated_arrival", "-pk")
    )
    for bill in rows:
        found.setdefault(bill.number, bill)
    return found


def bills_validate(resolved: ResolvedDeclaration, on_day: date) -> list[FieldProblem]:
    """A declaration validator: the bills it names against the manifests."""
    data = resolved.data
    numbers = _matched(resolved.type.flow, data.transport_mode, data.bill_of_lading)
    if not numbers:
        return []
    manifested = manifested_offices()
    # Every bill is on a voyage: with no voyage of this mode anywhere, none can be found.
    bills = (
        bills_for(numbers, data.transport_mode) if data.transport_mode in manifested.modes else {}
    )
    problems: list[FieldProblem] = []
    unknown = [n for n in numbers if n not in bills]
    if unknown and (resolved.office.pk, data.transport_mode) in manifested.pairs:
        for n in unknown:
            problems.append(
                FieldProblem(
                    "bill_of_lading",
                    _(
                        "bill of lading %(v)s is on no carrier's manifest for this office: check "
                        "the number, or ask the carrier to report it"
                    )
                    % {"v": n},
                    "unknown-bill",
                )
            )
    if not bills:
        return problems
    for n, bill in bills.items():
        if bill.consignee_mst != resolved.enterprise.mst:
            problems.append(
                FieldProblem(
                    "bill_of_lading",
                    _(
                        "bill of lading %(v)s is consigned to another enterprise than %(mst)s: "
                        "only its consignee (or a broker it authorised) declares it"
                    )
                    % {"v": n, "mst": resolved.enterprise.mst},
                    "bill-not-yours",
                )
            )
    on_bills = {c.number for bill in bills.values() for c in bill.containers.all()}
    for i, container in enumerate(resolved.containers):
        if container not in on_bills:
            problems.append(
                FieldProblem(
                    f"containers[{i}]",
                    _("container %(c)s is not on bill(s) %(b)s")
                    % {"c": container, "b": ", ".join(bills)},
                    "container-not-on-bill",
                )
            )
    if data.packages is None:
        problems.append(
            FieldProblem(
                "packages",
                _("give the number of packages declared from the bill of lading"),
                "required",
            )
        )
    else:
        carried = sum(b.packages for b in bills.values())
        if data.packages > carried:
            problems.append(
                FieldProblem(
                    "packages",
                    _("%(n)s packages declared but bill(s) %(b)s carry %(c)s")
                    % {"n": data.packages, "b": ", ".join(bills), "c": carried},
                    "more-than-bill",
                )
            )
    return problems


def bills_drawn_down(declaration: Declaration) -> None:
    """A written observer: inside the registration's (or amendment's) transaction, link the
    declaration to its bills and take its packages from them, the bills locked so that two
    declarations of one bill cannot both take its last packages."""
    new = written_declaration_is_new(declaration)
    numbers = _matched(declaration.flow, declaration.transport_mode, declaration.bill_of_lading)
    if not new:
        # An amendment draws again from scratch (one DELETE: nothing refers to a drawdown),
        # also when it no longer names a manifested bill (another mode, no bill).
        BillDrawdown.objects.filter(declaration=declaration).delete()
    if not numbers or declaration.packages is None:
        if new:
            declaration._draws_on_no_bill = True  # type: ignore[attr-defined]
        return  # a new declaration never matched costs no statement at all
    found = bills_for(numbers, declaration.transport_mode)
    if not found:
        if new:
            declaration._draws_on_no_bill = True  # type: ignore[attr-defined]
        return
    bills = list(Bill.objects.select_for_update().filter(pk__in=[b.pk for b in found.values()]))
    taken = dict(
        BillDrawdown.objects.filter(bill__in=bills)
        .exclude(declaration__status=Status.CANCELLED)
        .values("bill_id")
        .annotate(n=Sum("packages"))
        .values_list("bill_id", "n")
    )
    wanted = declaration.packages
    rows = []
    for bill in sorted(bills, key=lambda b: numbers.index(b.number)):
        free = bill.packages - (taken.get(bill.pk) or 0)
        share = min(free, wanted)
        if share > 0:
            rows.append(BillDrawdown(bill=bill, declaration=declaration, packages=share))
            wanted -= share
    if wanted > 0:
        left = sum(max(0, b.packages - (taken.get(b.pk) or 0)) for b in bills)
        raise ValidationFailed(
            [
                FieldProblem(
                    "packages",
                    _(
                        "%(n)s packages declared but only %(left)s of bill(s) %(b)s are not "
                        "declared already"
                    )
                    % {
                        "n": declaration.packages,
                        "left": left,
                        "b": ", ".join(b.number for b in bills),
                    },
                    "bill-exhausted",
                )
            ]
        )
    BillDrawdown.objects.bulk_create(rows)
    arrival_events(declaration, list(found.values()))


def bills_held(declaration: Declaration) -> list[str]:
    """A clearance guard: a declaration drawing on a held bill, or an export naming a bill (or
    a container of a bill) that customs said not to load, is not cleared until the hold is
    released."""
    from .models import Hold

    if declaration.flow == Flow.EXPORT:
        return _not_to_load(declaration)
    if not _matched(declaration.flow, declaration.transport_mode, declaration.bill_of_lading):
        return []  # draws on no bill (`bills_drawn_down`): nothing to look up
    if getattr(declaration, "_draws_on_no_bill", False):
        return []  # just registered drawing on none of its bills: no hold can reach it
    held = Hold.objects.filter(
        released_at__isnull=True, bill__drawdowns__declaration=declaration
    ).values_list("bill__number", flat=True)
    return [
        _("Bill of lading %(v)s is held by customs for inspection at arrival.") % {"v": n}
        for n in held
    ]


def _not_to_load(declaration: Declaration) -> list[str]:
    """The "do not load" holds an export declaration meets: on a bill of an export manifest it
    names, or on one carrying a container it declares (one statement)."""
    from haiquan.clearance.models import Container

    from .models import Hold

    q = Q(
        bill__containers__number__in=Subquery(
            Container.objects.filter(declaration_id=declaration.pk).values("number")
        )
    )
    numbers = bill_numbers(declaration.bill_of_lading)
    if numbers:
        q |= Q(bill__number__in=numbers)
    held = (
        Hold.objects.filter(
            q,
            released_at__isnull=True,
            kind=HoldKind.DO_NOT_LOAD,
            bill__voyage__direction=VoyageDirection.DEPARTURE,
        )
        .values_list("bill__number", flat=True)
        .distinct()
    )
    return [
        _(
            "Customs said not to load bill of lading %(v)s: the export is not cleared until the "
            "hold is released."
        )
        % {"v": n}
        for n in held
    ]


def held_declarations(bill: Bill) -> list[Declaration]:
    """The declarations a hold on this bill keeps from clearance, cancelled ones left out:
    those drawing on it (imports) and, for an export manifest's bill, the exports naming it or
    declaring one of its containers."""
    from haiquan.clearance.models import Declaration

    q = Q(bill_drawdowns__bill=bill)
    if bill.voyage.is_departure:
        containers = list(bill.containers.values_list("number", flat=True))
        # A contains-match narrows the rows; the bill's exact number is checked below.
        q |= Q(flow=Flow.EXPORT, bill_of_lading__icontains=bill.number)
        if containers:
            q |= Q(flow=Flow.EXPORT, containers__number__in=containers)
    rows = Declaration.objects.filter(q).exclude(status=Status.CANCELLED).distinct()
    return [
        d
        for d in rows
        if d.flow != Flow.EXPORT
        or bill.number in bill_numbers(d.bill_of_lading)
        or d.containers.filter(number__in=bill.containers.values("number")).exists()
    ]


def arrival_events(declaration: Declaration, bills: list[Bill]) -> None:
    """The consignment's arrival (`cargo.arrived`, where time-release's Trading-across-Borders
    span starts) is the actual arrival its carrier notified for the voyage of its bill: written
    once per declaration, at that time, when the declaration draws on an arrived bill or when the
    arrival of a declared bill is notified."""
    from haiquan.eventlog import kinds
    from haiquan.eventlog.choices import Party
    from haiquan.eventlog.models import Event
    from haiquan.eventlog.services import event_record

    arrived = [b for b in bills if b.voyage.actual_arrival is not None]
    if not arrived:
        return
    if Event.objects.filter(kind=kinds.CARGO_ARRIVED.code, declaration_id=declaration.pk).exists():
        return
    bill = min(arrived, key=lambda b: b.voyage.actual_arrival)  # type: ignore[arg-type,return-value]
    voyage = bill.voyage
    event_record(
        kind=kinds.CARGO_ARRIVED.code,
        subject_type="voyage",
        subject_id=voyage.pk,
        party=Party.MOVEMENT,
        actor_label=f"operator:{voyage.office.code}",
        declaration_id=declaration.pk,
        office_code=voyage.office.code,
        data={
            "bill_of_lading": bill.number,
            "transport_mode": voyage.mode,
            "office": voyage.office.code,
            "voyage": voyage.conveyance_reference,
            "containers": sorted(c.number for c in bill.containers.all()),
        },
        occurred_at=voyage.actual_arrival,
    )
