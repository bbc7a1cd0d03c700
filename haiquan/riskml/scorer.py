"""The active model version inside the lane decision (online) and over many declarations
(batch), with plain-language reasons from the model's SHAP values (`pred_contrib`).

Per process, the scorer of the active version is kept with its history state (`HistoryState`)
until the model revision token changes (one primary-key read per decision, like the rule set);
the state is topped up with the declarations and check results written since, at most every
`REFRESH_SECONDS`.

Each office's share of the red lane (`InspectionTarget`, default `RISKML_TARGET_RATE`) is spent
in two parts: most on the declarations the model ranks highest (by probability or expected
revenue, the office's choice), and an exploration share (`RISKML_EXPLORATION_SHARE`, or the
office's own) on the declarations the checks know least about — those whose importer, seller or
goods-and-origin was declared most often for each check of it (`history.uncertainty`) — so
that the model keeps learning where it would otherwise never look. Each exploration reason is
recorded apart (code `MODEL-<version>-EXPLORE`).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import lightgbm as lgb
import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from haiquan.clearance.choices import TransportMode
from haiquan.refdata.choices import ComplianceRank
from haiquan.risk.choices import Lane, ReasonSource
from haiquan.risk.engine import Reason
from haiquan.risk.scoring import ScoreResult

from . import history
from .choices import RankBy
from .data import seller_key
from .features import (
    FAMILIES,
    FEATURE_SET,
    FEATURES,
    FeatureSpec,
    Frames,
    HistoryState,
    assemble,
    canonical,
    take,
    uncertainty,
)
from .training import Boosters

if TYPE_CHECKING:
    from haiquan.risk.engine import DeclarationFacts

    from .models import RiskModel

logger = logging.getLogger(__name__)
REFRESH_SECONDS = 30.0
TOP_REASONS = 3
DEFAULT_EXPLORATION_SHARE = 0.1


def exploration_default() -> float:
    return float(settings.HAIQUAN.get("RISKML_EXPLORATION_SHARE", DEFAULT_EXPLORATION_SHARE))


def explore_code(version: int | str) -> str:
    return f"MODEL-{version}-EXPLORE"


def facts_frames(facts: DeclarationFacts) -> Frames:
    """A declaration being registered, as the one-row tables the features read."""
    t = facts.registered_at.timestamp()
    lines = [
        (
            -1,
            t,
            ln.line_no,
            ln.hs_code,
            ln.origin,
            float(ln.unit_price_vnd),
            float(ln.customs_value_vnd),
        )
        for ln in facts.lines
    ]
    main = max(facts.lines, key=lambda ln: (ln.customs_value_vnd, -ln.line_no), default=None)
    decl = {
        "id": [-1],
        "t": [t],
        "office": [facts.office_code],
        "type_code": [facts.type_code],
        "flow": [facts.flow],
        "mst": [facts.enterprise_mst],
        "rank": [facts.compliance_rank or ""],
        "transport": [facts.transport_mode or ""],
        "partner": [facts.partner_country or ""],
        "value": [float(facts.total_customs_value_vnd)],
        "n_lines": [len(facts.lines)],
        "hs": [main.hs_code if main else ""],
        "origin": [main.origin if main else ""],
        "preference": [int(any(ln.preference for ln in facts.lines))],
        "declarant": [facts.declarant],
        "seller": [seller_key(facts.partner_name)],
        "broker": [facts.broker],
        "main_value": [float(main.customs_value_vnd) if main else 0.0],
        "quantity": [float(main.quantity) if main else np.nan],
        "unit": [main.unit if main else ""],
    }
    columns = ("decl_id", "t", "line_no", "hs", "origin", "price", "value")
    line_cols = {c: [row[i] for row in lines] for i, c in enumerate(columns)}
    return Frames.build(decl, line_cols)


def _hs(code: str) -> str:
    code = str(code or "")
    return f"{code[:4]}.{code[4:6]}" if len(code) >= 6 else code


@dataclass(frozen=True)
class Policy:
    """How one office spends its share of the red lane."""

    threshold: float  # the ranking value from which the model sends a declaration red
    rank_by: str  # probability | revenue
    rate: float  # the share of declarations the model may send red
    explore: float  # the part of that share spent on exploration
    explore_threshold: float = math.inf  # how little must be known of a declaration to explore it

    @classmethod
    def from_json(cls, value: Any, rank_by: str) -> Policy:
        if isinstance(value, Mapping):
            threshold = value.get("threshold")
            explore_threshold = value.get("explore_threshold")
            return cls(
                threshold=math.inf if threshold is None else float(threshold),
                rank_by=str(value.get("rank_by") or rank_by),
                rate=float(value.get("rate") or 0.0),
                explore=float(value.get("explore") or 0.0),
                explore_threshold=math.inf
                if explore_threshold is None
                else float(explore_threshold),
            )
        return cls(threshold=float(value), rank_by=rank_by, rate=0.0, explore=0.0)


# Who a history family is, in a reason ("%(k)s": its key).
WHO: dict[str, Any] = {
    "importer": gettext_lazy("importer %(k)s"),
    "declarant": gettext_lazy("this declarant"),
    "seller": gettext_lazy("seller %(k)s"),
    "broker": gettext_lazy("this customs broker"),
    "hs2": gettext_lazy("HS chapter %(k)s"),
    "hs4": gettext_lazy("HS heading %(k)s"),
    "hs6": gettext_lazy("HS subheading %(k)s"),
    "origin": gettext_lazy("origin %(k)s"),
    "office": gettext_lazy("office %(k)s"),
    "route": gettext_lazy("this route (%(k)s)"),
    "importer_hs6": gettext_lazy("this importer's goods of HS %(k)s"),
    "hs6_origin": gettext_lazy("goods of HS %(k)s from this origin"),
    "seller_importer": gettext_lazy("this seller with this importer"),
}


class ModelScorer:
    """Scores declarations with one model version (the `Scorer` the lane decision asks)."""

    def __init__(
        self,
        *,
        version: int,
        boosters: Boosters,
        spec: FeatureSpec,
        state: HistoryState,
        duty_rates: Mapping[str, float],
        rank_by: str,
        thresholds: Mapping[str, Any],
    ) -> None:
        self.version = str(version)
        self.version_number = version
        self.boosters = boosters
        self.spec = spec
        self.state = state
        self.duty_rates = dict(duty_rates)
        self.rank_by = rank_by
        self.set_policies(thresholds, rank_by)

    def set_policies(self, thresholds: Mapping[str, Any], rank_by: str) -> None:
        self.rank_by = rank_by
        self.policies = {k: Policy.from_json(v, rank_by) for k, v in thresholds.items()}
        self.thresholds = {k: p.threshold for k, p in self.policies.items()}

    @classmethod
    def from_model(
        cls, model: RiskModel, state: HistoryState, duty_rates: Mapping[str, float]
    ) -> ModelScorer:
        classifier = lgb.Booster(model_str=model.classifier)
        regressor = lgb.Booster(model_str=model.regressor) if model.regressor else None
        boosters = Boosters(
            classifier=classifier,
            regressor=regressor,
            mean_log_revenue=float(model.spec.get("mean_log_revenue", 0.0)),
        )
        return cls(
            version=model.version,
            boosters=boosters,
            spec=FeatureSpec.from_json(model.spec),
            state=state,
            duty_rates=duty_rates,
            rank_by=model.rank_by,
            thresholds=model.thresholds or {},
        )

    # -- batch ----------------------------------------------------------------------------

    def score_frames(
        self, frames: Frames
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """(matrix, probability, expected revenue, history numbers) for declarations registered
        after everything the state holds."""
        with history.one_batch():
            raw = self.state.lookup(frames)
            x = assemble(frames, raw, self.spec, self.duty_rates)
        p, er = self.boosters.predict(x)
        return x, p, er, raw

    def policy_for(self, office: str) -> Policy:
        return self.policies.get(
            office, self.policies.get("*", Policy(math.inf, self.rank_by, 0.0, 0.0))
        )

    def ranking_value(self, p: np.ndarray, er: np.ndarray, office: str | None = None) -> np.ndarray:
        rank_by = self.policy_for(office).rank_by if office is not None else self.rank_by
        return er if rank_by == RankBy.REVENUE else p

    def threshold_for(self, office: str) -> float:
        return self.policy_for(office).threshold

    # -- online ---------------------------------------------------------------------------

    def score(self, facts: DeclarationFacts) -> ScoreResult:
        frames = facts_frames(facts)
        x, p, er, raw = self.score_frames(frames)
        prob, expected = float(p[0]), float(er[0])
        office = facts.office_code
        policy = self.policy_for(office)
        value = expected if policy.rank_by == RankBy.REVENUE else prob
        threshold = policy.threshold
        red = value >= threshold
        explored = False
        if not red and policy.explore > 0:
            explored = float(uncertainty(raw)[0]) >= policy.explore_threshold
        if policy.rank_by == RankBy.REVENUE:
            head = _(
                "Learned risk score %(p)s%% (expected recovery %(vnd)s VND; model %(v)s, red from "
                "%(t)s VND at office %(office)s)"
            ) % {
                "p": f"{prob * 100:.1f}",
                "vnd": f"{expected:,.0f}",
                "v": self.version,
                "t": f"{threshold:,.0f}" if math.isfinite(threshold) else "—",
                "office": office,
            }
        else:
            head = _(
                "Learned risk score %(p)s%% (model %(v)s, red from %(t)s%% at office %(office)s)"
            ) % {
                "p": f"{prob * 100:.1f}",
                "v": self.version,
                "t": f"{threshold * 100:.1f}" if math.isfinite(threshold) else "—",
                "office": office,
            }
        if explored:
            text = _(
                "Selected to explore (%(share)s%% of the learned score's red lane at office "
                "%(office)s goes to the declarations the checks know least about): %(why)s. "
                "%(head)s."
            ) % {
                "share": f"{policy.explore * 100:g}",
                "office": office,
                "why": self._unseen_words(frames, raw),
                "head": head,
            }
            code = explore_code(self.version)
        else:
            factors = self.explain(x, frames, raw)[0]
            text = head + (": " + "; ".join(factors) + "." if factors else ".")
            code = f"MODEL-{self.version}"
        lane = Lane.RED.value if red or explored else Lane.GREEN.value
        reason = Reason(source=ReasonSource.SCORE.value, code=code, lane=lane, text=text)
        return ScoreResult(
            score=Decimal(f"{min(max(prob, 0.0), 1.0):.6f}"),
            lane=Lane.RED.value if red or explored else None,
            reasons=(reason,),
        )

    # -- reasons --------------------------------------------------------------------------

    def explain(
        self, x: np.ndarray, frames: Frames, raw: Mapping[str, np.ndarray], top: int = TOP_REASONS
    ) -> list[list[str]]:
        """The top factors that raised each declaration's score, in words (SHAP values of the
        classifier, `pred_contrib=True`)."""
        contrib = self.boosters.contributions(x)[:, : len(FEATURES)]
        keys = canonical(frames.decl["t"], frames.decl)
        out = []
        for i in range(len(x)):
            words_seen: set[str] = set()
            row: list[str] = []
            for j in np.argsort(-contrib[i]):
                if contrib[i, j] <= 0 or len(row) >= top:
                    break
                words = self._words(FEATURES[j], i, frames, raw, keys)
                if words and words not in words_seen:
                    words_seen.add(words)
                    row.append(words)
            out.append(row)
        return out

    def _unseen_words(self, frames: Frames, raw: Mapping[str, np.ndarray]) -> str:
        """The key the checks know least about (declared most often per check)."""
        keys = canonical(frames.decl["t"], frames.decl)
        spots = history.blind_spots(raw, FAMILIES)
        if not spots:
            return ""
        family = max(spots, key=lambda f: float(spots[f][0]))
        return _("%(who)s: %(n)s declarations, %(c)s checks") % {
            "who": self._who(family, 0, keys),
            "n": int(raw[f"{family}.n"][0]),
            "c": int(raw[f"{family}.insp"][0]),
        }

    @staticmethod
    def _who(family: str, i: int, keys: Mapping[str, np.ndarray]) -> str:
        if family in ("importer_hs6", "hs6_origin"):
            k = _hs(str(keys["hs"][i]))
        elif family in ("hs2", "hs4"):
            k = str(keys["hs"][i])[: int(family[2])]
        elif family == "hs6":
            k = _hs(str(keys["hs"][i]))
        elif family in keys:
            k = str(keys[family][i]) or "—"
        else:
            k = ""
        return str(WHO.get(family, family)) % {"k": k}

    def _words(
        self,
        feature: str,
        i: int,
        frames: Frames,
        raw: Mapping[str, np.ndarray],
        keys: Mapping[str, np.ndarray],
    ) -> str:
        family, _sep, stat = feature.partition("__")
        if family in WHO and stat:
            return self._history_words(family, stat, i, frames.decl["t"][i], raw, keys)
        if feature.startswith("uv_"):
            return _unit_value_words(feature, i, frames.decl["hs"][i], raw)
        if feature.startswith("repeat__"):
            return _repeat_words(i, raw)
        if feature in ("price_z_min", "price_z_main", "price_peers_log"):
            return _price_words(i, raw)
        # A field of the declaration itself (only these read the whole row): one phrase each.
        d = {k: v[i] for k, v in frames.decl.items()}
        if feature == "rank":
            rank = str(d["rank"] or "")
            label = ComplianceRank(rank).label if rank in ComplianceRank.values else rank or "—"
            return _("enterprise compliance rank: %(rank)s") % {"rank": label}
        if feature in ("hs2", "hs4", "hs6"):
            return _("goods of HS %(hs)s") % {"hs": _hs(str(d["hs"]))}
        if feature == "origin":
            return _("origin %(o)s") % {"o": d["origin"]}
        if feature == "preference":
            return _("a preferential tariff rate is claimed")
        if feature == "duty_rate":
            rate = self.duty_rates.get(str(d["hs"]))
            return _("duty rate %(r)s%% on HS %(hs)s") % {
                "r": f"{rate:g}" if rate is not None else "—",
                "hs": _hs(str(d["hs"])),
            }
        if feature == "value_log":
            return _("customs value %(v)s VND") % {"v": f"{float(d['value']):,.0f}"}
        if feature == "n_lines":
            return _("%(n)s goods lines") % {"n": int(d["n_lines"])}
        if feature == "type_code":
            return _("declaration type %(c)s") % {"c": d["type_code"]}
        if feature == "office":
            return _("office %(c)s") % {"c": d["office"]}
        if feature == "partner":
            return _("partner country %(c)s") % {"c": d["partner"] or "—"}
        if feature == "transport":
            mode = str(d["transport"] or "")
            label = TransportMode(mode).label if mode in TransportMode.values else mode or "—"
            return _("transport mode: %(c)s") % {"c": label}
        if feature == "flow":
            return _("flow %(c)s") % {"c": d["flow"]}
        return _("time of filing")

    def _history_words(
        self,
        family: str,
        stat: str,
        i: int,
        t: Any,
        raw: Mapping[str, np.ndarray],
        keys: Mapping[str, np.ndarray],
    ) -> str:
        """A party's (or pair's) past: its earlier declarations, or what checks found."""
        who = self._who(family, i, keys)
        n = int(raw[f"{family}.n"][i])
        insp = int(raw[f"{family}.insp"][i])
        found = int(raw[f"{family}.found"][i])
        if stat in ("n", "since"):
            if n == 0:
                return _("first declaration of %(who)s") % {"who": who}
            days = (float(t) - float(raw[f"{family}.last"][i])) / 86400.0
            return _("%(who)s: %(n)s earlier declarations, the latest %(d)s days before") % {
                "who": who,
                "n": n,
                "d": f"{days:.0f}",
            }
        if insp == 0:
            return _("%(who)s: no earlier check") % {"who": who}
        if stat == "since_found" and found:
            days = (float(t) - float(raw[f"{family}.last_found"][i])) / 86400.0
            return _(
                "%(who)s: earlier checks found violations in %(f)s of %(n)s, the latest "
                "%(d)s days before"
            ) % {"who": who, "f": found, "n": insp, "d": f"{days:.0f}"}
        return _("%(who)s: earlier checks found violations in %(f)s of %(n)s") % {
            "who": who,
            "f": found,
            "n": insp,
        }


def _unit_value_words(feature: str, i: int, hs: Any, raw: Mapping[str, np.ndarray]) -> str:
    """The value per unit (or kilogram) against earlier declarations of the same goods."""
    measure = feature[3:].split("__")[0]
    grp = "importer_hs6" if feature.endswith("importer_hs6") else "hs6"
    peers = float(raw.get(f"uv_{measure}.{grp}.n", np.zeros(i + 1))[i])
    x = float(raw.get(f"uv_{measure}.x", np.full(i + 1, np.nan))[i])
    if peers < 1 or not math.isfinite(x):
        return ""
    ratio = math.exp(x - float(raw[f"uv_{measure}.{grp}.s1"][i]) / peers)
    per = _("per kilogram") if measure == "mass" else _("per unit")
    whose = (
        _("this importer's earlier declarations of HS %(hs)s")
        if grp == "importer_hs6"
        else _("earlier declarations of HS %(hs)s")
    ) % {"hs": _hs(str(hs))}
    if abs(ratio - 1) < 0.05:
        return _("value %(per)s close to %(whose)s") % {"per": per, "whose": whose}
    if ratio < 1:
        return _("value %(per)s %(pct)s%% below %(whose)s") % {
            "per": per,
            "pct": f"{(1 - ratio) * 100:.0f}",
            "whose": whose,
        }
    return _("value %(per)s %(pct)s%% above %(whose)s") % {
        "per": per,
        "pct": f"{(ratio - 1) * 100:.0f}",
        "whose": whose,
    }


def _repeat_words(i: int, raw: Mapping[str, np.ndarray]) -> str:
    """Earlier consignments with the same goods, value and quantity, and what a check found."""
    n = int(raw["repeat.n"][i])
    insp = int(raw["repeat.insp"][i])
    if n == 0 and insp == 0:
        return ""
    last = raw["repeat.last_label"][i]
    if insp and last == last:  # a checked one
        state = _("found in violation") if last > 0 else _("found compliant")
        return _(
            "%(n)s earlier consignments with the same goods, value and quantity; the "
            "latest checked one was %(state)s"
        ) % {"n": max(n, insp), "state": state}
    return _("%(n)s earlier consignments with the same goods, value and quantity") % {"n": n}


def _price_words(i: int, raw: Mapping[str, np.ndarray]) -> str:
    """The unit price against the usual for the goods and origin."""
    ratio = raw["ratio_min"][i]
    if ratio is None or not np.isfinite(float(ratio)):
        return ""
    ratio = float(ratio)
    if abs(ratio - 1) < 0.05:
        return _("unit price close to the usual for HS %(hs)s from %(origin)s") % {
            "hs": _hs(str(raw["hs_min"][i])),
            "origin": raw["origin_min"][i],
        }
    if ratio < 1:
        return _("unit price %(pct)s%% below the usual for HS %(hs)s from %(origin)s") % {
            "pct": f"{(1 - ratio) * 100:.0f}",
            "hs": _hs(str(raw["hs_min"][i])),
            "origin": raw["origin_min"][i],
        }
    return _("unit price %(pct)s%% above the usual for HS %(hs)s from %(origin)s") % {
        "pct": f"{(ratio - 1) * 100:.0f}",
        "hs": _hs(str(raw["hs_min"][i])),
        "origin": raw["origin_min"][i],
    }


# ---------------------------------------------------------------------------------------------
# The per-process cache

# With fewer declarations than this, the history state is built within the first decision;
# with more, in a background thread while decisions go on without a score (a registration
# must not wait the seconds it takes to read a national history).
SYNC_BUILD_MAX_DECLARATIONS = 50_000


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.token: str | None = None  # the risk rule-set revision token last seen
        self.scorer: ModelScorer | None = None
        self.state: HistoryState | None = None
        self.watermarks = (0, 0)
        self.refreshed_at = 0.0
        self.building = False

    def clear(self) -> None:
        with self.lock:
            self.token = None
            self.scorer = None
            self.state = None
            self.building = False


_cache = _Cache()


def scorer_cache_clear() -> None:
    """Forget this process's scorer and history state (tests, benchmarks)."""
    _cache.clear()


