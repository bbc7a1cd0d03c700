"""Weeks of selection, checks and retraining in a small simulated world: what exploration and
inverse-propensity weighting change (`haiquan risk simulate`, and the tests).

Each week, declarations arrive; the checks look at what the rules select (fixed profiles:
the riskier goods), a random share for compliance measurement, and the
learned score's share of the red lane — most on its top-ranked declarations, an exploration
part (if any) drawn among the declarations the checks have seen little of, each with a
chance proportional to how little is known (`history.uncertainty`, as in the lane decision).
What the checks find becomes history and labels, and the model is retrained on everything
checked so far (weighted by the inverse of each check's chance, `training.propensity_weights`)
with the same history features as the in-product model and `risk evaluate`.

A quarter of the importers trade goods the rules never select, from a few sellers of their
own; from `plant_week` on, most consignments of one of those sellers break the rules in a way
nothing in the declaration shows (the price is right: only checks can reveal it). Nobody
checked there before (the rules do not point there, the model saw nothing wrong), so the
checks know little of that seller. The pattern is *found* (`Result.discovered`) in the first
week by which the checks have found `DISCOVERED` of its violations; each week also says how
many of its violations the model's own top picks (exploration left out) caught.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import history
from .training import CANDIDATES, Boosters, choose, fit, propensity_weights, threshold_for

DAY = 86400.0
DISCOVERED = 10
FAMILIES = history.families_for(("importer", "seller", "hs", "origin", "office"))


@dataclass
class World:
    seed: int = 11
    per_week: int = 800
    importers: int = 200
    quiet_share: float = 0.2  # of the importers: those trading goods the rules never select
    sellers: int = 60  # sellers of the watched goods
    quiet_sellers: int = 5  # sellers of the quiet goods; the first `planted` start cheating
    planted: int = 1
    goods: int = 60  # HS subheadings: the first half watched by the rules, the rest quiet
    origins: int = 8
    plant_week: int = 4
    pattern_violation: float = 0.8


@dataclass
class Policy:
    rate: float = 0.06  # the model's share of the red lane
    explore: float = 0.3  # the part of it spent exploring
    random_rate: float = 0.005  # random selection for compliance measurement
    ipw: bool = True


@dataclass
class Week:
    week: int
    declarations: int
    checked: int
    violations_found: int
    pattern: int  # the planted pattern's declarations this week
    pattern_violations: int
    pattern_picked_by_model: int  # of its violations, in the model's own top picks
    pattern_found: int  # of its violations, found by the checks (any route)
    violation_rate: float  # the week's true share of declarations with a violation
    mean_score: float | None  # the model's mean probability over the week's declarations
    pattern_explored: int  # of its declarations, checked by exploration
    exploration_checks: int
    exploration_hits: int
    model_checks: int
    model_hits: int


@dataclass
class Result:
    weeks: list[Week] = field(default_factory=list)

    @property
    def discovered(self) -> int | None:
        """The first week by which the checks have found DISCOVERED of the pattern's violations."""
        total = 0
        for w in self.weeks:
            total += w.pattern_found
            if total >= DISCOVERED:
                return w.week
        return None

    def as_json(self) -> dict[str, Any]:
        return {"discovered": self.discovered, "weeks": [w.__dict__ for w in self.weeks]}


def _codes(prefix: str, idx: np.ndarray) -> np.ndarray:
    return np.array([f"{prefix}{i:04d}" for i in idx.tolist()], dtype=object)


def _world_state(world: World, rng: np.random.Generator) -> dict[str, Any]:
    half = world.goods // 2
    quiet = rng.random(world.importers) < world.quiet_share
    goods = np.where(
        quiet[:, None],
        rng.integers(half, world.goods, (world.importers, 3)),
        rng.integers(0, half, (world.importers, 3)),
    )
    sellers = np.where(
        quiet[:, None],
        world.sellers + rng.integers(0, world.quiet_sellers, (world.importers, 3)),
        rng.integers(0, world.sellers, (world.importers, 3)),
    )
    risky = ~quiet & (rng.random(world.importers) < 0.1)
    sellers[:, 0] = np.where(
        quiet, world.sellers + np.arange(world.importers) % world.quiet_sellers, sellers[:, 0]
    )
    risky_sellers = rng.random(world.sellers + world.quiet_sellers) < 0.15
    risky_sellers[world.sellers :] = False
    return {
        "seller_risk": np.where(risky_sellers, 0.3, 0.0),
        "imp_goods": goods,
        "imp_sellers": sellers,
        "seller_origin": rng.integers(0, world.origins, world.sellers + world.quiet_sellers),
        "imp_risk": np.where(risky, 0.25, np.where(quiet, 0.005, 0.01)),
        "goods_price": rng.lognormal(3, 1, world.goods),
    }


