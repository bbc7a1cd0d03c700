"""The SQL the reports run on DuckDB over the columnar fact store (or its daily rollups):
the WHERE clause of a filter set, which rollup may answer it, and the counts, sums and
percentiles per status. Constant column names only; every value is a parameter."""

from __future__ import annotations

from typing import Any

import duckdb

from .choices import Span
from .facts import BUCKETS, STEPS
from .filters import ARRIVED_FIRST, FACT_ONLY_FILTERS, Filters
from .store import facts_sql, rollup_sql


def _where(f: Filters, rollup: str | None = None) -> tuple[str, list[Any]]:
    """The WHERE clause for the facts (rollup None) or for the named rollup."""
    clauses: list[str] = []
    params: list[Any] = []
    if f.days:
        clauses.append(f"reg_date IN ({', '.join('?' for _d in f.days)})")
        params += list(f.days)
    else:
        clauses.append("reg_date BETWEEN ? AND ?")
        params += [f.date_from, f.date_to]
    if f.scope is not None:
        if not f.scope:
            clauses.append("false")
        else:
            clauses.append("(" + " OR ".join("starts_with(office_path, ?)" for _p in f.scope) + ")")
            params += list(f.scope)
    if f.office_path:
        clauses.append("starts_with(office_path, ?)")
        params.append(f.office_path)
    if f.span == Span.ARRIVAL:
        clauses.append(ARRIVED_FIRST)
    if rollup is None:
        columns: tuple[str, ...] = ("flow", "lane", *FACT_ONLY_FILTERS)
    else:
        columns = ("flow", "lane", rollup) if rollup else ("flow", "lane")
    for column in columns:
        value = getattr(f, column)
        if value:
            clauses.append(f"{column} = ?")
            params.append(value)
    return " AND ".join(clauses), params


def _rollup_for(f: Filters, by: str = "") -> str | None:
    """The rollup the sums may come from: the base one when the filters use only its keys,
    a dimension's own when that one dimension is filtered on or broken down by; else None
    (the facts)."""
    if f.span == Span.ARRIVAL:
        return None  # the rollups keep no arrival
    extra = {c for c in FACT_ONLY_FILTERS if getattr(f, c)}
    if by in FACT_ONLY_FILTERS:
        extra.add(by)
    if not extra:
        return ""
    return extra.pop() if len(extra) == 1 else None


def _connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET threads = 2")
    return con


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


MEASURED = "status = 'released' AND NOT outlier"


FLAGS = {"amended": "amendments > 0", "inspected": "inspected", "with_outage": "outage_s > 0"}


class _Sums:
    """Counts and sums of seconds, written for the facts or for their daily rollup."""

    def __init__(self, rollup: str | None) -> None:
        self.rollup = rollup is not None
        self.source = rollup_sql(rollup) if rollup is not None else facts_sql()

    def count(self) -> str:
        return "sum(n)" if self.rollup else "count(*)"

    def present(self, step: str) -> str:
        return f"sum(with_{step})" if self.rollup else f"count_if(step_{step}_s > 0)"

    def flag(self, name: str) -> str:
        return f"sum({name})" if self.rollup else f"count_if({FLAGS[name]})"


def _sums_sql(
    sums: _Sums, where: str, key: str = "", light: bool = False, measure: str = "total_s"
) -> str:
    """Counts and sums per status (and key), in one scan: the row of released non-outliers
    holds the measured sums. No FILTER clauses: DuckDB evaluates each filtered aggregate apart,
    several times slower at 12 M rows."""
    # sum_s: the registration → release seconds (the shares' denominator); span_s: the span's.
    parts = [
        f"{sums.count()} AS n",
        "sum(total_s) AS sum_s",
        f"sum({measure}) AS span_s",
        "sum(pre_s) AS pre_s" if not sums.rollup else "0 AS pre_s",
        *(f"sum({b}_s) AS bucket_{b}" for b in BUCKETS),
        *(f"sum(step_{s}_s) AS step_{s}" for s in STEPS),
        *(f"{sums.present(s)} AS with_{s}" for s in STEPS),
        f"{sums.flag('amended')} AS amended",
        f"{sums.flag('inspected')} AS inspected",
        "sum(outage_s) AS outage_s",
        f"{sums.flag('with_outage')} AS with_outage",
    ]
    if light:  # a breakdown's columns: the mean, customs' share and the outages' time
        parts = [
            f"{sums.count()} AS n",
            "sum(total_s) AS sum_s",
            f"sum({measure}) AS span_s",
            "sum(customs_s) AS bucket_customs",
            "sum(outage_s) AS outage_s",
        ]
    group = f"{key} AS key, " if key else ""
    return (
        f"SELECT {group}status, outlier, {', '.join(parts)} "  # noqa: S608 (constant names)
        f"FROM {sums.source} WHERE {where} GROUP BY ALL"
    )


def _quantiles_sql(where: str, key: str = "", measure: str = "total_s") -> str:
    """What needs each consignment's time, from the facts: percentiles, range, and how many
    were released within N hours (outliers, beyond 30 days, never are: N is at most 720 h)."""
    group = f"{key} AS key, " if key else ""
    tail = " GROUP BY 1" if key else ""
    return (
        f"SELECT {group}quantile_cont({measure}, [0.5, 0.9, 0.95]) AS q, "  # noqa: S608 (constant names)
        f"min({measure}) AS min_s, max({measure}) AS max_s, count_if({measure} <= ?) AS within "
        f"FROM {facts_sql()} WHERE {where} AND {MEASURED}{tail}"
    )


def _open_sql(where: str) -> str:
    return (
        "SELECT quantile_cont(epoch(CAST(? AS TIMESTAMP) - registered_at), 0.5) AS median_age, "  # noqa: S608 (constant names)
        "max(epoch(CAST(? AS TIMESTAMP) - registered_at)) AS max_age "
        f"FROM {facts_sql()} WHERE {where} AND status = 'open'"
    )