def state_build() -> tuple[HistoryState, tuple[int, int]]:
    """The history state of everything in the database now, and its id watermarks."""
    from haiquan.clearance.models import CheckResult, Declaration

    from .data import duty_rates, frames_load

    decl_wm = Declaration.objects.order_by("-id").values_list("id", flat=True).first() or 0
    check_wm = CheckResult.objects.order_by("-id").values_list("id", flat=True).first() or 0
    frames = frames_load(ids=None, after_id=0)
    frames.decl = take(frames.decl, frames.decl["id"] <= decl_wm)
    frames.lines = take(frames.lines, frames.lines["decl_id"] <= decl_wm)
    frames.outcomes = take(frames.outcomes, frames.outcomes["check_id"] <= check_wm)
    return HistoryState.build(frames, duty_rates()), (decl_wm, check_wm)


def _install(state: HistoryState, marks: tuple[int, int]) -> None:
    with _cache.lock:
        _cache.state = state
        _cache.watermarks = marks
        _cache.refreshed_at = time.monotonic()
        _cache.building = False
        if _cache.scorer is not None:
            _cache.scorer.state = state
            _cache.scorer.duty_rates = state.duty_rates


def _build_in_background() -> None:
    from django.db import connection

    try:
        _install(*state_build())
    except Exception:
        logger.exception("risk model state build failed")
        with _cache.lock:
            _cache.building = False
    finally:
        connection.close()


