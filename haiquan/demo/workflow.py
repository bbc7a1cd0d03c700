"""The life of one registered declaration, replayed step by step as the live workflow would
have recorded it: checks (and the escalation of a document check to an inspection), payment
orders and the banks' confirmations with their receipts, clearance, release, a cancellation or
a later amendment, each with its event, in time order, up to the end of the history.

The times come from `timeline`, the outcomes of the checks from `fraud`. The state after each
step (status, lane, amounts paid and due, version counter, timestamps) and the kind of event it
writes are read from the clearance workflow's table (`haiquan.clearance.workflow`), as the
services read them: a declaration clears the moment its checks are done and its duties are
settled; every save bumps its version; a correction or an amendment adds a `DeclarationVersion`.
(The demo's cancellations are the trader's, at once, whatever the lane: a simplification.)
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from haiquan.clearance.choices import (
    SETTLED_PAYMENT_STATES,
    CheckKind,
    CheckOutcome,
    PaymentState,
    Status,
)
from haiquan.clearance.workflow import (
    Action,
    By,
    checks_pending_in,
    clearable,
    emitted,
    lane_status,
    transition,
)
from haiquan.core.problems import ValidationFailed
from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party
from haiquan.payments.choices import OrderStatus
from haiquan.risk.choices import Lane
from haiquan.risk.engine import LaneResult
from haiquan.tariff.duties import DeclarationDuties, LineDuties

from . import fraud, timeline
from .choices import FraudKind
from .population import Firm
from .rows import json_text

if TYPE_CHECKING:
    from .compose import Composer

ZERO = Decimal(0)
TENTH_MILLI = Decimal("0.0001")
GREEN, YELLOW, RED = Lane.GREEN.value, Lane.YELLOW.value, Lane.RED.value
DOCUMENT_CHECK, INSPECTION = CheckKind.DOCUMENT_CHECK.value, CheckKind.INSPECTION.value
CUSTOMS, TRADER, BANK, MOVEMENT = (
    Party.CUSTOMS.value,
    Party.TRADER.value,
    Party.BANK.value,
    Party.MOVEMENT.value,
)

CANCEL_SHARE = {"export": 0.012, "import": 0.005}
AMEND_SHARE_DUTIABLE_IMPORT = 0.02
AMEND_SHARE_OTHER = 0.006
CANCEL_REASONS = {
    "export": (
        "Hàng hóa không xuất khẩu được do đối tác hủy đơn hàng.",
        "Hàng không kịp đóng container theo lịch tàu; hủy để khai lại.",
        "Khai sai mã loại hình; đề nghị hủy tờ khai để khai lại.",
    ),
    "import": (
        "Khai sai mã loại hình; đề nghị hủy tờ khai để khai lại.",
        "Khai trùng tờ khai đã đăng ký trước đó.",
        "Hàng chưa về đến cửa khẩu; hủy để khai lại khi hàng đến.",
    ),
}
AMEND_REASON = "Khai bổ sung điều chỉnh trị giá theo hóa đơn điều chỉnh số {invoice}-BS."
ESCALATE_REASON = (
    "Hồ sơ có dấu hiệu nghi vấn về trị giá, xuất xứ hoặc mã số; chuyển kiểm tra thực tế."
)


def notes_json(duties: LineDuties) -> str:
    """A line's duty notes as its row keeps them."""
    return json_text([str(n) for n in duties.notes])


