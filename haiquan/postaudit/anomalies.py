"""Anomalies in traders' history, computed in bulk over the goods lines (pandas, vectorised).

Pure functions of a frame of goods lines (see `frames.lines_frame` for its columns), so that the
rules can be tested on hand-built data and run on the whole history in seconds. Five patterns,
each a way a trader may pay less than it owes, as analysts describe them:

1. **Unit price outliers** — a line's unit price (customs value in VND ÷ quantity) against the
   robust centre of the same HS line, unit, origin and flow in the same period across all
   traders: median and MAD of the log price; a robust z-score below −`price_z` (imports
   and exports) or above +`price_z` (exports) is an outlier.
2. **Sudden change of volume or value** — a trader's monthly value against the median of its
   own previous 12 months, corrected for the whole market's movement that month (Tết, a
   partial last month).
3. **HS switching towards a lower duty** — within one trader, HS chapter and unit, a code
   first used after the trader's history began, with a lower MFN rate than a code it used
   before for goods that look the same (description alike, or the same unit price).
4. **New enterprise with large volumes** — established (or first seen) recently and trading
   in its first 90 days more than most established traders do in 90 days.
5. **Origin moving towards a preferential partner** — for one trader and HS line, after
   several lines without a preference claim, lines from a new origin with an FTA claim (or the
   claim appearing for the usual origin).

Scores are 0–100: higher is more unusual. A score is not a finding: it orders the analyst's
work and the audit candidates.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from rapidfuzz import fuzz
from unidecode import unidecode

from .choices import AnomalyKind

MAX_DECLARATIONS = 200  # declarations kept behind one anomaly (the largest by value)

LINE_COLUMNS = (
    "declaration_id",
    "enterprise_id",
    "registered_at",  # naive, local time (Asia/Ho_Chi_Minh)
    "flow",
    "hs_code",
    "description",
    "origin",
    "unit",
    "quantity",
    "value_vnd",  # the line's customs value in VND
    "duties_vnd",  # the line's duties and taxes in VND
    "import_rate",  # the import duty rate applied (%), NaN when none
    "preference",  # the FTA claimed ("" for none)
)


@dataclass(frozen=True)
class ScanSettings:
    price_period: str = "Q"  # pandas period of the price reference: "Q" quarter, "M" month
    price_z: float = 3.5
    price_min_lines: int = 8
    price_min_traders: int = 3
    price_sigma_floor: float = 0.08  # log units: honest prices of one line vary at least ~8%
    volume_ratio: float = 4.0
    volume_min_history: int = 6  # months before the month judged
    volume_min_value_vnd: float = 500_000_000
    hs_min_gap_days: int = 30
    hs_min_rate_drop: float = 1.0  # percentage points
    hs_description_similarity: float = 85.0
    hs_price_tolerance: float = 0.4  # |log price ratio| within which goods "cost the same"
    new_days: int = 90
    new_quantile: float = 0.9
    new_min_value_vnd: float = 1_000_000_000
    new_min_reference: int = 10
    origin_min_before: int = 3
    origin_same_min_before: int = 5

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass
class Found:
    enterprise_id: int
    kind: str
    reason_code: str
    score: float
    period_start: date
    period_end: date
    facts: dict[str, Any]
    declaration_ids: list[int]
    value_vnd: float = 0.0
    gap_vnd: float = 0.0
    hs_code: str = ""
    origin: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


# Plain-language reasons. Facts whose name ends in "_vnd" are shown as money.
REASONS: dict[str, Any] = {
    "unit_price_low": _(
        "Unit price of HS %(hs)s (%(unit)s) from %(origin)s in %(period)s is %(pct)s%% below "
        "the median of all traders (%(lines)s lines from %(traders)s traders): %(flagged)s of "
        "its %(total)s lines are outliers. Customs value short by about %(shortfall_vnd)s VND."
    ),
    "unit_price_high": _(
        "Unit price of exported HS %(hs)s (%(unit)s) to %(origin)s in %(period)s is %(pct)s%% "
        "above the median of all traders (%(lines)s lines from %(traders)s traders): "
        "%(flagged)s of its %(total)s lines are outliers."
    ),
    "volume_rise": _(
        "Declared %(value_vnd)s VND in %(month)s (%(declarations)s declarations): %(ratio)s "
        "times its median month over the previous %(history)s months (%(median_vnd)s VND), "
        "after allowing for the market's change that month."
    ),
    "volume_fall": _(
        "Declared only %(value_vnd)s VND in %(month)s (%(declarations)s declarations): "
        "%(pct)s%% of its median month over the previous %(history)s months (%(median_vnd)s VND), "
        "after allowing for the market's change that month."
    ),
    "hs_switch_description": _(
        "Goods it declared under HS %(old)s (MFN %(old_rate)s%%) are declared under HS "
        "%(new)s (MFN %(new_rate)s%%) since %(since)s, with the same description "
        "(%(lines)s lines): %(drop)s points less duty."
    ),
    "hs_switch_price": _(
        "Goods it declared under HS %(old)s (MFN %(old_rate)s%%) at a unit price near the new "
        "ones are declared under HS %(new)s (MFN %(new_rate)s%%) since %(since)s (%(lines)s "
        "lines): %(drop)s points less duty."
    ),
    "new_large": _(
        "New trader (established %(established)s, first declaration %(first)s) declared "
        "%(value_vnd)s VND in its first %(days)s days: more than %(pct)s%% of established "
        "traders declare in %(days)s days."
    ),
    "origin_to_partner": _(
        "HS %(hs)s came from %(before)s without preference (%(lines_before)s lines); since "
        "%(since)s it is declared from %(origin)s claiming %(preference)s (%(lines)s lines), "
        "lowering the duty by about %(gap_vnd)s VND."
    ),
    "preference_appears": _(
        "HS %(hs)s from %(origin)s was declared without preference (%(lines_before)s lines); "
        "since %(since)s it claims %(preference)s (%(lines)s lines), lowering the duty by "
        "about %(gap_vnd)s VND."
    ),
}


def reason_text(code: str, facts: Mapping[str, Any]) -> str:
    template = REASONS.get(code)
    if template is None:
        return code
    shown: dict[str, Any] = {}
    for k, v in facts.items():
        if k.endswith("_vnd") and isinstance(v, int | float):
            shown[k] = number_format(round(v), 0, force_grouping=True)
        elif isinstance(v, float):
            shown[k] = number_format(v, 1, force_grouping=True)
        else:
            shown[k] = v
    try:
        return str(template) % shown
    except (KeyError, TypeError, ValueError):
        return code


def _score(x: float) -> float:
    return float(round(max(0.0, min(100.0, 100.0 * (1.0 - np.exp(-x)))), 1))


def _day(ts: Any) -> date:
    day: date = pd.Timestamp(ts).date()
    return day


def _top_declarations(rows: pd.DataFrame) -> list[int]:
    by_decl = rows.groupby("declaration_id", sort=False)["value_vnd"].sum()
    return [int(i) for i in by_decl.nlargest(MAX_DECLARATIONS).index]


def empty_lines() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in LINE_COLUMNS})


def detect(
    lines: pd.DataFrame,
    *,
    mfn_rates: Mapping[str, float],
    established: Mapping[int, date | None] | None = None,
    settings: ScanSettings | None = None,
) -> list[Found]:
    """Every anomaly in `lines` (one row per goods line, columns `LINE_COLUMNS`)."""
    s = settings or ScanSettings()
    if lines.empty:
        return []
    df = lines.copy(deep=False)  # columns are replaced, never changed in place
    if not pd.api.types.is_datetime64_any_dtype(df["registered_at"]):
        df["registered_at"] = pd.to_datetime(df["registered_at"])
    for col in ("quantity", "value_vnd", "duties_vnd", "import_rate"):
        if df[col].dtype != float:
            df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    for col in ("flow", "hs_code", "description", "origin", "unit", "preference"):
        if df[col].isna().any():
            df[col] = df[col].fillna("").astype(str)
    out: list[Found] = []
    out += unit_price_outliers(df, s)
    out += volume_changes(df, s)
    out += hs_switches(df, mfn_rates, s)
    out += new_large_enterprises(df, established or {}, s)
    out += origin_switches(df, mfn_rates, s)
    return out


# 1. Unit price ------------------------------------------------------------------------------


def _declaration_lists(rows: pd.DataFrame, key: str) -> dict[Any, list[int]]:
    """For each value of `key`: its declarations, the largest by value first (at most
    `MAX_DECLARATIONS`)."""
    per = rows.groupby([key, "declaration_id"], sort=False)["value_vnd"].sum().reset_index()
    per = per.sort_values([key, "value_vnd"], ascending=[True, False], kind="stable")
    per = per.groupby(key, sort=False).head(MAX_DECLARATIONS)
    return {k: [int(i) for i in v] for k, v in per.groupby(key, sort=False)["declaration_id"]}


def price_gap_percent(ratio: float, direction: str) -> int:
    """How far a price is from the median, in whole percent, as the reason states it. Below the
    median it is rounded down and a price above nothing stays under 100: a thousandth of the
    median reads "99% below", never "100% below" (which would mean declared at nothing)."""
    if direction == "low":
        return 100 if ratio <= 0 else max(0, min(99, math.floor(100 * (1 - ratio))))
    return max(0, round(100 * (ratio - 1)))


# The reference prices of a tariff line: its own, else its subheading's, else its heading's.
PRICE_REFERENCE_DIGITS = (8, 6, 4)


def unit_price_outliers(df: pd.DataFrame, s: ScanSettings) -> list[Found]:
    cols = ["declaration_id", "enterprise_id", "registered_at", "flow", "hs_code", "unit"]
    cols += ["origin", "quantity", "value_vnd", "duties_vnd"]
    d = df.loc[(df["quantity"] > 0) & (df["value_vnd"] > 0), cols].copy()
    if d.empty:
        return []
    d["lp"] = np.log(d["value_vnd"] / d["quantity"])
    d["period"] = d["registered_at"].dt.to_period(s.price_period)
    d = _price_referenced(d, s)
    if d.empty:
        return []
    _price_score(d, s)
    flagged = d[d["direction"] != ""].copy()
    if flagged.empty:
        return []
    _price_gaps(flagged)
    agg = _price_groups(d, flagged)
    decls = _declaration_lists(flagged, "fid")
    return [
        _price_found(r, decls[fid])
        for fid, r in zip(agg.index, agg.itertuples(index=False), strict=True)
    ]


def _price_referenced(d: pd.DataFrame, s: ScanSettings) -> pd.DataFrame:
    """The lines that have a reference price group, each with its group's id, size, traders,
    median log price and its median absolute deviation."""
    # The reference is the prices of the same tariff line; a line too rarely declared to have
    # one is compared with every line of its subheading (6 digits), then of its heading (4): a
    # whole tariff spreads a small office's history thin.
    d["ref"] = ""
    for c in ("gid", "n", "traders", "med", "mad"):
        d[c] = np.nan
    for level, digits in enumerate(PRICE_REFERENCE_DIGITS):
        code = d["hs_code"].str[:digits]
        gid = d.groupby(
            [d["flow"], code, d["unit"], d["origin"], d["period"]], sort=False, observed=True
        ).ngroup()
        g = d["lp"].groupby(gid, sort=False)
        n = g.transform("size")
        traders = d["enterprise_id"].groupby(gid, sort=False).transform("nunique")
        med = g.transform("median")
        mad = (d["lp"] - med).abs().groupby(gid, sort=False).transform("median")
        chosen = (d["ref"] == "") & (n >= s.price_min_lines) & (traders >= s.price_min_traders)
        d.loc[chosen, "ref"] = code[chosen]
        d.loc[chosen, "gid"] = gid[chosen] * len(PRICE_REFERENCE_DIGITS) + level
        for col, values in (("n", n), ("traders", traders), ("med", med), ("mad", mad)):
            d.loc[chosen, col] = values[chosen]
    return d[d["ref"] != ""].copy()


def _price_score(d: pd.DataFrame, s: ScanSettings) -> None:
    """Each line's robust z-score against its reference, and its direction ("low", "high" for
    an export, or "" when within the bounds)."""
    d["gid"] = d["gid"].astype(int)
    d["sigma"] = np.maximum(1.4826 * d["mad"], s.price_sigma_floor)
    d["z"] = (d["lp"] - d["med"]) / d["sigma"]
    low = d["z"] <= -s.price_z
    high = (d["flow"] == "export") & (d["z"] >= s.price_z)
    d["direction"] = np.where(low, "low", np.where(high, "high", ""))


def _price_gaps(flagged: pd.DataFrame) -> None:
    """Each flagged line's shortfall, duty gap and price ratio, and its finding's id (one per
    reference group, enterprise and direction)."""
    ref_price = np.exp(flagged["med"])
    flagged["shortfall"] = np.where(
        flagged["direction"] == "low", ref_price * flagged["quantity"] - flagged["value_vnd"], 0.0
    )
    flagged["gap"] = flagged["shortfall"] * (flagged["duties_vnd"] / flagged["value_vnd"])
    flagged["ratio"] = np.exp(flagged["lp"] - flagged["med"])
    flagged["absz"] = flagged["z"].abs()
    flagged["fid"] = flagged.groupby(["gid", "enterprise_id", "direction"], sort=False).ngroup()


def _price_groups(d: pd.DataFrame, flagged: pd.DataFrame) -> pd.DataFrame:
    """One row per finding, with the enterprise's total lines in its reference group."""
    totals = d[d["gid"].isin(flagged["gid"])].groupby(["gid", "enterprise_id"]).size()
    agg = flagged.groupby("fid", sort=False).agg(
        gid=("gid", "first"),
        ent=("enterprise_id", "first"),
        flow=("flow", "first"),
        hs=("ref", "first"),
        unit=("unit", "first"),
        origin=("origin", "first"),
        period=("period", "first"),
        direction=("direction", "first"),
        flagged=("lp", "size"),
        n=("n", "first"),
        traders=("traders", "first"),
        zmed=("absz", "median"),
        ratio=("ratio", "median"),
        shortfall=("shortfall", "sum"),
        gap=("gap", "sum"),
        value=("value_vnd", "sum"),
    )
    agg["total"] = [
        int(totals.loc[(g_, e_)]) for g_, e_ in zip(agg["gid"], agg["ent"], strict=True)
    ]
    return agg


