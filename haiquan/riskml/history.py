"""What was known about a declaration's parties, goods and route strictly before it: the
history features shared by the in-product model (the lane decision's score) and by `haiquan
risk evaluate` on any CSV.

A declaration is a row of *keys* (importer, declarant, seller/consignor, broker, HS code,
origin, office, route — whichever the data has) and *amounts* (value, mass, quantity) at a
time `t`. A check's result is a *label event*: the keys of the declaration it examined, the
moment the result was known, whether a violation was found and the revenue it recovered.

For every family of keys (one column, or a useful pair such as importer × HS subheading) and
every row, counted over what happened strictly before the row's time:
* `n`: earlier declarations with the same key; `since`: days since the latest of them;
* `insp`, `found`, `rev`: earlier label events (checks), violations found, revenue recovered;
  `since_found`: days since the latest violation was known;
and per row:
* unit value (value ÷ quantity, value ÷ mass) against the same HS subheading's and the same
  importer's earlier declarations of it (a z-score of the logarithm, with the peer count);
* repeat consignments: earlier declarations of the same goods at the same value and quantity
  or mass, how many of them checks examined and found, and what the latest examined one was
  found to be.

Rows and events at the same moment never see each other: a row's own label, or a label known
at the row's time or later, is never part of its history. Two ways to the same numbers:
`asof` (sort and cumulate, vectorised: training and evaluation) and `State` (totals so far,
topped up as things happen: online and batch scoring). `matrix` turns them into the model's
columns; `feature_words` says what each column means.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

SEP = "\x1f"
DAY = 86400.0
# A key with few checks leans on the overall rate as if it had this many checks at that rate.
SMOOTHING = 5.0
# A unit-value comparison needs this many earlier declarations of the same group.
MIN_PEERS = 5
Z_CLIP = 8.0

KEY_COLUMNS = ("importer", "declarant", "seller", "broker", "hs", "origin", "office", "route")
AMOUNT_COLUMNS = ("value", "mass", "quantity")


@dataclass(frozen=True)
class Family:
    """A key made of one or more canonical columns (`hs2/hs4/hs6` are prefixes of `hs`)."""

    name: str
    columns: tuple[str, ...]
    revenue: bool = False  # keep the revenue recovered too (parties)


def _fam(name: str, *columns: str, revenue: bool = False) -> Family:
    return Family(name=name, columns=columns or (name,), revenue=revenue)


# Every family there is, in the order the matrix lists them.
ALL_FAMILIES: tuple[Family, ...] = (
    _fam("importer", revenue=True),
    _fam("declarant"),
    _fam("seller", revenue=True),
    _fam("broker"),
    _fam("hs2"),
    _fam("hs4"),
    _fam("hs6"),
    _fam("origin"),
    _fam("office"),
    _fam("route"),
    _fam("importer_hs6", "importer", "hs6"),
    _fam("hs6_origin", "hs6", "origin"),
    _fam("seller_importer", "seller", "importer"),
)
# Unit values compared within these groups.
PEER_GROUPS: tuple[Family, ...] = (_fam("hs6"), _fam("importer_hs6", "importer", "hs6"))
MEASURES = ("quantity", "mass")  # value ÷ quantity, value ÷ mass


def families_for(columns: Iterable[str], extra: Sequence[str] = ()) -> tuple[Family, ...]:
    """The families the available canonical columns allow, plus one family per extra code
    column (by its own name)."""
    have = set(columns)
    if "hs" in have:
        have |= {"hs2", "hs4", "hs6"}
    out = [f for f in ALL_FAMILIES if all(c in have for c in f.columns)]
    out += [Family(name=f"col{i}", columns=(c,)) for i, c in enumerate(extra)]
    return tuple(out)


Table = dict[str, np.ndarray]


def _strings(values: Any, n: int) -> np.ndarray:
    if values is None:
        return np.full(n, "", dtype=object)
    arr = np.asarray(values, dtype=object)
    return arr


def rows_table(data: Mapping[str, Any]) -> Table:
    """The canonical table: `t` (seconds), key columns as strings, amounts as floats; missing
    key columns are left out, missing amounts are NaN."""
    t = np.asarray(data["t"], dtype="float64")
    n = len(t)
    out: Table = {"t": t}
    for c, v in data.items():
        if c == "t":
            continue
        if c in AMOUNT_COLUMNS:
            out[c] = np.asarray(v, dtype="float64")
        else:
            out[c] = _strings(v, n)
    for c in AMOUNT_COLUMNS:
        if c not in out:
            out[c] = np.full(n, np.nan)
    return out


# Within one batch (`one_batch`), a code column is hashed once: the history, the categories
# and the duty rates ask for the same arrays, so their factorisation (and HS prefixes) is
# remembered until the batch ends — never across batches, so scoring the same rows twice
# costs twice.
_local = threading.local()


def _caches() -> tuple[dict[Any, Any], dict[Any, Any]] | None:
    if getattr(_local, "depth", 0) <= 0:
        return None
    return _local.factors, _local.prefixes


@contextmanager
def one_batch() -> Iterator[None]:
    depth = getattr(_local, "depth", 0)
    if depth == 0:
        _local.factors, _local.prefixes = {}, {}
    _local.depth = depth + 1
    try:
        yield
    finally:
        _local.depth -= 1
        if _local.depth == 0:
            _local.factors, _local.prefixes = {}, {}


def factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(codes, distinct values) of an object array (once per array within a batch)."""
    caches = _caches()
    key = id(values)
    if caches is not None:
        hit = caches[0].get(key)
        if hit is not None and hit[0]() is values:
            return hit[1], hit[2]
    codes, uniques = pd.factorize(values, sort=False)
    uniq = np.asarray(uniques, dtype=object)
    _remember(values, codes, uniq)
    return codes, uniq


