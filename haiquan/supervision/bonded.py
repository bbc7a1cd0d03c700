"""Bonded warehouses (kho ngoại quan): goods received against a C11 declaration, held per owner
and item in lots, issued against a C12 declaration (abroad) or an import declaration (into the
domestic market), within the legal storage time.

Rules:
- a receipt or an issue needs a cleared (or released) declaration of the right type, declared at
  the office that supervises the warehouse;
- a declaration line is received, and issued, at most up to its declared quantity, possibly in
  several parts;
- issues draw on the owner's lots of the same HS code and unit, oldest first (the storage time
  runs per lot from its receipt); the value leaves in proportion to the quantity;
- cancelling a receipt reverses it, and is refused once an issue has drawn on its goods;
  cancelling an issue puts its goods back into their lots;
- every movement is a ledger row and an event; lots ending their storage time raise alerts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.accounts.models import User
from haiquan.clearance.models import Declaration, DeclarationLine
from haiquan.core.problems import Conflict, FieldProblem, ValidationFailed, invalid
from haiquan.eventlog import kinds
from haiquan.eventlog.kinds import EventKind
from haiquan.refdata.choices import Flow

from .alerts import AlertRaise, alert_raise
from .choices import AlertKind, AlertSubject, DocumentState, LedgerKind, ZoneKind
from .clock import reported_time_problems
from .conf import supervision_setting
from .models import (
    Alert,
    ControlZone,
    IssueLine,
    StockLedgerEntry,
    StockLot,
    WarehouseIssue,
    WarehouseReceipt,
    ZonePresence,
)
from .permissions import require_operator_or_officer
from .services import EXIT_STATUSES, party_of

ONE = Decimal(1)


@dataclass(frozen=True)
class DocumentLine:
    """A line of the declaration to receive or issue; quantity None = what is still due."""

    line_no: int
    quantity: Decimal | None = None


def _vnd(value: Decimal) -> Decimal:
    return value.quantize(ONE, rounding=ROUND_HALF_UP)


def storage_days(zone: ControlZone) -> int:
    return int(zone.storage_limit_days or supervision_setting("BONDED_STORAGE_DAYS"))


def _check_header(
    *,
    actor: User,
    zone: ControlZone,
    declaration_number: str,
    document_number: str,
    at: datetime | None,
    issue: bool,
    now: datetime,
) -> tuple[list[FieldProblem], Declaration | None, datetime]:
    require_operator_or_officer(actor, zone)
    if zone.kind != ZoneKind.BONDED_WAREHOUSE:
        raise invalid("zone", _("%(z)s is not a bonded warehouse") % {"z": zone.code})
    errors: list[FieldProblem] = []
    doc_field = "document_number"
    if not (document_number or "").strip() or len(document_number.strip()) > 35:
        errors.append(FieldProblem(doc_field, _("1 to 35 characters"), "required"))
    moment = at or now
    time_problems = reported_time_problems(moment, now=now, field="occurred_at")
    errors.extend(time_problems)
    declaration = (
        Declaration.objects.select_related("type", "office", "enterprise")
        .filter(number=(declaration_number or "").strip())
        .first()
    )
    receipt_types = set(supervision_setting("BONDED_RECEIPT_TYPES"))
    if declaration is None:
        errors.append(
            FieldProblem(
                "declaration_number",
                _("no declaration numbered %(n)s") % {"n": declaration_number},
                "unknown-declaration",
            )
        )
    else:
        _declaration_problems(
            declaration,
            zone,
            receipt_types,
            errors,
            issue=issue,
            moment=moment,
            time_ok=not time_problems,
            now=now,
        )
    return errors, declaration, moment


def _declaration_problems(
    declaration: Declaration,
    zone: ControlZone,
    receipt_types: set[str],
    errors: list[FieldProblem],
    *,
    issue: bool,
    moment: datetime,
    time_ok: bool,
    now: datetime,
) -> None:
    """The declaration a document is made against: of the right type, cleared (before the
    moment reported) and declared at the warehouse's office."""
    if issue:
        fits = declaration.type_id == "C12" or (
            declaration.flow == Flow.IMPORT and declaration.type_id not in receipt_types
        )
        expected = _("C12 (abroad) or an import declaration (into the domestic market)")
    else:
        fits = declaration.type_id in receipt_types
        expected = ", ".join(sorted(receipt_types))
    if not fits:
        errors.append(
            FieldProblem(
                "declaration_number",
                _("a %(t)s declaration cannot be used here; expected %(e)s")
                % {"t": declaration.type_id, "e": expected},
                "wrong-type",
            )
        )
    if declaration.status not in EXIT_STATUSES:
        errors.append(
            FieldProblem(
                "declaration_number",
                _("declaration %(n)s is %(s)s: it must be cleared first")
                % {"n": declaration.number, "s": declaration.get_status_display()},
                "not-cleared",
            )
        )
    cleared = declaration.cleared_at
    if time_ok and cleared is not None and moment < cleared:
        errors.extend(
            reported_time_problems(
                moment,
                now=now,
                field="occurred_at",
                after=cleared,
                after_what=_("the clearance of declaration %(n)s") % {"n": declaration.number},
            )
        )
    if declaration.office_id != zone.office_id:
        errors.append(
            FieldProblem(
                "declaration_number",
                _("declared at office %(a)s; %(z)s is supervised by office %(b)s")
                % {"a": declaration.office.code, "z": zone.code, "b": zone.office.code},
                "wrong-office",
            )
        )


