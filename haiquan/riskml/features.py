"""The features of the learned risk score: one code path for training, batch and online scoring.

A declaration is described by what it says (office, type, flow, route, partner, HS code at
2/4/6 digits, the main line's origin, value, lines, preference claimed, MFN duty rate, time)
and by what was known strictly before its registration (`history`): for its importer,
declarant, seller, broker, HS code at 2/4/6 digits, origin, office, route and the pairs
importer × HS subheading, HS subheading × origin and seller × importer — how many declarations
and checks, the violation rate the checks found (smoothed), the days since the latest
declaration and the latest violation; its unit value against the same HS subheading's and the
same importer's earlier declarations; repeat consignments (same goods, value and quantity as an
earlier declaration, and what that one was found to be); and each goods line's unit price
against earlier lines of the same HS line and origin. A check's result counts from the moment
it was recorded, not from the declaration it belongs to: training never sees an outcome its
declaration could not have known.

Two ways to get the history numbers, one meaning:
* `history_asof(frames)`: for every declaration of a history at once, each from the events
  before it (sort and cumulative sums, vectorised) — training and evaluation;
* `HistoryState`: the totals of everything so far, kept per process and topped up with what
  is new — online scoring inside the lane decision and batch scoring of current declarations.
Both give the same raw numbers, which `assemble` turns into the model's matrix.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import history
from .history import Events

# A unit-price comparison needs this many earlier declarations of the same group.
MIN_PRICE_PEERS = 5
# Beyond this, a z-score says nothing more.
Z_CLIP = 8.0
LOCAL_OFFSET_S = 7 * 3600  # Asia/Ho_Chi_Minh, no daylight saving
# Version of the feature set: a model trained on another one is not used to score.
FEATURE_SET = 2

DECL_COLUMNS = (
    "id",
    "t",  # registration time, seconds since the epoch (float)
    "office",
    "type_code",
    "flow",
    "mst",
    "rank",
    "transport",
    "partner",
    "value",  # customs value, VND
    "n_lines",
    "hs",  # main line (largest customs value): 8-digit HS code
    "origin",  # main line's origin
    "preference",  # 1 if any line claims a preferential rate
    "declarant",  # who filed it (user id)
    "seller",  # the foreign partner's name, as written (upper case, spaces collapsed)
    "broker",  # the customs broker's enterprise id, or ""
    "main_value",  # main line's customs value, VND
    "quantity",  # main line's quantity
    "unit",  # main line's unit
)
LINE_COLUMNS = ("decl_id", "t", "line_no", "hs", "origin", "price", "value")
# An outcome (a check's result) with the keys of the declaration it examined.
OUTCOME_KEYS = (
    "mst",
    "declarant",
    "seller",
    "broker",
    "hs",
    "origin",
    "office",
    "partner",
    "transport",
    "main_value",
    "quantity",
    "unit",
)
OUTCOME_COLUMNS = ("decl_id", "t", "found", "revenue", *OUTCOME_KEYS)

FAMILIES = history.ALL_FAMILIES
CATEGORICAL = (
    "office",
    "type_code",
    "flow",
    "transport",
    "partner",
    "rank",
    "origin",
    "hs2",
    "hs4",
    "hs6",
)
BASE_NUMERIC = (
    "value_log",
    "n_lines",
    "preference",
    "duty_rate",
    "price_z_min",
    "price_z_main",
    "price_peers_log",
    "month",
    "weekday",
    "hour",
)
HISTORY_FEATURES = tuple(history.feature_names(FAMILIES))
NUMERIC = BASE_NUMERIC + HISTORY_FEATURES
FEATURES = CATEGORICAL + NUMERIC

# The line-level history numbers (the rest are `history`'s).
LINE_RAW = (
    "z_min",
    "z_main",
    "ratio_min",  # unit price / usual price, on the line with the lowest z
    "line_min",  # its line number
    "hs_min",  # its HS code
    "origin_min",  # its origin
    "peers_main",
)
MASS_UNITS = {"KGM": 1.0, "TNE": 1000.0, "GRM": 0.001}


Table = dict[str, np.ndarray]

_DTYPES = {
    "id": "int64",
    "decl_id": "int64",
    "check_id": "int64",
    "t": "float64",
    "value": "float64",
    "price": "float64",
    "revenue": "float64",
    "n_lines": "int64",
    "line_no": "int64",
    "main_value": "float64",
    "quantity": "float64",
    "preference": "int64",
    "found": "int64",
}


def table(data: Mapping[str, Any], columns: Sequence[str]) -> Table:
    """Columns as numpy arrays (numbers typed, codes as objects)."""
    out: Table = {}
    n = next((len(data[c]) for c in columns if c in data), 0)
    for c in columns:
        dtype = _DTYPES.get(c, object)
        if c not in data:
            fill: Any = "" if dtype is object else (np.nan if dtype == "float64" else 0)
            out[c] = np.full(n, fill, dtype=dtype)
            continue
        values = data[c]
        if isinstance(values, pd.Series):
            values = values.to_numpy()
        out[c] = np.asarray(values, dtype=dtype)
    return out


def take(t: Table, index: np.ndarray) -> Table:
    return {c: v[index] for c, v in t.items()}


def rows(t: Table) -> int:
    return len(next(iter(t.values()))) if t else 0


@dataclass
class Frames:
    """Declarations as registered, their goods lines and the inspection outcomes, as tables
    of numpy columns (`DECL_COLUMNS`, `LINE_COLUMNS`, `OUTCOME_COLUMNS`)."""

    decl: Table
    lines: Table
    outcomes: Table

    @classmethod
    def build(
        cls,
        decl: Mapping[str, Any] | pd.DataFrame,
        lines: Mapping[str, Any] | pd.DataFrame,
        outcomes: Mapping[str, Any] | pd.DataFrame | None = None,
    ) -> Frames:
        oc_cols = list(OUTCOME_COLUMNS)
        if outcomes is not None and "check_id" in outcomes:
            oc_cols.append("check_id")
        return cls(
            decl=table(decl, DECL_COLUMNS),
            lines=table(lines, LINE_COLUMNS),
            outcomes=table(outcomes if outcomes is not None else {}, oc_cols),
        )

    @classmethod
    def empty(cls) -> Frames:
        return cls.build({}, {}, {})

    def decl_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.decl)


def log_price(price: Any) -> np.ndarray:
    p = np.asarray(price, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(p > 0, np.log(np.where(p > 0, p, 1.0)), np.nan)


def price_z(x: np.ndarray, n: np.ndarray, s1: np.ndarray, s2: np.ndarray) -> np.ndarray:
    """z of log prices `x` against peers with count n, sum s1 and sum of squares s2; NaN with
    fewer than MIN_PRICE_PEERS peers. The spread has a floor (5% in log terms) so that a line
    whose peers all declared the same price does not give an infinite z."""
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = s1 / n
        var = np.maximum(s2 / n - mean * mean, 0.0)
        sd = np.sqrt(var * n / np.maximum(n - 1, 1))
        z = (x - mean) / np.maximum(sd, 0.05)
    z = np.minimum(np.maximum(z, -Z_CLIP), Z_CLIP)  # np.clip's, without its wrapper's cost
    return np.where((n >= MIN_PRICE_PEERS) & np.isfinite(x), z, np.nan)


def _ratio(x: np.ndarray, n: np.ndarray, s1: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out: np.ndarray = np.exp(x - s1 / n)
        return out


# ---------------------------------------------------------------------------------------------
# History as of each declaration (training, evaluation)


def _asof_sums(
    q_keys: pd.Series,
    q_t: np.ndarray,
    e_keys: pd.Series,
    e_t: np.ndarray,
    e_values: Mapping[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """For each query (key, t): the sums of each event value over the events of the same key
    strictly before t. Sort queries before events at equal times, cumulate within keys."""
    nq, ne = len(q_t), len(e_t)
    codes, _uniques = pd.factorize(pd.concat([q_keys, e_keys], ignore_index=True), sort=False)
    t = np.concatenate([q_t, e_t])
    is_event = np.concatenate([np.zeros(nq, dtype="int8"), np.ones(ne, dtype="int8")])
    order = np.lexsort((is_event, t, codes))
    codes_s = codes[order]
    starts = np.r_[True, codes_s[1:] != codes_s[:-1]]
    group_start = np.maximum.accumulate(np.where(starts, np.arange(len(order)), 0))
    out: dict[str, np.ndarray] = {}
    inverse = np.empty(len(order), dtype="int64")
    inverse[order] = np.arange(len(order))
    q_pos = inverse[:nq]
    for name, values in e_values.items():
        v = np.concatenate([np.zeros(nq), np.asarray(values, dtype="float64")])[order]
        cs = np.cumsum(v)
        # sum up to and including each row, minus everything before its key's first row
        before_group = np.where(group_start > 0, cs[group_start - 1], 0.0)
        within = cs - before_group
        out[name] = within[q_pos]
    # the first event time of each key, for the queries that have an event before them
    first_t = np.full(len(order), np.nan)
    ev_rows = np.flatnonzero(is_event[order] == 1)
    if len(ev_rows):
        seen = pd.Series(t[order][ev_rows]).groupby(codes_s[ev_rows]).min()
        first_t = seen.reindex(codes_s).to_numpy()
    out["_first_t"] = first_t[q_pos]
    return out


def _z_columns(
    d: Table, ln: Table, grp: Mapping[str, np.ndarray], hs_grp: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Per declaration: the lowest z of its lines (with that line's price ratio to the usual
    and its identity) and the z of its main line, from each line's peer sums (same HS line and
    origin; the HS line alone when that group is too small)."""
    x = log_price(ln["price"])
    g_n = np.asarray(grp["n"], dtype="float64")
    use_grp = g_n >= MIN_PRICE_PEERS
    n = np.where(use_grp, g_n, hs_grp["n"])
    s1 = np.where(use_grp, grp["s1"], hs_grp["s1"])
    s2 = np.where(use_grp, grp["s2"], hs_grp["s2"])
    z = price_z(x, n, s1, s2)
    ratio = _ratio(x, n, s1)
    ids = d["id"]
    m = len(ids)
    out: dict[str, np.ndarray] = {
        "z_min": np.full(m, np.nan),
        "ratio_min": np.full(m, np.nan),
        "line_min": np.full(m, np.nan),
        "hs_min": np.full(m, "", dtype=object),
        "origin_min": np.full(m, "", dtype=object),
        "z_main": np.full(m, np.nan),
        "peers_main": np.zeros(m),
    }
    if not len(x) or not m:
        return out
    if m == 1 and len(x) <= 64 and bool(np.isfinite(ln["value"]).all()):
        _z_one(out, ids, ln, z, ratio, g_n)
        return out
    # position of each line's declaration in `d`
    order_d = np.argsort(ids, kind="stable")
    pos = order_d[np.clip(np.searchsorted(ids[order_d], ln["decl_id"]), 0, m - 1)]
    known = ids[pos] == ln["decl_id"]
    line_no = ln["line_no"]
    # Lines grouped by declaration, in line order within each.
    order = np.lexsort((line_no, pos))
    p_sorted = pos[order]
    starts = np.flatnonzero(np.r_[True, p_sorted[1:] != p_sorted[:-1]])
    group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(order)]))

    def first_best(key: np.ndarray) -> np.ndarray:
        """Per declaration, the first line (in line order) with the smallest key."""
        k = key[order]
        best = np.minimum.reduceat(k, starts)
        hits = np.flatnonzero(k == best[group])
        firsts = hits[np.r_[True, group[hits][1:] != group[hits][:-1]]]
        return order[firsts]

    # lowest z (lines without a z last), ties by line number
    pick = first_best(np.where(np.isfinite(z), z, np.inf))
    pick = pick[known[pick] & np.isfinite(z[pick])]
    out["z_min"][pos[pick]] = z[pick]
    out["ratio_min"][pos[pick]] = ratio[pick]
    out["line_min"][pos[pick]] = line_no[pick]
    out["hs_min"][pos[pick]] = ln["hs"][pick]
    out["origin_min"][pos[pick]] = ln["origin"][pick]
    # main line: largest customs value, ties by line number
    pick = first_best(-ln["value"])
    pick = pick[known[pick]]
    out["z_main"][pos[pick]] = z[pick]
    out["peers_main"][pos[pick]] = g_n[pick]
    return out