@dataclass(frozen=True)
class Documents:
    """The parts of a declaration's content its versions share (all but lines and duties)."""

    type_code: str
    office_code: str
    enterprise_mst: str
    transport_mode: str
    incoterm: str
    currency: str
    freight: Decimal
    insurance: Decimal
    bill_of_lading: str
    arrival_date: date
    invoice_number: str
    invoice_date: date
    partner_name: str
    partner_country: str
    containers: tuple[tuple[str, str], ...]  # (ISO 6346 number, seal)
    exchange_rate: Decimal

    def content(self, lines: list[fraud.Line], duties: DeclarationDuties) -> str:
        """A version's content: what `DeclarationInput.as_json()` gives, with the duties and
        the rate, as clearance keeps it."""
        return json_text(
            {
                "type_code": self.type_code,
                "office_code": self.office_code,
                "enterprise_mst": self.enterprise_mst,
                "transport_mode": self.transport_mode,
                "incoterm": self.incoterm,
                "currency": self.currency,
                "invoice_value": sum((ln.value for ln in lines), ZERO),
                "lines": [fraud.line_json(ln) for ln in lines],
                "freight": self.freight,
                "insurance": self.insurance,
                "bill_of_lading": self.bill_of_lading,
                "arrival_date": self.arrival_date,
                "invoice_number": self.invoice_number,
                "invoice_date": self.invoice_date,
                "partner_name": self.partner_name,
                "partner_country": self.partner_country,
                "containers": [c for c, _seal in self.containers],
                "duties": {
                    "customs_value_vnd": duties.customs_value_vnd,
                    "import_duty_vnd": duties.import_duty_vnd,
                    "export_duty_vnd": duties.export_duty_vnd,
                    "sct_vnd": duties.sct_vnd,
                    "env_tax_vnd": duties.env_tax_vnd,
                    "vat_vnd": duties.vat_vnd,
                    "total_vnd": duties.total_vnd,
                },
                "exchange_rate": self.exchange_rate,
            }
        )


@dataclass
class Filing:
    """A declaration as registered: where its replay starts."""

    id: int
    number: str
    firm: Firm
    filer: tuple[int, str]  # (user id, username) of the declarant or the broker's staff
    broker_id: int | None
    office_id: int
    flow: str
    treatment: str  # the type's duty treatment
    registered_at: datetime
    lodged_at: datetime
    arrived_at: datetime | None
    documents: Documents
    lines: list[fraud.Line]  # as they truly are
    declared: list[fraud.Line]  # as declared (differ only where a violation was planted)
    duties: DeclarationDuties  # of the declared lines
    true_duties: DeclarationDuties
    plan: fraud.Plan | None
    result: LaneResult
    assess: Callable[[list[fraud.Line]], DeclarationDuties]  # duties at the registration rate
    usd_rate: Decimal
    content: str  # the registered version's content: `documents.content(declared, duties)`
    notes_json: tuple[str, ...]  # each declared line's duty notes, as its row keeps them
    true_notes_json: tuple[str, ...]  # the same of the true lines


@dataclass
class _Payment:
    ordered_at: datetime
    paid_at: datetime  # bank time
    received_at: datetime
    amount: Decimal


@dataclass
class _Check:
    at: datetime
    kind: str
    found: bool


@dataclass
class _State:
    status: str
    lane: str
    pending: bool
    total: Decimal
    updated: datetime
    paid: Decimal = ZERO
    version: int = 1
    versions: int = 1
    cleared: datetime | None = None
    released: datetime | None = None
    cancelled: datetime | None = None
    cancel_reason: str = ""
    reasons: list[dict[str, Any]] = field(default_factory=list)

    def payment_state(self) -> str:
        if self.total <= 0:
            return PaymentState.NONE_DUE.value
        if self.paid >= self.total:
            return PaymentState.PAID.value
        return PaymentState.PARTIAL.value if self.paid > 0 else PaymentState.UNPAID.value


