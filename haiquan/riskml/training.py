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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

RATES = (0.01, 0.02, 0.05, 0.10)
GRID = 200  # quantiles of the score kept per office, to set thresholds for any target rate

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
REGRESSOR_PARAMS: dict[str, Any] = {
    **CLASSIFIER_PARAMS,
    "objective": "regression",
    "learning_rate": 0.08,
    "min_data_in_leaf": 10,
}
MAX_ROUNDS = 300
REGRESSOR_ROUNDS = 60
MIN_ROUNDS = 20
EARLY_STOP = 30


@dataclass
class Boosters:
    classifier: lgb.Booster
    regressor: lgb.Booster | None
    mean_log_revenue: float  # when too few findings to fit a regressor

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(probability of a violation, expected revenue recovered in VND)."""
        if not len(x):
            return np.zeros(0), np.zeros(0)
        p = np.asarray(self.classifier.predict(x, num_threads=1))
        if self.regressor is not None:
            log_rev = np.asarray(self.regressor.predict(x, num_threads=1))
        else:
            log_rev = np.full(len(x), self.mean_log_revenue)
        return p, p * np.expm1(np.maximum(log_rev, 0.0))


def _dataset(x: np.ndarray, y: np.ndarray, cat: Sequence[int], names: Sequence[str]) -> lgb.Dataset:
    return lgb.Dataset(
        x,
        label=y,
        categorical_feature=list(cat),
        feature_name=[n.replace(" ", "_") for n in names],
        free_raw_data=False,
        params={"verbose": -1},
    )


def fit(
    x: np.ndarray,
    found: np.ndarray,
    revenue: np.ndarray,
    order: np.ndarray,
    *,
    categorical: Sequence[int],
    names: Sequence[str],
) -> tuple[Boosters, int]:
    """Fit the classifier (early stopping on the latest 15% of the rows by time, then refit on
    all of them with that many rounds) and the regressor of log revenue on the findings."""
    n = len(x)
    idx = np.argsort(order, kind="stable")
    cut = int(n * 0.85)
    rounds = MAX_ROUNDS
    if n >= 200 and found[idx[cut:]].sum() >= 5 and found[idx[:cut]].sum() >= 5:
        tr, va = idx[:cut], idx[cut:]
        probe = lgb.train(
            CLASSIFIER_PARAMS,
            _dataset(x[tr], found[tr], categorical, names),
            num_boost_round=MAX_ROUNDS,
            valid_sets=[_dataset(x[va], found[va], categorical, names)],
            callbacks=[lgb.early_stopping(EARLY_STOP, verbose=False)],
        )
        rounds = max(MIN_ROUNDS, int(probe.best_iteration or MAX_ROUNDS))
    classifier = lgb.train(
        CLASSIFIER_PARAMS, _dataset(x, found, categorical, names), num_boost_round=rounds
    )
    hits = found == 1
    log_rev = np.log1p(np.maximum(revenue[hits], 0.0))
    mean_log = float(log_rev.mean()) if len(log_rev) else 0.0
    regressor = None
    if hits.sum() >= 50:
        regressor = lgb.train(
            REGRESSOR_PARAMS,
            _dataset(x[hits], log_rev, categorical, names),
            num_boost_round=REGRESSOR_ROUNDS,
        )
    return Boosters(classifier=classifier, regressor=regressor, mean_log_revenue=mean_log), rounds


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


def evaluate(
    *,
    ids: np.ndarray,
    probability: np.ndarray,
    expected_revenue: np.ndarray,
    fraud: np.ndarray,
    revenue: np.ndarray,
    rules: np.ndarray | None,
    truth: str,
) -> dict[str, Any]:
    """The evaluation table of one test period (`truth` says what the labels are)."""
    ties = tiebreak(ids)
    n = len(ids)
    base = float(fraud.mean()) if n else 0.0
    table: dict[str, list[dict[str, float]]] = {
        "model_probability": at_rates(probability, fraud, revenue, ties),
        "model_revenue": at_rates(expected_revenue, fraud, revenue, ties),
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
    out: dict[str, Any] = {
        "truth": truth,
        "declarations": n,
        "violations": int(fraud.sum()),
        "base_rate": base,
        "revenue_at_stake_vnd": float(revenue.sum()),
        "auc": auc(probability, fraud),
        "auc_revenue_ranking": auc(expected_revenue, fraud),
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
