"""The history features shared by the in-product model and `risk evaluate`: a row never sees
its own label, a later one, or a later declaration; the totals kept per process give what the
all-at-once computation gives for a row after them, however the events were added."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haiquan.riskml import history

KEYS = ["", "a", "b", "c"]
HS = ["", "01012100", "01012900", "87032390"]
FAMILIES = history.families_for(("importer", "seller", "hs", "origin", "office"))


@st.composite
def worlds(draw: st.DrawFn, n_max: int = 30) -> tuple[dict, dict, np.ndarray, np.ndarray]:
    n = draw(st.integers(1, n_max))
    t = np.array(sorted(draw(st.lists(st.integers(0, 50), min_size=n, max_size=n))), float)

    def pick(pool):
        return np.array(draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n)), object)

    rows = history.rows_table(
        {
            "t": t,
            "importer": pick(KEYS),
            "seller": pick(KEYS),
            "hs": pick(HS),
            "origin": pick(["CN", "KR"]),
            "office": pick(["20BD"]),
            "value": np.array(draw(st.lists(st.sampled_from([0.0, 10.0, 20.0]), min_size=n, max_size=n))),
            "quantity": np.array(draw(st.lists(st.sampled_from([1.0, 2.0]), min_size=n, max_size=n))),
            "mass": np.array(draw(st.lists(st.sampled_from([np.nan, 5.0]), min_size=n, max_size=n))),
        }
    )  # fmt: skip
    checked = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    lag = np.array(draw(st.lists(st.integers(0, 20), min_size=n, max_size=n)), float)
    found = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)), float)
    idx = np.flatnonzero(checked)
    ev = {k: v[idx] for k, v in rows.items()}
    ev["t"] = rows["t"][idx] + lag[idx]
    return rows, ev, found[idx], idx


def _events(ev: dict, found: np.ndarray) -> history.Events:
    return history.Events.build(ev, found, found * 100.0)


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.allclose(np.asarray(a, float), np.asarray(b, float), equal_nan=True))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=worlds(), flip=st.integers(0, 60))
def test_no_row_sees_its_own_label_a_later_one_or_a_later_declaration(world, flip):
    rows, ev, found, _idx = world
    base = history.asof(rows, _events(ev, found), FAMILIES)
    # Every label known at `flip` or later changed: rows up to `flip` (their own label
    # included, even one known at their very moment) see none of it.
    changed = found.copy()
    changed[ev["t"] >= flip] = 1 - changed[ev["t"] >= flip]
    got = history.asof(rows, _events(ev, changed), FAMILIES)
    upto = rows["t"] <= flip
    for name, values in base.items():
        assert _same(values[upto], got[name][upto]), name
    # Every declaration from `flip` on changed (another importer, another value): rows before
    # `flip` see none of it.
    later = rows["t"] >= flip
    rows2 = {k: v.copy() for k, v in rows.items()}
    rows2["importer"][later] = "z"
    rows2["value"][later] = 999.0
    got = history.asof(rows2, _events(ev, found), FAMILIES)
    before = rows["t"] < flip
    for name, values in base.items():
        assert _same(values[before], got[name][before]), name


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=worlds(), new=worlds(n_max=5), split=st.integers(0, 30))
def test_the_state_gives_what_asof_gives_for_rows_after_it(world, new, split):
    rows, ev, found, _idx = world
    probe, *_rest = new
    probe = {k: v.copy() for k, v in probe.items()}
    probe["t"] = probe["t"] + 1000.0
    state = history.State(FAMILIES)
    # added in two batches of declarations and of label events, in any split
    k = min(split, len(rows["t"]))
    first = {c: v[:k] for c, v in rows.items()}
    second = {c: v[k:] for c, v in rows.items()}
    ke = min(split, len(found))
    state.add(first, _events({c: v[:ke] for c, v in ev.items()}, found[:ke]))
    state.add(second, _events({c: v[ke:] for c, v in ev.items()}, found[ke:]))
    got = state.lookup(probe)
    for i in range(len(probe["t"])):
        one = {c: np.concatenate([rows[c], probe[c][i : i + 1]]) for c in rows}
        expected = history.asof(one, _events(ev, found), FAMILIES)
        single = state.lookup({c: v[i : i + 1] for c, v in probe.items()})
        assert sorted(expected) == sorted(got) == sorted(single)
        for name in expected:
            assert _same(expected[name][-1:], got[name][i : i + 1]), name
            assert _same(expected[name][-1:], single[name]), name


def test_counts_rates_recency_unit_values_and_repeats():
    t = np.array([0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0])
    rows = history.rows_table(
        {
            "t": t,
            "importer": np.array(["a", "a", "b", "a", "a", "a", "a"], object),
            "seller": np.array(["s"] * 7, object),
            "hs": np.array(["87032390"] * 7, object),
            "origin": np.array(["CN"] * 7, object),
            "office": np.array(["20BD"] * 7, object),
            "value": np.array([100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 40.0]),
            "quantity": np.array([1.0] * 7),
        }
    )
    # Row 0 is found in violation at 15, row 1 clean at 25.
    ev = {k: v[[0, 1]] for k, v in rows.items()}
    ev["t"] = np.array([15.0, 25.0])
    raw = history.asof(rows, history.Events.build(ev, [1.0, 0.0], [50.0, 0.0]), FAMILIES)
    assert list(raw["importer.n"]) == [0, 1, 0, 2, 3, 4, 5]
    assert list(raw["importer.insp"]) == [0, 0, 0, 2, 2, 2, 2]
    assert list(raw["importer.found"]) == [0, 0, 0, 1, 1, 1, 1]
    assert raw["importer.last_found"][3] == 15.0 and np.isnan(raw["importer.last_found"][1])
    assert raw["importer.last"][3] == 10.0  # row 2 is another importer's
    assert raw["importer.rev"][3] == 50.0
    # the same goods, value and quantity: what the latest checked one was found to be
    assert list(raw["repeat.n"][:4]) == [0, 1, 2, 3]
    assert np.isnan(raw["repeat.last_label"][1])
    assert raw["repeat.last_label"][2] == 1.0 and raw["repeat.last_label"][3] == 0.0
    assert raw["repeat.n"][6] == 0  # a different value: not a repeat
    cols = history.matrix(t, raw, FAMILIES, prior=0.1)
    # smoothed: (1 found + 5 × 0.1) / (2 checks + 5)
    assert cols["importer__rate"][3] == (1 + 0.5) / 7
    assert cols["importer__since"][3] == (30.0 - 10.0) / history.DAY
    # value per unit: 40 against six earlier declarations at 100 (spread floored)
    assert cols["uv_quantity__z_hs6"][6] == -history.Z_CLIP
    assert np.isnan(cols["uv_quantity__z_hs6"][3])  # three peers: too few to compare