class Replay:
    """Plans and replays one declaration's steps, then hands its rows to the composer."""

    def __init__(self, sink: Composer, rng: random.Random, filing: Filing) -> None:
        self.sink = sink
        self.rng = rng
        self.f = filing
        self.end = sink.end
        self.state = _State(
            status=lane_status(filing.result.lane).value,
            lane=filing.result.lane,
            pending=checks_pending_in(filing.result.lane),
            total=filing.duties.total_vnd,
            updated=filing.registered_at,
            reasons=filing.result.reasons_json(),
        )
        self.random_selected = any(r["source"] == "random" for r in self.state.reasons)
        self.lines, self.duties = filing.declared, filing.duties
        self.officers = sink.population.officers[filing.documents.office_code]
        self.bank_code = (
            filing.firm.bank if filing.firm.bank in sink.banks else next(iter(sink.banks))
        )
        self.events: list[tuple] = []
        self.versions: list[tuple] = []
        self.checks: list[tuple] = []
        self.order_ids: list[int] = []
        self.payments: list[_Payment] = []
        self.customs_seconds = 0.0
        self.cancel_at: datetime | None = None

    # --- planning -------------------------------------------------------------------------------

    def _plan(self) -> list[tuple[datetime, int, str, Any]]:
        """Every step's time, before any is recorded (the replay cuts them at the end)."""
        rng, f = self.rng, self.f
        lane, flow, plan = f.result.lane, f.flow, f.plan
        checks: list[_Check] = []
        actions: list[tuple[datetime, int, str, Any]] = []
        if lane == YELLOW:
            t_doc = timeline.office_weighted(
                rng,
                f.registered_at + timeline.seconds(timeline.document_check_delay(rng, flow)),
                timeline.checks_office_hours(flow),
            )
            found = plan is not None and rng.random() < fraud.DOCUMENT_CHECK_FINDS[plan.kind]
            suspicious = fraud.ESCALATE_SUSPECTED if plan else fraud.ESCALATE_HONEST
            if not found and rng.random() < suspicious:
                actions.append((t_doc, 0, "escalate", None))
                delay = timeline.seconds(timeline.inspection_delay(rng, flow) * 0.6)
                t_insp = timeline.office_weighted(
                    rng, t_doc + delay, timeline.checks_office_hours(flow)
                )
                checks.append(_Check(t_insp, INSPECTION, self._inspection_finds()))
            else:
                checks.append(_Check(t_doc, DOCUMENT_CHECK, found))
        elif lane == RED:
            delay = timeline.seconds(timeline.inspection_delay(rng, flow))
            t_insp = timeline.office_weighted(
                rng, f.registered_at + delay, timeline.checks_office_hours(flow)
            )
            checks.append(_Check(t_insp, INSPECTION, self._inspection_finds()))
        check = checks[0] if checks else None
        self._plan_payments(check)
        settled = self.payments[-1].received_at if self.payments else f.registered_at
        if check is not None and check.at >= settled:
            clear = check.at  # the officer's result clears it
        elif self.payments:
            clear = settled + timedelta(seconds=rng.randint(2, 8))  # VNACCS, seconds after the bank
        else:
            clear = f.registered_at  # green, nothing to pay: cleared at registration
        release = clear + timeline.seconds(timeline.movement_delay(rng, flow))
        for c in checks:
            actions.append((c.at, 1, "check", c))
        for i, p in enumerate(self.payments):
            actions += [(p.ordered_at, 2, "order", i), (p.received_at, 3, "confirm", i)]
        if rng.random() < CANCEL_SHARE[flow]:
            span = (release - f.registered_at).total_seconds()
            self.cancel_at = f.registered_at + timedelta(
                seconds=round(span * rng.uniform(0.05, 0.9))
            )
            actions.append((self.cancel_at, 4, "cancel", None))  # the goods never leave
        else:
            actions.append((release, 4, "release", None))
            dutiable_import = flow == "import" and f.treatment == "dutiable"
            if rng.random() < (
                AMEND_SHARE_DUTIABLE_IMPORT if dutiable_import else AMEND_SHARE_OTHER
            ):
                later = release + timedelta(days=rng.uniform(1, 25))
                actions.append((timeline.office_weighted(rng, later, 0.9), 5, "amend", None))
        actions.sort(key=lambda a: (a[0], a[1]))
        return actions

    def _inspection_finds(self) -> bool:
        return self.f.plan is not None and self.rng.random() < fraud.INSPECTION_FINDS

    def _plan_payments(self, check: _Check | None) -> None:
        """The trader pays what is due some time after registration; a correction found before
        it is paid at once, one found after it is paid later as a second order."""
        f = self.f
        d1 = f.duties.total_vnd
        found = check is not None and check.found
        d2 = f.true_duties.total_vnd if found else d1
        if d1 <= 0 and d2 <= 0:
            return
        first = self._trader_moment(f.registered_at)
        if found and check is not None and check.at <= first:
            self._pay_at(first, d2)
            return
        if d1 > 0:
            self._pay_at(first, d1)
        if found and check is not None and d2 > d1:
            self._pay_at(self._trader_moment(check.at), d2 - d1)

    def _trader_moment(self, after: datetime) -> datetime:
        delay = timeline.seconds(timeline.trader_payment_delay(self.rng, self.f.flow))
        return timeline.office_weighted(
            self.rng, after + delay, timeline.payment_office_hours(self.f.flow)
        )

    def _pay_at(self, ordered_at: datetime, amount: Decimal) -> None:
        """An order at `ordered_at`, never while the previous one is still open."""
        if self.payments:
            ordered_at = max(ordered_at, self.payments[-1].received_at + timedelta(minutes=1))
        paid_at = ordered_at + timeline.seconds(timeline.bank_delay(self.rng))
        received = paid_at + timedelta(seconds=self.rng.randint(1, 8))
        self.payments.append(_Payment(ordered_at, paid_at, received, amount))

    # --- replay ---------------------------------------------------------------------------------

    def run(self) -> None:
        actions = self._plan()
        self._register()
        last_at = self.f.registered_at
        i = 0
        while i < len(actions):  # an amendment may add its payment to the list
            at, _priority, kind, arg = actions[i]
            i += 1
            if at > self.end or (self.cancel_at is not None and at > self.cancel_at):
                break
            if kind in ("escalate", "check"):
                self.customs_seconds += (at - last_at).total_seconds()
            getattr(self, f"_{kind}")(at, arg, actions)
            last_at = max(last_at, at)
        self._rows()

    def _event(
        self,
        at: datetime,
        kind: str,
        party: str,
        data: dict[str, Any],
        actor: tuple[int, str] | None = None,
        label: str = "",
        subject: tuple[str, int] | None = None,
    ) -> None:
        subject_type, subject_id = subject or ("declaration", self.f.id)
        self.events.append(
            (
                at,
                kind,
                subject_type,
                subject_id,
                self.f.id,
                self.f.documents.office_code,
                actor[0] if actor else None,
                actor[1] if actor else label,
                party,
                data,
            )
        )

    def _touch(self, at: datetime) -> None:
        """A save of the declaration: its version counter moves on (optimistic locking)."""
        self.state.version += 1
        self.state.updated = max(self.state.updated, at)

    def _clear_if_ready(self, at: datetime, by: tuple[int, str] | None) -> None:
        s = self.state
        settled = s.payment_state() in SETTLED_PAYMENT_STATES
        if not clearable(status=s.status, checks_pending=s.pending, settled=settled):
            return
        step = transition(s.status, Action.CLEAR, By.SYSTEM)
        if step is None or at > self.end:
            return
        s.status, s.cleared = step.target.value, at
        self._touch(at)
        self._event(
            at,
            step.emits[0].code,
            CUSTOMS,
            {
                "number": self.f.number,
                "lane": s.lane,
                "payment_state": s.payment_state(),
                "automatic": by is None,
            },
            actor=by,
            label="automatic" if by is None else "",
        )

    def _version(self, at: datetime, reason: str, by: int, before: Decimal) -> None:
        self.state.versions += 1
        self.versions.append(
            (
                self.sink.ids["version"].next(),
                self.f.id,
                self.state.versions,
                reason,
                by,
                at,
                self.f.documents.content(self.lines, self.duties),
                self.state.total,
                self.state.total - before,
            )
        )

    def _register(self) -> None:
        f, docs = self.f, self.f.documents
        if f.arrived_at is not None and f.arrived_at <= self.end:
            self._event(
                f.arrived_at,
                kinds.CARGO_ARRIVED.code,
                MOVEMENT,
                {
                    "bill_of_lading": docs.bill_of_lading,
                    "transport_mode": docs.transport_mode,
                    "office": docs.office_code,
                    "containers": [c for c, _s in docs.containers],
                },
                label=f"operator:{docs.office_code}",
                subject=("consignment", f.id),
            )
        self._event(
            f.lodged_at,
            kinds.DECLARATION_LODGED.code,
            TRADER,
            {"number": None, "via": "register"},
            actor=f.filer,
        )
        self._event(
            f.registered_at,
            kinds.DECLARATION_REGISTERED.code,
            TRADER,
            {
                "number": f.number,
                "type": docs.type_code,
                "office": docs.office_code,
                "lines": len(f.declared),
                "customs_value_vnd": f.duties.customs_value_vnd,
                "total_duties_vnd": f.duties.total_vnd,
                "exchange_rate": docs.exchange_rate,
            },
            actor=f.filer,
        )
        self._event(
            f.registered_at,
            kinds.DECLARATION_LANE_DECIDED.code,
            CUSTOMS,
            {
                "number": f.number,
                "lane": f.result.lane,
                "random_selected": f.result.random_selected,
                "reasons": [r["code"] for r in self.state.reasons],
                "score": f.result.score,
            },
            label="selectivity",
        )
        self.versions.append(
            (
                self.sink.ids["version"].next(),
                f.id,
                1,
                "",
                f.filer[0],
                f.registered_at,
                f.content,
                f.duties.total_vnd,
                f.duties.total_vnd,
            )
        )
        self._clear_if_ready(f.registered_at, None)

    def _escalate(self, at: datetime, _arg: None, _actions: list) -> None:
        """A document check that raises doubts sends the goods to inspection (chuyển luồng đỏ)."""
        s = self.state
        step = transition(s.status, Action.ESCALATE, By.OFFICER)
        assert step is not None, s.status  # planned for a document check only
        s.status, s.lane = step.target.value, RED
        s.reasons = [
            *s.reasons,
            {
                "source": "officer",
                "code": "ESCALATED",
                "lane": RED,
                "text": ESCALATE_REASON,
                "line_no": None,
                "version": None,
            },
        ]
        self._touch(at)
        self._event(
            at,
            step.emits[0].code,
            CUSTOMS,
            {
                "number": self.f.number,
                "reason": ESCALATE_REASON,
                "from": YELLOW,
                "to": RED,
            },
            actor=self.rng.choice(self.officers),
        )

    def _check(self, at: datetime, check: _Check, _actions: list) -> None:
        """The officer's result; a discrepancy corrects the lines to the truth and re-assesses."""
        f, s = self.f, self.state
        officer = self.rng.choice(self.officers)
        before = s.total
        corrections: list[dict[str, Any]] = []
        outcome, findings, fraud_kind = CheckOutcome.MATCH.value, "", ""
        plan = f.plan
        if check.found and plan is not None:
            outcome, fraud_kind = CheckOutcome.DISCREPANCY.value, plan.kind
            findings = fraud.FINDINGS[FraudKind(plan.kind)]
            corrections = [fraud.correction(plan.kind, i + 1, f.lines[i]) for i in plan.affected]
            self.lines = [self._corrected(i) for i in range(len(f.declared))]
            self.duties = f.true_duties
            s.total = f.true_duties.total_vnd
            reason = _("Corrected by %(k)s: %(f)s") % {
                "k": CheckKind(check.kind).label,
                "f": findings,
            }
            self._version(at, reason, officer[0], before)
        self.checks.append(
            (
                self.sink.ids["check"].next(),
                f.id,
                check.kind,
                outcome,
                officer[0],
                at,
                findings,
                json_text(corrections),
                before,
                s.total,
                s.total - before,
                self.random_selected,
                fraud_kind,
            )
        )
        step = transition(s.status, Action.RECORD_CHECK, By.OFFICER)
        assert step is not None and step.source == check.kind, (s.status, check.kind)
        s.pending, s.status = False, step.target.value
        self._touch(at)
        self._event(
            at,
            step.emits[0].code,
            CUSTOMS,
            {
                "number": f.number,
                "outcome": outcome,
                "duties_before_vnd": before,
                "duties_after_vnd": s.total,
                "difference_vnd": s.total - before,
                "corrected_lines": [c["line_no"] for c in corrections],
            },
            actor=officer,
        )
        self._clear_if_ready(at, officer)

    def _corrected(self, i: int) -> fraud.Line:
        """Line i after the officer's corrections (clearance keeps the C/O reference of a line
        whose preference was struck out)."""
        f, plan = self.f, self.f.plan
        if plan is None or i not in plan.affected:
            return f.declared[i]
        if plan.kind == FraudKind.FALSE_ORIGIN.value:
            return replace(
                f.lines[i], co_number=f.declared[i].co_number, co_date=f.declared[i].co_date
            )
        return f.lines[i]

    def _order(self, _at: datetime, i: int, _actions: list) -> None:
        f, p = self.f, self.payments[i]
        order_id = self.sink.ids["order"].next()
        self.order_ids.append(order_id)
        reference = f"TT{f.number}{i + 1:02d}"
        confirmed = p.received_at <= self.end and (
            self.cancel_at is None or p.received_at <= self.cancel_at
        )
        dropped = not confirmed and self.cancel_at is not None and self.cancel_at <= self.end
        status = (
            OrderStatus.PAID
            if confirmed
            else OrderStatus.CANCELLED
            if dropped
            else OrderStatus.OPEN
        ).value
        self.sink.rows["order"].append(
            (
                order_id,
                reference,
                f.id,
                i + 1,
                p.amount,
                status,
                f.filer[0],
                p.ordered_at,
                p.paid_at if confirmed else None,
                self.cancel_at if dropped else None,
                self.sink.banks[self.bank_code] if confirmed else None,
            )
        )
        self._event(
            p.ordered_at,
            kinds.PAYMENT_ORDER_CREATED.code,
            TRADER,
            {"reference": reference, "amount_vnd": p.amount},
            actor=f.filer,
            subject=("payment_order", order_id),
        )
        self.sink.tally.payment_orders += 1

    def _confirm(self, at: datetime, i: int, _actions: list) -> None:
        """The bank's confirmation, the receipt (numbered without gaps in its year), and the
        declaration settled: cleared seconds later if nothing else holds it."""
        f, p, sink, s = self.f, self.payments[i], self.sink, self.state
        txn = sink.bank_transaction_id(self.bank_code, p.paid_at)
        reference = f"TT{f.number}{i + 1:02d}"
        body = json_text(
            {
                "order_reference": reference,
                "bank_transaction_id": txn,
                "amount_vnd": p.amount,
                "paid_at": p.paid_at,
            }
        )
        confirmation_id = sink.ids["confirmation"].next()
        sink.rows["confirmation"].append(
            (
                confirmation_id,
                sink.banks[self.bank_code],
                txn,
                self.order_ids[i],
                p.amount,
                p.paid_at,
                p.received_at,
                hashlib.sha256(body.encode()).hexdigest(),
            )
        )
        year, sequence = sink.receipt_number(p.received_at)
        receipt = f"BL{year}-{sequence:06d}"
        sink.rows["receipt"].append(
            (
                sink.ids["receipt"].next(),
                receipt,
                year,
                sequence,
                f.id,
                confirmation_id,
                p.amount,
                p.received_at,
                f.firm.mst,
                f.firm.name,
            )
        )
        s.paid += p.amount
        self._touch(at)
        self._event(
            at,
            kinds.PAYMENT_CONFIRMED.code,
            BANK,
            {
                "number": f.number,
                "order": reference,
                "receipt": receipt,
                "bank": self.bank_code,
                "bank_transaction_id": txn,
                "amount_vnd": p.amount,
                "paid_at": p.paid_at,
                "paid_vnd": s.paid,
                "guaranteed_vnd": ZERO,
                "payment_state": s.payment_state(),
            },
            label=f"bank:{self.bank_code}",
        )
        sink.tally.confirmations += 1
        self._clear_if_ready(at + timedelta(seconds=self.rng.randint(2, 8)), None)

    def _release(self, at: datetime, _arg: None, _actions: list) -> None:
        """The goods leave customs control (giải phóng hàng): the gate reports them out."""
        step = transition(self.state.status, Action.RELEASE, By.OFFICER)
        if step is None:
            return
        self.state.status, self.state.released = step.target.value, at
        self._touch(at)
        office = self.f.documents.office_code
        self._event(
            at,
            step.emits[0].code,
            MOVEMENT,
            {"number": self.f.number, "note": ""},
            label=f"operator:{office}",
        )

    def _cancel(self, at: datetime, _arg: None, _actions: list) -> None:
        s = self.state
        reason = self.rng.choice(CANCEL_REASONS[self.f.flow])
        s.status, s.cancelled, s.cancel_reason, s.pending = (
            Status.CANCELLED.value,
            at,
            reason,
            False,
        )
        self._touch(at)
        self._event(
            at,
            emitted(Action.CANCEL, By.TRADER).code,
            TRADER,
            {
                "number": self.f.number,
                "reason": reason,
                "refundable_vnd": s.paid,
            },
            actor=self.f.filer,
        )

    def _amend(self, at: datetime, _arg: None, actions: list) -> None:
        """After release, the trader declares a higher price (an adjusted invoice) and pays the
        difference (khai bổ sung sau thông quan)."""
        f, s = self.f, self.state
        if (
            s.status != Status.RELEASED.value
            or transition(s.status, Action.AMEND, By.TRADER) is None
        ):
            return
        i = max(range(len(self.lines)), key=lambda k: self.lines[k].value)
        line = self.lines[i]
        factor = Decimal(repr(round(self.rng.uniform(1.03, 1.12), 3)))
        price = (line.unit_price * factor).quantize(TENTH_MILLI)
        amended = list(self.lines)
        amended[i] = replace(line, unit_price=price, value=fraud.line_value(line.quantity, price))
        try:
            duties = f.assess(amended)
        except ValidationFailed:
            return
        before = s.total
        reason = AMEND_REASON.format(invoice=f.documents.invoice_number)
        self.lines, self.duties, s.total = amended, duties, duties.total_vnd
        self._version(at, reason, f.filer[0], before)
        self._touch(at)
        self._event(
            at,
            emitted(Action.AMEND, By.TRADER).code,
            TRADER,
            {
                "number": f.number,
                "version": s.versions,
                "reason": reason,
                "duties_before_vnd": before,
                "duties_after_vnd": s.total,
                "difference_vnd": s.total - before,
            },
            actor=f.filer,
        )
        if s.total > s.paid:
            self._pay_at(self._trader_moment(at), s.total - s.paid)
            n, p = len(self.payments) - 1, self.payments[-1]
            actions += [(p.ordered_at, 2, "order", n), (p.received_at, 3, "confirm", n)]

    # --- rows -----------------------------------------------------------------------------------

    def _rows(self) -> None:
        """Hand the declaration's rows to the composer: the declaration, its lines, containers,
        versions and checks, the ground truth; then its events, and count it."""
        f, rows, ids = self.f, self.sink.rows, self.sink.ids
        self._declaration_row()
        self._line_rows()
        for number, seal in f.documents.containers:
            rows["container"].append((ids["container"].next(), f.id, number, seal))
        rows["version"] += self.versions
        rows["check"] += self.checks
        detected, stake = self._truth_row()
        self.sink.add_events(self.events)
        self.sink.tally.count(self, detected=detected, stake=stake)

    def _declaration_row(self) -> None:
        f, s, d, docs, rows = self.f, self.state, self.duties, self.f.documents, self.sink.rows
        rows["declaration"].append(
            (
                f.id,
                f.number,
                f.flow,
                docs.type_code,
                s.status,
                s.lane,
                json_text(s.reasons),
                f.result.score,
                s.version,
                s.versions - 1,
                f.firm.enterprise_id,
                f.broker_id,
                f.filer[0],
                f.office_id,
                docs.partner_name,
                docs.partner_country,
                docs.transport_mode,
                docs.bill_of_lading,
                docs.arrival_date,
                docs.invoice_number,
                docs.invoice_date,
                docs.incoterm,
                docs.currency,
                sum((ln.value for ln in self.lines), ZERO),
                docs.freight,
                docs.insurance,
                docs.exchange_rate,
                d.customs_value_vnd,
                d.import_duty_vnd,
                d.export_duty_vnd,
                d.sct_vnd,
                d.env_tax_vnd,
                d.vat_vnd,
                s.total,
                s.paid,
                ZERO,
                s.payment_state(),
                f.lodged_at,
                s.updated,
                f.registered_at,
                s.cleared,
                s.released,
                s.cancelled,
                s.cancel_reason,
                s.pending,
            )
        )

    def _line_rows(self) -> None:
        f, d, rows, ids = self.f, self.duties, self.sink.rows, self.sink.ids
        # The notes of the registered and the true duties were written when prepared.
        notes = f.notes_json if d is f.duties else f.true_notes_json if d is f.true_duties else None
        for i, (ln, ld) in enumerate(zip(self.lines, d.lines, strict=True)):
            rows["line"].append(
                (
                    ids["line"].next(),
                    f.id,
                    i + 1,
                    ln.code,
                    ln.description,
                    ln.origin,
                    ln.quantity,
                    ln.unit,
                    ln.unit_price,
                    ln.value,
                    ln.preference,
                    ln.co_number,
                    ln.co_date,
                    ld.customs_value_vnd,
                    ld.import_rate,
                    ld.import_rate_kind + (f":{ld.agreement}" if ld.agreement else ""),
                    ld.import_duty_vnd,
                    ld.export_rate,
                    ld.export_duty_vnd,
                    ld.sct_rate,
                    ld.sct_vnd,
                    ld.env_tax_vnd,
                    ld.vat_rate,
                    ld.vat_vnd,
                    ld.total_vnd,
                    notes[i] if notes is not None else notes_json(ld),
                )
            )

    def _truth_row(self) -> tuple[bool, Decimal]:
        """The ground truth of what was planted, and whether a check found it: (found, the
        duties at stake)."""
        f, rows, ids = self.f, self.sink.rows, self.sink.ids
        detected = any(c[3] == CheckOutcome.DISCREPANCY.value for c in self.checks)
        plan, stake, truth = f.plan, ZERO, []
        if plan is not None:
            stake = f.true_duties.total_vnd - f.duties.total_vnd
            truth = [
                {
                    "line_no": i + 1,
                    "declared": fraud.line_json(f.declared[i]),
                    "true": fraud.line_json(f.lines[i]),
                }
                for i in plan.affected
            ]
        rows["truth"].append(
            (
                ids["truth"].next(),
                f.id,
                self.sink.dataset_id,
                plan.kind if plan else "",
                json_text(truth),
                stake,
                detected,
            )
        )
        return detected, stake
