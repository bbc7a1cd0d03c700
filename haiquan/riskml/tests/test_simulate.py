"""Learning from what was checked: exploration finds a fraud pattern the rules never select
(a simulated world, fixed seed), and inverse-propensity weights let the few checks made where
nothing pointed speak for the many declarations like them that nobody checked."""

from __future__ import annotations

import numpy as np

from haiquan.riskml import simulate
from haiquan.riskml.training import propensity_weights

WEEKS = 10


def test_with_exploration_a_new_pattern_the_rules_never_select_is_found_and_learned():
    world = simulate.World(seed=12)
    explored = simulate.run(world, simulate.Policy(explore=0.3), weeks=WEEKS)
    alone = simulate.run(world, simulate.Policy(explore=0.0), weeks=WEEKS)
    after = [w for w in explored.weeks if w.week >= world.plant_week]
    # The same world either way: the pattern is there, week after week.
    assert [w.pattern_violations for w in explored.weeks] == [
        w.pattern_violations for w in alone.weeks
    ]
    assert all(w.pattern_violations > 10 for w in after)
    # With exploration: found within two weeks of its start, by checks the rules would never
    # have made, and then the model's own top picks go after it.
    assert explored.discovered is not None
    assert explored.discovered <= world.plant_week + 2
    assert sum(w.pattern_explored for w in after) >= 5
    assert sum(w.pattern_picked_by_model for w in after if w.week >= WEEKS - 3) >= 10
    assert all(w.exploration_checks > 0 for w in after)
    # Without: nothing points there, so nobody looks, and nothing is found.
    assert alone.discovered is None
    assert sum(w.pattern_found for w in alone.weeks) < simulate.DISCOVERED
    assert sum(w.pattern_picked_by_model for w in alone.weeks) == 0


def test_inverse_propensity_weights_make_the_checked_declarations_speak_for_all():
    """The rules check every declaration of the risky kind (30% violations) and a random 2% of
    the others (2% violations): the checked ones overstate the violation rate; weighted by the
    inverse of their chance of being checked, they estimate the rate of all declarations."""
    rng = np.random.default_rng(4)
    n = 20_000
    risky = rng.random(n) < 0.1
    x = np.column_stack([risky.astype(float), rng.normal(size=n), rng.normal(size=n)])
    violation = rng.random(n) < np.where(risky, 0.3, 0.02)
    checked = risky | (rng.random(n) < 0.02)
    weights, info = propensity_weights(x, checked, categorical=[], names=["risky", "a", "b"])
    found = violation[checked].astype(float)
    true_rate = violation.mean()
    unweighted = found.mean()
    weighted = float((weights * found).sum() / weights.sum())
    assert unweighted > 2 * true_rate
    assert abs(weighted - true_rate) < 0.25 * true_rate
    # random selections weigh far more than the rules' certain checks
    assert weights[~risky[checked]].mean() > 10 * weights[risky[checked]].mean()
    assert info["checked"] == int(checked.sum()) and info["effective_rows"] < checked.sum()