def _price_found(r: Any, declaration_ids: list[int]) -> Found:
    share = r.flagged / r.total
    pct = price_gap_percent(r.ratio, r.direction)
    facts = {
        "hs": r.hs,
        "unit": r.unit,
        "origin": r.origin,
        "period": str(r.period),
        "pct": int(pct),
        "lines": int(r.n),
        "traders": int(r.traders),
        "flagged": int(r.flagged),
        "total": int(r.total),
        "shortfall_vnd": float(r.shortfall),
        "z": round(float(r.zmed), 1),
    }
    return Found(
        enterprise_id=int(r.ent),
        kind=AnomalyKind.UNIT_PRICE,
        reason_code=f"unit_price_{r.direction}",
        score=_score(0.35 * (float(r.zmed) - 2.0) * (0.5 + 0.5 * share)),
        period_start=r.period.start_time.date(),
        period_end=r.period.end_time.date(),
        facts=facts,
        declaration_ids=declaration_ids,
        value_vnd=float(r.value),
        gap_vnd=max(0.0, float(r.gap)),
        hs_code=str(r.hs),
        origin=str(r.origin),
    )


# 2. Volume or value -------------------------------------------------------------------------


def volume_changes(df: pd.DataFrame, s: ScanSettings) -> list[Found]:
    d = df[["declaration_id", "enterprise_id", "registered_at", "value_vnd"]].copy()
    d["month"] = d["registered_at"].dt.to_period("M")
    monthly = d.groupby(["enterprise_id", "month"], observed=True)["value_vnd"].sum()
    if monthly.empty:
        return []
    months = pd.period_range(d["month"].min(), d["month"].max(), freq="M")
    if len(months) <= s.volume_min_history:
        return []
    grid = monthly.unstack("month").reindex(columns=months)
    first = grid.notna().to_numpy().argmax(axis=1)
    values = grid.to_numpy(dtype=float)
    col = np.arange(len(months))
    active = col[None, :] >= first[:, None]
    values = np.where(active, np.nan_to_num(values, nan=0.0), np.nan)
    market = np.nansum(values, axis=0)
    counts = d.groupby(["enterprise_id", "month"], observed=True)["declaration_id"].nunique()
    where = d.groupby(["enterprise_id", "month"], observed=True).indices
    out: list[Found] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)
        for j in range(s.volume_min_history, len(months)):
            lo = max(0, j - 12)
            window = values[:, lo:j]
            history = np.sum(~np.isnan(window), axis=1)
            median = np.nanmedian(window, axis=1)
            market_median = float(np.median(market[lo:j]))
            m = market[j] / market_median if market_median > 0 else 1.0
            m = m if m > 0 else 1.0
            v = values[:, j]
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = v / median / m
            base = (history >= s.volume_min_history) & (median > 0) & (v > 0)
            rise = base & (ratio >= s.volume_ratio) & (v >= s.volume_min_value_vnd)
            fall = base & (ratio <= 1 / s.volume_ratio) & (median >= s.volume_min_value_vnd)
            for i in np.flatnonzero(rise | fall):
                ent = int(grid.index[i])
                month = months[j]
                rows = d.iloc[where[(ent, month)]]
                is_rise = bool(rise[i])
                r = float(ratio[i])
                strength = np.log2(r if is_rise else 1 / r) - 1
                facts = {
                    "month": str(month),
                    "value_vnd": float(v[i]),
                    "median_vnd": float(median[i]),
                    "declarations": int(counts.loc[(ent, month)]),
                    "history": int(history[i]),
                    "ratio": round(r, 1),
                    "pct": round(100 * r),
                    "market": round(float(m), 2),
                }
                out.append(
                    Found(
                        enterprise_id=ent,
                        kind=AnomalyKind.VOLUME_CHANGE,
                        reason_code="volume_rise" if is_rise else "volume_fall",
                        score=_score(0.5 * strength) * (1.0 if is_rise else 0.6),
                        period_start=month.start_time.date(),
                        period_end=month.end_time.date(),
                        facts=facts,
                        declaration_ids=_top_declarations(rows),
                        value_vnd=float(v[i]),
                    )
                )
    return out


