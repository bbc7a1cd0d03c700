"""Training and evaluating the learned risk score, as the field measures it.

Training data is what customs really knows: the declarations a document check or an inspection
examined, labelled by what the check found (a violation that raised the duties, and the revenue
it added). Evaluation splits by time: the model learns from what was known before the split and
is judged on every declaration after it — against the demo's ground truth where it exists,
otherwise against the checks recorded — at inspection rates of 1, 2, 5 and 10%, beside random
selection and the rules alone (the lanes the risk profiles gave), with the AUC.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from .rowpredict import PREDICT_CONTRIB, PREDICT_NORMAL, RowPredictor

RATES = (0.01, 0.02, 0.05, 0.10)
GRID = 200  # quantiles of the score kept per office, to set thresholds for any target rate
# Several seeds, each a full fit: the evaluation says how much a figure owes to chance.
SEEDS = (7, 8, 9)

CLASSIFIER_PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 20,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "cat_smooth": 10.0,
    "min_data_per_group": 20,
    "max_cat_to_onehot": 8,
    "num_threads": 1,  # OpenMP spinning on a shared machine costs more than it gains
    "seed": 7,
    "deterministic": True,
    "verbose": -1,
}
# The models compared on the validation slice (the latest 15% of the training rows by time):
# the one with the better average precision there is kept, with its best number of rounds.
# Depth is bounded: each decision's reasons come from SHAP values (`pred_contrib`), whose cost
# grows with leaves × depth², and the lane decision has 5 ms for the whole score.
CANDIDATES: tuple[dict[str, Any], ...] = (
    {"num_leaves": 15, "min_data_in_leaf": 20, "max_depth": 8},
    {"num_leaves": 31, "min_data_in_leaf": 40, "max_depth": 6, "lambda_l2": 5.0},
)
REGRESSOR_PARAMS: dict[str, Any] = {
    **CLASSIFIER_PARAMS,
    "objective": "regression",
    "learning_rate": 0.08,
    "min_data_in_leaf": 10,
}
# The chance of being checked is smooth by design (rules, a random share): a coarse model,
# so that random checks are not mistaken for a pattern of their own.
PROPENSITY_PARAMS: dict[str, Any] = {
    **CLASSIFIER_PARAMS,
    "learning_rate": 0.1,
    "num_leaves": 7,
    "min_data_in_leaf": 200,
    "lambda_l2": 10.0,
    "feature_fraction": 1.0,
}
MAX_ROUNDS = 400
REGRESSOR_ROUNDS = 60
PROPENSITY_ROUNDS = 60
MIN_ROUNDS = 20
EARLY_STOP = 30
VALIDATION_SHARE = 0.15
# Inverse-propensity weights: a checked declaration stands for 1/p like it; p is floored here,
# so that no single check weighs more than 1/PROPENSITY_FLOOR.
PROPENSITY_FLOOR = 0.02


# From this many rows, `Boosters.predict` runs its two models on two threads.
PARALLEL_PREDICT_ROWS = 10_000
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _predict_pool() -> ThreadPoolExecutor:
    """One thread per process for the second model of a large batch (made on first use)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="riskml-predict")
        return _pool


def _predict_rows(booster: lgb.Booster, x: np.ndarray) -> np.ndarray:
    """`booster.predict(x)`; from `PARALLEL_PREDICT_ROWS` rows on both cores: the first half
    of the rows on the pool's thread, the second on this one (LightGBM leaves Python's lock
    while it walks the trees). A row's prediction depends on that row alone, so the halves
    give the very numbers the whole gives; no OpenMP threads (whose waiting spins cost a
    shared machine more than they gain)."""
    if len(x) < PARALLEL_PREDICT_ROWS:
        return np.asarray(booster.predict(x, num_threads=1))
    half = len(x) // 2
    first: Future[Any] = _predict_pool().submit(booster.predict, x[:half], num_threads=1)
    second = np.asarray(booster.predict(x[half:], num_threads=1))
    return np.concatenate([np.asarray(first.result()), second])