def _week_rows(
    world: World, rng: np.random.Generator, week: int, state: dict[str, Any]
) -> dict[str, Any]:
    n = world.per_week
    t = (week * 7 + np.sort(rng.uniform(0, 7, n))) * DAY
    imp = rng.integers(0, world.importers, n)
    goods = state["imp_goods"][imp, rng.integers(0, 3, n)]
    seller = state["imp_sellers"][imp, rng.integers(0, 3, n)]
    origin = state["seller_origin"][seller]
    fraud = rng.random(n) < state["imp_risk"][imp] + state["seller_risk"][seller]
    price = state["goods_price"][goods] * rng.lognormal(0, 0.3, n)
    # the known kind of violation: undervaluation (visible in the price)
    price = np.where(fraud, price * rng.uniform(0.4, 0.7, n), price)
    # the planted one: from `plant_week`, most consignments of a few quiet sellers break the
    # rules with nothing to see in the declaration
    pattern = (seller >= world.sellers) & (seller < world.sellers + world.planted)
    pattern &= week >= world.plant_week
    fraud = np.where(pattern, rng.random(n) < world.pattern_violation, fraud)
    qty = rng.lognormal(3, 1, n)
    return {
        "t": t,
        "importer": _codes("I", imp),
        "seller": _codes("S", seller),
        "hs": np.array([f"{g:02d}0000" for g in goods.tolist()], dtype=object),
        "origin": _codes("O", origin),
        "office": _codes("F", rng.integers(0, 4, n)),
        "value": price * qty,
        "quantity": qty,
        "mass": np.full(n, np.nan),
        "_fraud": fraud,
        "_pattern": pattern,
        "_rules": goods < world.goods // 2,
    }


def run(world: World, policy: Policy, weeks: int) -> Result:
    """Simulate `weeks` weeks; deterministic for the world's seed."""
    rng = np.random.default_rng(world.seed)
    draw = np.random.default_rng(world.seed + 1)  # the selection draws, apart from the world
    state = _world_state(world, rng)
    keys = [k for k in ("t", "importer", "seller", "hs", "origin", "office") if k]
    past: dict[str, list[np.ndarray]] = {k: [] for k in [*keys, "value", "quantity", "mass"]}
    labels: dict[str, list[np.ndarray]] = {"idx": [], "t": [], "found": []}
    checked_all: list[np.ndarray] = []
    result = Result()
    model = None
    for week in range(weeks):
        rows = _week_rows(world, rng, week, state)
        n_before = sum(len(x) for x in past["t"])
        for k in past:
            past[k].append(rows[k])
        table, raw, names, x = _features(past, labels, state.get("prior", 0.05))
        now = slice(n_before, n_before + len(rows["t"]))
        n = len(rows["t"])
        rules = rows["_rules"]
        random_pick = draw.random(n) < policy.random_rate
        p, model_pick, explore_pick = _model_picks(model, policy, x[now], raw, now, n)
        checked = rules | random_pick | model_pick | explore_pick
        found = checked & rows["_fraud"] & (draw.random(n) < 0.9)
        idx = np.flatnonzero(checked) + n_before
        labels["idx"].append(idx)
        labels["t"].append(rows["t"][checked] + 2 * DAY)
        labels["found"].append(found[checked].astype("float64"))
        checked_all.append(checked)
        result.weeks.append(_week(week, rows, checked, found, model_pick, explore_pick, p, model))
        model = _retrain(model, world, policy, state, x, names, table["t"], checked_all, labels)
    return result