# 3. HS switching ----------------------------------------------------------------------------

_NON_WORD = re.compile(r"[^a-z0-9 ]+")
_VARIANT = re.compile(r",? loai \d+$")


def _normalise(text: str) -> str:
    plain = _NON_WORD.sub(" ", unidecode(text or "").lower())
    return _VARIANT.sub("", " ".join(plain.split()))


def hs_switches(df: pd.DataFrame, rates: Mapping[str, float], s: ScanSettings) -> list[Found]:
    cols = ["declaration_id", "enterprise_id", "registered_at", "hs_code", "description"]
    cols += ["unit", "quantity", "value_vnd"]
    keep = (
        (df["flow"] == "import")
        & df["hs_code"].isin(set(rates))
        & (df["quantity"] > 0)
        & (df["value_vnd"] > 0)
    )
    d = df.loc[keep, cols].copy()
    if d.empty:
        return []
    d["chapter"] = d["hs_code"].str[:2]
    d["lp"] = np.log(d["value_vnd"] / d["quantity"])
    d = d.sort_values("registered_at", kind="stable")  # "first" description = earliest
    key = ["enterprise_id", "chapter", "unit"]
    codes = d.groupby([*key, "hs_code"], sort=False).agg(
        first=("registered_at", "min"),
        last=("registered_at", "max"),
        n=("registered_at", "size"),
        lp=("lp", "median"),
        description=("description", "first"),
    )
    codes = codes.reset_index()
    codes["rate"] = codes["hs_code"].map(rates).astype(float)
    multi = codes.groupby(key, sort=False)["hs_code"].transform("size") > 1
    codes = codes[multi]
    if codes.empty:
        return []
    codes["key_first"] = codes.groupby(key, sort=False)["first"].transform("min")
    gap = pd.Timedelta(days=s.hs_min_gap_days)
    where = d.groupby(["enterprise_id", "hs_code", "unit"], sort=False).indices
    out: list[Found] = []
    for (ent, _chapter, _unit), group in codes.groupby(key, sort=False):
        group = group.sort_values("first")
        for _i, new in group[group["first"] >= group["key_first"] + gap].iterrows():
            before = group[(group["first"] < new["first"]) & (group["rate"] >= new["rate"])]
            best = _hs_best_switch(new, before, s)
            if best is None:
                continue
            rows = d.iloc[where[(ent, new["hs_code"], new["unit"])]]
            out.append(_hs_found(int(ent), new, best, rows))
    return out


