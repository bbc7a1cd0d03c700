"""What happens elsewhere when an outage ends: each app that owns a legal time limit registers
one function that extends its limits (e-services' time limits, payment due dates, inquiries,
transit deadlines...), so that this app never imports them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .deadlines import Span

# (span, office code or "" for national) → how many time limits were extended
Extender = Callable[["OutageEnded"], int]
_EXTENDERS: dict[str, Extender] = {}


@dataclass(frozen=True)
class OutageEnded:
    outage_id: int
    span: Span
    office_code: str  # empty: every office


def deadline_extender_register(name: str, extender: Extender) -> None:
    _EXTENDERS[name] = extender


def deadline_extenders() -> dict[str, Extender]:
    return dict(_EXTENDERS)
