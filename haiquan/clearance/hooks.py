"""Extension points other apps plug into, so clearance does not import them.

Apps register their functions in their AppConfig.ready():

- A *clearance guard* names what still blocks a declaration's clearance even when its checks are
  done and its duties settled (e.g. the single window: a line needs a quarantine result that the
  agency has not posted yet). When what a guard waits for arrives, its app calls
  `clearance.services.declaration_clearance_retry`.
- A *preference verifier* looks at an import line's FTA claim against evidence clearance does not
  hold (e.g. the ASEAN Single Window's electronic certificates of origin) and grants it, refuses it
  (the line then pays the fallback rate, and says why), or asks for a document check.
- A *declaration validator* adds field problems to the validation of a declaration (e.g. a line
  citing an advance ruling whose HS code it does not follow).
- A *written observer* runs inside the transaction of a registration or an amendment, after the
  lines are written (e.g. to draw down a certificate's quantities); raising a problem rolls the
  whole change back.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from haiquan.core.problems import FieldProblem

    from .models import Declaration
    from .validation import ResolvedDeclaration

F = TypeVar("F")


def _add(registry: list[F], fn: F) -> None:
    if fn not in registry:
        registry.append(fn)


def _remove(registry: list[F], fn: F) -> None:
    if fn in registry:
        registry.remove(fn)


# --- clearance guards ----------------------------------------------------------------------------

ClearanceGuard = Callable[["Declaration"], list[str]]

_guards: list[ClearanceGuard] = []


def clearance_guard_register(guard: ClearanceGuard) -> None:
    _add(_guards, guard)


def clearance_guard_unregister(guard: ClearanceGuard) -> None:
    _remove(_guards, guard)


def clearance_blockers(declaration: Declaration) -> list[str]:
    """Every reason, from every registered guard, why this declaration cannot be cleared yet."""
    reasons: list[str] = []
    for guard in _guards:
        reasons.extend(guard(declaration))
    return reasons


# --- preference verifiers ------------------------------------------------------------------------


@dataclass(frozen=True)
class PreferenceClaim:
    """One import line claiming an FTA preference that passed the tariff's own checks."""

    enterprise_mst: str
    flow: str
    on_day: date
    line_no: int  # 1-based
    hs_code: str  # 8 digits
    origin: str  # alpha-2
    quantity: Decimal
    unit: str
    preference: str  # agreement code, e.g. "ATIGA"
    co_number: str
    co_date: date | None
    declaration_id: int | None  # None while registering


@dataclass(frozen=True)
class PreferenceVerdict:
    # Non-empty: the claim is refused for this reason; the line pays the fallback rate and the
    # reason is written in its duty notes.
    refused: str = ""
    # The claim stands; this is added to the line's duty notes.
    note: str = ""
    # Non-empty: the claim rests on a paper certificate; the lane becomes at least yellow
    # (document check) with this reason.
    document_check: str = ""


PreferenceVerifier = Callable[[PreferenceClaim], "PreferenceVerdict | None"]

_verifiers: list[PreferenceVerifier] = []


def preference_verifier_register(verifier: PreferenceVerifier) -> None:
    _add(_verifiers, verifier)


def preference_verifier_unregister(verifier: PreferenceVerifier) -> None:
    _remove(_verifiers, verifier)


def preference_verdict(claim: PreferenceClaim) -> PreferenceVerdict | None:
    """The first verifier's opinion on the claim (None when no verifier has one)."""
    for verifier in _verifiers:
        verdict = verifier(claim)
        if verdict is not None:
            return verdict
    return None


def preference_verifiers_present() -> bool:
    return bool(_verifiers)


# --- declaration validators ----------------------------------------------------------------------

DeclarationValidator = Callable[["ResolvedDeclaration", date], "list[FieldProblem]"]

_validators: list[DeclarationValidator] = []


def declaration_validator_register(validator: DeclarationValidator) -> None:
    _add(_validators, validator)


def declaration_validator_unregister(validator: DeclarationValidator) -> None:
    _remove(_validators, validator)


def declaration_validators_run(resolved: ResolvedDeclaration, on_day: date) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    for validator in _validators:
        problems.extend(validator(resolved, on_day))
    return problems


# --- written observers ---------------------------------------------------------------------------

WrittenObserver = Callable[["Declaration"], None]

_observers: list[WrittenObserver] = []
# The pk of the declaration whose observers are running, when it was created by this very
# change (a registration not from a draft): it has nothing of its own yet to look up.
_new: ContextVar[int | None] = ContextVar("haiquan_written_new", default=None)


def declaration_written_observer_register(observer: WrittenObserver) -> None:
    _add(_observers, observer)


def declaration_written_observer_unregister(observer: WrittenObserver) -> None:
    _remove(_observers, observer)


def declaration_written(declaration: Declaration, *, new: bool = False) -> None:
    """Tell every observer, inside the transaction, that the declaration's lines were written.

    The lines just written are attached to the declaration (`declaration.lines.all()` reads
    them without a query: `content.replace_lines`). `new`: the declaration was created by this
    change, so no observer's earlier rows can exist for it (`written_declaration_is_new`)."""
    reset = _new.set(declaration.pk if new else None)
    try:
        for observer in _observers:
            observer(declaration)
    finally:
        _new.reset(reset)


def written_declaration_is_new(declaration: Declaration) -> bool:
    """Inside an observer: whether the declaration was created by the change being observed
    (an observer may then skip looking for, or removing, rows of its own for it)."""
    return declaration.pk is not None and _new.get() == declaration.pk
