"""What a user may do with a declaration now, to show only the actions that will work.

The rules themselves stay in `services.py` (who is the declarant, who is an officer of the
office) and `rules.py` (which states allow what, and with whose approval); this module asks them,
so a button is never shown for an action the service would refuse. (Officers are not offered to
cancel a trader's draft.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

from haiquan.accounts.choices import Role
from haiquan.accounts.models import User
from haiquan.core.problems import Forbidden

from .choices import Status
from .models import CancellationRequest, Declaration
from .rules import CancelRoute, penalty_refusal
from .selectors import cancellation_pending, declaration_cancellation_terms
from .services import AMENDABLE, _require_officer_of, _require_trader_of

# The order actions are offered in: what comes next first; cancelling always last.
ACTION_ORDER = (
    "register",
    "edit",
    "decide_cancellation",
    "record_check",
    "release",
    "pay",
    "record_penalty",
    "escalate",
    "amend",
    "copy",
    "cancel",
)


@dataclass(frozen=True)
class DeclarationActions:
    edit: bool = False
    register: bool = False
    amend: bool = False
    cancel: bool = False
    copy: bool = False
    pay: bool = False
    record_check: bool = False
    escalate: bool = False
    release: bool = False
    decide_cancellation: bool = False
    record_penalty: bool = False
    # What the trader's cancellation does (rules.CancelRoute), or "customs" for an officer's.
    cancel_route: str = ""

    @property
    def any(self) -> bool:
        return any(getattr(self, f.name) is True for f in fields(self))

    @property
    def ordered(self) -> list[str]:
        """The actions open, the next step first."""
        return [name for name in ACTION_ORDER if getattr(self, name)]


def _passes(check: Callable[[User, Declaration], None], user: User, d: Declaration) -> bool:
    try:
        check(user, d)
    except Forbidden:
        return False
    return True


def declaration_actions(
    *,
    user: User,
    declaration: Declaration,
    pending: CancellationRequest | bool | None = None,
) -> DeclarationActions:
    """The workflow actions open to `user` on `declaration` in its current state (`pending`: its
    open cancellation request, when already read)."""
    status = declaration.status
    if user.role in (Role.DECLARANT, Role.BROKER):
        if not _passes(_require_trader_of, user, declaration):
            return DeclarationActions(copy=True)
        registered = status not in (Status.DRAFT, Status.CANCELLED)
        terms = declaration_cancellation_terms(declaration, pending=pending)
        return DeclarationActions(
            edit=status == Status.DRAFT,
            register=status == Status.DRAFT,
            amend=status in AMENDABLE,
            cancel=terms.trader != CancelRoute.NONE,
            copy=True,
            pay=registered and declaration.amount_due_vnd > 0,
            cancel_route=str(terms.trader),
        )
    if user.role in (Role.OFFICER, Role.LEADER):
        if not _passes(_require_officer_of, user, declaration):
            return DeclarationActions()
        if pending is None:
            pending = cancellation_pending(declaration)
        terms = declaration_cancellation_terms(declaration, pending=pending or False)
        return DeclarationActions(
            cancel=terms.officer,
            record_check=status in (Status.DOCUMENT_CHECK, Status.INSPECTION)
            and declaration.checks_pending,
            escalate=status == Status.DOCUMENT_CHECK,
            release=status == Status.CLEARED and not pending,
            decide_cancellation=bool(pending),
            record_penalty=not penalty_refusal(status),
            cancel_route="customs",
        )
    return DeclarationActions()