def _remember(values: np.ndarray, codes: np.ndarray, uniques: np.ndarray) -> None:
    """Within a batch, the factorisation of `values` is (codes, uniques)."""
    caches = _caches()
    if caches is not None:
        with suppress(TypeError):  # an array that takes no weak reference: not remembered
            caches[0][id(values)] = (weakref.ref(values), codes, uniques)


def _derived(codes: np.ndarray, mapped: np.ndarray) -> np.ndarray:
    """`mapped[codes]`, with its factorisation remembered from the distinct values' (so that a
    column made from another one, an HS prefix or a joined key, is never hashed row by row)."""
    out: np.ndarray = mapped[codes]
    if _caches() is not None and len(mapped):
        c2, u2 = pd.factorize(mapped, sort=False)
        if not len(c2) or c2.min() >= 0:  # no missing values among them
            _remember(out, c2[codes], np.asarray(u2, dtype=object))
    return out


def joined(parts: Sequence[np.ndarray], sep: str) -> np.ndarray:
    """Each row's values of `parts` joined by `sep`, built once per distinct combination."""
    n = len(parts[0])
    if n <= 64:
        return np.array(
            [sep.join(map(str, row)) for row in zip(*(p.tolist() for p in parts), strict=True)],
            dtype=object,
        )
    combo = np.zeros(n, dtype="int64")
    for p in parts:
        codes, uniques = factorize(np.asarray(p, dtype=object))
        combo = combo * (len(uniques) + 1) + codes
    combo_codes, combos = pd.factorize(combo, sort=False)
    first = np.zeros(len(combos), dtype="int64")
    first[combo_codes[::-1]] = np.arange(n - 1, -1, -1)
    text: Any = None
    for p in parts:
        values = np.asarray(p, dtype=object)[first]
        if not all(type(v) is str for v in values.tolist()):
            values = np.array([str(v) for v in values.tolist()], dtype=object)
        text = values if text is None else text + sep + values
    return _derived(combo_codes, np.asarray(text, dtype=object))


def per_distinct(values: np.ndarray, fn: Any, dtype: Any = object) -> np.ndarray:
    """`fn` of each value, computed once per distinct value (codes repeat a lot)."""
    if len(values) <= 64:
        return np.array([fn(v) for v in values.tolist()], dtype=dtype)
    codes, uniques = factorize(values)
    mapped = np.array([fn(v) for v in uniques.tolist()], dtype=dtype)
    if not len(mapped):
        return np.array([], dtype=dtype)
    return _derived(codes, mapped) if mapped.dtype == object else mapped[codes]


def _prefix(values: np.ndarray, k: int) -> np.ndarray:
    if len(values) <= 64:
        return np.array([str(v)[:k] for v in values.tolist()], dtype=object)
    caches = _caches()
    key = (id(values), k)
    if caches is not None:
        hit = caches[1].get(key)
        if hit is not None and hit[0]() is values:
            out: np.ndarray = hit[1]
            return out
    out = per_distinct(values, lambda v: str(v)[:k])
    if caches is not None:
        caches[1][key] = (weakref.ref(values), out)
    return out