def _z_one(
    out: dict[str, np.ndarray],
    ids: np.ndarray,
    ln: Table,
    z: np.ndarray,
    ratio: np.ndarray,
    g_n: np.ndarray,
) -> None:
    """`_z_columns` of a single declaration (a lane decision) with Python numbers instead of
    a dozen numpy calls on one-element arrays: the same lines are picked, the same way (line
    order, first of equals; a line of another declaration is never picked, and is never
    skipped over either)."""
    line_no = ln["line_no"].tolist()
    order = sorted(range(len(line_no)), key=line_no.__getitem__)  # stable, like the lexsort
    known = (ln["decl_id"] == ids[0]).tolist()
    zs = z.tolist()

    def first_best(key: list[float]) -> int:
        best = min(key[i] for i in order)
        return next(i for i in order if key[i] == best)

    i = first_best([v if np.isfinite(v) else np.inf for v in zs])
    if known[i] and np.isfinite(zs[i]):
        out["z_min"][0] = zs[i]
        out["ratio_min"][0] = ratio[i]
        out["line_min"][0] = line_no[i]
        out["hs_min"][0] = ln["hs"][i]
        out["origin_min"][0] = ln["origin"][i]
    i = first_best([-v for v in ln["value"].tolist()])
    if known[i]:
        out["z_main"][0] = zs[i]
        out["peers_main"][0] = g_n[i]