def _declared_lines(
    declaration: Declaration, wanted: list[DocumentLine] | None, done: dict[int, Decimal]
) -> tuple[list[tuple[int, DeclarationLine, Decimal]], list[FieldProblem]]:
    """(index, declaration line, quantity) for each requested line, checked against what is
    declared and what was already received/issued (`done`, by declaration line id)."""
    lines = {ln.line_no: ln for ln in declaration.lines.order_by("line_no")}
    errors: list[FieldProblem] = []
    out: list[tuple[int, DeclarationLine, Decimal]] = []
    if wanted is None:
        wanted = [DocumentLine(line_no=n) for n in lines]
        implicit = True
    else:
        implicit = False
    if not wanted:
        errors.append(FieldProblem("lines", _("give at least one line"), "required"))
    seen: set[int] = set()
    for i, w in enumerate(wanted):
        ln = lines.get(w.line_no)
        if ln is None:
            errors.append(
                FieldProblem(
                    f"lines[{i}].line_no",
                    _("declaration %(n)s has no line %(l)s")
                    % {"n": declaration.number, "l": w.line_no},
                )
            )
            continue
        if w.line_no in seen:
            errors.append(FieldProblem(f"lines[{i}].line_no", _("line given twice")))
            continue
        seen.add(w.line_no)
        left = ln.quantity - done.get(ln.pk, Decimal(0))
        qty = left if w.quantity is None else w.quantity
        if implicit and qty <= 0:
            continue
        if qty <= 0:
            errors.append(FieldProblem(f"lines[{i}].quantity", _("must be more than 0")))
        elif qty > left:
            errors.append(
                FieldProblem(
                    f"lines[{i}].quantity",
                    _("declared %(d)s %(u)s, %(done)s already done: at most %(left)s more")
                    % {"d": ln.quantity, "u": ln.unit, "done": ln.quantity - left, "left": left},
                    "over-declared",
                )
            )
        else:
            out.append((i, ln, qty))
    if implicit and not out and not errors:
        errors.append(
            FieldProblem("lines", _("every line of this declaration is already done"), "done")
        )
    return out, errors


def _ledger(
    lot: StockLot, kind: str, qty: Decimal, value: Decimal, at: datetime, actor: User, **doc: Any
) -> StockLedgerEntry:
    return StockLedgerEntry(
        zone_id=lot.zone_id,
        owner_id=lot.owner_id,
        lot=lot,
        kind=kind,
        quantity=qty,
        value_vnd=value,
        occurred_at=at,
        actor=actor,
        **doc,
    )


def _event(
    kind: EventKind, doc: WarehouseReceipt | WarehouseIssue, actor: User, data: dict
) -> None:
    kind.record(
        subject_type="warehouse_receipt"
        if isinstance(doc, WarehouseReceipt)
        else "warehouse_issue",
        subject_id=doc.pk,
        party=party_of(actor),
        actor=actor,
        declaration_id=doc.declaration_id,
        office_code=doc.zone.office.code,
        data={"warehouse": doc.zone.code, "document": doc.document_number, **data},
    )