def column(table: Mapping[str, np.ndarray], name: str) -> np.ndarray:
    """A canonical column or an HS prefix of one."""
    if name in table:
        return table[name]
    if name in ("hs2", "hs4", "hs6"):
        return _prefix(table["hs"], int(name[2]))
    raise KeyError(name)


def _has(table: Mapping[str, Any], columns: Iterable[str]) -> bool:
    return all(c in table or (c in ("hs2", "hs4", "hs6") and "hs" in table) for c in columns)


# Keys are int64: a column's value is a positive id (0: empty, no key; -1: never seen, so no
# history either), a pair of columns is (a << 31) | b, a repeat consignment a hash.
SHIFT = 31
_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xC2B2AE3D27D4EB4F)
_M3 = np.uint64(0x165667B19E3779F9)


def combine(parts: Sequence[np.ndarray]) -> np.ndarray:
    """The family key from its columns' ids (0 when any part has no key)."""
    if len(parts) == 1:
        k = parts[0].astype("int64")
        return np.where(k > 0, k, 0)
    a, b = parts[0].astype("int64"), parts[1].astype("int64")
    ok = (a > 0) & (b > 0)
    return np.where(ok, (a << SHIFT) | np.where(ok, b, 0), 0)


def _round_sig(x: np.ndarray, digits: int = 6) -> np.ndarray:
    """Round to `digits` significant digits (the same amount written twice)."""
    x = np.asarray(x, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        mag = np.where((x != 0) & np.isfinite(x), np.floor(np.log10(np.abs(x))), 0.0)
        scale = 10.0 ** (digits - 1 - mag)
        return np.round(x * scale) / scale


def repeat_key(hs_id: np.ndarray, table: Mapping[str, np.ndarray]) -> np.ndarray:
    """Same goods (full HS code), same value, same mass (quantity when there is no mass)."""
    value = _round_sig(table["value"])
    mass = np.where(np.isfinite(table["mass"]), table["mass"], table["quantity"])
    mass = _round_sig(mass)
    ok = (hs_id > 0) & np.isfinite(value) & np.isfinite(mass) & (value > 0)
    with np.errstate(over="ignore"):
        h = hs_id.astype("uint64") * _M1
        h ^= np.where(ok, value, 0.0).view("uint64") * _M2
        h ^= np.where(ok, mass, 0.0).view("uint64") * _M3
        h ^= h >> np.uint64(29)
    k = (h >> np.uint64(1)).astype("int64") | 1
    return np.where(ok, k, 0)


def log_unit(table: Mapping[str, np.ndarray], measure: str) -> np.ndarray:
    v = np.asarray(table["value"], dtype="float64")
    m = np.asarray(table[measure], dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = (v > 0) & (m > 0) & np.isfinite(v) & np.isfinite(m)
        return np.where(ok, np.log(np.where(ok, v / np.where(ok, m, 1.0), 1.0)), np.nan)


@dataclass
class Events:
    """Label events: the keys of the examined declaration (a canonical table whose `t` is when
    the result was known), whether a violation was found, the revenue it recovered."""

    table: Table
    found: np.ndarray
    revenue: np.ndarray

    @classmethod
    def build(cls, table: Table, found: Any, revenue: Any) -> Events:
        return cls(
            table=table,
            found=np.asarray(found, dtype="float64"),
            revenue=np.asarray(revenue, dtype="float64"),
        )

    @classmethod
    def none_like(cls, table: Table) -> Events:
        empty = {c: v[:0] for c, v in table.items()}
        return cls(table=empty, found=np.zeros(0), revenue=np.zeros(0))

    def __len__(self) -> int:
        return len(self.found)


def _base_columns(families: Sequence[Family]) -> list[str]:
    out: list[str] = []
    for f in families:
        for c in f.columns:
            if c not in out:
                out.append(c)
    for g in PEER_GROUPS:
        for c in g.columns:
            if c not in out:
                out.append(c)
    if "hs" not in out:
        out.append("hs")
    return out


# ---------------------------------------------------------------------------------------------
# As of each row, all at once


FAMILY_RAW = ("n", "last", "insp", "found", "rev", "last_found")
PEER_RAW = ("n", "s1", "s2")
REPEAT_RAW = ("n", "insp", "found", "last_label")


def _asof(
    q_keys: np.ndarray,
    q_t: np.ndarray,
    e_keys: np.ndarray,
    e_t: np.ndarray,
    sums: Mapping[str, np.ndarray],
    lasts: Mapping[str, tuple[np.ndarray, np.ndarray]],
) -> dict[str, np.ndarray]:
    """For each query (key, t): the sum of each event value over the events of its key strictly
    before t, and for each `lasts` entry (mask, value) the value of the latest masked event
    strictly before t (NaN if none). Queries without a key (0) get zeros and NaN."""
    nq, ne = len(q_t), len(e_t)
    out: dict[str, np.ndarray] = {}
    if not nq:
        return {name: np.zeros(0) for name in [*sums, *lasts]}
    k = np.concatenate([q_keys, e_keys])
    t = np.concatenate([q_t, e_t])
    is_event = np.concatenate([np.zeros(nq, dtype="int8"), np.ones(ne, dtype="int8")])
    order = np.lexsort((is_event, t, k))
    k_s = k[order]
    n_all = len(order)
    starts = np.r_[True, k_s[1:] != k_s[:-1]]
    group_start = np.maximum.accumulate(np.where(starts, np.arange(n_all), 0))
    inverse = np.empty(n_all, dtype="int64")
    inverse[order] = np.arange(n_all)
    q_pos = inverse[:nq]
    no_key = q_keys == 0
    for name, values in sums.items():
        v = np.concatenate([np.zeros(nq), np.asarray(values, dtype="float64")])[order]
        cs = np.cumsum(v)
        before = np.where(group_start > 0, cs[group_start - 1], 0.0)
        within = (cs - before)[q_pos]
        within[no_key] = 0.0
        out[name] = within
    ev_sorted = is_event[order] == 1
    for name, (mask, values) in lasts.items():
        m = np.concatenate([np.zeros(nq, dtype=bool), np.asarray(mask, dtype=bool)])[order]
        vals = np.concatenate([np.full(nq, np.nan), np.asarray(values, dtype="float64")])[order]
        pos = np.where(m & ev_sorted, np.arange(n_all), -1)
        latest = np.maximum.accumulate(pos)
        ok = latest >= group_start
        got = np.where(ok, vals[np.maximum(latest, 0)], np.nan)[q_pos]
        got[no_key] = np.nan
        out[name] = got
    return out


class _BatchCoder:
    """Ids of the values of several tables' columns, consistent across them (one call)."""

    def __init__(self, tables: Sequence[Mapping[str, np.ndarray]], columns: Sequence[str]):
        sizes = [len(tb["t"]) for tb in tables]
        self.ids: dict[str, list[np.ndarray]] = {}
        for c in columns:
            if not all(_has(tb, (c,)) for tb in tables):
                continue
            values = np.concatenate([np.asarray(column(tb, c), dtype=object) for tb in tables])
            codes, uniques = pd.factorize(values, sort=False)
            ids = codes.astype("int64") + 1
            empty = np.flatnonzero(uniques == "")
            if len(empty):
                ids[codes == empty[0]] = 0
            self.ids[c] = list(np.split(ids, np.cumsum(sizes)[:-1]))

    def key(self, family: Family, which: int) -> np.ndarray:
        return combine([self.ids[c][which] for c in family.columns])

    def repeat(self, table: Mapping[str, np.ndarray], which: int) -> np.ndarray:
        if "hs" not in self.ids:
            return np.zeros(len(table["t"]), dtype="int64")
        return repeat_key(self.ids["hs"][which], table)


def asof(
    rows: Table,
    events: Events,
    families: Sequence[Family],
    *,
    decl_events: Table | None = None,
) -> dict[str, np.ndarray]:
    """The history numbers of every row, each from what happened strictly before its time.

    `decl_events` are the declarations that count as history (default: the rows themselves);
    `events` the label events."""
    with one_batch():
        return _asof_all(rows, events, families, decl_events)


def _asof_all(
    rows: Table, events: Events, families: Sequence[Family], decl_events: Table | None
) -> dict[str, np.ndarray]:
    d = rows if decl_events is None else decl_events
    ne = len(events)
    tables = [rows, d, events.table] if ne else [rows, d]
    coder = _BatchCoder(tables, _base_columns(families))
    q_t = rows["t"]
    d_t = d["t"]
    ev_t = events.table["t"] if ne else np.zeros(0)
    nd = len(d_t)
    is_decl = np.r_[np.ones(nd, dtype=bool), np.zeros(ne, dtype=bool)]
    e_t = np.concatenate([d_t, ev_t])
    found = np.r_[np.zeros(nd), events.found]
    rev = np.r_[np.zeros(nd), events.revenue * (events.found > 0)]
    n_sum = is_decl.astype("float64")
    insp_sum = (~is_decl).astype("float64")
    out: dict[str, np.ndarray] = {}
    for fam in families:
        qk = coder.key(fam, 0)
        ek = np.concatenate([coder.key(fam, 1), coder.key(fam, 2) if ne else np.zeros(0, "int64")])
        sums = {"n": n_sum, "insp": insp_sum, "found": found}
        if fam.revenue:
            sums["rev"] = rev
        got = _asof(
            qk, q_t, ek, e_t, sums, {"last": (is_decl, e_t), "last_found": (found > 0, e_t)}
        )
        for stat in FAMILY_RAW:
            if stat == "rev" and not fam.revenue:
                continue
            out[f"{fam.name}.{stat}"] = got[stat]
    for measure in MEASURES:
        qx = log_unit(rows, measure)
        dx = log_unit(d, measure) if d is not rows else qx
        ok = np.isfinite(dx)
        xv = np.where(ok, dx, 0.0)
        out[f"uv_{measure}.x"] = qx
        for grp in PEER_GROUPS:
            if not all(c in coder.ids for c in grp.columns):
                continue
            got = _asof(
                coder.key(grp, 0),
                q_t,
                coder.key(grp, 1),
                d_t,
                {"n": ok.astype("float64"), "s1": xv, "s2": xv * xv},
                {},
            )
            for stat in PEER_RAW:
                out[f"uv_{measure}.{grp.name}.{stat}"] = got[stat]
    ek = np.concatenate(
        [coder.repeat(d, 1), coder.repeat(events.table, 2) if ne else np.zeros(0, "int64")]
    )
    got = _asof(
        coder.repeat(rows, 0),
        q_t,
        ek,
        e_t,
        {"n": n_sum, "insp": insp_sum, "found": found},
        {"last_label": (~is_decl, (found > 0).astype("float64"))},
    )
    for stat in REPEAT_RAW:
        out[f"repeat.{stat}"] = got[stat]
    return out


# ---------------------------------------------------------------------------------------------
# Totals so far (online and batch scoring)


_NAN = float("nan")


class KeyTable:
    """Rows of numbers by int64 key: a hash index over numpy arrays (compact, fast to look up
    many keys at once), updated a batch at a time."""

    def __init__(self, zero: Sequence[float]) -> None:
        self.zero = np.asarray(zero, dtype="float64")
        self.index = pd.Index(np.zeros(0, dtype="int64"))
        self.values = np.zeros((0, len(zero)))

    def __len__(self) -> int:
        return len(self.index)

    def get_many(self, keys: np.ndarray) -> np.ndarray:
        pos = self.index.get_indexer(keys) if len(self.index) else np.full(len(keys), -1)
        out = (
            self.values[np.maximum(pos, 0)]
            if len(self.values)
            else np.zeros((len(keys), len(self.zero)))
        )
        out[pos < 0] = self.zero
        return out

    def get_one(self, key: int) -> np.ndarray:
        if key and len(self.index):
            try:
                pos = self.index.get_loc(key)
            except KeyError:
                return self.zero.copy()
            out: np.ndarray = self.values[pos].copy()
            return out
        return self.zero.copy()

    def rows_for(self, keys: np.ndarray) -> np.ndarray:
        """Positions of `keys` (distinct), new keys appended with zero rows."""
        pos = self.index.get_indexer(keys) if len(self.index) else np.full(len(keys), -1)
        new = pos < 0
        if new.any():
            start = len(self.index)
            self.index = self.index.append(pd.Index(keys[new]))
            self.values = np.vstack([self.values, np.tile(self.zero, (int(new.sum()), 1))])
            pos[new] = start + np.arange(int(new.sum()))
        return pos


class Vocabulary:
    """Ids of the values of one column, growing as new values are seen (0: empty)."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {"": 0}

    def lookup(self, values: np.ndarray, grow: bool) -> np.ndarray:
        if len(values) <= 64:
            get = self.ids.get
            if grow:
                for v in values.tolist():
                    if v not in self.ids:
                        self.ids[v] = len(self.ids)
            return np.array([get(v, -1) for v in values.tolist()], dtype="int64")
        codes, uniques = factorize(np.asarray(values, dtype=object))
        if grow:
            for v in uniques.tolist():
                if v not in self.ids:
                    self.ids[v] = len(self.ids)
        get = self.ids.get
        mapped = np.array([get(v, -1) for v in uniques.tolist()], dtype="int64")
        return mapped[codes] if len(mapped) else np.zeros(0, dtype="int64")


def _latest(
    keys: np.ndarray, t: np.ndarray, values: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per distinct key: the latest time and the value at it (ties: the later row)."""
    order = np.lexsort((t, keys))
    ks = keys[order]
    last = np.r_[ks[1:] != ks[:-1], True]
    pick = order[last]
    return keys[pick], t[pick], values[pick]


@dataclass
class State:
    """Totals per key of everything registered and checked so far; looking rows up in it gives
    what `asof` gives for rows after every event in it."""

    families: tuple[Family, ...]
    vocab: dict[str, Vocabulary] = field(default_factory=dict)
    fam: dict[str, KeyTable] = field(default_factory=dict)
    peers: dict[str, KeyTable] = field(default_factory=dict)
    repeats: KeyTable = field(default_factory=lambda: KeyTable((0.0, 0.0, 0.0, _NAN, _NAN)))
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def __post_init__(self) -> None:
        for c in _base_columns(self.families):
            self.vocab.setdefault(c, Vocabulary())
        for f in self.families:
            self.fam.setdefault(f.name, KeyTable((0.0, _NAN, 0.0, 0.0, 0.0, _NAN)))
        for measure in MEASURES:
            for g in PEER_GROUPS:
                self.peers.setdefault(f"{measure}.{g.name}", KeyTable((0.0, 0.0, 0.0)))

    def _ids(self, table: Mapping[str, np.ndarray], grow: bool) -> dict[str, np.ndarray]:
        return {
            c: v.lookup(np.asarray(column(table, c), dtype=object), grow)
            for c, v in self.vocab.items()
            if _has(table, (c,))
        }

    def _key(self, ids: Mapping[str, np.ndarray], family: Family) -> np.ndarray | None:
        if not all(c in ids for c in family.columns):
            return None
        return combine([ids[c] for c in family.columns])

    @staticmethod
    def _key_one(ids: Mapping[str, np.ndarray], family: Family) -> int | None:
        """`_key` of a single row, in Python numbers (`combine`'s rule)."""
        if not all(c in ids for c in family.columns):
            return None
        parts = [int(ids[c][0]) for c in family.columns]
        if len(parts) == 1:
            return parts[0] if parts[0] > 0 else 0
        a, b = parts[0], parts[1]
        return (a << SHIFT) | b if a > 0 and b > 0 else 0

    # -- adding ---------------------------------------------------------------------------

    def add(self, rows: Table | None, events: Events | None) -> None:
        """Count new declarations and label events (each exactly once)."""
        with self._lock:
            if rows is not None and len(rows["t"]):
                self._add_rows(rows)
            if events is not None and len(events):
                self._add_events(events)

    def _add_rows(self, rows: Table) -> None:
        t = rows["t"]
        ids = self._ids(rows, grow=True)
        for f in self.families:
            k = self._key(ids, f)
            if k is None:
                continue
            keep = k > 0
            g = (
                pd.DataFrame({"k": k[keep], "t": t[keep]})
                .groupby("k", sort=False)["t"]
                .agg(["size", "max"])
            )
            if not len(g):
                continue
            table = self.fam[f.name]
            pos = table.rows_for(g.index.to_numpy())
            table.values[pos, 0] += g["size"].to_numpy()
            table.values[pos, 1] = np.fmax(table.values[pos, 1], g["max"].to_numpy())
        for measure in MEASURES:
            x = log_unit(rows, measure)
            ok = np.isfinite(x)
            if not ok.any():
                continue
            for grp in PEER_GROUPS:
                k = self._key(ids, grp)
                if k is None:
                    continue
                keep = ok & (k > 0)
                xv = x[keep]
                g = (
                    pd.DataFrame({"k": k[keep], "n": 1.0, "s1": xv, "s2": xv * xv})
                    .groupby("k", sort=False)
                    .sum()
                )
                table = self.peers[f"{measure}.{grp.name}"]
                pos = table.rows_for(g.index.to_numpy())
                table.values[pos] += g[["n", "s1", "s2"]].to_numpy()
        if "hs" in ids:
            rk = repeat_key(ids["hs"], rows)
            rk = rk[rk > 0]
            if len(rk):
                uk, counts = np.unique(rk, return_counts=True)
                pos = self.repeats.rows_for(uk)
                self.repeats.values[pos, 0] += counts

    def _add_events(self, events: Events) -> None:
        et = events.table
        t = et["t"]
        ids = self._ids(et, grow=True)
        found = events.found
        rev = events.revenue * (found > 0)
        for f in self.families:
            k = self._key(ids, f)
            if k is None:
                continue
            keep = k > 0
            df = pd.DataFrame(
                {
                    "k": k[keep],
                    "insp": 1.0,
                    "found": found[keep],
                    "rev": rev[keep],
                    "tf": np.where(found[keep] > 0, t[keep], np.nan),
                }
            )
            if not len(df):
                continue
            g = df.groupby("k", sort=False).agg(
                insp=("insp", "sum"), found=("found", "sum"), rev=("rev", "sum"), tf=("tf", "max")
            )
            table = self.fam[f.name]
            pos = table.rows_for(g.index.to_numpy())
            table.values[pos, 2] += g["insp"].to_numpy()
            table.values[pos, 3] += g["found"].to_numpy()
            table.values[pos, 4] += g["rev"].to_numpy()
            table.values[pos, 5] = np.fmax(table.values[pos, 5], g["tf"].to_numpy())
        if "hs" in ids:
            rk = repeat_key(ids["hs"], et)
            keep = rk > 0
            if keep.any():
                k, tt, ff = rk[keep], t[keep], found[keep]
                g = pd.DataFrame({"k": k, "insp": 1.0, "found": ff}).groupby("k", sort=False).sum()
                pos = self.repeats.rows_for(g.index.to_numpy())
                self.repeats.values[pos, 1] += g["insp"].to_numpy()
                self.repeats.values[pos, 2] += g["found"].to_numpy()
                lk, lt, lv = _latest(k, tt, (ff > 0).astype("float64"))
                pos = self.repeats.rows_for(lk)
                old_t = self.repeats.values[pos, 3]
                newer = np.isnan(old_t) | (lt >= old_t)
                self.repeats.values[pos[newer], 3] = lt[newer]
                self.repeats.values[pos[newer], 4] = lv[newer]

    # -- looking up -----------------------------------------------------------------------

    def lookup(self, rows: Table) -> dict[str, np.ndarray]:
        """The history numbers of rows registered after everything counted."""
        out: dict[str, np.ndarray] = {}
        n = len(rows["t"])
        with self._lock:
            ids = self._ids(rows, grow=False)
            one = n == 1
            for f in self.families:
                table = self.fam[f.name]
                if one:
                    k1 = self._key_one(ids, f)
                    got = np.tile(table.zero, (n, 1)) if k1 is None else table.get_one(k1)[None, :]
                    for j, stat in enumerate(FAMILY_RAW):
                        if stat == "rev" and not f.revenue:
                            continue
                        out[f"{f.name}.{stat}"] = got[:, j]
                    continue
                k = self._key(ids, f)
                got = np.tile(table.zero, (n, 1)) if k is None else table.get_many(k)
                for j, stat in enumerate(FAMILY_RAW):
                    if stat == "rev" and not f.revenue:
                        continue
                    out[f"{f.name}.{stat}"] = got[:, j]
            for measure in MEASURES:
                out[f"uv_{measure}.x"] = log_unit(rows, measure)
                for grp in PEER_GROUPS:
                    table = self.peers[f"{measure}.{grp.name}"]
                    if one:
                        k1 = self._key_one(ids, grp)
                        if k1 is None:
                            continue
                        got = table.get_one(k1)[None, :]
                    else:
                        k = self._key(ids, grp)
                        if k is None:
                            continue
                        got = table.get_many(k)
                    for j, stat in enumerate(PEER_RAW):
                        out[f"uv_{measure}.{grp.name}.{stat}"] = got[:, j]
            if "hs" in ids:
                rk = repeat_key(ids["hs"], rows)
                got = (
                    self.repeats.get_one(int(rk[0]))[None, :] if one else self.repeats.get_many(rk)
                )
            else:
                got = np.tile(self.repeats.zero, (n, 1))
            out["repeat.n"] = got[:, 0]
            out["repeat.insp"] = got[:, 1]
            out["repeat.found"] = got[:, 2]
            out["repeat.last_label"] = got[:, 4]
        return out

    def size(self) -> int:
        return sum(len(v) for v in self.fam.values()) + len(self.repeats)


# ---------------------------------------------------------------------------------------------
# The model's columns


def _rate(found: np.ndarray, insp: np.ndarray, prior: float) -> np.ndarray:
    return (found + SMOOTHING * prior) / (insp + SMOOTHING)


def _days(t: np.ndarray, last: np.ndarray) -> np.ndarray:
    out: np.ndarray = (t - last) / DAY  # NaN (never) stays NaN
    return out


def _z(x: np.ndarray, n: np.ndarray, s1: np.ndarray, s2: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = s1 / n
        var = np.maximum(s2 / n - mean * mean, 0.0)
        sd = np.sqrt(var * n / np.maximum(n - 1, 1))
        z = (x - mean) / np.maximum(sd, 0.05)
    z = np.minimum(np.maximum(z, -Z_CLIP), Z_CLIP)  # np.clip's, without its wrapper's cost
    return np.where((n >= MIN_PEERS) & np.isfinite(x), z, np.nan)


def feature_names(families: Sequence[Family], measures: Sequence[str] = MEASURES) -> list[str]:
    names: list[str] = []
    for f in families:
        names += [f"{f.name}__n", f"{f.name}__since", f"{f.name}__insp", f"{f.name}__rate"]
        names += [f"{f.name}__since_found"]
        if f.revenue:
            names.append(f"{f.name}__rev")
    for measure in measures:
        for g in PEER_GROUPS:
            names += [f"uv_{measure}__z_{g.name}"]
        names.append(f"uv_{measure}__peers")
    names += ["repeat__n", "repeat__insp", "repeat__rate", "repeat__last"]
    return names


def matrix(
    t: np.ndarray,
    raw: Mapping[str, np.ndarray],
    families: Sequence[Family],
    prior: float,
    measures: Sequence[str] = MEASURES,
) -> dict[str, np.ndarray]:
    """The history columns (`feature_names`) of rows at times `t` from their raw numbers."""
    cols: dict[str, np.ndarray] = {}
    n_rows = len(t)
    for f in families:
        n = raw[f"{f.name}.n"]
        insp = raw[f"{f.name}.insp"]
        cols[f"{f.name}__n"] = np.log1p(n)
        cols[f"{f.name}__since"] = _days(t, raw[f"{f.name}.last"])
        cols[f"{f.name}__insp"] = insp
        cols[f"{f.name}__rate"] = _rate(raw[f"{f.name}.found"], insp, prior)
        cols[f"{f.name}__since_found"] = _days(t, raw[f"{f.name}.last_found"])
        if f.revenue:
            cols[f"{f.name}__rev"] = np.log1p(np.maximum(raw[f"{f.name}.rev"], 0.0))
    for measure in measures:
        x = raw.get(f"uv_{measure}.x", np.full(n_rows, np.nan))
        for g in PEER_GROUPS:
            peers = raw.get(f"uv_{measure}.{g.name}.n")
            if peers is None:
                cols[f"uv_{measure}__z_{g.name}"] = np.full(n_rows, np.nan)
                continue
            cols[f"uv_{measure}__z_{g.name}"] = _z(
                x, peers, raw[f"uv_{measure}.{g.name}.s1"], raw[f"uv_{measure}.{g.name}.s2"]
            )
        n0 = raw.get(f"uv_{measure}.{PEER_GROUPS[0].name}.n", np.zeros(n_rows))
        cols[f"uv_{measure}__peers"] = np.where(np.isfinite(x), np.log1p(n0), np.nan)
    rn, ri, rf = raw["repeat.n"], raw["repeat.insp"], raw["repeat.found"]
    cols["repeat__n"] = np.log1p(rn)
    cols["repeat__insp"] = ri
    cols["repeat__rate"] = np.where(ri > 0, rf / np.maximum(ri, 1.0), np.nan)
    cols["repeat__last"] = raw["repeat.last_label"]
    return cols


def blind_spots(raw: Mapping[str, np.ndarray], families: Sequence[Family]) -> dict[str, np.ndarray]:
    """Per party and goods key of each declaration (importer, seller, goods × origin): how
    often it was declared for each check of it, log(1 + declarations) / (1 + checks) — large
    for a seller who ships often and was hardly ever checked."""
    return {
        f.name: raw[f"{f.name}.n"] / (1.0 + raw[f"{f.name}.insp"])
        for f in families
        if f.name in UNCERTAINTY_FAMILIES
    }


def uncertainty(raw: Mapping[str, np.ndarray], families: Sequence[Family]) -> np.ndarray:
    """How little the checks know of what a declaration belongs to: the largest blind spot
    among its keys (`blind_spots`). The exploration share of the red lane goes to the
    declarations where it is largest."""
    spots = blind_spots(raw, families)
    if not spots:
        return np.zeros(0)
    out: np.ndarray = np.max(np.vstack(list(spots.values())), axis=0)
    return out


UNCERTAINTY_FAMILIES = ("importer", "seller", "hs6_origin")


def isfinite_or(x: float, default: float) -> float:
    return x if math.isfinite(x) else default