def canonical(t: np.ndarray, d: Mapping[str, np.ndarray]) -> history.Table:
    """Declarations (or the declarations outcomes examined) as `history` reads them: keys,
    and the main line's value, quantity and mass at times `t`."""
    unit = np.asarray(d["unit"], dtype=object)
    qty = np.asarray(d["quantity"], dtype="float64")
    per_kg = per_value(unit, lambda u: MASS_UNITS.get(str(u), np.nan), "float64")
    return history.rows_table(
        {
            "t": t,
            "importer": d["mst"],
            "declarant": d["declarant"],
            "seller": d["seller"],
            "broker": d["broker"],
            "hs": d["hs"],
            "origin": d["origin"],
            "office": d["office"],
            "route": _route(d),
            "value": d["main_value"],
            "quantity": qty,
            "mass": qty * per_kg,
        }
    )


def _route(d: Mapping[str, np.ndarray]) -> np.ndarray:
    """Partner country, transport mode and office: where the goods come from and how."""
    return history.joined([d[c] for c in ("partner", "transport", "office")], "|")


def events_of(outcomes: Table) -> Events:
    """Outcomes as `history`'s label events (dated when recorded)."""
    return Events.build(canonical(outcomes["t"], outcomes), outcomes["found"], outcomes["revenue"])


