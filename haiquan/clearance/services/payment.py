"""Payments and guarantees applied to a declaration, and the clearance (thông quan) that follows
the moment its checks are done and everything it owes is settled, at any hour."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.accounts.models import User
from haiquan.core.problems import Conflict
from haiquan.eventlog.choices import Party
from haiquan.eventlog.kinds import EventKind

from ..choices import SETTLED_PAYMENT_STATES
from ..hooks import clearance_blockers
from ..models import Declaration
from ..workflow import Action, By, allows, clearable, transition
from .common import declaration_locked, payment_state_of, record_event, save_fields


def clear_if_ready(declaration: Declaration, actor: User | None, actor_label: str = "") -> bool:
    """Clear (thông quan) a declaration whose checks are done, whose duties are settled and that
    no other app's guard still holds (e.g. a permit awaited through the single window)."""
    if not clearable(
        status=declaration.status,
        checks_pending=declaration.checks_pending,
        settled=declaration.payment_state in SETTLED_PAYMENT_STATES,
    ):
        return False
    blockers = clearance_blockers(declaration)
    if blockers:
        held = transition(declaration.status, Action.HOLD, By.SYSTEM)
        assert held is not None
        record_event(
            declaration,
            held.emits[0],
            None,
            {"reasons": blockers},
            party=Party.SYSTEM,
            actor_label="clearance",
        )
        return False
    step = transition(declaration.status, Action.CLEAR, By.SYSTEM)
    assert step is not None
    declaration.status = step.target
    declaration.cleared_at = timezone.now()
    save_fields(declaration, "status", "cleared_at")
    record_event(
        declaration,
        step.emits[0],
        actor,
        {
            "lane": declaration.lane,
            "payment_state": declaration.payment_state,
            "automatic": actor is None,
        },
        party=Party.CUSTOMS,
        actor_label=actor_label or ("automatic" if actor is None else ""),
    )
    return True


def declaration_clearance_retry(*, declaration: Declaration) -> Declaration:
    """Try again to clear a declaration after what held it has arrived (called by the app whose
    guard held it, in its own transaction or a new one)."""
    with transaction.atomic():
        locked = declaration_locked(declaration, None)
        clear_if_ready(locked, None)
    return locked


def declaration_payment_apply(
    *,
    declaration: Declaration,
    paid_vnd: Decimal,
    guaranteed_vnd: Decimal,
    actor: User | None,
    actor_label: str,
    kind: EventKind | str,
    data: dict[str, Any],
) -> Declaration:
    """Record the new paid and guaranteed totals reported by the payments app, and clear the
    declaration when that settles it. Call inside the payment's transaction with the row locked."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("declaration_payment_apply must run inside the payment's transaction")
    if not allows(declaration.status, Action.SETTLE, By.BANK):
        raise Conflict(
            _("A %(s)s declaration takes no payment.") % {"s": declaration.get_status_display()}
        )
    declaration.paid_vnd = paid_vnd
    declaration.guaranteed_vnd = guaranteed_vnd
    declaration.payment_state = payment_state_of(declaration)
    save_fields(declaration, "paid_vnd", "guaranteed_vnd", "payment_state")
    record_event(
        declaration,
        kind,
        actor,
        {
            **data,
            "paid_vnd": paid_vnd,
            "guaranteed_vnd": guaranteed_vnd,
            "payment_state": declaration.payment_state,
        },
        party=Party.BANK if actor is None else None,
        actor_label=actor_label,
    )
    clear_if_ready(declaration, None)
    return declaration