def _ensure_state() -> bool:
    """True when the history state is ready (built now if the history is small)."""
    if _cache.state is not None:
        return True
    if _cache.building:
        return False
    from haiquan.clearance.models import Declaration

    size = Declaration.objects.order_by("-id").values_list("id", flat=True).first() or 0
    if size > SYNC_BUILD_MAX_DECLARATIONS:
        # Ids run ahead of the rows (rolled-back and deleted ones): count them, once.
        size = Declaration.objects.count()
    if size <= SYNC_BUILD_MAX_DECLARATIONS:
        _install(*state_build())
        return True
    _cache.building = True
    logger.info("building the risk model's history state in the background")
    threading.Thread(target=_build_in_background, name="riskml-state", daemon=True).start()
    return False


def _refresh() -> None:
    """Count what was written since the watermarks."""
    from .data import frames_load, outcomes_load

    state = _cache.state
    if state is None:
        return
    decl_wm, check_wm = _cache.watermarks
    new = frames_load(after_id=decl_wm, with_outcomes=False)
    outcomes = outcomes_load(after_check_id=check_wm)
    if len(new.decl["id"]):
        decl_wm = int(new.decl["id"].max())
    if len(outcomes):
        check_wm = int(outcomes["check_id"].max())
    new.outcomes = Frames.build({}, {}, outcomes).outcomes
    if len(new.decl["id"]) or len(outcomes):
        state.add(new)
    _cache.watermarks = (decl_wm, check_wm)
    _cache.refreshed_at = time.monotonic()


