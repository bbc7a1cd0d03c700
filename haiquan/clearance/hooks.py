"""Extension points other apps plug into, so clearance does not import them.

A *clearance guard* names what still blocks a declaration's clearance even when its checks are
done and its duties settled (e.g. the single window: a line needs a quarantine result that the
agency has not posted yet). Apps register guards in their AppConfig.ready(); when what a guard
waits for arrives, they call `clearance.services.declaration_clearance_retry`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Declaration

ClearanceGuard = Callable[["Declaration"], list[str]]

_guards: list[ClearanceGuard] = []


def clearance_guard_register(guard: ClearanceGuard) -> None:
    if guard not in _guards:
        _guards.append(guard)


def clearance_guard_unregister(guard: ClearanceGuard) -> None:
    if guard in _guards:
        _guards.remove(guard)


def clearance_blockers(declaration: Declaration) -> list[str]:
    """Every reason, from every registered guard, why this declaration cannot be cleared yet."""
    reasons: list[str] = []
    for guard in _guards:
        reasons.extend(guard(declaration))
    return reasons
