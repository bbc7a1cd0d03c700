"""The lane decision (phân luồng): green, yellow or red for a declaration at registration.

Three sources raise a declaration's lane, and the most severe wins:
1. the analysts' risk profiles (every active profile whose current version is valid on the
   day of registration and matches);
2. random selection for compliance measurement: a reproducible share of declarations, set per
   office, goes red whatever the profiles say, so inspections measure true non-compliance;
3. the learned risk score, when a model is active (see `scoring`): it may raise the lane,
   never lower one set by a profile or by the random selection.

A declaration nothing raises is green. `lane_decide` reads no more than one row from the
database (the rule-set revision); profiles and office rates are compiled in memory per process.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Context, Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import LANE_SEVERITY, Lane, ReasonSource
from .scoring import ScoreResult, active_scorer
from .selectors import RuleSet, ruleset_current

logger = logging.getLogger(__name__)

_TWO_64 = Decimal(2**64)
# 28 significant digits (Decimal's default) whatever the caller's context: two draws differ by
# at least 2**-64 (about 5e-20), far above the rounding.
_DRAW_CONTEXT = Context(prec=28)


@dataclass(frozen=True)
class LineFacts:
    line_no: int
    hs_code: str
    origin: str  # alpha-2
    quantity: Decimal
    unit: str
    customs_value_vnd: Decimal
    unit_price_vnd: Decimal  # customs value per unit of quantity
    preference: str  # agreement code claimed or ""


@dataclass(frozen=True)
class DeclarationFacts:
    number: str  # the 12-digit number just assigned (seeds the random draw)
    flow: str
    type_code: str
    office_code: str
    office_path: str  # Office.path, e.g. "/00/20/20BD/"
    enterprise_mst: str
    compliance_rank: str
    transport_mode: str
    partner_country: str  # alpha-2 or ""
    total_customs_value_vnd: Decimal
    registered_at: datetime
    lines: tuple[LineFacts, ...]
    # Reasons found before the lane decision by other parts (e.g. a preference resting on a
    # paper certificate of origin must have its document checked): they count like any other.
    extra_reasons: tuple[Reason, ...] = ()
    # Who filed it (user id), the foreign partner's name and the customs broker (enterprise id):
    # the learned score's history of each (`riskml.features`); empty when unknown.
    declarant: str = ""
    partner_name: str = ""
    broker: str = ""


@dataclass(frozen=True)
class Reason:
    source: str  # "profile" | "random" | "score"
    code: str  # profile code, "RANDOM", model version...
    lane: str
    text: str  # plain language, shown to officers
    line_no: int | None = None
    version: int | None = None  # profile version that fired

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "code": self.code,
            "lane": self.lane,
            "text": str(self.text),
            "line_no": self.line_no,
            "version": self.version,
        }


@dataclass(frozen=True)
class LaneResult:
    lane: str  # green | yellow | red: the most severe of all reasons; green if none
    reasons: tuple[Reason, ...]
    random_selected: bool
    random_draw: Decimal  # the reproducible uniform draw in [0, 1)
    score: Decimal | None  # from the learned-score hook, None when no model is active

    def reasons_json(self) -> list[dict[str, Any]]:
        return [r.as_dict() for r in self.reasons]


def random_draw(number: str, seed: str | None = None) -> Decimal:
    """The uniform draw in [0, 1) for a declaration number.

    First 8 bytes (big-endian) of SHA-256("<seed>:<number>") divided by 2**64, where the seed
    is `settings.HAIQUAN["RANDOM_SELECTION_SEED"]`: anyone holding the seed can re-check why a
    declaration was or was not selected, and nobody without it can predict the selection.
    """
    if seed is None:
        seed = str(settings.HAIQUAN["RANDOM_SELECTION_SEED"])
    digest = hashlib.sha256(f"{seed}:{number}".encode()).digest()
    return _DRAW_CONTEXT.divide(Decimal(int.from_bytes(digest[:8], "big")), _TWO_64)


def _registration_day(moment: datetime) -> date:
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return timezone.localdate(moment)


def _severity(lane: str) -> int:
    return LANE_SEVERITY[Lane(lane)]


def _score(facts: DeclarationFacts) -> tuple[Decimal | None, tuple[Reason, ...]]:
    """Ask the active model, if any. A failing model never stops a registration."""
    scorer = active_scorer()
    if scorer is None:
        return None, ()
    try:
        result: ScoreResult = scorer.score(facts)
        reasons = tuple(result.reasons)
        for lane in [result.lane, *(r.lane for r in reasons)]:
            if lane is not None:
                Lane(lane)  # an unknown lane is a broken model
    except Exception:
        logger.exception(
            "risk scorer %s failed; lane decided without a score", getattr(scorer, "version", "?")
        )
        return None, ()
    asked = result.lane or Lane.GREEN.value
    if _severity(asked) > 0 and all(_severity(r.lane) < _severity(asked) for r in reasons):
        # The model asked for a lane without saying why: record that the score raised it.
        reasons += (
            Reason(
                source=ReasonSource.SCORE.value,
                code=str(scorer.version),
                lane=asked,
                text=_("Risk score %(score)s from model %(version)s.")
                % {"score": result.score, "version": scorer.version},
            ),
        )
    return result.score, reasons


def lane_decide(facts: DeclarationFacts) -> LaneResult:
    """Decide the lane of a declaration being registered, with every reason that raised it."""
    ruleset = ruleset_current()
    return _with_draw(_decide_unnumbered(facts, ruleset), facts, ruleset)


def lane_decide_unnumbered(facts: DeclarationFacts) -> LaneResult:
    """The lane from every source but the random draw, which the number seeds: what a
    registration decides before it takes its number (`lane_with_draw` completes it once the
    number is known, so the counter's lock is not held while the profiles and the score run)."""
    return _decide_unnumbered(facts, ruleset_current())


def lane_with_draw(unnumbered: LaneResult, facts: DeclarationFacts) -> LaneResult:
    """`lane_decide_unnumbered`'s result with the random draw of `facts.number` added: the same
    result as `lane_decide(facts)`."""
    return _with_draw(unnumbered, facts, ruleset_current())


def _decide_unnumbered(facts: DeclarationFacts, ruleset: RuleSet) -> LaneResult:
    day = _registration_day(facts.registered_at)
    fired: list[Reason] = []
    for profile in ruleset.profiles:
        if not profile.is_valid_on(day):
            continue
        matched, line_no = profile.criteria.match(facts)
        if matched:
            fired.append(
                Reason(
                    source=ReasonSource.PROFILE.value,
                    code=profile.code,
                    lane=profile.lane,
                    text=profile.reason,
                    line_no=line_no,
                    version=profile.version,
                )
            )
    fired.sort(key=lambda r: (-_severity(r.lane), r.code))
    score, score_reasons = _score(facts)
    fired.extend(score_reasons)
    fired.extend(facts.extra_reasons)
    return _result(tuple(fired), selected=False, draw=None, score=score)


def _with_draw(unnumbered: LaneResult, facts: DeclarationFacts, ruleset: RuleSet) -> LaneResult:
    draw = random_draw(facts.number)
    rate, rate_office = ruleset.random_rate_for(facts.office_path or f"/{facts.office_code}/")
    selected = draw < rate
    reasons = unnumbered.reasons
    if selected:
        # After the profiles' reasons, before the score's and the others', as always.
        at = sum(1 for r in reasons if r.source == ReasonSource.PROFILE.value)
        random_reason = Reason(
            source=ReasonSource.RANDOM.value,
            code="RANDOM",
            lane=Lane.RED.value,
            text=_(
                "Selected at random for compliance measurement (%(percent)s%% of "
                "declarations at office %(office)s)."
            )
            % {
                "percent": format((rate * 100).normalize(), "f"),
                "office": rate_office or _("default"),
            },
        )
        reasons = (*reasons[:at], random_reason, *reasons[at:])
    return _result(reasons, selected=selected, draw=draw, score=unnumbered.score)


def _result(
    reasons: tuple[Reason, ...], *, selected: bool, draw: Decimal | None, score: Decimal | None
) -> LaneResult:
    lane = Lane.GREEN.value
    for reason in reasons:
        if _severity(reason.lane) > _severity(lane):
            lane = reason.lane
    return LaneResult(
        lane=lane,
        reasons=reasons,
        random_selected=selected,
        random_draw=draw if draw is not None else Decimal(0),
        score=score,
    )