def _hs_best_switch(
    new: pd.Series, before: pd.DataFrame, s: ScanSettings
) -> tuple[float, str, Any] | None:
    """Of the codes used before `new` at a rate high enough above it, the one with the largest
    drop whose goods look the same (by description, else by price): (drop, how, old)."""
    best: tuple[float, str, Any] | None = None
    for _j, old in before.iterrows():
        drop = float(old["rate"] - new["rate"])
        if drop < s.hs_min_rate_drop:
            continue
        sim = fuzz.token_sort_ratio(_normalise(old["description"]), _normalise(new["description"]))
        if sim >= s.hs_description_similarity:
            how = "hs_switch_description"
        elif abs(float(old["lp"] - new["lp"])) <= s.hs_price_tolerance:
            how = "hs_switch_price"
        else:
            continue
        if best is None or drop > best[0]:
            best = (drop, how, old)
    return best


def _hs_found(ent: int, new: pd.Series, best: tuple[float, str, Any], rows: pd.DataFrame) -> Found:
    drop, how, old = best
    facts = {
        "old": old["hs_code"],
        "old_rate": float(old["rate"]),
        "new": new["hs_code"],
        "new_rate": float(new["rate"]),
        "since": _day(new["first"]).isoformat(),
        "lines": len(rows),
        "drop": float(drop),
    }
    weight = 1.0 if how == "hs_switch_description" else 0.85
    return Found(
        enterprise_id=ent,
        kind=AnomalyKind.HS_SWITCH,
        reason_code=how,
        score=round(_score(0.15 + drop / 8) * weight, 1),
        period_start=_day(new["first"]),
        period_end=_day(new["last"]),
        facts=facts,
        declaration_ids=_top_declarations(rows),
        value_vnd=float(rows["value_vnd"].sum()),
        gap_vnd=float(rows["value_vnd"].sum()) * drop / 100,
        hs_code=str(new["hs_code"]),
    )


