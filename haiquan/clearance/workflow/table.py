"""The declaration's life-cycle as one table: in which state an action may be taken, by whom,
where it leads and which events it writes. The services enforce it, the pages offer what it
allows (`permissions.py`), the cancellation rules (`rules.py`), the history import and the demo's
replay read it; none of them restates it.

    draft ─register→ (green) awaiting_payment ─clear→ cleared ─release→ released
                     (yellow) document_check ─record_check→ awaiting_payment
                                   └─escalate→ inspection
                     document_check or inspection ─request_documents→ awaiting_documents
                                   ←answer_request (yellow, red)─┘  then accept_answer
                     (red) inspection ─record_check→ awaiting_payment
    registered, goods not yet out ─cancel (at once, or on an officer's decision)→ cancelled

A row's `guards` name the conditions beyond the state and the lane that must also hold (a check
still pending, no cancellation request waiting...); the services check them with the data they
hold, and `Guard` says what each means.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from haiquan.eventlog import kinds
from haiquan.eventlog.kinds import EventKind
from haiquan.risk.choices import Lane

from ..choices import OPEN_STATUSES, Status


class Action(StrEnum):
    SAVE_DRAFT = "save_draft"
    REGISTER = "register"
    RECORD_CHECK = "record_check"  # a document check's or an inspection's result
    ESCALATE = "escalate"  # a document check sends the goods to inspection
    PAY = "pay"  # the trader asks the bank to pay what is due (a payment order)
    SETTLE = "settle"  # a bank's confirmation or guarantee is applied
    CLEAR = "clear"  # automatic: checks done, everything owed settled, nothing held
    HOLD = "hold"  # automatic: clearable but another app's guard holds it
    RELEASE = "release"
    AMEND = "amend"
    RAISE_LANE = "raise_lane"  # automatic: an amendment's selectivity raised the lane
    CANCEL = "cancel"  # cancelled at once
    REQUEST_CANCELLATION = "request_cancellation"  # kept for an officer's decision
    APPROVE_CANCELLATION = "approve_cancellation"
    REFUSE_CANCELLATION = "refuse_cancellation"
    RECORD_PENALTY = "record_penalty"
    UPLOAD_DOCUMENT = "upload_document"  # a document of the declaration's file (hồ sơ)
    REQUEST_DOCUMENTS = "request_documents"  # the officer asks for documents or explanations
    ANSWER_REQUEST = "answer_request"  # the declarant answers with documents and a message
    ACCEPT_ANSWER = "accept_answer"  # the officer accepts the answer; the check goes on
    ESCALATE_REQUEST = "escalate_request"  # automatic: the answer is late


class By(StrEnum):
    """Who takes the action."""

    TRADER = "trader"  # the declarant (an enterprise's user), or the broker firm that filed it
    OFFICER = "officer"  # an officer or leader of the declaration's office (or above it)
    BANK = "bank"  # a bank's confirmation or guarantee, applied by the payments app
    SYSTEM = "system"  # haiquan itself, as a consequence of another action


class Guard(StrEnum):
    """Conditions a row needs besides its state and lane."""

    CHECKS_PENDING = "checks_pending"  # the check selected has not been recorded yet
    CHECKS_DONE = "checks_done"
    SETTLED = "settled"  # duties and penalties paid or guaranteed (or none due)
    NOT_HELD = "not_held"  # no other app's guard (clearance_blockers) holds the clearance
    HELD = "held"
    AMOUNT_DUE = "amount_due"  # something is still owed
    LANE_RAISED = "lane_raised"  # the new lane is more severe than the current one
    GOODS_IN_AREA = "goods_in_area"  # the goods are still in the customs area
    NO_UNPAID_PENALTY = "no_unpaid_penalty"
    NO_REQUEST = "no_request"  # no cancellation request is waiting for a decision
    REQUEST_PENDING = "request_pending"
    NO_DOCUMENT_REQUEST = "no_document_request"  # no request for documents open or unaccepted
    ANSWERED = "answered"  # the declarant has answered the request
    OVERDUE = "overdue"  # past the request's deadline, not yet escalated


ALL_LANES = frozenset(Lane)


@dataclass(frozen=True)
class Transition:
    """One row: from `source` (None: a declaration not stored yet), `by` may take `action`,
    which leads to `target` and writes `emits` (in that order; a row that emits one of several
    kinds, as settling does, lists them all). `lanes` limits the row to declarations in those
    lanes; for REGISTER and RAISE_LANE it is the lane just decided."""

    source: Status | None
    action: Action
    target: Status
    by: By
    emits: tuple[EventKind, ...]
    lanes: frozenset[Lane] = ALL_LANES
    guards: tuple[Guard, ...] = ()


GREEN, YELLOW, RED = frozenset({Lane.GREEN}), frozenset({Lane.YELLOW}), frozenset({Lane.RED})
CHECKED = frozenset({Lane.YELLOW, Lane.RED})  # lanes customs selected for a check
DRAFT, DOC, INSP, DOCS, AWAIT, CLEARED, RELEASED, CANCELLED = (
    Status.DRAFT,
    Status.DOCUMENT_CHECK,
    Status.INSPECTION,
    Status.AWAITING_DOCUMENTS,
    Status.AWAITING_PAYMENT,
    Status.CLEARED,
    Status.RELEASED,
    Status.CANCELLED,
)
REGISTERED = (DOC, INSP, DOCS, AWAIT, CLEARED, RELEASED)  # registered and not cancelled
BEFORE_CLEARANCE = tuple(sorted(OPEN_STATUSES))  # registered, not cleared yet
CANCEL_GUARDS = (Guard.NO_UNPAID_PENALTY, Guard.NO_REQUEST)
LODGED = (kinds.DECLARATION_LODGED, kinds.DECLARATION_REGISTERED, kinds.DECLARATION_LANE_DECIDED)
DRAFTED = (kinds.DECLARATION_REGISTERED, kinds.DECLARATION_LANE_DECIDED)
T = Transition

# fmt: off
TRANSITIONS: tuple[Transition, ...] = (
    # Drafts: checked in full, no number, lane or duty
    T(None, Action.SAVE_DRAFT, DRAFT, By.TRADER, (kinds.DECLARATION_DRAFT_CREATED,)),
    T(DRAFT, Action.SAVE_DRAFT, DRAFT, By.TRADER, (kinds.DECLARATION_DRAFT_UPDATED,)),
    # Registration: the lane decided says where the declaration starts
    T(None, Action.REGISTER, AWAIT, By.TRADER, LODGED, GREEN),
    T(None, Action.REGISTER, DOC, By.TRADER, LODGED, YELLOW),
    T(None, Action.REGISTER, INSP, By.TRADER, LODGED, RED),
    T(DRAFT, Action.REGISTER, AWAIT, By.TRADER, DRAFTED, GREEN),
    T(DRAFT, Action.REGISTER, DOC, By.TRADER, DRAFTED, YELLOW),
    T(DRAFT, Action.REGISTER, INSP, By.TRADER, DRAFTED, RED),
    # Customs' checks
    T(DOC, Action.RECORD_CHECK, AWAIT, By.OFFICER, (kinds.DECLARATION_DOCUMENT_CHECK_RECORDED,),
      guards=(Guard.CHECKS_PENDING, Guard.NO_DOCUMENT_REQUEST)),
    T(INSP, Action.RECORD_CHECK, AWAIT, By.OFFICER, (kinds.DECLARATION_INSPECTION_RECORDED,),
      guards=(Guard.CHECKS_PENDING, Guard.NO_DOCUMENT_REQUEST)),
    T(DOC, Action.ESCALATE, INSP, By.OFFICER, (kinds.DECLARATION_ESCALATED,)),
    # Documents: the declaration's file, and customs' requests for more during the check.
    # While a request waits the declaration waits for the declarant (its time, in time release);
    # the answer returns it to the check of its lane, where the officer accepts it.
    *(T(s, Action.UPLOAD_DOCUMENT, s, By.TRADER, (kinds.DECLARATION_DOCUMENT_UPLOADED,))
      for s in (DRAFT, *REGISTERED)),
    *(T(s, Action.REQUEST_DOCUMENTS, DOCS, By.OFFICER, (kinds.DECLARATION_DOCUMENTS_REQUESTED,),
        guards=(Guard.CHECKS_PENDING, Guard.NO_DOCUMENT_REQUEST)) for s in (DOC, INSP)),
    T(DOCS, Action.ANSWER_REQUEST, DOC, By.TRADER, (kinds.DECLARATION_DOCUMENTS_ANSWERED,),
      YELLOW),
    T(DOCS, Action.ANSWER_REQUEST, INSP, By.TRADER, (kinds.DECLARATION_DOCUMENTS_ANSWERED,), RED),
    *(T(s, Action.ACCEPT_ANSWER, s, By.OFFICER, (kinds.DECLARATION_DOCUMENTS_ACCEPTED,),
        guards=(Guard.ANSWERED,)) for s in (DOC, INSP)),
    T(DOCS, Action.ESCALATE_REQUEST, DOCS, By.SYSTEM,
      (kinds.DECLARATION_DOCUMENT_REQUEST_ESCALATED,), guards=(Guard.OVERDUE,)),
    # Payment, at any time from registration until the declaration is cancelled
    *(T(s, Action.PAY, s, By.TRADER, (kinds.PAYMENT_ORDER_CREATED,), guards=(Guard.AMOUNT_DUE,))
      for s in REGISTERED),
    *(T(s, Action.SETTLE, s, By.BANK, (kinds.PAYMENT_CONFIRMED, kinds.GUARANTEE_REGISTERED))
      for s in REGISTERED),
    # Clearance (thông quan), at any hour, the moment nothing stands in its way
    T(AWAIT, Action.CLEAR, CLEARED, By.SYSTEM, (kinds.DECLARATION_CLEARED,),
      guards=(Guard.CHECKS_DONE, Guard.SETTLED, Guard.NOT_HELD)),
    T(AWAIT, Action.HOLD, AWAIT, By.SYSTEM, (kinds.DECLARATION_CLEARANCE_HELD,),
      guards=(Guard.CHECKS_DONE, Guard.SETTLED, Guard.HELD)),
    T(CLEARED, Action.RELEASE, RELEASED, By.OFFICER, (kinds.DECLARATION_RELEASED,),
      guards=(Guard.NO_REQUEST,)),
    # Amendment (khai bổ sung), before or after clearance; before it the lane may rise
    *(T(s, Action.AMEND, s, By.TRADER, (kinds.DECLARATION_AMENDED,)) for s in REGISTERED),
    T(AWAIT, Action.RAISE_LANE, DOC, By.SYSTEM, (kinds.DECLARATION_LANE_DECIDED,), YELLOW,
      (Guard.LANE_RAISED,)),
    T(AWAIT, Action.RAISE_LANE, INSP, By.SYSTEM, (kinds.DECLARATION_LANE_DECIDED,), RED,
      (Guard.LANE_RAISED,)),
    T(DOC, Action.RAISE_LANE, INSP, By.SYSTEM, (kinds.DECLARATION_LANE_DECIDED,), RED,
      (Guard.LANE_RAISED,)),
    # ... while documents are awaited the request stands; the answer then goes to inspection
    T(DOCS, Action.RAISE_LANE, DOCS, By.SYSTEM, (kinds.DECLARATION_LANE_DECIDED,), RED,
      (Guard.LANE_RAISED,)),
    # Cancellation (hủy tờ khai): rules.py says why, with the refusals' words
    T(DRAFT, Action.CANCEL, CANCELLED, By.TRADER, (kinds.DECLARATION_CANCELLED,)),
    T(AWAIT, Action.CANCEL, CANCELLED, By.TRADER, (kinds.DECLARATION_CANCELLED,), GREEN,
      CANCEL_GUARDS),
    T(AWAIT, Action.REQUEST_CANCELLATION, AWAIT, By.TRADER,
      (kinds.DECLARATION_CANCELLATION_REQUESTED,), CHECKED, CANCEL_GUARDS),
    T(DOC, Action.REQUEST_CANCELLATION, DOC, By.TRADER,
      (kinds.DECLARATION_CANCELLATION_REQUESTED,), guards=CANCEL_GUARDS),
    T(INSP, Action.REQUEST_CANCELLATION, INSP, By.TRADER,
      (kinds.DECLARATION_CANCELLATION_REQUESTED,), guards=CANCEL_GUARDS),
    T(DOCS, Action.REQUEST_CANCELLATION, DOCS, By.TRADER,
      (kinds.DECLARATION_CANCELLATION_REQUESTED,), guards=CANCEL_GUARDS),
    T(CLEARED, Action.REQUEST_CANCELLATION, CLEARED, By.TRADER,
      (kinds.DECLARATION_CANCELLATION_REQUESTED,), guards=(Guard.GOODS_IN_AREA, *CANCEL_GUARDS)),
    *(T(s, Action.CANCEL, CANCELLED, By.OFFICER, (kinds.DECLARATION_CANCELLED,),
        guards=CANCEL_GUARDS) for s in BEFORE_CLEARANCE),
    # ... a request waits where the declarant could make one: after a check was selected
    *(T(s, Action.APPROVE_CANCELLATION, CANCELLED, By.OFFICER, (kinds.DECLARATION_CANCELLED,),
        lanes, (Guard.REQUEST_PENDING, Guard.NO_UNPAID_PENALTY))
      for s, lanes in ((DOC, ALL_LANES), (INSP, ALL_LANES), (DOCS, ALL_LANES), (AWAIT, CHECKED))),
    T(CLEARED, Action.APPROVE_CANCELLATION, CANCELLED, By.OFFICER, (kinds.DECLARATION_CANCELLED,),
      guards=(Guard.REQUEST_PENDING, Guard.GOODS_IN_AREA, Guard.NO_UNPAID_PENALTY)),
    *(T(s, Action.REFUSE_CANCELLATION, s, By.OFFICER, (kinds.DECLARATION_CANCELLATION_REFUSED,),
        lanes, (Guard.REQUEST_PENDING,))
      for s, lanes in ((DOC, ALL_LANES), (INSP, ALL_LANES), (DOCS, ALL_LANES), (AWAIT, CHECKED),
                       (CLEARED, ALL_LANES))),
    # Penalties (quyết định xử phạt), owed with the duties
    *(T(s, Action.RECORD_PENALTY, s, By.OFFICER, (kinds.DECLARATION_PENALTY_DECIDED,))
      for s in REGISTERED),
)
# fmt: on


def _check_table(rows: Iterable[Transition]) -> None:
    """One row for each (state, action, who, lane): the table never says two things at once."""
    seen: set[tuple[Status | None, Action, By, Lane]] = set()
    for row in rows:
        for lane in row.lanes:
            key = (row.source, row.action, row.by, lane)
            if key in seen:
                raise ValueError(f"the workflow table has {key} twice")
            seen.add(key)


_check_table(TRANSITIONS)
# The rows by (source, action, by), for the lookups every service makes.
_INDEX: dict[tuple[str | None, Action, By], list[Transition]] = {}
for _row in TRANSITIONS:
    _INDEX.setdefault((_row.source, _row.action, _row.by), []).append(_row)


def transitions(action: Action | None = None, *, by: By | None = None) -> Iterator[Transition]:
    """The rows for this action and taker (each left out: any)."""
    for row in TRANSITIONS:
        if (action is None or row.action == action) and (by is None or row.by == by):
            yield row


def transition(
    status: Status | str | None, action: Action, by: By, lane: Lane | str | None = None
) -> Transition | None:
    """The row that lets `by` take `action` on a declaration in `status` (and `lane`, when the
    rows for it depend on the lane), or None when the table does not allow it. No lane (None,
    or a draft's "") matches a row of any lane."""
    for row in _INDEX.get((status, action, by), ()):
        if not lane or lane in row.lanes:
            return row
    return None


def allows(
    status: Status | str | None, action: Action, by: By, lane: Lane | str | None = None
) -> bool:
    return transition(status, action, by, lane) is not None


def states(action: Action, by: By, lane: Lane | str | None = None) -> frozenset[Status]:
    """The states from which `by` may take `action` (in `lane`, if given)."""
    return frozenset(
        row.source
        for row in transitions(action, by=by)
        if row.source is not None and (lane is None or lane in row.lanes)
    )


def lane_status(lane: Lane | str) -> Status:
    """Where a declaration registered in `lane` starts (green: waiting for payment, yellow: the
    document check, red: the inspection)."""
    row = transition(None, Action.REGISTER, By.TRADER, lane)
    assert row is not None, lane
    return row.target


def checks_pending_in(lane: Lane | str) -> bool:
    """A declaration starting in `lane` waits for customs' check (yellow and red): where it
    starts, an officer records a check."""
    return allows(lane_status(lane), Action.RECORD_CHECK, By.OFFICER)


def clearable(*, status: str, checks_pending: bool, settled: bool) -> bool:
    """Whether the automatic clearance may happen now (its guards CHECKS_DONE and SETTLED),
    but for other apps' guards (NOT_HELD), which the services ask."""
    return allows(status, Action.CLEAR, By.SYSTEM) and not checks_pending and settled


def emitted(action: Action, by: By) -> EventKind:
    """The one kind of event `by`'s `action` writes (the same from every state)."""
    found = {row.emits for row in transitions(action, by=by)}
    if len(found) != 1 or len(next(iter(found))) != 1:
        raise ValueError(f"{action} by {by} emits {found}")
    return found.pop()[0]