def history_asof(frames: Frames) -> dict[str, np.ndarray]:
    """The history numbers of every declaration in `frames`, each from what was known
    strictly before its registration time."""
    d, ln = frames.decl, frames.lines
    with history.one_batch():
        out = history.asof(canonical(d["t"], d), events_of(frames.outcomes), FAMILIES)
    x = log_price(ln["price"])
    ok = np.isfinite(x)
    xv = np.where(ok, x, 0.0)
    lt = ln["t"]
    vals = {"n": ok.astype("float64"), "s1": xv, "s2": xv * xv}
    grp_key = pd.Series(_group_keys(ln), dtype=object)
    hs_key = pd.Series(ln["hs"])
    grp = _asof_sums(grp_key, lt, grp_key, lt, vals)
    hs_grp = _asof_sums(hs_key, lt, hs_key, lt, vals)
    out.update(_z_columns(d, ln, grp, hs_grp))
    return out


def _group_keys(ln: Table) -> np.ndarray:
    """ "HS line|origin" of each goods line."""
    return history.joined([ln["hs"], ln["origin"]], "|")


# ---------------------------------------------------------------------------------------------
# History as totals so far (online and batch scoring)


@dataclass
class HistoryState:
    """Totals of everything registered and checked so far (`history.State`), with the goods
    lines' unit-price totals per HS line and origin.

    Kept per process by the scorer and topped up with what is new (`add`); looking a
    declaration up in it gives what `history_asof` gives for a declaration registered after
    every event in it."""

    hist: history.State = field(default_factory=lambda: history.State(FAMILIES))
    lines: dict[str, dict[str, tuple[float, float, float]]] = field(
        default_factory=lambda: {"grp": {}, "hsl": {}}
    )
    duty_rates: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def build(cls, frames: Frames, duty_rates: Mapping[str, float] | None = None) -> HistoryState:
        state = cls(duty_rates=dict(duty_rates or {}))
        state.add(frames)
        return state

    def add(self, frames: Frames) -> None:
        """Count new declarations, lines and outcomes (each exactly once)."""
        d = frames.decl
        self.hist.add(
            canonical(d["t"], d) if rows(d) else None,
            events_of(frames.outcomes) if rows(frames.outcomes) else None,
        )
        ln = pd.DataFrame(frames.lines)
        if not len(ln):
            return
        x = log_price(ln["price"].to_numpy())
        ok = np.isfinite(x)
        xv = np.where(ok, x, 0.0)
        parts = pd.DataFrame(
            {
                "grp": _group_keys(frames.lines),
                "hsl": ln["hs"].to_numpy(),
                "n": ok.astype("float64"),
                "s1": xv,
                "s2": xv * xv,
            }
        )
        updates = {
            "grp": parts.groupby("grp")[["n", "s1", "s2"]].sum(),
            "hsl": parts.groupby("hsl")[["n", "s1", "s2"]].sum(),
        }
        with self._lock:
            for name, upd in updates.items():
                table = self.lines[name]
                for row in upd.itertuples():
                    old = table.get(row[0], (0.0, 0.0, 0.0))
                    table[row[0]] = (old[0] + row[1], old[1] + row[2], old[2] + row[3])

    def _get(self, name: str, keys: np.ndarray) -> np.ndarray:
        """The (n, s1, s2) totals of each key (zeros for a key never seen), looked up once per
        distinct key."""
        table = self.lines[name]
        zero = (0.0, 0.0, 0.0)
        if len(keys) <= 64:
            found = [table.get(k, zero) for k in keys.tolist()]
            return np.array(found, dtype="float64").reshape(len(keys), 3)
        codes, uniques = history.factorize(np.asarray(keys, dtype=object))
        with self._lock:
            found = [table.get(k, zero) for k in uniques.tolist()]
        values = np.array(found, dtype="float64").reshape(len(uniques), 3)
        out: np.ndarray = values[codes]
        return out

    def lookup(self, frames: Frames) -> dict[str, np.ndarray]:
        """The history numbers of declarations registered after everything counted."""
        d, ln = frames.decl, frames.lines
        out = self.hist.lookup(canonical(d["t"], d))
        g = self._get("grp", _group_keys(ln))
        hl = self._get("hsl", ln["hs"])
        out.update(
            _z_columns(
                d,
                ln,
                {"n": g[:, 0], "s1": g[:, 1], "s2": g[:, 2]},
                {"n": hl[:, 0], "s1": hl[:, 1], "s2": hl[:, 2]},
            )
        )
        return out