def _features(
    past: dict[str, list[np.ndarray]], labels: dict[str, list[np.ndarray]], prior: float
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], list[str], np.ndarray]:
    """The history features of every row so far, from the labels known so far: (the rows'
    table, the raw history, the feature names, the matrix)."""
    table = history.rows_table({k: np.concatenate(v) for k, v in past.items()})
    lab_idx = np.concatenate(labels["idx"]) if labels["idx"] else np.zeros(0, dtype=int)
    ev_table = {k: v[lab_idx] for k, v in table.items()}
    ev_table["t"] = np.concatenate(labels["t"]) if labels["t"] else np.zeros(0)
    found_all = np.concatenate(labels["found"]) if labels["found"] else np.zeros(0)
    events = history.Events.build(ev_table, found_all, found_all)
    raw = history.asof(table, events, FAMILIES)
    cols = history.matrix(table["t"], raw, FAMILIES, prior)
    names = list(cols)
    x = np.column_stack([cols[k] for k in names])
    return table, raw, names, x


def _model_picks(
    model: Boosters | None,
    policy: Policy,
    x_now: np.ndarray,
    raw: dict[str, np.ndarray],
    now: slice,
    n: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The model's scores of this week's rows, its picks, and its exploration picks (the
    most uncertain rows not picked); none before there is a model."""
    model_pick = np.zeros(n, dtype=bool)
    explore_pick = np.zeros(n, dtype=bool)
    p = np.zeros(n)
    if model is not None:
        p, _er = model.predict(x_now)
        grid = list(np.quantile(p, np.linspace(0, 1, 201)))
        model_pick = p >= threshold_for(grid, policy.rate * (1 - policy.explore))
        if policy.explore > 0:
            unsure = history.uncertainty({k: v[now] for k, v in raw.items()}, FAMILIES)
            u_grid = list(np.quantile(unsure, np.linspace(0, 1, 201)))
            explore_pick = ~model_pick & (
                unsure >= threshold_for(u_grid, policy.rate * policy.explore)
            )
    return p, model_pick, explore_pick


def _week(
    week: int,
    rows: dict[str, np.ndarray],
    checked: np.ndarray,
    found: np.ndarray,
    model_pick: np.ndarray,
    explore_pick: np.ndarray,
    p: np.ndarray,
    model: Boosters | None,
) -> Week:
    """What one week's checks found, overall, on the pattern, by the model, by exploration."""
    n = len(rows["t"])
    pat, fr = rows["_pattern"], rows["_fraud"]
    return Week(
        week=week,
        declarations=n,
        checked=int(checked.sum()),
        violations_found=int(found.sum()),
        pattern=int(pat.sum()),
        pattern_violations=int((pat & fr).sum()),
        pattern_picked_by_model=int((pat & fr & model_pick).sum()),
        pattern_found=int((pat & found).sum()),
        violation_rate=float(fr.mean()),
        mean_score=float(np.mean(p)) if model is not None else None,
        pattern_explored=int((pat & explore_pick).sum()),
        exploration_checks=int(explore_pick.sum()),
        exploration_hits=int((explore_pick & found).sum()),
        model_checks=int(model_pick.sum()),
        model_hits=int((model_pick & found).sum()),
    )


def _retrain(
    model: Boosters | None,
    world: World,
    policy: Policy,
    state: dict[str, Any],
    x: np.ndarray,
    names: list[str],
    t_all: np.ndarray,
    checked_all: list[np.ndarray],
    labels: dict[str, list[np.ndarray]],
) -> Boosters | None:
    """Retrain on everything checked so far (labels known by the end of the week), and
    update the prior; the same model while fewer than 5 were found."""
    all_checked = np.concatenate(checked_all)
    lab = np.zeros(len(all_checked))
    lab_i = np.concatenate(labels["idx"])
    lab[lab_i] = np.concatenate(labels["found"])
    weights = None
    if policy.ipw:
        weights, _ipw = propensity_weights(
            x, all_checked, categorical=[], names=names, seed=world.seed
        )
    rows_i = np.flatnonzero(all_checked)
    if weights is not None and len(rows_i):
        state["prior"] = float((weights * lab[rows_i]).sum() / weights.sum())
    elif len(rows_i):
        state["prior"] = float(lab[rows_i].mean())
    if lab[rows_i].sum() >= 5:
        chosen = choose(
            x[rows_i], lab[rows_i], t_all[rows_i], categorical=[], names=names,
            weights=weights, max_rounds=100, candidates=CANDIDATES[:1],
        )  # fmt: skip
        model, _fit = fit(
            x[rows_i], lab[rows_i], lab[rows_i], t_all[rows_i], categorical=[],
            names=names, weights=weights, info=chosen,
        )  # fmt: skip
    return model