def _ruleset_token(fresh: bool) -> str:
    """The risk rule-set revision token. Inside `lane_decide` the rule set has just been read,
    so its token costs nothing; elsewhere (`fresh`) it is read."""
    from haiquan.risk import selectors as risk_selectors

    cached = getattr(risk_selectors, "_cached", None)
    if fresh or cached is None:
        return risk_selectors.ruleset_current().token
    return str(cached.token)


def active_model_scorer(fresh: bool = False) -> ModelScorer | None:
    """The scorer of the active version for this process, or None (the scoring provider).

    Costs no database read while nothing changed: model activations, deactivations and target
    changes move the risk rule-set revision token, which the lane decision reads anyway."""
    from .choices import ModelStatus
    from .models import RiskModel

    token = _ruleset_token(fresh)
    with _cache.lock:
        if _cache.token != token:
            model = RiskModel.objects.filter(status=ModelStatus.ACTIVE).first()
            current = _cache.scorer
            if model is None:
                _cache.scorer = None
            elif (model.spec or {}).get("feature_set") != FEATURE_SET:
                # Trained on another feature set: its columns would mean something else.
                logger.warning(
                    "risk model version %s was trained on another feature set; not used (train "
                    "a new version)",
                    model.version,
                )
                _cache.scorer = None
            elif current is None or current.version_number != model.version:
                state = _cache.state or HistoryState()
                _cache.scorer = ModelScorer.from_model(model, state, state.duty_rates)
            else:
                current.set_policies(model.thresholds or {}, model.rank_by)
            _cache.token = token
        scorer = _cache.scorer
        if scorer is None or not _ensure_state():
            return None
        if time.monotonic() - _cache.refreshed_at > REFRESH_SECONDS:
            try:
                _refresh()
            except Exception:  # a failed top-up keeps the older state
                logger.exception("risk model state refresh failed")
        return scorer