# 4. New enterprises with large volumes -----------------------------------------------------


def new_large_enterprises(
    df: pd.DataFrame, established: Mapping[int, date | None], s: ScanSettings
) -> list[Found]:
    start, end = df["registered_at"].min(), df["registered_at"].max()
    per = df.groupby("enterprise_id")["registered_at"].min().rename("first").to_frame()
    est = pd.to_datetime(pd.Series({k: v for k, v in established.items() if v is not None}))
    per["established"] = est.reindex(per.index)
    year = pd.Timedelta(days=365)
    is_new = (per["established"].notna() & (per["established"] >= per["first"] - year)) | (
        per["established"].isna() & (per["first"] >= start + pd.Timedelta(days=180))
    )
    window = pd.Timedelta(days=s.new_days)
    d = df[["enterprise_id", "declaration_id", "registered_at", "value_vnd"]].merge(
        per[["first"]], left_on="enterprise_id", right_index=True
    )
    early = d[d["registered_at"] < d["first"] + window]
    first_value = early.groupby("enterprise_id")["value_vnd"].sum()
    # Established traders' value per `new_days`, over the part of the history they traded in.
    old = per.index[~is_new]
    span_days = (end - per.loc[old, "first"].clip(lower=start)).dt.total_seconds() / 86400
    span_days = span_days[span_days >= s.new_days]
    if len(span_days) < s.new_min_reference:
        return []
    totals = df[df["enterprise_id"].isin(span_days.index)].groupby("enterprise_id")["value_vnd"]
    reference = (totals.sum() / span_days * s.new_days).dropna().to_numpy()
    threshold = float(np.quantile(reference, s.new_quantile))
    out = []
    for ent in per.index[is_new]:
        value = float(first_value.get(ent, 0.0))
        if value < max(threshold, s.new_min_value_vnd):
            continue
        pct = float(np.mean(reference < value))
        first = per.at[ent, "first"]
        established_on = per.at[ent, "established"]
        rows = early[early["enterprise_id"] == ent]
        facts = {
            "established": _day(established_on).isoformat() if pd.notna(established_on) else "—",
            "first": _day(first).isoformat(),
            "value_vnd": value,
            "days": s.new_days,
            "pct": int(np.floor(100 * pct)),
        }
        spread = (pct - s.new_quantile) / max(1e-9, 1 - s.new_quantile)
        out.append(
            Found(
                enterprise_id=int(ent),
                kind=AnomalyKind.NEW_LARGE,
                reason_code="new_large",
                score=round(50 + 45 * min(1.0, max(0.0, spread)), 1),
                period_start=_day(first),
                period_end=_day(min(first + window, end)),
                facts=facts,
                declaration_ids=_top_declarations(rows),
                value_vnd=value,
            )
        )
    return out


