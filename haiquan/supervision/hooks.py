"""How other apps take part in gate decisions without supervision depending on them.

- An *exit cover provider* answers whether cargo may leave a zone for a reason other than a
  cleared declaration (transit registers one: containers moving under an active transit
  movement). It may hand back `on_exit`, run inside the get-out's transaction.
- A *gate-in observer* hears of every recorded get-in (transit records an arrival at the
  destination).
- An *exit hold provider* names a customs hold that stops cargo leaving whatever covers it
  (manifests: an officer's "inspect at arrival" or "do not load" on the cargo's bill of lading).

Apps register in their AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import ControlZone, GateEvent


@dataclass(frozen=True)
class ExitCover:
    """Why cargo may leave: e.g. transit movement 26VN20BD00000012T7."""

    transit_reference: str
    declaration_id: int | None = None
    on_exit: Callable[[Any, GateEvent], None] | None = None


@dataclass(frozen=True)
class ExitHold:
    """Customs hold the cargo: it may not leave until the hold is released."""

    bill_of_lading: str


ExitCoverProvider = Callable[["ControlZone", str, str], "ExitCover | None"]
ExitHoldProvider = Callable[["ControlZone", str, str], "ExitHold | None"]
GateInObserver = Callable[[Any, "GateEvent"], None]

_providers: list[ExitCoverProvider] = []
_observers: list[GateInObserver] = []
_holds: list[ExitHoldProvider] = []


def exit_hold_register(provider: ExitHoldProvider) -> None:
    if provider not in _holds:
        _holds.append(provider)


def exit_hold_find(
    zone: ControlZone, container_number: str, bill_of_lading: str
) -> ExitHold | None:
    for provider in _holds:
        hold = provider(zone, container_number, bill_of_lading)
        if hold is not None:
            return hold
    return None


def exit_cover_register(provider: ExitCoverProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def gate_in_observer_register(observer: GateInObserver) -> None:
    if observer not in _observers:
        _observers.append(observer)


def exit_cover_find(
    zone: ControlZone, container_number: str, bill_of_lading: str
) -> ExitCover | None:
    for provider in _providers:
        cover = provider(zone, container_number, bill_of_lading)
        if cover is not None:
            return cover
    return None


def gate_in_notify(actor: Any, event: GateEvent) -> None:
    for observer in _observers:
        observer(actor, event)