def scores_for(scorer: ModelScorer, decl_ids: Sequence[int]) -> dict[int, tuple[float, float]]:
    """(probability, expected revenue) per declaration, from the state now (batch path)."""
    from .data import frames_load

    out: dict[int, tuple[float, float]] = {}
    ids = list(decl_ids)
    for start in range(0, len(ids), 50_000):
        frames = frames_load(ids=ids[start : start + 50_000], with_outcomes=False)
        if not len(frames.decl["id"]):
            continue
        _x, p, er, _raw = scorer.score_frames(frames)
        for did, a, b in zip(frames.decl["id"].tolist(), p.tolist(), er.tolist(), strict=True):
            out[int(did)] = (float(a), float(b))
    return out


def declaration_facts(declaration: Any) -> DeclarationFacts:
    """The facts of a stored declaration as its goods lines stand (for benchmarks and for
    re-scoring): what `lane_decide` is given at registration."""
    from haiquan.risk.engine import DeclarationFacts, LineFacts

    lines = list(declaration.lines.order_by("line_no"))
    return DeclarationFacts(
        number=declaration.number or "",
        flow=declaration.flow,
        type_code=declaration.type_id,
        office_code=declaration.office.code,
        office_path=declaration.office.path,
        enterprise_mst=declaration.enterprise.mst,
        compliance_rank=declaration.enterprise.compliance_rank,
        transport_mode=declaration.transport_mode,
        partner_country=declaration.partner_country_id or "",
        total_customs_value_vnd=declaration.customs_value_vnd,
        registered_at=declaration.registered_at,
        lines=tuple(
            LineFacts(
                line_no=ln.line_no,
                hs_code=ln.hs_code,
                origin=ln.origin_id,
                quantity=ln.quantity,
                unit=ln.unit,
                customs_value_vnd=ln.customs_value_vnd,
                unit_price_vnd=(ln.customs_value_vnd / ln.quantity).quantize(Decimal("0.01"))
                if ln.quantity
                else Decimal(0),
                preference=ln.preference,
            )
            for ln in lines
        ),
        declarant=str(declaration.created_by_id or ""),
        partner_name=declaration.partner_name,
        broker=str(declaration.broker_id or ""),
    )
