"""Benchmark: the statistics reports at national scale (issue 6 target: every report of a year
of 12 M declarations in under 2 s on a 2-core machine).

    .venv/bin/python bench/statistics_reports.py [--declarations 12000000] [--departments 34]
                                         [--year 2025] [--runs 5] [--refresh 10000]

Sets up a scratch PostgreSQL database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/haiquan_bench_stats) and fills the statistics aggregates as a
year of `--declarations` declarations would, straight into the aggregate tables (writing 12 M
declarations with their lines and events at the generator's ~800/s would take over four hours):

- offices: `--departments` Departments cloned from the demo's two calibrated ones (Quảng Ninh's
  7 border-gate and port offices, Bình Dương's 5 industrial ones, alternately), about 200
  offices; each with its own provinces;
- volumes: the demo generator's calendar (`demo.volumes.day_weight`: weekdays, months, Tết,
  holidays) × each Department's yearly level and office shares (`demo.profiles`), the total
  shared by largest remainders exactly as `national_generate` does;
- breakdowns: lanes 66.6 / 29.6 / 3.4% (2023), declaration types from the regimes of
  `demo.profiles.REGIMES`, HS chapters from `demo.goods.GROUPS`, 30 partner countries, with
  weights drawn per office;
- enterprises: 60,000 (the generator's national population cap), 40% in their office's province,
  each active in a month with its own probability, first seen before the year for 85% of them.

Then times every report through `stats.selectors.statistics_report` (what the API and the pages
call), the CSV and XLSX exports, and the HTTP API (django test client, bearer token), `--runs`
times each; and, with `--refresh N`, generates N real declarations with `national_generate`
and times `stats_refresh` over them (full, then incremental after a day's more).

Beside them, the same machine's limit in the same run: the aggregate rows the national year's
report reads, summed by plain SQL GROUP BYs over psycopg (the month × office × flow cells of two
years, the breakdowns of the year, enterprises active in each year and in each Department, new
ones), without haiquan's code. Peak memory is this process's while the reports run (VmHWM, reset
after the fill).

Prints a Markdown table for BENCHMARKS.md and writes bench/results/statistics-<time>.json (or
`--out`). Also registered with bench/run_all.py (`statistics`), filled as the run's share of a
year of 12 M declarations (`--scale long`: the whole year, 60,000 enterprises).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from statistics import median
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    _psql,
    database_create,
    machine,
    peak_rss_mb,
    peak_rss_reset,
    percentile,
    postgres_url,
)

TARGET_S = 2.0
LANES = {"green": 0.666, "yellow": 0.296, "red": 0.034}
COUNTRIES = {
    "CN": 0.30, "KR": 0.14, "JP": 0.08, "US": 0.10, "TW": 0.05, "TH": 0.04, "DE": 0.02,
    "IN": 0.02, "AU": 0.02, "ID": 0.02, "MY": 0.02, "SG": 0.02, "HK": 0.02, "NL": 0.01,
    "FR": 0.01, "IT": 0.01, "GB": 0.01, "CA": 0.01, "BR": 0.01, "PH": 0.01, "KH": 0.02,
    "LA": 0.01, "RU": 0.01, "CH": 0.005, "BE": 0.005, "ES": 0.005, "MX": 0.005, "AE": 0.005,
    "SA": 0.005, "NZ": 0.005,
}  # fmt: skip
TRANSPORT = {"border": {"road": 0.9, "rail": 0.05, "inland_waterway": 0.05},
             "port": {"sea": 0.85, "road": 0.15},
             "industrial": {"sea": 0.55, "road": 0.3, "air": 0.15}}  # fmt: skip
USD_RATE = 25_400
MEAN_USD = {"import": 38_000.0, "export": 32_000.0}


def _setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "haiquan.config.settings.local"
    import django

    django.setup()


def _prepare(url: str) -> None:
    database_create(
        os.environ
        | {"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "haiquan.config.settings.local"}
    )


def _weights(rng: random.Random, base: dict[str, float], spread: float = 0.5) -> dict[str, float]:
    """`base` with each weight varied per office (a gamma draw around it)."""
    out = {k: rng.gammavariate(1 / spread, w * spread) for k, w in base.items() if w > 0}
    total = sum(out.values())
    return {k: v / total for k, v in out.items()}


def _split(n: int, weights: dict[str, float]) -> dict[str, int]:
    """`n` shared by largest remainders."""
    exact = {k: n * w for k, w in weights.items()}
    counts = {k: int(v) for k, v in exact.items()}
    for k in sorted(exact, key=lambda k: counts[k] - exact[k])[: n - sum(counts.values())]:
        counts[k] += 1
    return {k: v for k, v in counts.items() if v}


class Copier:
    """COPY rows into one table, in one statement per table."""

    def __init__(self, table: str, columns: tuple[str, ...]) -> None:
        self.table, self.columns, self.rows = table, columns, 0
        from django.db import connection

        connection.ensure_connection()
        self.cursor = connection.connection.cursor()
        cols = ", ".join(columns)
        self.copy_cm = self.cursor.copy(f"COPY {table} ({cols}) FROM STDIN")
        self.copy = self.copy_cm.__enter__()

    def write(self, row: tuple[Any, ...]) -> None:
        self.copy.write_row(row)
        self.rows += 1

    def close(self) -> int:
        self.copy_cm.__exit__(None, None, None)
        self.cursor.close()
        return self.rows


def fill(
    *,
    declarations: int,
    departments: int,
    year: int,
    years: int = 2,
    seed: int = 6,
    enterprises: int = 60_000,
) -> dict[str, Any]:
    from django.db import connection, transaction

    from haiquan.demo import volumes
    from haiquan.demo.goods import GROUPS
    from haiquan.demo.profiles import DEPARTMENTS, REGIMES
    from haiquan.refdata.models import Enterprise, Office

    rng = random.Random(seed)
    root = Office.objects.get(code="00")
    chapters_all = sorted({p[:2] for g in GROUPS.values() for p in g.hs_prefixes})
    chapter_base = {c: rng.random() ** 2 + 0.02 for c in chapters_all}
    kinds = {"20": ("border_gate", "border"), "43": ("industrial_zone", "industrial")}
    types = {
        "20": {
            f: _merge(REGIMES["border"][f], REGIMES["trading"][f]) for f in ("import", "export")
        },
        "43": {
            f: _merge(*(REGIMES[r][f] for r in ("sxxk", "gc", "epe", "production")))
            for f in ("import", "export")
        },
    }
    # Offices: departments cloned from the two calibrated ones.
    offices: list[tuple[Office, str, float]] = []  # office, profile, share of the national total
    dept_weight: dict[str, float] = {}
    with transaction.atomic():
        for k in range(1, departments + 1):
            profile = "20" if k % 2 else "43"
            dept = DEPARTMENTS[profile]
            code = f"9{k:02d}"
            d_office = Office.objects.create(
                code=code, kind="department", parent=root, name_vi=f"Cục Hải quan thử {code}",
                provinces=[f"P{k:02d}"],
            )  # fmt: skip
            size = dept.monthly * rng.uniform(0.4, 1.6)
            dept_weight[code] = size
            for suffix, share in dept.offices.items():
                o = Office.objects.create(
                    code=f"{code}{suffix[2:]}", kind=kinds[profile][0], parent=d_office,
                    name_vi=f"Chi cục thử {code}{suffix[2:]}",
                )  # fmt: skip
                offices.append((o, profile, share * size))
    total_w = sum(w for _o, _p, w in offices)

    # Days × offices, shared like national_generate.
    def year_counts(year: int, declarations: int) -> dict[tuple[date, int], int]:
        days = [
            date(year, 1, 1) + timedelta(days=i)
            for i in range((date(year + 1, 1, 1) - date(year, 1, 1)).days)
        ]
        weights: dict[tuple[date, int], float] = {}
        for o, profile, w in offices:
            level = DEPARTMENTS[profile].level
            for d in days:
                weights[(d, o.pk)] = w / total_w * level(d.year, d.month) * volumes.day_weight(d)
        whole = sum(weights.values())
        exact = {k: declarations * v / whole for k, v in weights.items()}
        counts = {k: int(v) for k, v in exact.items()}
        for k in sorted(exact, key=lambda k: counts[k] - exact[k])[
            : declarations - sum(counts.values())
        ]:
            counts[k] += 1
        return counts

    profile_of = {o.pk: p for o, p, _w in offices}
    dept_of = {o.pk: o.parent.code for o, _p, _w in offices}  # type: ignore[union-attr]
    province_of_dept = {f"9{k:02d}": f"P{k:02d}" for k in range(1, departments + 1)}

    # Enterprises (60,000 nationally), each at a home office (and some at a second one).
    n_firms = enterprises
    firm_rows = []
    office_ids = [o.pk for o, _p, _w in offices]
    office_w = [w for _o, _p, w in offices]
    homes = rng.choices(office_ids, weights=office_w, k=n_firms)
    for i in range(n_firms):
        home_dept = dept_of[homes[i]]
        province = (
            province_of_dept[home_dept] if rng.random() < 0.4 else f"P{rng.randint(1, 99):02d}"
        )
        firm_rows.append((f"B{i:09d}", f"Doanh nghiệp thử {i}", province))
    with transaction.atomic():
        c = Copier(
            "refdata_enterprise",
            ("mst", "name", "name_en", "address", "province_code", "is_fdi", "compliance_rank",
             "is_broker", "active"),
        )  # fmt: skip
        for mst, name, province in firm_rows:
            c.write((mst, name, "", "", province, False, "medium", False, True))
        c.close()
    firm_ids = dict(Enterprise.objects.filter(mst__startswith="B").values_list("mst", "pk"))
    firms: list[dict[str, Any]] = [
        {
            "id": firm_ids[mst],
            "province": province,
            "home": homes[i],
            "second": rng.choice(office_ids) if rng.random() < 0.2 else None,
            "p_active": min(0.95, max(0.08, rng.betavariate(2, 1.6))),
            "imports": rng.random() < 0.8,
            "exports": rng.random() < 0.5,
            "size": rng.paretovariate(1.3),
            "first": None if rng.random() < 0.85 else rng.randint(1, 12),
        }
        for i, (mst, _n, province) in enumerate(firm_rows)
    ]
    by_office: dict[int, list[dict[str, Any]]] = {}
    for f in firms:
        by_office.setdefault(f["home"], []).append(f)
        if f["second"] and f["second"] != f["home"]:
            by_office.setdefault(f["second"], []).append(f)
    office_provinces = {o.pk: province_of_dept[dept_of[o.pk]] for o, _p, _w in offices}

    started = time.monotonic()
    rows = {"daily": 0, "breakdown": 0, "enterprise": 0, "first": 0}
    # The year before too (about 20% less, the growth the sources report), so that the year on
    # year comparisons read as much as they do in a running installation.
    plan = [(year - i, round(declarations / 1.2**i)) for i in reversed(range(years))]
    first_year = plan[0][0]
    first_seen: dict[tuple[int, str, int], date] = {}
    masks: dict[tuple[int, str, int, int], int] = {}
    inp: dict[tuple[int, str, int, int], bool] = {}
    office_mix: dict[int, dict[str, dict[str, float]]] = {}
    with transaction.atomic():
        for year, n_year in plan:
            counts = year_counts(year, n_year)
            daily = Copier(
                "stats_dailytotal",
                ("day", "month", "office_id", "flow", "declarations", "cancelled", "value_vnd",
                 "value_usd", "duties_vnd", "revenue_vnd"),
            )  # fmt: skip
            monthly_n: dict[tuple[date, int, str], tuple[int, float]] = {}
            for (d, office_id), n in counts.items():
                if not n:
                    continue
                n_imp = sum(1 for _ in range(min(n, 50)) if rng.random() < 0.55) * n // min(n, 50)
                for flow, nf in (("import", n_imp), ("export", n - n_imp)):
                    if not nf:
                        continue
                    usd = nf * MEAN_USD[flow] * rng.uniform(0.7, 1.3)
                    duties = usd * USD_RATE * (0.085 if flow == "import" else 0.002)
                    cancelled = (
                        sum(1 for _ in range(nf) if rng.random() < 0.005) if nf < 400 else nf // 200
                    )
                    daily.write(
                        (d, d.replace(day=1), office_id, flow, nf, cancelled, round(usd * USD_RATE),
                         round(usd, 2), round(duties), round(duties * rng.uniform(0.85, 1.05)))
                    )  # fmt: skip
                    cell = (d.replace(day=1), office_id, flow)
                    pn, pu = monthly_n.get(cell, (0, 0.0))
                    monthly_n[cell] = (pn + nf, pu + usd)
            rows["daily"] += daily.close()

            breakdown = Copier(
                "stats_monthlybreakdown",
                ("month", "office_id", "flow", "dimension", "key", "declarations", "value_usd"),
            )
            for office_id in office_ids:
                if office_id in office_mix:
                    continue
                profile = profile_of[office_id]
                office_mix[office_id] = {
                    "lane": _weights(rng, LANES, 0.2),
                    "country": _weights(rng, COUNTRIES, 1.0),
                    "chapter": _weights(
                        rng, dict(rng.sample(sorted(chapter_base.items()), 25)), 1.0
                    ),
                    "transport": _weights(
                        rng,
                        TRANSPORT[
                            "industrial" if profile == "43" else rng.choice(["border", "port"])
                        ],
                    ),
                }
            for (month, office_id, flow), (n, usd) in monthly_n.items():
                mix = office_mix[office_id] | {"type": types[profile_of[office_id]][flow]}
                for dimension, w in mix.items():
                    shares = _split(n, w)
                    if dimension == "chapter":  # multi-chapter declarations count in each
                        shares = {k: v + v // 5 for k, v in shares.items()}
                    for value, count in shares.items():
                        breakdown.write(
                            (
                                month,
                                office_id,
                                flow,
                                dimension,
                                value,
                                count,
                                round(usd * count / n, 2),
                            )
                        )
            rows["breakdown"] += breakdown.close()

            enterprise = Copier(
                "stats_monthlyenterprise",
                (
                    "month",
                    "office_id",
                    "flow",
                    "enterprise_id",
                    "in_province",
                    "declarations",
                    "value_usd",
                ),
            )
            for m in range(1, 13):
                month = date(year, m, 1)
                for office_id, office_firms in by_office.items():
                    for flow in ("import", "export"):
                        n, usd = monthly_n.get((month, office_id, flow), (0, 0.0))
                        if not n:
                            continue
                        active = [
                            f for f in office_firms
                            if f["imports" if flow == "import" else "exports"]
                            and (f["first"] is None or (year == plan[-1][0] and f["first"] <= m))
                            and rng.random() < f["p_active"]
                        ]  # fmt: skip
                        if not active:
                            continue
                        active = active[:n]  # every active firm files at least once
                        total_size = sum(f["size"] for f in active)
                        spare = n - len(active)
                        for f in active:
                            k = 1 + int(spare * f["size"] / total_size)
                            enterprise.write(
                                (month, office_id, flow, f["id"], f["province"] == office_provinces[office_id],
                                 k, round(usd * k / n, 2))
                            )  # fmt: skip
                            key = (office_id, flow, f["id"])
                            ykey = (office_id, flow, f["id"], year)
                            masks[ykey] = masks.get(ykey, 0) | (1 << (m - 1))
                            inp[ykey] = f["province"] == office_provinces[office_id]
                            if key not in first_seen:
                                first_seen[key] = (
                                    month if f["first"] else date(first_year - 3, 1, 1)
                                )
            rows["enterprise"] += enterprise.close()
        first = Copier(
            "stats_enterprisefirstmonth", ("office_id", "flow", "enterprise_id", "first_month")
        )
        for (office_id, flow, firm_id), month in first_seen.items():
            first.write((office_id, flow, firm_id, month))
        rows["first"] = first.close()
        years_copy = Copier(
            "stats_enterpriseyear",
            ("office_id", "flow", "enterprise_id", "year", "months", "in_province"),
        )
        for (office_id, flow, firm_id, y), mask in masks.items():
            years_copy.write(
                (office_id, flow, firm_id, y, mask, inp[(office_id, flow, firm_id, y)])
            )
        rows["enterprise_year"] = years_copy.close()
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO stats_watermark (name, last_event_id, started_at, finished_at) "
                "VALUES ('aggregates', 0, now(), now())"
            )
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE stats_dailytotal; ANALYZE stats_monthlybreakdown; "
            "ANALYZE stats_monthlyenterprise; ANALYZE stats_enterprisefirstmonth; "
            "ANALYZE stats_enterpriseyear; "
            "ANALYZE refdata_office; ANALYZE refdata_enterprise"
        )
    return {
        "rows": rows,
        "offices": len(offices),
        "departments": departments,
        "declarations": declarations,
        "enterprises": n_firms,
        "years": [y for y, _n in plan],
        "declarations_by_year": dict(plan),
        "fill_s": round(time.monotonic() - started, 1),
        "sample_department": "901",
        "sample_office": offices[0][0].code,
    }


def _merge(*weights: Mapping[str, float]) -> dict[str, float]:
    out: dict[str, float] = {}
    for w in weights:
        for k, v in w.items():
            out[k] = out.get(k, 0.0) + v
    return out


def timed(fn: Callable[[], Any], runs: int) -> dict[str, Any]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return {"first_s": times[0], "median_s": median(times), "max_s": max(times), "times": times}


def reports(*, year: int, runs: int, info: dict[str, Any]) -> list[dict[str, Any]]:
    from datetime import timedelta

    from django.test import Client
    from django.utils import timezone

    from haiquan.accounts.services import token_create, user_create
    from haiquan.stats.exports import report_csv, report_xlsx
    from haiquan.stats.selectors import statistics_report

    admin = user_create(username="bench.stats", password=None, role="analyst", system_account=True)
    token = token_create(
        user=admin,
        name="bench",
        scopes=["read"],
        expires_at=timezone.now() + timedelta(days=7),
        purpose="statistics benchmark",
    )[1]
    today = date(year + 1, 1, 15)
    year_from, year_to = f"{year}-01", f"{year}-12"
    month = f"{year}-10"
    dept, office = info["sample_department"], info["sample_office"]

    def rep(office_code: str, a: str, b: str, flow: str | None = None) -> Any:
        return statistics_report(
            user=admin, office_code=office_code, month_from=a, month_to=b, flow=flow, today=today
        )

    cases: list[tuple[str, Callable[[], Any]]] = [
        (
            "national, a year (12 months vs the 12 before and the year before)",
            lambda: rep("00", year_from, year_to),
        ),
        ("national, one month (October, MoM and YoY)", lambda: rep("00", month, month)),
        ("national, a year, imports only", lambda: rep("00", year_from, year_to, "import")),
        ("one Department, a year", lambda: rep(dept, year_from, year_to)),
        ("one Department, one month", lambda: rep(dept, month, month)),
        ("one office (Chi cục), one month, exports", lambda: rep(office, month, month, "export")),
        ("CSV export, national, a year", lambda: report_csv(rep("00", year_from, year_to))),
        ("XLSX export, national, a year", lambda: report_xlsx(rep("00", year_from, year_to))),
    ]
    client = Client()
    auth = {"Authorization": f"Bearer {token}"}
    # One request first: importing the URL configuration and every router is the server
    # process's start, not a report's cost.
    client.get("/api/v1/statistics/summary?office=00&from=2000-01", headers=auth)

    def http(url: str) -> Any:
        resp = client.get(url, headers=auth)
        assert resp.status_code == 200, resp.content[:300]
        return resp

    cases.append(
        (
            "HTTP GET /api/v1/statistics/summary, national, a year",
            lambda: http(f"/api/v1/statistics/summary?office=00&from={year_from}&to={year_to}"),
        )
    )
    out = []
    for name, fn in cases:
        r = timed(fn, runs)
        out.append({"report": name, **{k: round(v, 3) for k, v in r.items() if k != "times"}})
        out[-1]["times"] = r["times"]
        print(f"  {name}: median {r['median_s']:.3f} s, max {r['max_s']:.3f} s", flush=True)
    return out


NATIONAL_YEAR = "national, a year (12 months vs the 12 before and the year before)"


def plain_sql(*, year: int, runs: int) -> dict[str, Any]:
    """The national year's aggregate rows summed by plain GROUP BYs over psycopg: what
    PostgreSQL alone takes to read and group what the report reads."""
    from django.db import connection

    y0, y1, y2 = date(year - 1, 1, 1), date(year, 1, 1), date(year + 1, 1, 1)
    queries: list[tuple[str, list[Any]]] = [
        (
            "SELECT month, office_id, flow, sum(declarations), sum(cancelled), sum(value_usd), "
            "sum(duties_vnd), sum(revenue_vnd) FROM stats_dailytotal "
            "WHERE month >= %s AND month < %s GROUP BY month, office_id, flow",
            [y0, y2],
        ),
        (
            "SELECT dimension, key, sum(declarations), sum(value_usd) FROM stats_monthlybreakdown "
            "WHERE month >= %s AND month < %s GROUP BY dimension, key",
            [y1, y2],
        ),
        *(
            (
                "SELECT count(*), sum(inp) FROM (SELECT enterprise_id, "
                "max(CASE WHEN in_province THEN 1 ELSE 0 END) AS inp FROM stats_enterpriseyear "
                "WHERE year = %s AND months <> 0 GROUP BY enterprise_id) AS active",
                [y],
            )
            for y in (year, year - 1)
        ),
        (
            "SELECT count(*) FROM (SELECT enterprise_id, min(first_month) AS f "
            "FROM stats_enterprisefirstmonth GROUP BY enterprise_id) AS firsts "
            "WHERE f >= %s AND f < %s",
            [y1, y2],
        ),
        (
            "SELECT o.parent_id, count(*) FROM (SELECT DISTINCT office_id, enterprise_id "
            "FROM stats_enterpriseyear WHERE year = %s AND months <> 0) AS e "
            "JOIN refdata_office o ON o.id = e.office_id GROUP BY o.parent_id",
            [year],
        ),
    ]

    def once() -> None:
        with connection.cursor() as cursor:
            for sql, params in queries:
                cursor.execute(sql, params)
                cursor.fetchall()

    return timed(once, runs)


def refresh(n: int) -> dict[str, Any]:
    """`n` real declarations over a month by the demo generator, then the refresh timed."""
    from haiquan.demo.generator import national_generate
    from haiquan.stats.aggregates import stats_refresh

    t = time.monotonic()
    national_generate(declarations=n, months=1, until=date.today() - timedelta(days=40))
    generated = time.monotonic() - t
    t = time.monotonic()
    full = stats_refresh(full=True)
    full_s = time.monotonic() - t
    t = time.monotonic()
    again = stats_refresh()
    incremental_s = time.monotonic() - t
    return {
        "declarations": n,
        "generate_s": round(generated, 1),
        "full_refresh_s": round(full_s, 2),
        "full_declarations_per_s": round(full.declarations / full_s) if full_s else None,
        "incremental_nothing_new_s": round(incremental_s, 3),
        "incremental_buckets": again.buckets,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--declarations", type=int, default=12_000_000)
    parser.add_argument("--departments", type=int, default=34)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--years", type=int, default=2, help="years filled, ending with --year")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--refresh",
        type=int,
        default=0,
        help="also time stats_refresh over N generated declarations",
    )
    parser.add_argument("--enterprises", type=int, default=60_000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--database-url", default=postgres_url("haiquan_bench_stats"))
    parser.add_argument("--out", type=Path, help="results JSON (default bench/results/...)")
    args = parser.parse_args(argv)
    url = args.database_url
    print(f"preparing {url} …", flush=True)
    _prepare(url)
    _setup_django(url)
    print(
        f"filling the aggregates as {args.declarations:,} declarations in {args.year} …", flush=True
    )
    info = fill(
        declarations=args.declarations,
        departments=args.departments,
        year=args.year,
        years=args.years,
        enterprises=args.enterprises,
    )
    print(f"  {info}", flush=True)
    print("timing the reports …", flush=True)
    peak_rss_reset()
    results = reports(year=args.year, runs=args.runs, info=info)
    reports_peak = peak_rss_mb()
    plain = plain_sql(year=args.year, runs=args.runs)
    times = [t for r in results for t in r["times"]]
    refresh_info = refresh(args.refresh) if args.refresh else None
    if refresh_info:
        print(f"  refresh: {refresh_info}", flush=True)
    out = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "args": vars(args),
        "store": info,
        "reports": results,
        "refresh": refresh_info,
        "target_s": TARGET_S,
        "reports_peak_rss_mb": reports_peak,
        "plain_sql": plain,
        "all_reports": {
            "calls": len(times),
            "seconds": sum(times),
            "p50_s": percentile(times, 50),
            "p99_s": percentile(times, 99),
            "max_s": max(times),
            "slowest": max(results, key=lambda r: r["max_s"])["report"],
        },
    }
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    path = args.out or results_dir / f"statistics-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(out, indent=2, default=str))
    rows = info["rows"]
    print()
    print(
        f"Aggregates for {info['declarations']:,} declarations in {args.year} and "
        f"{info['declarations_by_year'].get(args.year - 1, 0):,} in {args.year - 1}, "
        f"{info['offices']} offices in "
        f"{info['departments']} Departments: {rows['daily']:,} daily rows, "
        f"{rows['breakdown']:,} breakdown rows, {rows['enterprise']:,} enterprise-month rows, "
        f"{rows['first']:,} first-month rows, {rows['enterprise_year']:,} enterprise-year rows "
        f"(filled in {info['fill_s']} s)."
    )
    print()
    print("| report | first | median | max | target < 2 s |")
    print("|---|---|---|---|---|")
    for r in results:
        ok = "**met**" if r["max_s"] < TARGET_S else f"missed ({r['max_s'] / TARGET_S:.1f}×)"
        print(
            f"| {r['report']} | {r['first_s']:.3f} s | {r['median_s']:.3f} s | {r['max_s']:.3f} s | {ok} |"
        )
    if refresh_info:
        print()
        print(
            f"Refresh: {refresh_info['declarations']:,} generated declarations rebuilt in "
            f"{refresh_info['full_refresh_s']} s ({refresh_info['full_declarations_per_s']}/s); "
            f"an incremental run with nothing new {refresh_info['incremental_nothing_new_s']} s."
        )
    year_row = next(r for r in results if r["report"] == NATIONAL_YEAR)
    print(
        f"\nThe national year's report: median {year_row['median_s']:.3f} s; the same aggregate "
        f"rows by plain SQL GROUP BY {plain['median_s']:.3f} s; peak memory while reporting "
        f"{reports_peak} MB."
    )
    print(f"\n(results in {path})")
    if not args.keep:
        from django.db import connections

        connections.close_all()
        _psql(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def _register() -> None:
    from bench.common import run_json, sibling_url
    from bench.run_all import (
        NATIONAL_DECLARATIONS_PER_YEAR,
        Context,
        Result,
        benchmark,
        report_results,
    )

    @benchmark("statistics")
    def bench_statistics(ctx: Context) -> list[Result]:
        """Every statistics report over aggregates filled as the run's share of a year's
        national volume, beside plain SQL GROUP BYs over the same rows."""
        n = max(5_000, int(NATIONAL_DECLARATIONS_PER_YEAR * ctx.scale))
        firms = max(2_000, min(60_000, n // 200))
        runs = 3 if ctx.scale_name == "quick" else 5
        r = run_json(
            "statistics_reports.py",
            ["--declarations", str(n), "--enterprises", str(firms), "--runs", str(runs),
             "--database-url", sibling_url(ctx.db_url, "haiquan_runall_stats")],
            ctx.env,
        )  # fmt: skip
        year = next(x for x in r["reports"] if x["report"] == NATIONAL_YEAR)
        rows = r["store"]["rows"]
        return report_results(
            name="statistics",
            year_label=f"the national year's report ({n:,} declarations)",
            year=year,
            year_p50_s=year["median_s"],
            every=r["all_reports"],
            reports=len(r["reports"]),
            every_label="reports, exports and HTTP",
            peak_rss_mb=r["reports_peak_rss_mb"],
            baseline="the same aggregate rows, plain SQL GROUP BY (median)",
            baseline_s=r["plain_sql"]["median_s"],
            notes=f"{rows['daily']:,} daily, {rows['breakdown']:,} breakdown, "
            f"{rows['enterprise']:,} enterprise-month rows; {runs} runs",
            target_s=TARGET_S,
        )


if __name__ == "__main__":
    main()
else:
    _register()
