"""The learned-score hook: no model means no score; a model raises lanes, never lowers them."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from haiquan.risk.engine import DeclarationFacts, Reason, lane_decide
from haiquan.risk.scoring import (
    Scorer,
    ScoreResult,
    active_scorer,
    scorer_provider_register,
    scorer_provider_unregister,
)

from .facts import facts, line

pytestmark = pytest.mark.django_db


@dataclass
class UnitPriceScorer:
    """A small real model: how far below the reference price per unit a line is declared.

    score = max over lines of 1 - unit price / reference price of its HS heading, in [0, 1];
    0.7 or more asks for red, 0.4 or more for yellow.
    """

    version: str = "unit-price-0.1"
    reference: dict[str, Decimal] = field(default_factory=lambda: {"0808": Decimal("20000")})

    def score(self, facts: DeclarationFacts) -> ScoreResult:
        best, worst_line = Decimal(0), None
        for ln in facts.lines:
            ref = self.reference.get(ln.hs_code[:4])
            if ref is None:
                continue
            s = min(Decimal(1), max(Decimal(0), 1 - ln.unit_price_vnd / ref))
            if s > best:
                best, worst_line = s, ln.line_no
        lane = "red" if best >= Decimal("0.7") else "yellow" if best >= Decimal("0.4") else None
        reasons = ()
        if lane:
            reasons = (
                Reason(
                    source="score",
                    code=self.version,
                    lane=lane,
                    text=f"Declared {best:.0%} below the reference price.",
                    line_no=worst_line,
                ),
            )
        return ScoreResult(score=best, lane=lane, reasons=reasons)


class Switch:
    """A provider whose model can be switched on and off, as a model version is."""

    def __init__(self, scorer: Scorer) -> None:
        self.scorer = scorer
        self.active = True

    def __call__(self) -> Scorer | None:
        return self.scorer if self.active else None


@pytest.fixture
def switch():
    provider = Switch(UnitPriceScorer())
    scorer_provider_register(provider)
    yield provider
    scorer_provider_unregister(provider)


# 1,000 kg of apples: worth 5,000,000 VND is 5,000 VND/kg, 75% under 20,000 (score 0.75, red);
# worth 10,000,000 it is 10,000 VND/kg, 50% under (0.5, yellow); worth 19,000,000, 5% (0.05).
CHEAP_APPLES = line(2, hs="08081000", origin="CN", quantity=1000, unit="KGM", value=5_000_000)
HALF_PRICE = line(2, hs="08081000", origin="CN", quantity=1000, unit="KGM", value=10_000_000)
FAIR_APPLES = line(2, hs="08081000", origin="CN", quantity=1000, unit="KGM", value=19_000_000)


def test_no_model_no_score():
    assert active_scorer() is None
    result = lane_decide(facts(line(1), CHEAP_APPLES))
    assert (result.lane, result.score, result.reasons) == ("green", None, ())


def test_scorer_raises_the_lane_and_is_recorded(switch):
    assert isinstance(active_scorer(), UnitPriceScorer)
    result = lane_decide(facts(line(1), CHEAP_APPLES))
    assert result.lane == "red"
    assert result.score == Decimal("0.75")
    assert result.reasons_json() == [
        {
            "source": "score",
            "code": "unit-price-0.1",
            "lane": "red",
            "text": "Declared 75% below the reference price.",
            "line_no": 2,
            "version": None,
        }
    ]
    fair = lane_decide(facts(line(1), FAIR_APPLES))
    assert (fair.lane, fair.score) == ("green", Decimal("0.05"))


def test_scorer_never_lowers_a_lane_set_by_a_rule(switch, make_profile):
    make_profile("APPLES-CN", {"hs_prefixes": ["0808"], "origins": ["CN"]}, "red")
    result = lane_decide(facts(line(1), HALF_PRICE))  # the score asks only for yellow
    assert result.lane == "red"
    assert [(r.source, r.lane) for r in result.reasons] == [("profile", "red"), ("score", "yellow")]


def test_a_lane_without_reasons_is_still_explained(switch):
    switch.scorer = _Bare()
    result = lane_decide(facts())
    assert result.lane == "yellow"
    assert [(r.source, r.code, r.lane) for r in result.reasons] == [("score", "bare-1", "yellow")]


def test_deactivating_the_model_stops_it(switch):
    assert lane_decide(facts(line(1), CHEAP_APPLES)).lane == "red"
    switch.active = False
    result = lane_decide(facts(line(1), CHEAP_APPLES))
    assert (result.lane, result.score, result.reasons) == ("green", None, ())


def test_a_failing_model_does_not_stop_registration(switch, make_profile, caplog):
    switch.scorer = _Broken()
    make_profile("FROM-CN", {"origins": ["CN"]})
    result = lane_decide(facts(line(1), CHEAP_APPLES))
    assert (result.lane, result.score) == ("yellow", None)
    assert [r.source for r in result.reasons] == ["profile"]
    assert "broken-1 failed" in caplog.text


class _Bare:
    version = "bare-1"

    def score(self, facts: DeclarationFacts) -> ScoreResult:
        return ScoreResult(score=Decimal("0.5"), lane="yellow")


class _Broken:
    version = "broken-1"

    def score(self, facts: DeclarationFacts) -> ScoreResult:
        raise ZeroDivisionError("model file corrupt")