def bonded_receipt_create(
    *,
    actor: User,
    zone: ControlZone,
    declaration_number: str,
    document_number: str,
    received_at: datetime | None = None,
    lines: list[DocumentLine] | None = None,
    now: datetime | None = None,
) -> WarehouseReceipt:
    """Receive goods into the bonded warehouse against their cleared C11 declaration: each
    line becomes a lot whose storage time starts now (the server's day).

    The reported time is taken within the reporting window of the server's clock and not
    before the declaration's clearance (supervision/clock.py); the server's time is stored
    beside it. `now` is the server's clock, given only by code that replays the past."""
    now = now or timezone.now()
    with transaction.atomic():
        errors, declaration, at = _check_header(
            actor=actor,
            zone=zone,
            declaration_number=declaration_number,
            document_number=document_number,
            at=received_at,
            issue=False,
            now=now,
        )
        picked: list[tuple[int, DeclarationLine, Decimal]] = []
        if declaration is not None and not errors:
            picked, line_errors = _declared_lines(declaration, lines, _received(declaration))
            errors.extend(line_errors)
        if errors:
            raise ValidationFailed(errors)
        assert declaration is not None
        try:
            with transaction.atomic():
                receipt = WarehouseReceipt.objects.create(
                    zone=zone,
                    document_number=document_number.strip(),
                    declaration=declaration,
                    owner_id=declaration.enterprise_id,
                    received_at=at,
                    recorded_at=now,
                    recorded_by=actor,
                )
        except IntegrityError:
            raise invalid(
                "document_number",
                _("receipt %(n)s is already recorded in this warehouse") % {"n": document_number},
                "duplicate",
            ) from None
        expires = timezone.localdate(now) + timedelta(days=storage_days(zone))
        lots = _lots_receive(receipt, picked, expires, actor)
        _event(
            kinds.BONDED_RECEIVED,
            receipt,
            actor,
            {
                "owner": declaration.enterprise.mst,
                "expires_on": expires,
                "lines": [
                    {"hs_code": lot.hs_code, "quantity": lot.quantity_received, "unit": lot.unit}
                    for lot in lots
                ],
            },
        )
    return receipt


def _received(declaration: Declaration) -> dict[int, Decimal]:
    """Declaration line id → the quantity its active receipts took in."""
    return dict(
        StockLot.objects.filter(
            receipt__declaration=declaration, receipt__state=DocumentState.ACTIVE
        )
        .values("declaration_line_id")
        .annotate(q=Sum("quantity_received"))
        .values_list("declaration_line_id", "q")
    )


def _lots_receive(
    receipt: WarehouseReceipt,
    picked: list[tuple[int, DeclarationLine, Decimal]],
    expires: date,
    actor: User,
) -> list[StockLot]:
    """A lot for each line received, with its ledger entry."""
    zone, declaration, at = receipt.zone, receipt.declaration, receipt.received_at
    lots, ledger = [], []
    for _i, ln, qty in picked:
        value = _vnd(ln.customs_value_vnd * qty / ln.quantity) if ln.quantity else Decimal(0)
        lot = StockLot(
            receipt=receipt,
            zone=zone,
            owner_id=declaration.enterprise_id,
            declaration_line=ln,
            hs_code=ln.hs_code,
            description=ln.description,
            unit=ln.unit,
            quantity_received=qty,
            quantity_held=qty,
            value_received_vnd=value,
            value_held_vnd=value,
            received_at=at,
            expires_on=expires,
        )
        lots.append(lot)
    StockLot.objects.bulk_create(lots)
    for lot in lots:
        ledger.append(
            _ledger(
                lot,
                LedgerKind.RECEIPT,
                lot.quantity_received,
                lot.value_received_vnd,
                at,
                actor,
                receipt=receipt,
            )
        )
    StockLedgerEntry.objects.bulk_create(ledger)
    return lots


