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

import calendar
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from datetime import timezone as dt_timezone
from typing import Any

import duckdb
from django.utils.translation import gettext as _

from haiquan.core.problems import FieldProblem, Forbidden, ValidationFailed
from haiquan.refdata.models import Office

from .choices import ComplianceGroup, Dimension, Span
from .facts import BUCKETS, STEPS
from .formatting import Change, change, format_change, format_duration
from .permissions import require_reader, scope_paths
from .store import facts_sql, rollup_sql
from .summary import _measured, _num, _statuses, _summary_from

TAB_TARGET_HOURS = 160  # World Bank Trading across Borders: border compliance under 160 hours
MAX_PERIOD_DAYS = 3 * 366
MAX_SAMPLE_DAYS = 31
FLOWS = ("import", "export")
LANES = ("green", "yellow", "red")


@dataclass(frozen=True)
class Filters:
    date_from: date
    date_to: date
    scope: tuple[str, ...] | None = None  # office paths the user may see; None: all
    office_path: str = ""  # the office (subtree) chosen
    flow: str = ""
    lane: str = ""
    transport_mode: str = ""
    type_code: str = ""
    hs_chapter: str = ""
    compliance: str = ""
    within_hours: float = 24.0
    days: tuple[date, ...] = ()  # a sample window: exactly these registration days
    span: str = Span.REGISTRATION.value  # where the measured time starts

    @property
    def measure(self) -> str:
        """The SQL of one consignment's measured seconds."""
        return ARRIVAL_SECONDS if self.span == Span.ARRIVAL else "total_s"

    @property
    def length(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def shifted(self, days: int = 0, years: int = 0) -> Filters:
        return replace(
            self,
            date_from=_shift(self.date_from, days, years),
            date_to=_shift(self.date_to, days, years),
            days=tuple(_shift(d, days, years) for d in self.days),
        )

    def previous(self) -> Filters:
        """The period of the same length just before."""
        if _whole_months(self.date_from, self.date_to):
            months = (self.date_to.year - self.date_from.year) * 12 + (
                self.date_to.month - self.date_from.month
            )
            start = _add_months(self.date_from, -(months + 1))
            end = self.date_from - timedelta(days=1)
            return replace(self, date_from=start, date_to=end)
        return self.shifted(days=-self.length)

    def last_year(self) -> Filters:
        return self.shifted(years=-1)


def _shift(day: date, days: int, years: int) -> date:
    if years:
        try:
            day = day.replace(year=day.year + years)
        except ValueError:  # 29 February
            day = day.replace(year=day.year + years, day=28)
    return day + timedelta(days=days)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _whole_months(start: date, end: date) -> bool:
    last = calendar.monthrange(end.year, end.month)[1]
    return start.day == 1 and end.day == last


# --- building filters from what a user asked ----------------------------------------------------


def filters_build(
    *,
    user: Any,
    date_from: date | None,
    date_to: date | None,
    office: str = "",
    flow: str = "",
    lane: str = "",
    transport_mode: str = "",
    type_code: str = "",
    hs_chapter: str = "",
    compliance: str = "",
    within_hours: float | None = None,
    span: str = "",
    today: date | None = None,
) -> Filters:
    """Check a report request and restrict it to the user's offices. Without dates: the last
    full month. An office outside the user's scope is refused (403)."""
    require_reader(user)
    problems: list[FieldProblem] = []
    today = today or datetime.now(dt_timezone(timedelta(hours=7))).date()
    if date_from is None and date_to is None:
        date_to = today.replace(day=1) - timedelta(days=1)
        date_from = date_to.replace(day=1)
    elif date_from is None:
        assert date_to is not None
        date_from = date_to.replace(day=1)
    elif date_to is None:
        date_to = min(today, _add_months(date_from, 1) - timedelta(days=1))
    assert date_from is not None and date_to is not None
    if date_to < date_from:
        problems.append(FieldProblem("date_to", _("must be on or after the start date")))
    elif (date_to - date_from).days + 1 > MAX_PERIOD_DAYS:
        problems.append(
            FieldProblem("date_to", _("a period is at most %(n)d days") % {"n": MAX_PERIOD_DAYS})
        )
    choices = {
        "flow": (flow, FLOWS),
        "lane": (lane, LANES),
        "compliance": (compliance, tuple(ComplianceGroup.values)),
    }
    for name, (value, allowed) in choices.items():
        if value and value not in allowed:
            problems.append(
                FieldProblem(name, _("must be one of %(v)s") % {"v": ", ".join(allowed)})
            )
    if transport_mode and (
        len(transport_mode) > 16 or not transport_mode.replace("_", "").isalpha()
    ):
        problems.append(FieldProblem("transport_mode", _("is not a transport mode")))
    if type_code and (len(type_code) != 3 or not type_code.isalnum()):
        problems.append(FieldProblem("type_code", _("is a 3-character declaration type code")))
    if hs_chapter and (len(hs_chapter) != 2 or not hs_chapter.isdigit()):
        problems.append(FieldProblem("hs_chapter", _("is a 2-digit HS chapter, e.g. 08")))
    hours = 24.0 if within_hours is None else within_hours
    if not 0 < hours <= 720:  # up to the outlier cap (30 days)
        problems.append(FieldProblem("within_hours", _("must be between 0 and 720 hours")))
    if span and span not in Span.values:
        problems.append(
            FieldProblem("span", _("must be one of %(v)s") % {"v": ", ".join(Span.values)})
        )
    office_path = ""
    if office:
        found = Office.objects.filter(code=office).values_list("path", flat=True).first()
        if found is None:
            problems.append(FieldProblem("office", _("no office has this code")))
        else:
            office_path = found
    if problems:
        raise ValidationFailed(problems)
    scope = scope_paths(user)
    if office_path and scope is not None and not any(office_path.startswith(p) for p in scope):
        raise Forbidden(_("Office %(office)s is outside your offices.") % {"office": office})
    return Filters(
        date_from=date_from,
        date_to=date_to,
        scope=scope,
        office_path=office_path,
        flow=flow,
        lane=lane,
        transport_mode=transport_mode,
        type_code=type_code.upper(),
        hs_chapter=hs_chapter,
        compliance=compliance,
        within_hours=hours,
        span=span or Span.REGISTRATION.value,
    )


def last_month_start(today: date | None = None) -> date:
    today = today or datetime.now(dt_timezone(timedelta(hours=7))).date()
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def working_days(start: date, count: int) -> tuple[date, ...]:
    """`count` consecutive working days (Monday to Friday) from `start`, as the WCO study of
    Vietnam takes them (public holidays are not known to haiquan and are not skipped)."""
    out: list[date] = []
    day = start
    while len(out) < count:
        if day.weekday() < 5:
            out.append(day)
        day += timedelta(days=1)
    return tuple(out)


# --- SQL ----------------------------------------------------------------------------------------


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


FACT_ONLY_FILTERS = ("transport_mode", "type_code", "hs_chapter", "compliance")
# The arrival span: from the reported arrival (the manifest's, or the first gate-in) to release,
# over consignments whose arrival came before their release (an export's gate-in at the port of
# loading comes after it, and starts nothing).
ARRIVAL_SECONDS = "epoch(released_at - arrived_at)"
ARRIVED_FIRST = "arrived_at IS NOT NULL AND (released_at IS NULL OR arrived_at <= released_at)"


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