# ---------------------------------------------------------------------------------------------
# The model's matrix


@dataclass(frozen=True)
class FeatureSpec:
    """What a model version's matrix means: the categories it knows and the overall rate its
    smoothed rates lean on. Stored with the version (`as_json`)."""

    vocab: Mapping[str, Sequence[str]]
    prior: float

    def as_json(self) -> dict[str, Any]:
        return {
            "feature_set": FEATURE_SET,
            "features": list(FEATURES),
            "categorical": list(CATEGORICAL),
            "vocab": {k: list(v) for k, v in self.vocab.items()},
            "prior": self.prior,
            "smoothing": history.SMOOTHING,
            "min_price_peers": MIN_PRICE_PEERS,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FeatureSpec:
        return cls(vocab={k: tuple(v) for k, v in data["vocab"].items()}, prior=data["prior"])

    @classmethod
    def fit(cls, decl: Table, prior: float, min_count: int = 20) -> FeatureSpec:
        """Categories seen at least `min_count` times in the training declarations."""
        cols = categorical_columns(decl)
        vocab = {}
        for name in CATEGORICAL:
            counts = pd.Series(cols[name]).value_counts()
            vocab[name] = tuple(sorted(str(k) for k in counts[counts >= min_count].index))
        return cls(vocab=vocab, prior=prior)

    @property
    def categorical_indexes(self) -> list[int]:
        return [FEATURES.index(c) for c in CATEGORICAL]


per_value = history.per_distinct


def categorical_columns(decl: Table) -> dict[str, np.ndarray]:
    return {
        "office": decl["office"],
        "type_code": decl["type_code"],
        "flow": decl["flow"],
        "transport": decl["transport"],
        "partner": decl["partner"],
        "rank": decl["rank"],
        "origin": decl["origin"],
        "hs2": history.column(decl, "hs2"),
        "hs4": history.column(decl, "hs4"),
        "hs6": history.column(decl, "hs6"),
    }


_VOCAB_INDEXES: dict[int, tuple[Sequence[str], dict[str, int]]] = {}


def _vocab_index(vocab: Sequence[str]) -> dict[str, int]:
    """A model version's categories of one column as a dict, made once."""
    hit = _VOCAB_INDEXES.get(id(vocab))
    if hit is None or hit[0] is not vocab:
        if len(_VOCAB_INDEXES) > 256:  # versions come and go: never grows without bound
            _VOCAB_INDEXES.clear()
        hit = (vocab, {v: i for i, v in enumerate(vocab)})
        _VOCAB_INDEXES[id(vocab)] = hit
    return hit[1]


def _codes(values: np.ndarray, vocab: Sequence[str]) -> np.ndarray:
    index = _vocab_index(vocab)
    if len(values) <= 64:
        return np.array([index.get(v, np.nan) for v in values.tolist()], dtype="float64")
    factor, uniques = history.factorize(values)
    nan = np.nan
    mapped = np.array([index.get(v, nan) for v in uniques.tolist()], dtype="float64")
    return mapped[factor] if len(mapped) else np.zeros(0)


def assemble(
    frames: Frames,
    raw: Mapping[str, np.ndarray],
    spec: FeatureSpec,
    duty_rates: Mapping[str, float],
) -> np.ndarray:
    """The model's matrix (rows = `frames.decl`, columns = `FEATURES`)."""
    d = frames.decl
    n = rows(d)
    if not n:
        return np.zeros((0, len(FEATURES)))
    cat = categorical_columns(d)
    t = d["t"]
    local = t + LOCAL_OFFSET_S
    days = np.floor(local / 86400.0)
    cols: dict[str, np.ndarray] = {
        name: _codes(cat[name], spec.vocab[name]) for name in CATEGORICAL
    }
    cols["value_log"] = np.log1p(np.maximum(d["value"], 0.0))
    cols["n_lines"] = d["n_lines"].astype("float64")
    cols["preference"] = d["preference"].astype("float64")
    cols["duty_rate"] = per_value(d["hs"], lambda h: duty_rates.get(h, np.nan), "float64")
    cols["price_z_min"] = np.asarray(raw["z_min"], dtype="float64")
    cols["price_z_main"] = np.asarray(raw["z_main"], dtype="float64")
    cols["price_peers_log"] = np.log1p(
        np.nan_to_num(np.asarray(raw["peers_main"], dtype="float64"))
    )
    day64 = days.astype("int64").astype("datetime64[D]")
    month = day64.astype("datetime64[M]").astype("int64") % 12 + 1
    cols["month"] = month.astype("float64")
    cols["weekday"] = np.mod(days + 3, 7)  # 1970-01-01 was a Thursday; Monday = 0
    cols["hour"] = np.floor(np.mod(local, 86400.0) / 3600.0)
    cols.update(history.matrix(t, raw, FAMILIES, spec.prior))
    x = np.empty((n, len(FEATURES)))
    for j, name in enumerate(FEATURES):
        x[:, j] = cols[name]
    return x


def uncertainty(raw: Mapping[str, np.ndarray]) -> np.ndarray:
    """How little the checks have seen of each declaration's parties and goods (0 to 1)."""
    return history.uncertainty(raw, FAMILIES)


def features_for(
    frames: Frames,
    spec: FeatureSpec,
    duty_rates: Mapping[str, float],
    state: HistoryState | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The matrix and the history numbers: from `state` when given (declarations after it),
    otherwise each declaration's own past within `frames`."""
    raw = state.lookup(frames) if state is not None else history_asof(frames)
    return assemble(frames, raw, spec, duty_rates), raw


def iter_chunks(n: int, size: int) -> Iterable[slice]:
    for start in range(0, n, size):
        yield slice(start, min(n, start + size))