def bonded_issue_create(
    *,
    actor: User,
    zone: ControlZone,
    declaration_number: str,
    document_number: str,
    issued_at: datetime | None = None,
    lines: list[DocumentLine] | None = None,
    now: datetime | None = None,
) -> WarehouseIssue:
    """Issue goods from the bonded warehouse against a cleared C12 (abroad) or import
    (domestic market) declaration of their owner, drawing on the oldest lots first.

    The reported time is checked as for a receipt, and may not be before the receipt of a
    lot it draws on; the server's time is stored beside it."""
    now = now or timezone.now()
    with transaction.atomic():
        errors, declaration, at = _check_header(
            actor=actor,
            zone=zone,
            declaration_number=declaration_number,
            document_number=document_number,
            at=issued_at,
            issue=True,
            now=now,
        )
        picked: list[tuple[int, DeclarationLine, Decimal]] = []
        if declaration is not None and not errors:
            picked, line_errors = _declared_lines(declaration, lines, _issued(declaration))
            errors.extend(line_errors)
        if errors:
            raise ValidationFailed(errors)
        assert declaration is not None
        allocations = _allocate(zone, declaration, picked, errors, at=at, now=now)
        if errors:
            raise ValidationFailed(errors)
        try:
            with transaction.atomic():
                issue = WarehouseIssue.objects.create(
                    zone=zone,
                    document_number=document_number.strip(),
                    declaration=declaration,
                    owner_id=declaration.enterprise_id,
                    issued_at=at,
                    recorded_at=now,
                    recorded_by=actor,
                )
        except IntegrityError:
            raise invalid(
                "document_number",
                _("issue %(n)s is already recorded in this warehouse") % {"n": document_number},
                "duplicate",
            ) from None
        issue_lines = _issue_write(issue, allocations, at, actor)
        _event(
            kinds.BONDED_ISSUED,
            issue,
            actor,
            {
                "owner": declaration.enterprise.mst,
                "declaration_type": declaration.type_id,
                "lines": [
                    {"hs_code": il.lot.hs_code, "quantity": il.quantity, "lot": il.lot_id}
                    for il in issue_lines
                ],
            },
        )
    return issue


def _issued(declaration: Declaration) -> dict[int, Decimal]:
    """Declaration line id → the quantity its active issues took out."""
    return dict(
        IssueLine.objects.filter(issue__declaration=declaration, issue__state=DocumentState.ACTIVE)
        .values("declaration_line_id")
        .annotate(q=Sum("quantity"))
        .values_list("declaration_line_id", "q")
    )


Allocation = tuple[DeclarationLine, StockLot, Decimal, Decimal]  # line, lot, quantity, value


def _allocate(
    zone: ControlZone,
    declaration: Declaration,
    picked: list[tuple[int, DeclarationLine, Decimal]],
    errors: list[FieldProblem],
    *,
    at: datetime,
    now: datetime,
) -> list[Allocation]:
    """Draw each line on the owner's lots of its item, oldest first (locked); the lots'
    holdings are reduced in memory (saved by the caller). Problems go into `errors`."""
    # Lock the owner's lots of these items, oldest first.
    items = {(ln.hs_code, ln.unit) for _i, ln, _q in picked}
    lots = list(
        StockLot.objects.select_for_update()
        .filter(
            zone=zone,
            owner_id=declaration.enterprise_id,
            quantity_held__gt=0,
            hs_code__in=[h for h, _u in items],
        )
        .order_by("received_at", "id")
    )
    allocations: list[Allocation] = []
    for i, ln, qty in picked:
        candidates = [lot for lot in lots if (lot.hs_code, lot.unit) == (ln.hs_code, ln.unit)]
        held = sum((lot.quantity_held for lot in candidates), Decimal(0))
        if held < qty:
            errors.append(
                FieldProblem(
                    f"lines[{i}].quantity",
                    _("%(owner)s holds only %(held)s %(u)s of HS %(hs)s in %(z)s")
                    % {
                        "owner": declaration.enterprise.mst,
                        "held": held,
                        "u": ln.unit,
                        "hs": ln.hs_code,
                        "z": zone.code,
                    },
                    "insufficient-stock",
                )
            )
            continue
        need = qty
        for lot in candidates:
            if need <= 0:
                break
            take = min(need, lot.quantity_held)
            if take > 0:
                # The value leaves in proportion; the last take of a lot takes what is left.
                value = (
                    lot.value_held_vnd
                    if take == lot.quantity_held
                    else _vnd(lot.value_held_vnd * take / lot.quantity_held)
                )
                allocations.append((ln, lot, take, value))
                if at < lot.received_at and not any(e.code == "out-of-order" for e in errors):
                    errors.extend(
                        reported_time_problems(
                            at,
                            now=now,
                            field="occurred_at",
                            after=lot.received_at,
                            after_what=_("the receipt of the goods it issues"),
                        )
                    )
                lot.quantity_held -= take  # saved below, once every line is allocated
                lot.value_held_vnd -= value
                need -= take
    return allocations


