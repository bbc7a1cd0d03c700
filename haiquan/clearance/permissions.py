"""What a user may do with a declaration now, to show only the actions that will work.

The rules themselves stay in `services.py` (who is the declarant, who is an officer of the
office, which states allow what); this module asks them, so a button is never shown for an
action the service would refuse. (Officers are not offered to cancel a trader's draft.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from haiquan.accounts.choices import Role
from haiquan.accounts.models import User
from haiquan.core.problems import Forbidden

from .choices import Status
from .models import Declaration
from .services import AMENDABLE, _require_officer_of, _require_trader_of

NOT_CANCELLABLE = frozenset({Status.RELEASED, Status.CANCELLED})


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

    @property
    def any(self) -> bool:
        return any(vars(self).values())


def _passes(check: Callable[[User, Declaration], None], user: User, d: Declaration) -> bool:
    try:
        check(user, d)
    except Forbidden:
        return False
    return True


def declaration_actions(*, user: User, declaration: Declaration) -> DeclarationActions:
    """The workflow actions open to `user` on `declaration` in its current state."""
    status = declaration.status
    if user.role in (Role.DECLARANT, Role.BROKER):
        if not _passes(_require_trader_of, user, declaration):
            return DeclarationActions(copy=True)
        registered = status not in (Status.DRAFT, Status.CANCELLED)
        return DeclarationActions(
            edit=status == Status.DRAFT,
            register=status == Status.DRAFT,
            amend=status in AMENDABLE,
            cancel=status not in NOT_CANCELLABLE,
            copy=True,
            pay=registered and declaration.amount_due_vnd > 0,
        )
    if user.role in (Role.OFFICER, Role.LEADER):
        if not _passes(_require_officer_of, user, declaration):
            return DeclarationActions()
        return DeclarationActions(
            cancel=status not in NOT_CANCELLABLE and status != Status.DRAFT,
            record_check=status in (Status.DOCUMENT_CHECK, Status.INSPECTION)
            and declaration.checks_pending,
            escalate=status == Status.DOCUMENT_CHECK,
            release=status == Status.CLEARED,
        )
    return DeclarationActions()
