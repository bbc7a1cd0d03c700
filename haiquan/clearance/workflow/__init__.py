"""The declaration workflow: the transition table (`table.py`) and who takes its actions
(`actors.py`). Read by the services, the pages' permissions, the cancellation rules, the history
import and the demo."""

from .actors import (
    is_officer_of,
    is_trader_of,
    party_of,
    require_may_declare_for,
    require_officer_of,
    require_trader_of,
    taker_of,
)
from .table import (
    TRANSITIONS,
    Action,
    By,
    Guard,
    Transition,
    allows,
    checks_pending_in,
    clearable,
    emitted,
    lane_status,
    states,
    transition,
    transitions,
)

__all__ = [
    "TRANSITIONS",
    "Action",
    "By",
    "Guard",
    "Transition",
    "allows",
    "checks_pending_in",
    "clearable",
    "emitted",
    "is_officer_of",
    "is_trader_of",
    "lane_status",
    "party_of",
    "require_may_declare_for",
    "require_officer_of",
    "require_trader_of",
    "states",
    "taker_of",
    "transition",
    "transitions",
]
