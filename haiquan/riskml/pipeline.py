"""From a history of declarations to a trained, evaluated model version (no database here:
`services.model_train` reads the frames and stores the result)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .data import labels_of
from .features import (
    FEATURE_SET,
    FEATURES,
    FeatureSpec,
    Frames,
    assemble,
    history_asof,
    take,
    uncertainty,
)
from .training import (
    RATES,
    SEEDS,
    Boosters,
    FitInfo,
    choose,
    evaluate,
    fit,
    histogram,
    propensity_weights,
    score_grid,
)

MIN_TRAINING_ROWS = 50
MIN_FINDINGS = 5
# An office gets thresholds of its own from this many evaluation-period scores.
MIN_OFFICE_SCORES = 50


class NotEnoughHistory(ValueError):
    """Too few checked declarations (or findings) before the split to learn anything."""

    def __init__(self, checked: int, findings: int) -> None:
        super().__init__(
            f"{checked} checked declarations with {findings} findings before the split"
        )
        self.checked, self.findings = checked, findings


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


def novelty(
    party: np.ndarray, goods: np.ndarray, train_party: np.ndarray, train_goods: np.ndarray
) -> dict[str, np.ndarray]:
    """Test rows the model could not have memorised: "novel" when their party and goods
    combination never appears among the training rows, "unseen_party" when their party does
    not appear there at all."""
    seen_party = set(train_party.tolist())
    seen_pair = set(zip(train_party.tolist(), train_goods.tolist(), strict=True))
    pairs = zip(party.tolist(), goods.tolist(), strict=True)
    return {
        "novel": np.array([p not in seen_pair for p in pairs], dtype=bool),
        "unseen_party": np.array([p not in seen_party for p in party.tolist()], dtype=bool),
    }


def _hs6(hs: np.ndarray) -> np.ndarray:
    return np.array([str(h)[:6] for h in hs.tolist()], dtype=object)


def train(
    frames: Frames,
    *,
    split_t: float,
    train_from_t: float | None,
    duty_rates: Mapping[str, float],
    truth_loader: TruthLoader,
    rules_loader: RulesLoader,
    seeds: Sequence[int] = SEEDS,
    ipw: bool = True,
) -> Trained:
    """Learn from the checks known before `split_t`, evaluate on every declaration registered
    from `split_t` on (overall, on novel rows and on rows of unseen parties; the mean of
    `seeds` fits with its spread), then refit on everything known for the version that will
    score. With `ipw`, each checked declaration weighs the inverse of its chance of being
    checked (`training.propensity_weights`)."""
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
        raise NotEnoughHistory(int(rows.sum()), int(found[rows].sum()))
    x, cat, weights, ipw_info = _training_features(
        f, raw, in_train, rows, found, duty_rates, ipw, seeds[0]
    )
    info = choose(x[rows], found[rows], t[rows], categorical=cat, names=FEATURES, weights=weights)
    test = t >= split_t
    test_ids = ids[test]
    fits = _fit_seeds(x, rows, found, revenue, t, test, cat, weights, info, seeds)

    # Evaluation on the later period.
    fraud, rev, keep, truth_name = _test_truth(truth_loader, labels, test_ids)
    rules = rules_loader(list(map(int, test_ids[keep])))
    rules_arr = rules.reindex(test_ids[keep]).fillna(0).to_numpy() if rules is not None else None
    subsets = novelty(
        decl["mst"][test][keep],
        _hs6(decl["hs"][test][keep]),
        decl["mst"][rows],
        _hs6(decl["hs"][rows]),
    )
    metrics = evaluate(
        ids=test_ids[keep],
        probability=[p[keep] for _b, p, _e in fits],
        expected_revenue=[e[keep] for _b, _p, e in fits],
        fraud=fraud[keep],
        revenue=rev[keep],
        rules=rules_arr,
        truth=truth_name,
        subsets=subsets,
        seeds=seeds,
    )
    _describe_training(metrics, rows, found, info, ipw_info, fits[0], labels, test_ids)

    # The version that will score: the same recipe on everything known now.
    final, spec_final, all_rows, x_final = _final_model(
        f, raw, labels, t, duty_rates, cat, ipw, seeds[0], info
    )
    fp, fer = final.predict(x_final[test])
    unsure = uncertainty({k: v[test] for k, v in raw.items()})
    grids = _score_grids(fp, fer, unsure, decl["office"][test])
    return Trained(
        boosters=final,
        spec=spec_final,
        rounds=info.rounds,
        training_rows=int(all_rows.sum()),
        metrics=metrics,
        grids=grids,
    )


def _training_features(
    f: Frames,
    raw: dict[str, np.ndarray],
    in_train: np.ndarray,
    rows: np.ndarray,
    found: np.ndarray,
    duty_rates: Mapping[str, float],
    ipw: bool,
    seed: int,
) -> tuple[np.ndarray, list[int], np.ndarray | None, dict[str, Any]]:
    """The features of every declaration from the training period's vocabulary, with the
    checked rows' inverse-propensity weights when `ipw`: (features, categorical columns,
    weights, what the weighting did)."""
    decl = f.decl
    spec = FeatureSpec.fit(take(decl, in_train), prior=float(found[rows].mean()))
    x = assemble(f, raw, spec, duty_rates)
    cat = spec.categorical_indexes
    weights = None
    ipw_info: dict[str, Any] = {"used": False}
    if ipw:
        w, ipw_info = propensity_weights(
            x[in_train], rows[in_train], categorical=cat, names=FEATURES, seed=seed
        )
        ipw_info["used"] = True
        weights = w
        # The overall rate the smoothed rates lean on: of all declarations, not of the checked
        # ones (which the rules chose for being risky).
        spec = FeatureSpec(vocab=spec.vocab, prior=_weighted_rate(found[rows], w))
        x = assemble(f, raw, spec, duty_rates)
    return x, cat, weights, ipw_info


def _describe_training(
    metrics: dict[str, Any],
    rows: np.ndarray,
    found: np.ndarray,
    info: FitInfo,
    ipw_info: dict[str, Any],
    first_fit: tuple[Boosters, np.ndarray, np.ndarray],
    labels: pd.DataFrame,
    test_ids: np.ndarray,
) -> None:
    """Add to the metrics what the training was (rows, findings, rounds, selection,
    weighting, features and their importance) and the first seed's test scores."""
    first, p0, _e0 = first_fit
    metrics["training_rows"] = int(rows.sum())
    metrics["training_findings"] = int(found[rows].sum())
    metrics["rounds"] = info.rounds
    metrics["selection"] = info.as_json()
    metrics["ipw"] = ipw_info
    metrics["rates"] = list(RATES)
    metrics["feature_set"] = FEATURE_SET
    metrics["novel_by"] = ["importer", "HS subheading"]
    importance = first.classifier.feature_importance("gain")
    ranked = sorted(zip(FEATURES, importance, strict=True), key=lambda fg: -float(fg[1]))
    metrics["importance"] = [{"feature": n, "gain": float(g)} for n, g in ranked[:12]]
    metrics["test_histogram"] = histogram(p0)
    # Hit rate by score decile among the checked declarations of the test period.
    checked = labels.reindex(test_ids)["found"]
    ok = checked.notna().to_numpy()
    metrics["test_hit_rate_by_decile"] = _hits_by_decile(p0[ok], checked.to_numpy()[ok])