def _issue_write(
    issue: WarehouseIssue, allocations: list[Allocation], at: datetime, actor: User
) -> list[IssueLine]:
    """The issue's lines, the lots drawn on and the ledger entries."""
    issue_lines, ledger, touched = [], [], {}
    for ln, lot, take, value in allocations:
        touched[lot.pk] = lot
        issue_lines.append(
            IssueLine(issue=issue, lot=lot, declaration_line=ln, quantity=take, value_vnd=value)
        )
        ledger.append(_ledger(lot, LedgerKind.ISSUE, -take, -value, at, actor, issue=issue))
    StockLot.objects.bulk_update(list(touched.values()), ["quantity_held", "value_held_vnd"])
    IssueLine.objects.bulk_create(issue_lines)
    StockLedgerEntry.objects.bulk_create(ledger)
    return issue_lines


def bonded_receipt_cancel(
    *, actor: User, receipt: WarehouseReceipt, reason: str
) -> WarehouseReceipt:
    """Cancel a receipt recorded in error: its lots are emptied and the ledger shows the
    reversal. Refused while an issue still draws on its goods (cancel that issue first)."""
    if not (reason or "").strip():
        raise invalid("reason", _("say why the receipt is cancelled"), "required")
    with transaction.atomic():
        receipt = (
            WarehouseReceipt.objects.select_for_update(of=("self",))
            .select_related("zone__office")
            .get(pk=receipt.pk)
        )
        require_operator_or_officer(actor, receipt.zone)
        if receipt.state != DocumentState.ACTIVE:
            raise Conflict(_("This receipt is already cancelled."), code="wrong-state")
        lots = list(StockLot.objects.select_for_update().filter(receipt=receipt))
        drawn = [lot for lot in lots if lot.quantity_held != lot.quantity_received]
        if drawn:
            issues = sorted(
                set(
                    IssueLine.objects.filter(
                        lot__in=drawn, issue__state=DocumentState.ACTIVE
                    ).values_list("issue__document_number", flat=True)
                )
            )
            raise Conflict(
                _("Issues %(issues)s already took goods received on %(r)s; cancel them first.")
                % {"issues": ", ".join(issues), "r": receipt.document_number},
                code="receipt-drawn",
            )
        now = timezone.now()
        ledger = []
        for lot in lots:
            ledger.append(
                _ledger(
                    lot,
                    LedgerKind.RECEIPT_CANCELLED,
                    -lot.quantity_held,
                    -lot.value_held_vnd,
                    now,
                    actor,
                    receipt=receipt,
                )
            )
            lot.quantity_held = Decimal(0)
            lot.value_held_vnd = Decimal(0)
        StockLot.objects.bulk_update(lots, ["quantity_held", "value_held_vnd"])
        StockLedgerEntry.objects.bulk_create(ledger)
        receipt.state = DocumentState.CANCELLED
        receipt.cancelled_at = now
        receipt.cancel_reason = reason.strip()
        receipt.save(update_fields=["state", "cancelled_at", "cancel_reason"])
        _event(kinds.BONDED_RECEIPT_CANCELLED, receipt, actor, {"reason": reason.strip()})
    return receipt


