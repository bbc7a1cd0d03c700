"""Features never use information from after the declaration's time; the per-process state
gives what training gives for a declaration after it; one row and many rows agree."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haiquan.riskml.features import (
    FEATURES,
    OUTCOME_KEYS,
    FeatureSpec,
    Frames,
    HistoryState,
    assemble,
    history_asof,
    take,
)

MSTS = ["0100000001", "0100000002", "0100000003"]
SELLERS = ["GUANGXI TRADING", "HANOI IMPEX"]
CODES = ["87032390", "87032391", "61091000"]
ORIGINS = ["CN", "KR", "TH"]
SPEC = FeatureSpec(
    vocab={
        "office": ("20BD", "43IH"),
        "type_code": ("A11", "B11"),
        "flow": ("import", "export"),
        "transport": ("sea", "road"),
        "partner": ("CN", "KR"),
        "rank": ("high", "low"),
        "origin": tuple(ORIGINS),
        "hs2": ("61", "87"),
        "hs4": ("6109", "8703"),
        "hs6": ("610910", "870323"),
    },
    prior=0.1,
)
RATES = {"87032390": 50.0, "61091000": 20.0}


def _history(decls: list[dict], outcomes: list[dict]) -> Frames:
    lines: dict[str, list] = {
        k: [] for k in ("decl_id", "t", "line_no", "hs", "origin", "price", "value")
    }
    decl: dict[str, list] = {
        k: []
        for k in (
            "id", "t", "office", "type_code", "flow", "mst", "rank", "transport", "partner",
            "value", "n_lines", "hs", "origin", "preference", "declarant", "seller", "broker",
            "main_value", "quantity", "unit",
        )
    }  # fmt: skip
    by_id: dict[int, dict] = {}
    for d in decls:
        main = max(d["lines"], key=lambda ln: ln[3])
        for i, (hs, origin, price, value) in enumerate(d["lines"], start=1):
            for k, v in zip(
                ("decl_id", "t", "line_no", "hs", "origin", "price", "value"),
                (d["id"], d["t"], i, hs, origin, price, value),
                strict=True,
            ):
                lines[k].append(v)
        row = {
            "id": d["id"],
            "t": d["t"],
            "office": "20BD",
            "type_code": "A11",
            "flow": "import",
            "mst": d["mst"],
            "rank": "low",
            "transport": "sea",
            "partner": "CN",
            "value": sum(ln[3] for ln in d["lines"]),
            "n_lines": len(d["lines"]),
            "hs": main[0],
            "origin": main[1],
            "preference": 0,
            "declarant": str(d.get("declarant", 1)),
            "seller": d.get("seller", SELLERS[0]),
            "broker": "",
            "main_value": main[3],
            "quantity": main[3] / main[2],
            "unit": "KGM",
        }
        by_id[d["id"]] = row
        for k, v in row.items():
            decl[k].append(v)
    oc: dict[str, list] = {k: [] for k in ("decl_id", "t", "found", "revenue", *OUTCOME_KEYS)}
    for o in outcomes:
        for k in ("decl_id", "t", "found", "revenue"):
            oc[k].append(o[k])
        for k in OUTCOME_KEYS:
            oc[k].append(by_id[o["decl_id"]][k] if o["decl_id"] in by_id else "")
    return Frames.build(decl, lines, oc)


def _raw_names(raw: dict) -> list[str]:
    return sorted(raw)


line_st = st.tuples(
    st.sampled_from(CODES),
    st.sampled_from(ORIGINS),
    st.floats(min_value=1.0, max_value=1e6, allow_nan=False),
    st.floats(min_value=1e5, max_value=1e9, allow_nan=False),
)


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[dict], list[dict]]:
    n = draw(st.integers(min_value=1, max_value=25))
    times = sorted(draw(st.lists(st.integers(0, 10_000), min_size=n, max_size=n)))
    decls = [
        {
            "id": i + 1,
            "t": float(t),
            "mst": draw(st.sampled_from(MSTS)),
            "seller": draw(st.sampled_from(SELLERS)),
            "lines": draw(st.lists(line_st, min_size=1, max_size=3)),
        }
        for i, t in enumerate(times)
    ]
    outcomes = []
    for d in decls:
        if draw(st.booleans()):
            found = draw(st.integers(0, 1))
            outcomes.append(
                {
                    "decl_id": d["id"],
                    "t": d["t"] + draw(st.integers(0, 3000)),
                    "found": found,
                    "revenue": 1e6 * found,
                }
            )
    return decls, outcomes


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    a = np.asarray(a)
    b = np.asarray(b)
    if a.dtype == object or b.dtype == object:
        return list(a) == list(b)
    return bool(np.allclose(a, b, equal_nan=True, rtol=1e-9, atol=1e-9))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(past=histories(), future=histories(), gap=st.integers(1, 5000))
def test_adding_future_declarations_never_changes_a_past_declarations_features(past, future, gap):
    decls, outcomes = past
    last = max(max(d["t"] for d in decls), max((o["t"] for o in outcomes), default=0.0))
    shift = last + gap
    later = [{**d, "id": d["id"] + 1000, "t": d["t"] + shift} for d in future[0]]
    later_outcomes = [{**o, "decl_id": o["decl_id"] + 1000, "t": o["t"] + shift} for o in future[1]]
    # Outcomes of past declarations recorded in the future do not count either.
    late_findings = [{**o, "t": shift + 1, "found": 1} for o in outcomes[:2]]
    alone = _history(decls, outcomes)
    both = _history(decls + later, outcomes + later_outcomes + late_findings)
    raw_alone = history_asof(alone)
    raw_both = history_asof(both)
    n = len(decls)
    assert _raw_names(raw_alone) == _raw_names(raw_both)
    for name in raw_alone:
        assert _same(raw_alone[name], raw_both[name][:n]), name
    x_alone = assemble(alone, raw_alone, SPEC, RATES)
    x_both = assemble(both, raw_both, SPEC, RATES)
    assert _same(x_alone, x_both[:n])


def test_an_inspection_counts_only_from_the_moment_it_was_recorded():
    decls = [
        {"id": 1, "t": 100.0, "mst": MSTS[0], "lines": [(CODES[0], "CN", 10.0, 1e6)]},
        {"id": 2, "t": 200.0, "mst": MSTS[0], "lines": [(CODES[0], "CN", 10.0, 1e6)]},
        {"id": 3, "t": 300.0, "mst": MSTS[0], "lines": [(CODES[0], "CN", 10.0, 1e6)]},
    ]
    # Declaration 1's inspection found a violation, recorded at 250: after 2 was registered.
    outcomes = [{"decl_id": 1, "t": 250.0, "found": 1, "revenue": 5e6}]
    raw = history_asof(_history(decls, outcomes))
    assert list(raw["importer.n"]) == [0, 1, 2]
    assert list(raw["importer.insp"]) == [0, 0, 1]
    assert list(raw["importer.found"]) == [0, 0, 1]
    assert list(raw["hs6.found"]) == [0, 0, 1]
    assert list(raw["seller_importer.found"]) == [0, 0, 1]
    assert np.isnan(raw["importer.last"][0]) and raw["importer.last"][2] == 200.0
    assert np.isnan(raw["importer.last_found"][1]) and raw["importer.last_found"][2] == 250.0
    # the same goods, value and quantity as declaration 1, whose check found a violation
    assert list(raw["repeat.n"]) == [0, 1, 2]
    assert np.isnan(raw["repeat.last_label"][1]) and raw["repeat.last_label"][2] == 1.0


def test_a_declaration_filed_at_the_same_moment_is_not_its_own_history():
    decls = [
        {"id": 1, "t": 100.0, "mst": MSTS[0], "lines": [(CODES[0], "CN", 10.0, 1e6)] * 2},
    ]
    raw = history_asof(_history(decls, []))
    assert raw["importer.n"][0] == 0 and np.isnan(raw["z_min"][0])


def test_unit_price_far_below_its_peers_gives_a_low_z_and_the_ratio():
    decls = [
        {"id": i, "t": float(i), "mst": MSTS[i % 3], "lines": [(CODES[0], "CN", p, p * 10)]}
        for i, p in enumerate([100.0, 104.0, 98.0, 101.0, 97.0, 103.0], start=1)
    ]
    decls.append({"id": 7, "t": 10.0, "mst": MSTS[0], "lines": [(CODES[0], "CN", 37.0, 370.0)]})
    raw = history_asof(_history(decls, []))
    assert np.isnan(raw["z_min"][4])  # fewer than 5 peers before the 5th
    assert raw["z_min"][6] < -8 + 1e-9
    assert raw["ratio_min"][6] == pytest.approx(0.37, rel=0.02)
    assert raw["hs_min"][6] == CODES[0] and raw["origin_min"][6] == "CN"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    history=histories(),
    newcomer=st.lists(line_st, min_size=1, max_size=3),
    mst=st.sampled_from([*MSTS, "0100000009"]),
)
def test_the_state_gives_what_training_gives_for_a_declaration_after_it(history, newcomer, mst):
    decls, outcomes = history
    last = max(max(d["t"] for d in decls), max((o["t"] for o in outcomes), default=0.0))
    new = {"id": 999, "t": last + 60.0, "mst": mst, "lines": newcomer}
    full = _history([*decls, new], outcomes)
    expected = history_asof(full)
    past = _history(decls, outcomes)
    state = HistoryState.build(past, RATES)
    one = _history([new], [])
    got = state.lookup(one)
    assert _raw_names(got) == _raw_names(expected)
    for name in got:
        assert _same(got[name], expected[name][-1:]), name
    # and the matrix, row by row or all at once
    x_state = assemble(one, got, SPEC, RATES)
    x_train = assemble(full, expected, SPEC, RATES)
    assert _same(x_state[0], x_train[-1])
    assert x_state.shape == (1, len(FEATURES))


def test_state_topped_up_equals_state_built_at_once():
    decls = [
        {"id": i, "t": float(i * 10), "mst": MSTS[i % 3], "lines": [(CODES[i % 3], ORIGINS[i % 3], 10.0 + i, 1e6)]}
        for i in range(1, 80)
    ]  # fmt: skip
    outcomes = [
        {"decl_id": d["id"], "t": d["t"] + 5, "found": d["id"] % 4 == 0, "revenue": 1.0}
        for d in decls if d["id"] % 2 == 0
    ]  # fmt: skip
    full = _history(decls, outcomes)
    at_once = HistoryState.build(full, RATES)
    first = _history(decls[:40], [o for o in outcomes if o["decl_id"] <= 40])
    rest = _history(decls, [o for o in outcomes if o["decl_id"] > 40])
    rest.decl = take(rest.decl, rest.decl["id"] > 40)
    rest.lines = take(rest.lines, rest.lines["decl_id"] > 40)
    topped = HistoryState.build(first, RATES)
    topped.add(rest)
    probe = _history(
        [{"id": 5000, "t": 10_000.0, "mst": MSTS[1], "lines": [(CODES[1], "KR", 55.0, 1e6)]}], []
    )
    a, b = at_once.lookup(probe), topped.lookup(probe)
    for name in a:
        assert _same(a[name], b[name]), name
    # a batch larger than the small-lookup path gives the same rows
    many = Frames.build(
        {k: np.concatenate([v] * 70) for k, v in take(probe.decl, np.array([0])).items()}
        | {"id": np.arange(70) + 6000},
        {k: np.concatenate([v] * 70) for k, v in probe.lines.items()}
        | {"decl_id": np.arange(70) + 6000},
    )
    big = at_once.lookup(many)
    for name in a:
        assert _same(big[name][:1], a[name]), name
