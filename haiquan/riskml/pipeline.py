"""From a history of declarations to a trained, evaluated model version (no database here:
`services.model_train` reads the frames and stores the result)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .data import labels_of
from .features import FEATURES, FeatureSpec, Frames, assemble, history_asof, take
from .training import (
    RATES,
    Boosters,
    evaluate,
    fit,
    histogram,
    score_grid,
)

MIN_TRAINING_ROWS = 50
MIN_FINDINGS = 5
# An office gets thresholds of its own from this many evaluation-period scores.
MIN_OFFICE_SCORES = 50


class NotEnoughHistory(ValueError):
    """Too few checked declarations (or findings) before the split to learn anything."""


@dataclass
class Trained:
    boosters: Boosters
    spec: FeatureSpec
    rounds: int
    training_rows: int
    metrics: dict[str, Any]
    grids: dict[str, dict[str, list[float]]]  # rank_by -> office -> quantiles ("*" overall)


TruthLoader = Callable[[Sequence[int]], "pd.DataFrame | None"]
RulesLoader = Callable[[Sequence[int]], "pd.Series | None"]


def _labelled(ids: np.ndarray, labels: pd.DataFrame, known_before: float) -> pd.DataFrame:
    lab = labels[labels["known_at"] < known_before]
    return lab.reindex(ids)


def train(
    frames: Frames,
    *,
    split_t: float,
    train_from_t: float | None,
    duty_rates: Mapping[str, float],
    truth_loader: TruthLoader,
    rules_loader: RulesLoader,
) -> Trained:
    """Learn from the checks known before `split_t`, evaluate on every declaration registered
    from `split_t` on, then refit on everything known for the version that will score."""
    f = frames
    decl = f.decl
    ids = decl["id"]
    raw = history_asof(f)
    labels = labels_of(pd.DataFrame(f.outcomes))
    t = decl["t"]
    in_train = (t < split_t) & (t >= (train_from_t if train_from_t is not None else -np.inf))
    lab = _labelled(ids, labels, split_t)
    rows = in_train & lab["found"].notna().to_numpy()
    found = lab["found"].fillna(0).to_numpy(dtype="float64")
    revenue = lab["revenue"].fillna(0).to_numpy(dtype="float64")
    if rows.sum() < MIN_TRAINING_ROWS or found[rows].sum() < MIN_FINDINGS:
        raise NotEnoughHistory(
            f"{int(rows.sum())} checked declarations with {int(found[rows].sum())} findings "
            "before the split"
        )
    spec = FeatureSpec.fit(take(decl, in_train), prior=float(found[rows].mean()))
    x = assemble(f, raw, spec, duty_rates)
    boosters, rounds = fit(
        x[rows],
        found[rows],
        revenue[rows],
        t[rows],
        categorical=spec.categorical_indexes,
        names=FEATURES,
    )

    # Evaluation on the later period.
    test = t >= split_t
    test_ids = ids[test]
    p, er = boosters.predict(x[test])
    truth = truth_loader(list(map(int, test_ids)))
    if truth is not None:
        tr = truth.reindex(test_ids)
        fraud = tr["fraud"].fillna(0).to_numpy(dtype="float64")
        rev = tr["revenue"].fillna(0).to_numpy(dtype="float64")
        keep = np.ones(len(test_ids), dtype=bool)
        truth_name = "synthetic"
    else:
        all_labels = labels.reindex(test_ids)
        keep = all_labels["found"].notna().to_numpy()
        fraud = all_labels["found"].fillna(0).to_numpy(dtype="float64")
        rev = all_labels["revenue"].fillna(0).to_numpy(dtype="float64")
        truth_name = "inspections"
    rules = rules_loader(list(map(int, test_ids[keep])))
    rules_arr = rules.reindex(test_ids[keep]).fillna(0).to_numpy() if rules is not None else None
    metrics = evaluate(
        ids=test_ids[keep],
        probability=p[keep],
        expected_revenue=er[keep],
        fraud=fraud[keep],
        revenue=rev[keep],
        rules=rules_arr,
        truth=truth_name,
    )
    metrics["training_rows"] = int(rows.sum())
    metrics["training_findings"] = int(found[rows].sum())
    metrics["rounds"] = rounds
    metrics["rates"] = list(RATES)
    importance = boosters.classifier.feature_importance("gain")
    ranked = sorted(zip(FEATURES, importance, strict=True), key=lambda fg: -float(fg[1]))
    metrics["importance"] = [{"feature": n, "gain": float(g)} for n, g in ranked[:12]]
    metrics["test_histogram"] = histogram(p)
    # Hit rate by score decile among the checked declarations of the test period.
    checked = labels.reindex(test_ids)["found"]
    ok = checked.notna().to_numpy()
    metrics["test_hit_rate_by_decile"] = _hits_by_decile(p[ok], checked.to_numpy()[ok])

    # The version that will score: the same recipe on everything known now.
    lab_all = labels.reindex(ids)
    all_rows = lab_all["found"].notna().to_numpy()
    spec_final = FeatureSpec.fit(decl, prior=float(lab_all["found"][all_rows].mean()))
    x_final = assemble(f, raw, spec_final, duty_rates)
    final, _rounds = fit(
        x_final[all_rows],
        lab_all["found"].to_numpy(dtype="float64")[all_rows],
        lab_all["revenue"].to_numpy(dtype="float64")[all_rows],
        t[all_rows],
        categorical=spec_final.categorical_indexes,
        names=FEATURES,
    )
    fp, fer = final.predict(x_final[test])
    offices = decl["office"][test]
    grids: dict[str, dict[str, list[float]]] = {"probability": {}, "revenue": {}}
    for name, values in (("probability", fp), ("revenue", fer)):
        grids[name]["*"] = score_grid(values)
        for office in sorted(set(offices)):
            chosen = values[offices == office]
            if len(chosen) >= MIN_OFFICE_SCORES:
                grids[name][str(office)] = score_grid(chosen)
    return Trained(
        boosters=final,
        spec=spec_final,
        rounds=rounds,
        training_rows=int(all_rows.sum()),
        metrics=metrics,
        grids=grids,
    )


def _hits_by_decile(p: np.ndarray, found: np.ndarray) -> list[dict[str, float]]:
    if len(p) < 10:
        return []
    edges = np.quantile(p, np.linspace(0, 1, 11))
    out = []
    for i in range(10):
        lo, hi = edges[i], edges[i + 1]
        chosen = (p >= lo) & ((p <= hi) if i == 9 else (p < hi))
        k = int(chosen.sum())
        out.append(
            {"decile": i + 1, "checked": k, "hit_rate": float(found[chosen].mean()) if k else 0.0}
        )
    return out