def bonded_issue_cancel(*, actor: User, issue: WarehouseIssue, reason: str) -> WarehouseIssue:
    """Cancel an issue recorded in error: its goods go back into the lots they came from."""
    if not (reason or "").strip():
        raise invalid("reason", _("say why the issue is cancelled"), "required")
    with transaction.atomic():
        issue = (
            WarehouseIssue.objects.select_for_update(of=("self",))
            .select_related("zone__office")
            .get(pk=issue.pk)
        )
        require_operator_or_officer(actor, issue.zone)
        if issue.state != DocumentState.ACTIVE:
            raise Conflict(_("This issue is already cancelled."), code="wrong-state")
        lines = list(issue.lines.all())
        lots = {
            lot.pk: lot
            for lot in StockLot.objects.select_for_update().filter(
                pk__in=[il.lot_id for il in lines]
            )
        }
        now = timezone.now()
        ledger = []
        for il in lines:
            lot = lots[il.lot_id]
            lot.quantity_held += il.quantity
            lot.value_held_vnd += il.value_vnd
            ledger.append(
                _ledger(
                    lot,
                    LedgerKind.ISSUE_CANCELLED,
                    il.quantity,
                    il.value_vnd,
                    now,
                    actor,
                    issue=issue,
                )
            )
        StockLot.objects.bulk_update(list(lots.values()), ["quantity_held", "value_held_vnd"])
        StockLedgerEntry.objects.bulk_create(ledger)
        issue.state = DocumentState.CANCELLED
        issue.cancelled_at = now
        issue.cancel_reason = reason.strip()
        issue.save(update_fields=["state", "cancelled_at", "cancel_reason"])
        _event(kinds.BONDED_ISSUE_CANCELLED, issue, actor, {"reason": reason.strip()})
    return issue


# ---------------------------------------------------------------------------------------------
# Storage time limits


def storage_time_scan(*, today: date | None = None) -> list[Alert]:
    """Raise, once each, the alerts of goods whose storage time is ending or has ended: bonded
    lots still held within `BONDED_EXPIRY_WARNING_DAYS` of their end, and cargo inside a zone
    longer than the zone's limit. Run periodically (`haiquan supervision-watch`)."""
    today = today or timezone.localdate()
    warn = int(supervision_setting("BONDED_EXPIRY_WARNING_DAYS"))
    raised: list[Alert] = []
    with transaction.atomic():
        lots = (
            StockLot.objects.filter(
                quantity_held__gt=0,
                receipt__state=DocumentState.ACTIVE,
                expires_on__lte=today + timedelta(days=warn),
            )
            .select_related("zone__office", "receipt", "owner")
            .order_by("id")
        )
        for lot in lots:
            kind = (
                AlertKind.STORAGE_TIME_EXCEEDED
                if lot.expires_on < today
                else AlertKind.STORAGE_TIME_ENDING
            )
            alert, new = alert_raise(
                alert=AlertRaise(
                    kind=kind,
                    subject_type=AlertSubject.STOCK_LOT,
                    subject_id=lot.pk,
                    subject_label=f"{lot.receipt.document_number} HS {lot.hs_code}",
                    office=lot.zone.office,
                    zone=lot.zone,
                    occurred_at=timezone.now(),
                    declaration_id=lot.receipt.declaration_id,
                    data={
                        "zone": lot.zone.code,
                        "owner": lot.owner.mst,
                        "expires_on": lot.expires_on,
                        "quantity_held": lot.quantity_held,
                        "unit": lot.unit,
                    },
                )
            )
            if new:
                raised.append(alert)
        presences = (
            ZonePresence.objects.filter(
                exited_at__isnull=True, zone__storage_limit_days__isnull=False
            )
            .exclude(zone__kind=ZoneKind.BONDED_WAREHOUSE)
            .select_related("zone__office", "gate_in")
        )
        for p in presences:
            assert p.zone.storage_limit_days is not None
            ends = timezone.localdate(p.entered_at) + timedelta(days=p.zone.storage_limit_days)
            if ends >= today:
                continue
            alert, new = alert_raise(
                alert=AlertRaise(
                    kind=AlertKind.STORAGE_TIME_EXCEEDED,
                    subject_type=AlertSubject.ZONE_PRESENCE,
                    subject_id=p.pk,
                    subject_label=p.container_number or p.bill_of_lading,
                    office=p.zone.office,
                    zone=p.zone,
                    occurred_at=timezone.now(),
                    declaration_id=p.gate_in.declaration_id,
                    data={"zone": p.zone.code, "expires_on": ends},
                )
            )
            if new:
                raised.append(alert)
    return raised
