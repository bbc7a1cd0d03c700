"""The conditions of cancelling a declaration and recording a penalty on it, and the words of
their refusals. Which states allow which action, by whom, is the workflow table's
(`workflow/table.py`); this module reads it and adds what depends on more than the state.

Cancellation (hủy tờ khai), after the Customs Law 2014 and Circular 38/2015/TT-BTC art. 22 as
amended by Circular 39/2018/TT-BTC:

- A draft is not a declaration yet: the trader discards it.
- Before clearance the declarant may ask to cancel. A green-lane declaration (customs has not
  selected it for any check) is cancelled on that request at once. One customs selected for a
  document check or an inspection (yellow or red lane) is cancelled only by an officer's
  decision on the request: a trader cannot take goods out of a check by withdrawing them.
- After clearance, cancellation is an officer's decision on the declarant's request, and only
  while the goods have not been taken out of the customs area (not released, no gate-out at a
  port or yard, not departed under transit). Once they are out, it cannot be cancelled.
- Officers of the office may cancel on the office's own decision only before clearance (e.g. the
  goods never arrived); after clearance only on the declarant's request.
- Never while a penalty decision on the declaration is unpaid (the fine is collected through it).
- Duties already paid are not returned by the cancellation: they become an overpayment that the
  enterprise may have refunded or set off against other duties on its request (Law on Tax
  Administration 2019, art. 60).

Penalties: an officer of the office records a penalty decision on any registered declaration that
is not cancelled; the amount is owed with the duties, and the goods are cleared once it is paid or
guaranteed (Customs Law 2014, art. 37).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext as _

from haiquan.eventlog import kinds
from haiquan.risk.choices import Lane

from .choices import Status
from .workflow.table import Action, By, states, transition, transitions


class CancelRoute(StrEnum):
    """What a declarant's cancellation request does."""

    DISCARD = "discard"  # a draft: discarded at once
    AT_ONCE = "at_once"  # the request cancels the declaration at once
    DECISION = "decision"  # the request waits for an officer's decision
    NONE = "none"  # cannot be cancelled


def trader_route(status: str, lane: str) -> CancelRoute:
    """What the declarant's request does in this state and lane, as the workflow table says,
    before the conditions below are applied."""
    lane = lane if lane in Lane.values else Lane.GREEN  # a draft has no lane yet
    if transition(status, Action.CANCEL, By.TRADER, lane) is not None:
        return CancelRoute.DISCARD if status == Status.DRAFT else CancelRoute.AT_ONCE
    if transition(status, Action.REQUEST_CANCELLATION, By.TRADER, lane) is not None:
        return CancelRoute.DECISION
    return CancelRoute.NONE


# Statuses in which an officer may cancel on the office's own decision (before clearance).
OFFICER_CANCELLATION = states(Action.CANCEL, By.OFFICER)
# Statuses after clearance (where the release starts and ends): cancellation then needs the
# goods still in the customs area.
AFTER_CLEARANCE = states(Action.RELEASE, By.OFFICER) | {
    row.target for row in transitions(Action.RELEASE, by=By.OFFICER)
}
# Statuses in which a penalty decision may be recorded.
PENALTY_STATUSES = states(Action.RECORD_PENALTY, By.OFFICER)
# Events that say the goods were taken out of the customs area (besides the officer's release).
GOODS_OUT_EVENTS = frozenset({kinds.CARGO_GATE_OUT.code, kinds.TRANSIT_DEPARTED.code})


@dataclass(frozen=True)
class CancellationTerms:
    """What cancelling means for this declaration now.

    `trader` is what a declarant's request does; `trader_refusal` says why it may not ask (empty
    when it may). `officer` tells whether an officer may cancel on the office's own decision, and
    `officer_refusal` why not. `decision_refusal` says why a pending request could not be
    approved now (empty when it could)."""

    trader: CancelRoute
    trader_refusal: str
    officer: bool
    officer_refusal: str
    decision_refusal: str
    after_clearance: bool


def cancellation_terms(
    *, status: str, lane: str, goods_out: bool, penalty_unpaid: bool, request_pending: bool
) -> CancellationTerms:
    """The cancellation rules above, for a declaration in this situation."""
    route = trader_route(status, lane)
    blocker = ""
    if status == Status.CANCELLED:
        blocker = _("The declaration is already cancelled.")
    elif status == Status.RELEASED:
        blocker = _(
            "The goods are released: a declaration cannot be cancelled once its goods have "
            "left customs control."
        )
    elif status == Status.CLEARED and goods_out:
        blocker = _(
            "The goods have been taken out of the customs area: a cleared declaration can only "
            "be cancelled while its goods are still there."
        )
    elif penalty_unpaid and status != Status.DRAFT:
        blocker = _(
            "A penalty decision on this declaration is not paid yet: it must be paid before "
            "the declaration can be cancelled."
        )
    trader_refusal = blocker
    if not trader_refusal and request_pending:
        trader_refusal = _(
            "A cancellation request is already waiting for the customs office's decision."
        )
    if trader_refusal:
        route = CancelRoute.NONE
    officer_refusal = blocker
    if not officer_refusal and status not in OFFICER_CANCELLATION:
        officer_refusal = (
            _(
                "After clearance a declaration is cancelled only on the declarant's request, "
                "decided by an officer."
            )
            if status == Status.CLEARED
            else _("Only a registered declaration can be cancelled by customs.")
        )
    if not officer_refusal and request_pending:
        officer_refusal = _("Decide the declarant's cancellation request instead.")
    decision_refusal = blocker
    if not decision_refusal and not request_pending:
        decision_refusal = _("No cancellation request is waiting for a decision.")
    return CancellationTerms(
        trader=route,
        trader_refusal=trader_refusal,
        officer=not officer_refusal,
        officer_refusal=officer_refusal,
        decision_refusal=decision_refusal,
        after_clearance=status in AFTER_CLEARANCE,
    )


def penalty_refusal(status: str) -> str:
    """Why a penalty decision cannot be recorded on a declaration in this status ('' if it can)."""
    if status in PENALTY_STATUSES:
        return ""
    if status == Status.CANCELLED:
        return _("The declaration is cancelled.")
    return _("Only a registered declaration can carry a penalty decision.")