def _fit_seeds(
    x: np.ndarray,
    rows: np.ndarray,
    found: np.ndarray,
    revenue: np.ndarray,
    t: np.ndarray,
    test: np.ndarray,
    cat: list[int],
    weights: np.ndarray | None,
    info: FitInfo,
    seeds: Sequence[int],
) -> list[tuple[Boosters, np.ndarray, np.ndarray]]:
    """One model per seed on the training rows, each with its scores of the test rows
    (probability, expected revenue)."""
    fits = []
    for seed in seeds:
        boosters, _info = fit(
            x[rows],
            found[rows],
            revenue[rows],
            t[rows],
            categorical=cat,
            names=FEATURES,
            weights=weights,
            seed=seed,
            info=info,
        )
        fits.append((boosters, *boosters.predict(x[test])))
    return fits


def _test_truth(
    truth_loader: TruthLoader, labels: pd.DataFrame, test_ids: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """What the test declarations really were: the synthetic truth where there is one, else
    what the checks found (only the checked ones kept): (fraud, revenue, kept, which)."""
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
    return fraud, rev, keep, truth_name


def _final_model(
    f: Frames,
    raw: dict[str, np.ndarray],
    labels: pd.DataFrame,
    t: np.ndarray,
    duty_rates: Mapping[str, float],
    cat: list[int],
    ipw: bool,
    seed: int,
    info: FitInfo,
) -> tuple[Boosters, FeatureSpec, np.ndarray, np.ndarray]:
    """The version that will score: the same recipe on everything known now: (its model,
    its feature spec, the rows it learnt from, every declaration's features)."""
    lab_all = labels.reindex(f.decl["id"])
    all_rows = lab_all["found"].notna().to_numpy()
    found_all = lab_all["found"].to_numpy(dtype="float64")
    spec_final = FeatureSpec.fit(f.decl, prior=float(found_all[all_rows].mean()))
    x_final = assemble(f, raw, spec_final, duty_rates)
    w_final = None
    if ipw:
        w_final, _i = propensity_weights(
            x_final, all_rows, categorical=cat, names=FEATURES, seed=seed
        )
        spec_final = FeatureSpec(
            vocab=spec_final.vocab, prior=_weighted_rate(found_all[all_rows], w_final)
        )
        x_final = assemble(f, raw, spec_final, duty_rates)
    final, _info = fit(
        x_final[all_rows],
        lab_all["found"].to_numpy(dtype="float64")[all_rows],
        lab_all["revenue"].to_numpy(dtype="float64")[all_rows],
        t[all_rows],
        categorical=spec_final.categorical_indexes,
        names=FEATURES,
        weights=w_final,
        seed=seed,
        info=info,
    )
    return final, spec_final, all_rows, x_final


def _score_grids(
    fp: np.ndarray, fer: np.ndarray, unsure: np.ndarray, offices: np.ndarray
) -> dict[str, dict[str, list[float]]]:
    """The score grids (overall and per office with enough scores) of probability, revenue
    at stake and uncertainty."""
    grids: dict[str, dict[str, list[float]]] = {"probability": {}, "revenue": {}}
    for name, values in (("probability", fp), ("revenue", fer)):
        grids[name]["*"] = score_grid(values)
        for office in sorted(set(offices)):
            chosen = values[offices == office]
            if len(chosen) >= MIN_OFFICE_SCORES:
                grids[name][str(office)] = score_grid(chosen)
    # How little the checks know of each declaration: the exploration share goes to those
    # above the office's quantile of it (`scorer.Policy.explore_threshold`).
    grids["uncertainty"] = {"*": score_grid(unsure)}
    for office in sorted(set(offices)):
        chosen = unsure[offices == office]
        if len(chosen) >= MIN_OFFICE_SCORES:
            grids["uncertainty"][str(office)] = score_grid(chosen)
    return grids


def _weighted_rate(found: np.ndarray, weights: np.ndarray) -> float:
    total = float(weights.sum())
    return float((weights * found).sum() / total) if total > 0 else float(found.mean())


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