# 5. Origin moving towards a preferential partner -------------------------------------------


def origin_switches(df: pd.DataFrame, rates: Mapping[str, float], s: ScanSettings) -> list[Found]:
    cols = ["declaration_id", "enterprise_id", "registered_at", "hs_code", "origin"]
    cols += ["value_vnd", "import_rate", "preference"]
    d = df.loc[(df["flow"] == "import") & (df["origin"] != "VN"), cols].copy()
    if d.empty:
        return []
    d["claims"] = d["preference"] != ""
    d = d.sort_values(["registered_at", "declaration_id"], kind="stable")
    d["kid"] = d.groupby(["enterprise_id", "hs_code"], sort=False).ngroup()
    d["rank"] = d.groupby("kid", sort=False).cumcount()
    # The first claim of each key, when it comes only after enough lines without one.
    first = d[d["claims"]].groupby("kid", sort=False).head(1).set_index("kid")
    first = first[first["rank"] >= s.origin_min_before]
    if first.empty:
        return []
    d = d[d["kid"].isin(first.index)].copy()
    d["claim_rank"] = d["kid"].map(first["rank"])
    d["claim_origin"] = d["kid"].map(first["origin"])
    before = d[d["rank"] < d["claim_rank"]]
    same_before = (before["origin"] == before["claim_origin"]).groupby(before["kid"]).sum()
    first["same_before"] = same_before.reindex(first.index).fillna(0).astype(int)
    first["lines_before"] = before.groupby("kid").size().reindex(first.index)
    moved = first["same_before"] == 0
    first["code"] = np.where(moved, "origin_to_partner", "preference_appears")
    keep = moved | (first["same_before"] >= s.origin_same_min_before)
    first = first[keep]
    if first.empty:
        return []
    after = d[
        d["kid"].isin(first.index)
        & (d["rank"] >= d["claim_rank"])
        & d["claims"]
        & (d["origin"] == d["claim_origin"])
    ].copy()
    mfn = after["hs_code"].map(rates).astype(float)
    after["drop"] = (mfn - after["import_rate"].fillna(0.0)).clip(lower=0.0).fillna(0.0)
    after["gap"] = after["value_vnd"] * after["drop"] / 100
    agg = after.groupby("kid", sort=False).agg(
        lines=("rank", "size"),
        value=("value_vnd", "sum"),
        gap=("gap", "sum"),
        drop=("drop", "mean"),
        last=("registered_at", "max"),
    )
    counts = before[before["kid"].isin(first.index)].groupby(["kid", "origin"]).size()
    counts = counts.reset_index(name="n").sort_values(["kid", "n"], ascending=[True, False])
    origins_before = counts.groupby("kid")["origin"].agg(lambda x: ", ".join(x.iloc[:3]))
    decls = _declaration_lists(after, "kid")
    out: list[Found] = []
    for kid, f in first.iterrows():
        a = agg.loc[kid]
        facts = {
            "hs": f["hs_code"],
            "before": origins_before.get(kid, ""),
            "lines_before": int(f["lines_before"]),
            "origin": f["origin"],
            "preference": f["preference"],
            "since": _day(f["registered_at"]).isoformat(),
            "lines": int(a["lines"]),
            "gap_vnd": float(a["gap"]),
        }
        base = 0.8 if f["code"] == "origin_to_partner" else 0.4
        out.append(
            Found(
                enterprise_id=int(f["enterprise_id"]),
                kind=AnomalyKind.ORIGIN_SWITCH,
                reason_code=str(f["code"]),
                score=_score(base + float(a["drop"]) / 10),
                period_start=_day(f["registered_at"]),
                period_end=_day(a["last"]),
                facts=facts,
                declaration_ids=decls[kid],
                value_vnd=float(a["value"]),
                gap_vnd=float(a["gap"]),
                hs_code=str(f["hs_code"]),
                origin=str(f["origin"]),
            )
        )
    return out
