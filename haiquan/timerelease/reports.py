"""The time-release reports, read with DuckDB from the columnar fact store.

Every figure is over consignments *registered* in the period (the day in Vietnam), followed to
release, as the WCO study does. Definitions, said once here and shown on the pages:

- Times (mean, median, p90, p95) are over released consignments that are not outliers; the
  median and percentiles interpolate linearly between neighbours (DuckDB `quantile_cont`).
- A share of time (customs' own, a step's) is a ratio of sums: Σ that time / Σ total time over
  the same consignments, not a mean of per-consignment ratios.
- Unfinished (not yet released) and cancelled consignments are counted apart, with how long the
  unfinished ones have waited so far; outliers (see `facts.OUTLIER_CAP_SECONDS`) too.
- "Released within N hours" is over every released consignment, outliers included.
- The span measured is registration → release (Vietnam Customs') unless arrival → release (the
  WCO's) is asked for (`Span`): then only consignments with a reported arrival before their
  release count, the times run from that arrival, and the shares of steps and parties stay
  those of the registration → release part (the events before registration are the carrier's
  and the port's, not steps of the procedure).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import duckdb
from django.utils.translation import gettext as _

from haiquan.core.problems import FieldProblem, ValidationFailed
from haiquan.refdata.models import Office

from .choices import ComplianceGroup, Dimension, Span
from .filters import (
    MAX_SAMPLE_DAYS,
    Filters,
    filters_build,
    last_month_start,
    working_days,
)
from .formatting import Change, change, format_change, format_duration
from .queries import (
    MEASURED,
    _connect,
    _open_sql,
    _quantiles_sql,
    _rollup_for,
    _rows,
    _Sums,
    _sums_sql,
    _where,
)
from .store import facts_sql
from .summary import _measured, _num, _statuses, _summary_from

# The pages, the API and the exports read the reports here; the filters they are asked for
# are built in `filters` (named here too, as the one entry point).
__all__ = [
    "Filters",
    "bottlenecks_of",
    "breakdown",
    "filters_build",
    "last_month_start",
    "report",
    "report_texts",
    "sample_study",
    "summaries",
    "summary_texts",
    "trading_across_borders",
    "working_days",
]

TAB_TARGET_HOURS = 160  # World Bank Trading across Borders: border compliance under 160 hours


def _summary(con: duckdb.DuckDBPyConnection, f: Filters, as_of: datetime) -> dict[str, Any]:
    rollup = _rollup_for(f)
    sums = _Sums(rollup)
    where_sums, params_sums = _where(f, rollup=rollup)
    where, params = _where(f)
    by_status = _rows(con, _sums_sql(sums, where_sums, measure=f.measure), params_sums)
    measured, statuses = _measured(by_status), _statuses(by_status)
    (released,) = _rows(
        con, _quantiles_sql(where, measure=f.measure), [f.within_hours * 3600, *params]
    )
    naive = as_of.astimezone(UTC).replace(tzinfo=None)
    (waiting,) = _rows(con, _open_sql(where), [naive, naive, *params])
    out = _summary_from(measured, statuses, released, waiting, f.within_hours)
    out["span"] = {"code": f.span, "label": str(Span(f.span).label)}
    if f.span == Span.ARRIVAL:
        out["span"].update(_arrival_coverage(con, f, measured, out["consignments"]))
    return out


def _arrival_coverage(
    con: duckdb.DuckDBPyConnection, f: Filters, measured: dict[str, Any], n: int
) -> dict[str, Any]:
    """How many consignments of the period were measured from registration (the arrival span
    covers `n` of them), and their mean time from arrival to registration."""
    where, params = _where(replace(f, span=Span.REGISTRATION.value))
    sql = f"SELECT count(*) AS n FROM {facts_sql()} WHERE {where} AND {MEASURED}"  # noqa: S608 (constant names)
    (everyone,) = _rows(con, sql, params)
    return {
        "of_measured": int(everyone["n"] or 0),
        "before_registration_mean_s": _num(measured["pre_s"]) / n if n else None,
    }


def summaries(filters: list[Filters], as_of: datetime) -> list[dict[str, Any]]:
    """The summary of each filter set (a year's previous period is last year: computed once)."""
    distinct = list(dict.fromkeys(filters))
    con = _connect()
    try:
        done = [_summary(con, f, as_of) for f in distinct]
    finally:
        con.close()
    return [done[distinct.index(f)] for f in filters]


def _change_block(now: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("mean_s", "median_s"):
        c = change(now[key], before[key])
        out[key] = {"seconds": c.seconds, "ratio": c.ratio}
    a, b = now["customs_share"], before["customs_share"]
    out["customs_share_points"] = None if a is None or b is None else (a - b) * 100
    return out


def report(filters: Filters, as_of: datetime) -> dict[str, Any]:
    """The period's figures with the change against the previous period and the same period
    last year."""
    current, previous, last_year = summaries(
        [filters, filters.previous(), filters.last_year()], as_of
    )
    prev_f, last_f = filters.previous(), filters.last_year()
    return {
        "period": {"date_from": filters.date_from, "date_to": filters.date_to},
        "previous_period": {"date_from": prev_f.date_from, "date_to": prev_f.date_to},
        "last_year_period": {"date_from": last_f.date_from, "date_to": last_f.date_to},
        "current": current,
        "previous": previous,
        "last_year": last_year,
        "change_previous": _change_block(current, previous),
        "change_last_year": _change_block(current, last_year),
        "bottlenecks": bottlenecks_of(current),
    }


def bottlenecks_of(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The steps ranked by their share of all the time (the biggest first), zero steps left out."""
    ranked = sorted(
        (s for s in summary["steps"] if s["seconds"] > 0), key=lambda s: (-s["seconds"], s["step"])
    )
    return [{"rank": i + 1, **s} for i, s in enumerate(ranked)]


# --- breakdowns ---------------------------------------------------------------------------------


def drill_base(filters: Filters) -> str:
    """The office path a breakdown by office splits below: the office chosen, else the one
    office the user's scope is rooted at, else the top of the tree (descending while an office
    has a single child, so the General Department opens on its Departments)."""
    if filters.office_path:
        return filters.office_path
    if filters.scope is not None and len(filters.scope) == 1:
        return filters.scope[0]
    if filters.scope:
        return ""  # several roots: list the offices themselves
    base = "/"
    for _depth in range(4):
        children = list(
            Office.objects.filter(path__startswith=base)
            .exclude(path=base)
            .values_list("path", flat=True)
        )
        tops = {p[len(base) :].split("/")[0] for p in children}
        if len(tops) != 1:
            break
        base = f"{base}{tops.pop()}/"
    return base


def breakdown(filters: Filters, by: str, as_of: datetime) -> list[dict[str, Any]]:
    """The figures per office (one level below the chosen office), flow, lane, transport
    mode, declaration type, HS chapter, enterprise group or month."""
    if by not in Dimension.values:
        raise ValidationFailed(
            [FieldProblem("by", _("must be one of %(v)s") % {"v": ", ".join(Dimension.values)})]
        )
    key_params: list[Any] = []
    if by == Dimension.OFFICE:
        base = drill_base(filters)
        if base:
            key = "split_part(substr(office_path, ?), '/', 1)"
            key_params.append(len(base) + 1)
        else:
            key = "office_code"
    elif by == Dimension.MONTH:
        key = "CAST(year(reg_date) * 100 + month(reg_date) AS INTEGER)"  # cheaper than strftime
    else:
        key = by
    rollup = _rollup_for(filters, by)
    sums = _Sums(rollup)
    where_sums, params_sums = _where(filters, rollup=rollup)
    where, params = _where(filters)
    con = _connect()
    try:
        by_status = _rows(
            con,
            _sums_sql(sums, where_sums, key, light=True, measure=filters.measure),
            [*key_params, *params_sums],
        )
        released = _rows(
            con,
            _quantiles_sql(where, key, measure=filters.measure),
            [*key_params, filters.within_hours * 3600, *params],
        )
    finally:
        con.close()
    by_key_status: dict[Any, list[dict[str, Any]]] = {}
    for r in by_status:
        by_key_status.setdefault(r["key"], []).append(r)
    released_by = {r["key"]: r for r in released}
    out = []
    for k in sorted(by_key_status, key=lambda v: (v is None, str(v or ""))):
        st = _statuses(by_key_status[k])
        m = _measured(by_key_status[k])
        rel = released_by.get(k, {})
        n = int(m.get("n") or 0)
        total = _num(m.get("sum_s"))
        q = rel.get("q") or (None, None, None)
        outage_s = _num(m.get("outage_s"))
        out.append(
            {
                "key": _month_key(k) if by == Dimension.MONTH else (k or ""),
                "registered": st["registered"],
                "consignments": n,
                "mean_s": _num(m.get("span_s")) / n if n else None,
                "median_s": q[0],
                "p90_s": q[1],
                "customs_share": _num(m.get("bucket_customs")) / total if total else None,
                # Time inside declared outages, apart (as in the summary): its share of the
                # registration → release time.
                "outage_s": outage_s,
                "outage_share": outage_s / total if total else None,
                "open": st["open"],
                "within_share": (int(rel.get("within") or 0) / st["released"])
                if st["released"]
                else None,
            }
        )
    labels = _labels(by, [r["key"] for r in out], filters)
    for r in out:
        r["label"] = labels.get(r["key"], r["key"])
    return out


def _month_key(value: Any) -> str:
    return f"{int(value) // 100:04d}-{int(value) % 100:02d}" if value else ""


def _labels(by: str, keys: list[Any], filters: Filters) -> dict[str, str]:
    from haiquan.clearance.choices import TransportMode
    from haiquan.refdata.choices import Flow
    from haiquan.refdata.models import DeclarationType
    from haiquan.risk.choices import Lane

    if by == Dimension.OFFICE:
        offices = {o.code: f"{o.code} {o.name}" for o in Office.objects.filter(code__in=keys)}
        base = drill_base(filters)
        if "" in keys and base:
            own = Office.objects.filter(path=base).first()
            offices[""] = f"{own.code} {own.name}" if own else "–"
        return offices
    if by == Dimension.FLOW:
        return {k: str(Flow(k).label) for k in keys if k in Flow.values}
    if by == Dimension.LANE:
        return {k: str(Lane(k).label) for k in keys if k in Lane.values}
    if by == Dimension.TRANSPORT_MODE:
        return {k: str(TransportMode(k).label) for k in keys if k in TransportMode.values}
    if by == Dimension.COMPLIANCE:
        return {k: str(ComplianceGroup(k).label) for k in keys if k in ComplianceGroup.values}
    if by == Dimension.TYPE:
        return {t.code: f"{t.code} {t.name}" for t in DeclarationType.objects.filter(code__in=keys)}
    return {}


# --- Trading across Borders and the WCO sample ------------------------------------------------


def trading_across_borders(filters: Filters) -> dict[str, Any]:
    """Border compliance: from arrival (or lodging, where no arrival is reported) to release or
    the gate-out, per flow, against the 160-hour target."""
    where, params = _where(filters)
    sql = (
        "SELECT flow, count(*) AS consignments, "  # noqa: S608 (constant names; values are parameters)
        "avg(border_s) / 3600 AS mean_hours, "
        "quantile_cont(border_s, [0.5, 0.9]) AS q, "
        "count_if(border_s <= ?) AS within_target, "
        "avg(pre_s) / 3600 AS before_registration_hours, "
        "count_if(arrived_at IS NOT NULL) AS with_arrival "
        f"FROM {facts_sql()} WHERE {where} AND {MEASURED} AND border_s IS NOT NULL "
        "GROUP BY flow ORDER BY flow"
    )
    con = _connect()
    try:
        rows = _rows(con, sql, [TAB_TARGET_HOURS * 3600, *params])
    finally:
        con.close()
    flows = []
    for d in rows:
        q = d.pop("q") or (None, None)
        d["median_hours"] = q[0] / 3600 if q[0] is not None else None
        d["p90_hours"] = q[1] / 3600 if q[1] is not None else None
        n = d["consignments"] or 0
        d["within_target_share"] = (d["within_target"] or 0) / n if n else None
        d["target_met"] = d["mean_hours"] is not None and d["mean_hours"] < TAB_TARGET_HOURS
        flows.append(d)
    return {"target_hours": TAB_TARGET_HOURS, "flows": flows}


def sample_study(filters: Filters, start: date, count: int, as_of: datetime) -> dict[str, Any]:
    """The WCO way: every declaration registered in `count` consecutive working days from
    `start`, followed to release (those not yet released are counted as unfinished)."""
    if not 1 <= count <= MAX_SAMPLE_DAYS:
        raise ValidationFailed(
            [FieldProblem("days", _("must be between 1 and %(n)d") % {"n": MAX_SAMPLE_DAYS})]
        )
    days = working_days(start, count)
    sample = replace(filters, date_from=days[0], date_to=days[-1], days=days)
    (summary,) = summaries([sample], as_of)
    return {
        "days": list(days),
        "as_of": as_of,
        "summary": summary,
        "bottlenecks": bottlenecks_of(summary),
        "by_flow": breakdown(sample, Dimension.FLOW, as_of),
        "by_lane": breakdown(sample, Dimension.LANE, as_of),
    }


# --- texts as the pages show them ---------------------------------------------------------------


def summary_texts(summary: dict[str, Any]) -> dict[str, Any]:
    summary["mean_text"] = format_duration(summary["mean_s"])
    summary["median_text"] = format_duration(summary["median_s"])
    return summary


def report_texts(body: dict[str, Any]) -> dict[str, Any]:
    """Add the formatted figures ("10 h 05 min 48 s", "-31 min 06 s (-4.88%)") in the active
    language."""
    for key in ("current", "previous", "last_year"):
        summary_texts(body[key])
    for key in ("change_previous", "change_last_year"):
        for measure in ("mean_s", "median_s"):
            block = body[key][measure]
            block["text"] = format_change(Change(block["seconds"], block["ratio"]))
    return body
