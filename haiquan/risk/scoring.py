"""The learned risk score's place in the lane decision.

No model exists yet, so `active_scorer()` returns None and decisions rest on the profiles and
the random selection alone. The risk-intelligence work adds a model by registering a provider:
a function that returns the scorer of the model version active now (reading its own table), or
None. The first provider that returns a scorer is used.

A scorer may raise a lane and adds its reasons; it never lowers a lane set by a profile or by
the random selection (the lane is the most severe of all reasons).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from .engine import DeclarationFacts, Reason


@dataclass(frozen=True)
class ScoreResult:
    score: Decimal  # the model's risk score, e.g. a probability of a finding in [0, 1]
    lane: str | None = None  # the lane the score asks for, or None for no opinion
    reasons: tuple[Reason, ...] = field(default=())


@runtime_checkable
class Scorer(Protocol):
    version: str

    def score(self, facts: DeclarationFacts) -> ScoreResult: ...


ScorerProvider = Callable[[], "Scorer | None"]

_providers: list[ScorerProvider] = []


def scorer_provider_register(provider: ScorerProvider) -> None:
    """Add a provider (once; registering it again does nothing)."""
    if provider not in _providers:
        _providers.append(provider)


def scorer_provider_unregister(provider: ScorerProvider) -> None:
    if provider in _providers:
        _providers.remove(provider)


def active_scorer() -> Scorer | None:
    """The scorer of the active model version, or None while no model is active."""
    for provider in list(_providers):
        scorer = provider()
        if scorer is not None:
            return scorer
    return None