@dataclass
class Boosters:
    classifier: lgb.Booster
    regressor: lgb.Booster | None
    mean_log_revenue: float  # when too few findings to fit a regressor

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(probability of a violation, expected revenue recovered in VND).

        From `PARALLEL_PREDICT_ROWS` rows, each model scores the first half of the rows on
        another thread while this one scores the second half (`_predict_rows`)."""
        if not len(x):
            return np.zeros(0), np.zeros(0)
        if len(x) == 1:  # a lane decision: LightGBM's single-row path
            p = self._row("classifier", PREDICT_NORMAL).predict(x[0])
            if self.regressor is not None:
                log_rev = self._row("regressor", PREDICT_NORMAL).predict(x[0])
            else:
                log_rev = np.full(1, self.mean_log_revenue)
            return p, p * np.expm1(np.maximum(log_rev, 0.0))
        p = _predict_rows(self.classifier, x)
        if self.regressor is not None:
            log_rev = _predict_rows(self.regressor, x)
        else:
            log_rev = np.full(len(x), self.mean_log_revenue)
        return p, p * np.expm1(np.maximum(log_rev, 0.0))

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """The classifier's SHAP values of each row (`pred_contrib`: one column per feature,
        then the bias)."""
        if len(x) == 1:
            return self._row("classifier", PREDICT_CONTRIB).predict(x[0])[None, :]
        return np.asarray(self.classifier.predict(x, pred_contrib=True, num_threads=1))

    def _row(self, which: str, predict_type: int) -> RowPredictor:
        """The single-row predictor of one model (made on first use, kept with the boosters)."""
        rows: dict[tuple[str, int], RowPredictor] = self.__dict__.setdefault("_rows", {})
        got = rows.get((which, predict_type))
        if got is None:
            booster = getattr(self, which)
            got = RowPredictor(booster, booster.num_feature(), predict_type)
            rows[(which, predict_type)] = got
        return got


@dataclass
class FitInfo:
    """How a fit was chosen: the candidate kept, its rounds, every candidate's validation
    average precision."""

    params: dict[str, Any]
    rounds: int
    validation: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {"params": self.params, "rounds": self.rounds, "validation": self.validation}


def _dataset(
    x: np.ndarray,
    y: np.ndarray,
    cat: Sequence[int],
    names: Sequence[str],
    weight: np.ndarray | None = None,
) -> lgb.Dataset:
    return lgb.Dataset(
        x,
        label=y,
        weight=weight,
        categorical_feature=list(cat),
        feature_name=[n.replace(" ", "_") for n in names],
        free_raw_data=False,
        params={"verbose": -1},
    )


def average_precision(score: np.ndarray, label: np.ndarray) -> float:
    """Area under the precision-recall curve (the mean precision at each positive)."""
    pos = int(label.sum())
    if not pos:
        return 0.0
    order = np.argsort(-score, kind="stable")
    hits = label[order]
    precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float((precision * hits).sum() / pos)


def choose(
    x: np.ndarray,
    found: np.ndarray,
    order: np.ndarray,
    *,
    categorical: Sequence[int],
    names: Sequence[str],
    weights: np.ndarray | None = None,
    seed: int = SEEDS[0],
    candidates: Sequence[Mapping[str, Any]] = CANDIDATES,
    max_rounds: int = MAX_ROUNDS,
) -> FitInfo:
    """Pick the model and its number of rounds on a time split of the training rows: each
    candidate learns from the earlier 85% and stops early on the latest 15% (average
    precision); the best there is kept. Test rows are never looked at."""
    n = len(x)
    idx = np.argsort(order, kind="stable")
    cut = int(n * (1 - VALIDATION_SHARE))
    tr, va = idx[:cut], idx[cut:]
    base = {**CLASSIFIER_PARAMS, "seed": seed}
    if n < 200 or found[va].sum() < 5 or found[tr].sum() < 5:
        return FitInfo(params={**base, **candidates[0]}, rounds=max_rounds // 2, validation=[])
    results = []
    best: tuple[float, dict[str, Any], int] | None = None
    w_tr = weights[tr] if weights is not None else None
    for cand in candidates:
        params = {**base, **cand, "metric": "average_precision"}
        probe = lgb.train(
            params,
            _dataset(x[tr], found[tr], categorical, names, w_tr),
            num_boost_round=max_rounds,
            valid_sets=[_dataset(x[va], found[va], categorical, names)],
            callbacks=[lgb.early_stopping(EARLY_STOP, verbose=False)],
        )
        rounds = max(MIN_ROUNDS, int(probe.best_iteration or max_rounds))
        ap = average_precision(
            np.asarray(probe.predict(x[va], num_iteration=rounds, num_threads=1)), found[va]
        )
        results.append({"params": dict(cand), "rounds": rounds, "average_precision": ap})
        if best is None or ap > best[0]:
            best = (ap, {**base, **cand}, rounds)
    assert best is not None
    return FitInfo(params=best[1], rounds=best[2], validation=results)


def fit(
    x: np.ndarray,
    found: np.ndarray,
    revenue: np.ndarray,
    order: np.ndarray,
    *,
    categorical: Sequence[int],
    names: Sequence[str],
    weights: np.ndarray | None = None,
    seed: int = SEEDS[0],
    info: FitInfo | None = None,
    max_rounds: int = MAX_ROUNDS,
) -> tuple[Boosters, FitInfo]:
    """Fit the classifier on all the rows with the model and rounds `choose` picks (or those
    of `info`), and the regressor of log revenue on the findings (the second objective:
    expected recovery = probability × revenue when found). `weights`: inverse propensity."""
    if info is None:
        info = choose(
            x,
            found,
            order,
            categorical=categorical,
            names=names,
            weights=weights,
            seed=seed,
            max_rounds=max_rounds,
        )
    params = {**info.params, "seed": seed}
    params.pop("metric", None)
    classifier = lgb.train(
        params,
        _dataset(x, found, categorical, names, weights),
        num_boost_round=info.rounds,
    )
    hits = found == 1
    log_rev = np.log1p(np.maximum(revenue[hits], 0.0))
    mean_log = float(log_rev.mean()) if len(log_rev) else 0.0
    regressor = None
    if hits.sum() >= 50:
        regressor = lgb.train(
            {**REGRESSOR_PARAMS, "seed": seed},
            _dataset(
                x[hits],
                log_rev,
                categorical,
                names,
                weights[hits] if weights is not None else None,
            ),
            num_boost_round=REGRESSOR_ROUNDS,
        )
    boosters = Boosters(classifier=classifier, regressor=regressor, mean_log_revenue=mean_log)
    return boosters, info


def propensity_weights(
    x: np.ndarray,
    checked: np.ndarray,
    *,
    categorical: Sequence[int],
    names: Sequence[str],
    seed: int = SEEDS[0],
) -> tuple[np.ndarray, dict[str, Any]]:
    """Inverse-propensity weights of the checked rows: labels exist only where a check looked,
    and checks look where the rules and the model point. The chance p of being checked is
    learned from every declaration (checked or not) with the same features, out of fold (two
    halves), and each checked row weighs 1/max(p, PROPENSITY_FLOOR), normalised to a mean of
    1: random selections and exploration, checked where nothing pointed, speak for the many
    declarations like them that nobody checked."""
    n = len(x)
    y = checked.astype("float64")
    p = np.full(n, max(float(y.mean()), PROPENSITY_FLOOR))
    if n >= 200 and 0 < y.sum() < n:
        fold = np.arange(n) % 2
        for k in (0, 1):
            tr, te = fold != k, fold == k
            if y[tr].sum() < 5 or y[tr].sum() > tr.sum() - 5:
                continue
            model = lgb.train(
                {**PROPENSITY_PARAMS, "seed": seed},
                _dataset(x[tr], y[tr], categorical, names),
                num_boost_round=PROPENSITY_ROUNDS,
            )
            p[te] = np.asarray(model.predict(x[te], num_threads=1))
    w = 1.0 / np.maximum(p[checked], PROPENSITY_FLOOR)
    w = w / w.mean() if len(w) else w
    ess = float(w.sum() ** 2 / (w * w).sum()) if len(w) else 0.0
    return w, {
        "checked": int(checked.sum()),
        "declarations": n,
        "max_weight": float(w.max()) if len(w) else 0.0,
        "effective_rows": ess,
        "mean_propensity": float(p.mean()),
    }


# ---------------------------------------------------------------------------------------------
# Evaluation


def tiebreak(ids: np.ndarray) -> np.ndarray:
    """A fixed pseudo-random order among equal scores (ties do not favour low ids)."""
    return np.array(
        [
            int.from_bytes(hashlib.blake2b(str(i).encode(), digest_size=4).digest(), "big")
            for i in ids
        ],
        dtype="float64",
    )


def _ranked(score: np.ndarray, ties: np.ndarray) -> np.ndarray:
    return np.lexsort((ties, -score))


def at_rates(
    score: np.ndarray,
    fraud: np.ndarray,
    revenue: np.ndarray,
    ties: np.ndarray,
    rates: Sequence[float] = RATES,
) -> list[dict[str, float]]:
    """Precision, recall and revenue share when inspecting the top `rate` of the ranking."""
    n = len(score)
    order = _ranked(score, ties)
    total_fraud = max(float(fraud.sum()), 1e-12)
    total_rev = max(float(revenue.sum()), 1e-12)
    out = []
    for rate in rates:
        k = max(1, math.ceil(rate * n)) if n else 0
        top = order[:k]
        hits = float(fraud[top].sum())
        out.append(
            {
                "rate": rate,
                "inspected": k,
                "precision": hits / k if k else 0.0,
                "recall": hits / total_fraud,
                "revenue": float(revenue[top].sum()) / total_rev,
            }
        )
    return out


def auc(score: np.ndarray, label: np.ndarray) -> float | None:
    pos = label == 1
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if not n_pos or not n_neg:
        return None
    ranks = pd.Series(score).rank(method="average").to_numpy()
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _mean_sd(values: Sequence[float | None]) -> tuple[float | None, float | None]:
    got = [v for v in values if v is not None]
    if not got:
        return None, None
    arr = np.asarray(got, dtype="float64")
    return float(arr.mean()), float(arr.std(ddof=1)) if len(arr) > 1 else 0.0


def _table(
    scores: Sequence[np.ndarray],
    fraud: np.ndarray,
    revenue: np.ndarray,
    ties: np.ndarray,
) -> list[dict[str, float]]:
    """Mean over seeds of each figure at each rate, with its standard deviation (`*_sd`)."""
    per_seed = [at_rates(s, fraud, revenue, ties) for s in scores]
    out = []
    for i, rate in enumerate(RATES):
        row: dict[str, float] = {"rate": rate, "inspected": per_seed[0][i]["inspected"]}
        for k in ("precision", "recall", "revenue"):
            mean, sd = _mean_sd([r[i][k] for r in per_seed])
            row[k] = mean or 0.0
            row[f"{k}_sd"] = sd or 0.0
        out.append(row)
    return out


def _evaluate_rows(
    *,
    ties: np.ndarray,
    probability: Sequence[np.ndarray],
    expected_revenue: Sequence[np.ndarray],
    fraud: np.ndarray,
    revenue: np.ndarray,
    rules: np.ndarray | None,
) -> dict[str, Any]:
    n = len(fraud)
    base = float(fraud.mean()) if n else 0.0
    table: dict[str, list[dict[str, float]]] = {
        "model_probability": _table(probability, fraud, revenue, ties),
        "model_revenue": _table(expected_revenue, fraud, revenue, ties),
        "random": [
            {
                "rate": r,
                "inspected": max(1, math.ceil(r * n)),
                "precision": base,
                "recall": r,
                "revenue": r,
            }
            for r in RATES
        ],
    }
    auc_mean, auc_sd = _mean_sd([auc(p, fraud) for p in probability])
    auc_rev, _sd = _mean_sd([auc(e, fraud) for e in expected_revenue])
    out: dict[str, Any] = {
        "declarations": n,
        "violations": int(fraud.sum()),
        "base_rate": base,
        "revenue_at_stake_vnd": float(revenue.sum()),
        "auc": auc_mean,
        "auc_sd": auc_sd,
        "auc_revenue_ranking": auc_rev,
        "table": table,
    }
    if rules is not None:
        table["rules"] = at_rates(rules.astype("float64"), fraud, revenue, ties)
        out["auc_rules"] = auc(rules.astype("float64") + ties / 2**33, fraud)
        points = []
        for level, name in ((2, "red"), (1, "red_or_yellow")):
            chosen = rules >= level
            k = int(chosen.sum())
            points.append(
                {
                    "lanes": name,
                    "rate": k / n if n else 0.0,
                    "precision": float(fraud[chosen].sum()) / k if k else 0.0,
                    "recall": float(fraud[chosen].sum()) / max(float(fraud.sum()), 1e-12),
                    "revenue": float(revenue[chosen].sum()) / max(float(revenue.sum()), 1e-12),
                }
            )
        out["rules_operating_points"] = points
    return out


def evaluate(
    *,
    ids: np.ndarray,
    probability: np.ndarray | Sequence[np.ndarray],
    expected_revenue: np.ndarray | Sequence[np.ndarray],
    fraud: np.ndarray,
    revenue: np.ndarray,
    rules: np.ndarray | None,
    truth: str,
    subsets: Mapping[str, np.ndarray] | None = None,
    seeds: Sequence[int] = (),
) -> dict[str, Any]:
    """The evaluation table of one test period (`truth` says what the labels are): for each
    way of selecting, precision, recall and revenue share at each inspection rate (the
    model's figures the mean over its seeds, with their standard deviation), the AUC; and the
    same on each subset of the rows (`subsets`: e.g. "novel", rows whose party and goods never
    appeared in training, and "unseen_party")."""
    probs = [probability] if isinstance(probability, np.ndarray) else list(probability)
    exps = (
        [expected_revenue] if isinstance(expected_revenue, np.ndarray) else list(expected_revenue)
    )
    ties = tiebreak(ids)
    out: dict[str, Any] = {"truth": truth, "seeds": list(seeds) or [CLASSIFIER_PARAMS["seed"]]}
    out.update(
        _evaluate_rows(
            ties=ties,
            probability=probs,
            expected_revenue=exps,
            fraud=fraud,
            revenue=revenue,
            rules=rules,
        )
    )
    parts: dict[str, Any] = {}
    out["subsets"] = parts
    for name, mask in (subsets or {}).items():
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            parts[name] = {"declarations": 0, "violations": 0}
            continue
        parts[name] = _evaluate_rows(
            ties=ties[mask],
            probability=[p[mask] for p in probs],
            expected_revenue=[e[mask] for e in exps],
            fraud=fraud[mask],
            revenue=revenue[mask],
            rules=rules[mask] if rules is not None else None,
        )
    return out


def score_grid(values: np.ndarray) -> list[float]:
    """GRID+1 quantiles of a score, from which the threshold for any rate is read."""
    if not len(values):
        return []
    return [float(v) for v in np.quantile(values, np.linspace(0.0, 1.0, GRID + 1))]


def threshold_for(grid: Sequence[float], rate: float) -> float:
    """The score above which a share `rate` of declarations lies."""
    if not grid:
        return math.inf
    if rate <= 0:
        return math.inf
    q = min(max(1.0 - rate, 0.0), 1.0)
    return float(np.interp(q, np.linspace(0.0, 1.0, len(grid)), np.asarray(grid)))


def thresholds(
    grids: Mapping[str, Sequence[float]], rates: Mapping[str, float], default_rate: float
) -> dict[str, float]:
    """Per office: the threshold that sends its target share red ("*" for offices without
    enough history of their own)."""
    out = {}
    for office, grid in grids.items():
        out[office] = threshold_for(grid, rates.get(office, default_rate))
    return out


def histogram(values: np.ndarray, bins: int = 20) -> list[int]:
    counts, _edges = np.histogram(np.clip(values, 0, 1), bins=bins, range=(0.0, 1.0))
    return [int(c) for c in counts]


def psi(expected: Sequence[int], actual: Sequence[int]) -> float | None:
    """Population stability index between two histograms of the same bins."""
    e = np.asarray(expected, dtype="float64")
    a = np.asarray(actual, dtype="float64")
    if e.sum() == 0 or a.sum() == 0:
        return None
    e = np.maximum(e / e.sum(), 1e-4)
    a = np.maximum(a / a.sum(), 1e-4)
    return float(((a - e) * np.log(a / e)).sum())
