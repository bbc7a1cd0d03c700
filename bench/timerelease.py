"""Benchmark: time-release reports at national scale (issue 6 target: every report over a year
of 12 M declarations in under 2 s on a 2-core machine).

    .venv/bin/python bench/timerelease.py [--declarations 12000000] [--base 200000]
                                          [--runs 5] [--refresh-scale 0.1]

What it builds, honestly: writing 12 M declarations with their events through the demo
generator (~800/s by COPY) would take over four hours, so the fact store is filled directly.

1. `--base` consignments are drawn with the demo generator's own timeline functions
   (`haiquan.demo.timeline`: document-check and inspection delays with office hours, the
   trader's payment delay, the bank, movement to release, arrival before lodging), lanes at the
   2023 national shares (66.6 / 29.6 / 3.4%, some yellow escalated to red), a few unfinished and
   cancelled; their events are folded by the real rule (`timerelease.facts.consignment_fact`).
2. DuckDB tiles them to `--declarations` rows over 35 Departments × 6 offices and every day of
   the year (each copy shifted by whole days and moved to another office), and writes the
   store's monthly Parquet files and their daily rollups, as `timerelease_refresh` lays them
   out.
3. Every report is timed `--runs` times through `timerelease.reports` (what the API and the
   pages call), with p50 and max.
4. With `--refresh-scale S` (> 0), the demo generator writes a real two-month history at scale
   S into a scratch SQLite database and `timerelease_refresh` (full, then incremental) is timed
   over it: the throughput of building fact rows from the event log.

Beside the reports, the same machine's limit in the same run: DuckDB alone over the same Parquet
files, the plain aggregate the year's national report stands on (counts and sums by status, the
released consignments' percentiles, for the year and the year before) without haiquan's code.
Peak memory is this process's while the reports run (VmHWM, reset after the store is built).

Prints a Markdown table for BENCHMARKS.md and writes bench/results/timerelease-<time>.json (or
`--out`). Also registered with bench/run_all.py (`timerelease`): the store holds the run's scale
of a year of 12 M declarations (`--scale long`: the whole year).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from statistics import median
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine, peak_rss_mb, peak_rss_reset, percentile  # noqa: E402

YEAR = 2025
DEPARTMENTS = 35
OFFICES_PER_DEPARTMENT = 6
HOUR = 3600.0
TARGET_S = 2.0
YEAR_REPORT = "report: the whole year, national"


def _setup_django(var_dir: Path) -> None:
    os.environ["HAIQUAN_VAR_DIR"] = str(var_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haiquan.config.settings.local")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_refdata", verbosity=0)


def _offices() -> list[tuple[str, str, str]]:
    """(code, path, kind): Quảng Ninh and Bình Dương as in the reference data, and 33 more
    Departments shaped like them (border gates and ports, or industrial zones)."""
    out = [
        ("20BD", "/00/20/20BD/", "border_gate"),
        ("20BC", "/00/20/20BC/", "border_gate"),
        ("20BI", "/00/20/20BI/", "border_gate"),
        ("20CD", "/00/20/20CD/", "port"),
        ("20CF", "/00/20/20CF/", "port"),
        ("20CG", "/00/20/20CG/", "port"),
        ("43IH", "/00/43/43IH/", "icd"),
        ("43K4", "/00/43/43K4/", "industrial_zone"),
        ("43ND", "/00/43/43ND/", "industrial_zone"),
        ("43NF", "/00/43/43NF/", "industrial_zone"),
        ("43NG", "/00/43/43NG/", "industrial_zone"),
        ("43PA", "/00/43/43PA/", "industrial_zone"),
    ]
    for d in range(DEPARTMENTS - 2):
        dept = f"{50 + d:02d}"
        kinds = ("border_gate", "port") if d % 2 == 0 else ("icd", "industrial_zone")
        for k in range(OFFICES_PER_DEPARTMENT):
            code = f"{dept}X{chr(65 + k)}"
            out.append((code, f"/00/{dept}/{code}/", kinds[k % 2]))
    return out


def _base_rows(n: int, seed: int) -> list[dict[str, Any]]:
    """Consignments drawn with the demo generator's timeline, folded by the real rule."""
    from haiquan.demo import timeline
    from haiquan.demo.consignment import transport_mode
    from haiquan.timerelease.facts import Dimensions, EventRow, consignment_fact

    rng = random.Random(seed)
    offices = _offices()
    chapters = ["08", "27", "39", "40", "44", "61", "62", "64", "72", "84", "85", "87", "94"]
    types = {"import": ["A11", "A12", "E31", "E21", "G11"], "export": ["B11", "E42", "E52", "G61"]}
    ranks = ["priority", "high", "medium", "medium", "low", "non_compliant", "unranked"]
    start = datetime(YEAR, 1, 1, tzinfo=UTC) - timedelta(hours=7)
    rows = []
    for i in range(1, n + 1):
        code, path, kind = rng.choice(offices)
        flow = "import" if rng.random() < 0.55 else "export"
        mode = transport_mode(rng, kind, code, "components")
        lane = rng.choices(("green", "yellow", "red"), weights=(66.6, 29.6, 3.4))[0]
        day = start + timedelta(days=rng.randrange(365))
        reg = day + timedelta(
            hours=rng.uniform(7.5, 17.5) if rng.random() < 0.8 else rng.uniform(0, 24)
        )
        ev: list[tuple[datetime, str, str]] = []
        before = timeline.arrival_before_lodging(rng, mode) if flow == "import" else None
        if before:
            ev.append((reg - timedelta(seconds=before), "cargo.arrived", "movement"))
        ev += [
            (reg - timedelta(seconds=3), "declaration.lodged", "trader"),
            (reg, "declaration.registered", "trader"),
            (reg, "declaration.lane_decided", "customs"),
        ]
        check = None
        if lane == "yellow":
            t = timeline.office_weighted(
                rng,
                reg + timeline.seconds(timeline.document_check_delay(rng, flow)),
                timeline.checks_office_hours(flow),
            )
            if rng.random() < 0.05:
                ev.append((t, "declaration.escalated", "customs"))
                lane = "red"
                t = timeline.office_weighted(
                    rng,
                    t + timeline.seconds(timeline.inspection_delay(rng, flow) * 0.6),
                    timeline.checks_office_hours(flow),
                )
                ev.append((t, "declaration.inspection_recorded", "customs"))
            else:
                ev.append((t, "declaration.document_check_recorded", "customs"))
            check = t
        elif lane == "red":
            check = timeline.office_weighted(
                rng,
                reg + timeline.seconds(timeline.inspection_delay(rng, flow)),
                timeline.checks_office_hours(flow),
            )
            ev.append((check, "declaration.inspection_recorded", "customs"))
        settled = reg
        if rng.random() < (0.8 if flow == "import" else 0.1):
            order = timeline.office_weighted(
                rng,
                reg + timeline.seconds(timeline.trader_payment_delay(rng, flow)),
                timeline.payment_office_hours(flow),
            )
            paid = order + timeline.seconds(timeline.bank_delay(rng))
            ev += [(order, "payment_order.created", "trader"), (paid, "payment.confirmed", "bank")]
            settled = paid + timedelta(seconds=rng.randint(2, 8))
        clear = max(settled, check) if check else settled
        fate = rng.random()
        if fate < 0.007:
            ev.append(
                (reg + timedelta(hours=rng.uniform(0.5, 6)), "declaration.cancelled", "trader")
            )
        elif fate > 0.99:
            pass  # not yet released
        else:
            ev.append((clear, "declaration.cleared", "customs"))
            release = clear + timeline.seconds(timeline.movement_delay(rng, flow))
            ev.append((release, "declaration.released", "movement"))
        dims = Dimensions(
            declaration_id=i,
            number=f"{'1' if flow == 'import' else '3'}{i:011d}",
            office_code=code,
            office_path=path,
            flow=flow,
            lane=lane,
            transport_mode=mode,
            type_code=rng.choice(types[flow]),
            hs_chapter=rng.choice(chapters),
            compliance_rank=rng.choice(ranks),
            enterprise_id=rng.randrange(1, 60_001),
        )
        events = [EventRow(k + 1, at, kind_, party) for k, (at, kind_, party) in enumerate(ev)]
        row = consignment_fact(dims, events)
        assert row is not None
        rows.append(row)
    return rows


def build_store(total: int, base: int, seed: int) -> dict[str, Any]:
    import duckdb

    from haiquan.timerelease.facts import COLUMNS
    from haiquan.timerelease.store import facts_dir, rollup_write, rows_frame, store_reset

    timings: dict[str, Any] = {}
    t = time.perf_counter()
    rows = _base_rows(base, seed)
    timings["base_rows_s"] = time.perf_counter() - t
    timings["base_rows_per_s"] = base / timings["base_rows_s"]
    store_reset("bench")
    frame = rows_frame(rows)
    del rows
    offices = _offices()
    copies = -(-total // base)
    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.register("base_frame", frame)
    con.execute("CREATE TABLE base AS SELECT * FROM base_frame")
    con.execute(
        "CREATE TABLE offices AS SELECT * FROM (VALUES "
        + ", ".join(f"({i}, '{c}', '{p}')" for i, (c, p, _k) in enumerate(offices))
        + ") t(idx, code, path)"
    )
    con.execute(
        "CREATE TABLE base_office AS SELECT b.declaration_id, o.idx FROM base b "
        "JOIN offices o ON o.code = b.office_code"
    )
    year0 = date(YEAR, 1, 1)
    shift = f"(((b.reg_date - DATE '{year0}') + r.r * 97) % 365) - (b.reg_date - DATE '{year0}')"
    timestamps = [n for n, kind in COLUMNS if kind == "TIMESTAMP"]
    replaced = {
        "declaration_id": f"b.declaration_id * {copies} + r.r",
        "number": f"lpad(CAST(b.declaration_id * {copies} + r.r AS VARCHAR), 12, '0')",
        "office_code": "o.code",
        "office_path": "o.path",
        "reg_date": f"b.reg_date + CAST({shift} AS INTEGER)",
        **{ts: f"b.{ts} + to_days(CAST({shift} AS INTEGER))" for ts in timestamps},
    }
    select = ", ".join(
        f"{replaced[name]} AS {name}" if name in replaced else f"b.{name} AS {name}"
        for name, _kind in COLUMNS
    )
    tiled = (
        f"SELECT {select} FROM base b JOIN base_office bo USING (declaration_id) "
        f"CROSS JOIN range({copies}) r(r) "
        f"JOIN offices o ON o.idx = (bo.idx + r.r * 7) % {len(offices)} "
        f"WHERE b.declaration_id * {copies} + r.r < {total} + {copies}"
    )
    t = time.perf_counter()
    written = 0
    for month in range(1, 13):
        first = date(YEAR, month, 1)
        nxt = date(YEAR + (month == 12), month % 12 + 1, 1)
        target = facts_dir() / f"{first:%Y-%m}.parquet"
        con.execute(
            f"COPY (SELECT * FROM ({tiled}) WHERE reg_date >= DATE '{first}' AND reg_date < DATE '{nxt}' "
            f"ORDER BY reg_date, declaration_id) TO '{target}' (FORMAT parquet, COMPRESSION zstd)"
        )
        rollup_write(con, target)
        count = con.execute(f"SELECT count(*) FROM read_parquet('{target}')").fetchone()
        written += int(count[0]) if count else 0
    timings["tile_and_write_s"] = time.perf_counter() - t
    timings["rows"] = written
    timings["store_mb"] = sum(p.stat().st_size for p in facts_dir().glob("*.parquet")) / 2**20
    con.close()
    return timings


def time_reports(runs: int) -> list[dict[str, Any]]:
    from haiquan.timerelease import exports
    from haiquan.timerelease.reports import (
        Filters,
        breakdown,
        report,
        sample_study,
        trading_across_borders,
    )

    as_of = datetime(YEAR + 1, 1, 5, tzinfo=UTC)
    may = Filters(date_from=date(YEAR, 5, 1), date_to=date(YEAR, 5, 31), within_hours=24)
    year = Filters(date_from=date(YEAR, 1, 1), date_to=date(YEAR, 12, 31), within_hours=24)
    qn = Filters(
        date_from=date(YEAR, 5, 1),
        date_to=date(YEAR, 5, 31),
        scope=("/00/20/",),
        office_path="/00/20/",
        flow="import",
    )
    office = Filters(
        date_from=date(YEAR, 1, 1),
        date_to=date(YEAR, 12, 31),
        office_path="/00/20/20BD/",
        flow="import",
        lane="red",
    )
    chapter = Filters(
        date_from=date(YEAR, 1, 1), date_to=date(YEAR, 12, 31), hs_chapter="85", within_hours=24
    )
    national = Filters(date_from=date(YEAR, 5, 1), date_to=date(YEAR, 5, 31), office_path="/00/")
    cases: list[tuple[str, Callable[[], Any]]] = [
        (
            "report: a month, national (with previous period and last year)",
            lambda: report(may, as_of),
        ),
        (YEAR_REPORT, lambda: report(year, as_of)),
        ("report: a month, Quảng Ninh imports", lambda: report(qn, as_of)),
        (
            "report: the year, national, HS chapter 85 (chapter rollup)",
            lambda: report(chapter, as_of),
        ),
        ("report: the year, one office, red-lane imports", lambda: report(office, as_of)),
        (
            "breakdown by Department (drill-down), a month",
            lambda: breakdown(national, "office", as_of),
        ),
        ("breakdown by office, Quảng Ninh, a month", lambda: breakdown(qn, "office", as_of)),
        ("breakdown by lane, the year", lambda: breakdown(year, "lane", as_of)),
        ("breakdown by HS chapter, the year", lambda: breakdown(year, "hs_chapter", as_of)),
        ("breakdown by month, the year", lambda: breakdown(year, "month", as_of)),
        ("breakdown by enterprise group, the year", lambda: breakdown(year, "compliance", as_of)),
        ("Trading across Borders, the year", lambda: trading_across_borders(year)),
        (
            "WCO sample, 6 working days, national",
            lambda: sample_study(may, date(YEAR, 5, 5), 6, as_of),
        ),
        (
            "XLSX export (report + breakdown), a month",
            lambda: exports.report_xlsx(
                may, _texts(report(may, as_of)), "office", breakdown(national, "office", as_of)
            ),
        ),
    ]
    out = []
    for name, call in cases:
        call()  # the first run warms the operating system's file cache
        times = []
        for _run in range(runs):
            t = time.perf_counter()
            call()
            times.append(time.perf_counter() - t)
        out.append(
            {
                "report": name,
                "p50_s": median(times),
                "max_s": max(times),
                "runs": runs,
                "times": times,
            }
        )
        print(f"  {name}: p50 {median(times):.3f} s, max {max(times):.3f} s", flush=True)
    return out


def plain_aggregate(runs: int) -> dict[str, Any]:
    """DuckDB alone on the same Parquet files: what the year's national report scans (the year
    and the year before: counts and sums by status; the released non-outliers' percentiles and
    how many within 24 h), on a fresh connection each run as the report opens one."""
    import duckdb

    from haiquan.timerelease.store import facts_dir

    files = f"read_parquet('{facts_dir()}/*.parquet')"
    periods = [(date(y, 1, 1), date(y, 12, 31)) for y in (YEAR, YEAR - 1)]

    def once() -> None:
        con = duckdb.connect()
        con.execute("SET threads = 2")
        for first, last in periods:
            con.execute(
                "SELECT status, outlier, count(*), sum(total_s), sum(customs_s) "
                f"FROM {files} WHERE reg_date BETWEEN ? AND ? GROUP BY ALL",
                [first, last],
            ).fetchall()
            con.execute(
                "SELECT quantile_cont(total_s, [0.5, 0.9, 0.95]), min(total_s), max(total_s), "
                f"count_if(total_s <= 86400) FROM {files} "
                "WHERE reg_date BETWEEN ? AND ? AND status = 'released' AND NOT outlier",
                [first, last],
            ).fetchall()
        con.close()

    once()
    times = []
    for _run in range(runs):
        t = time.perf_counter()
        once()
        times.append(time.perf_counter() - t)
    return {"p50_s": median(times), "max_s": max(times), "runs": runs}


def _texts(body: dict[str, Any]) -> dict[str, Any]:
    from haiquan.timerelease.reports import report_texts

    return report_texts(body)


def time_refresh(scale: float) -> dict[str, Any]:
    """The real path: the demo generator's history in SQLite, then the fact store built from
    its event log (full), then again with nothing new (incremental)."""
    from haiquan.demo.generator import demo_generate
    from haiquan.eventlog.models import Event
    from haiquan.timerelease.services import timerelease_refresh

    t = time.perf_counter()
    demo_generate(seed=11, months=2, until=date(YEAR, 3, 1), scale=scale)
    generated = time.perf_counter() - t
    full = timerelease_refresh(full=True)
    again = timerelease_refresh()
    return {
        "declarations": full.consignments,
        "events": Event.objects.count(),
        "generate_s": generated,
        "full_s": full.seconds,
        "full_per_s": full.consignments / full.seconds if full.seconds else None,
        "incremental_nothing_new_s": again.seconds,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--declarations", type=int, default=12_000_000)
    parser.add_argument("--base", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--refresh-scale", type=float, default=0.0)
    parser.add_argument("--out", type=Path, help="results JSON (default bench/results/...)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="hq-bench-tr-") as tmp:
        _setup_django(Path(tmp))
        print(f"building the fact store: {args.declarations:,} declarations", flush=True)
        built = build_store(args.declarations, args.base, args.seed)
        built["peak_rss_mb"] = peak_rss_mb()
        print(
            f"  base {args.base:,} consignments in {built['base_rows_s']:.1f} s "
            f"({built['base_rows_per_s']:,.0f}/s); tiled and written in "
            f"{built['tile_and_write_s']:.1f} s: {built['rows']:,} rows, {built['store_mb']:.0f} MB",
            flush=True,
        )
        print(f"timing the reports, {args.runs} runs each", flush=True)
        peak_rss_reset()
        results = time_reports(args.runs)
        reports_peak = peak_rss_mb()
        plain = plain_aggregate(args.runs)
        refresh = time_refresh(args.refresh_scale) if args.refresh_scale > 0 else None

    times = [t for r in results for t in r["times"]]
    worst = max(times)
    print()
    print(f"| report ({built['rows']:,} declarations in a year) | p50 | max |")
    print("|---|---|---|")
    for r in results:
        print(f"| {r['report']} | {r['p50_s']:.3f} s | {r['max_s']:.3f} s |")
    print(f"\nslowest: {worst:.3f} s (target: under {TARGET_S:.0f} s)")
    year = next(r for r in results if r["report"] == YEAR_REPORT)
    print(
        f"the year's national report p50 {year['p50_s']:.3f} s; DuckDB's plain aggregate over the "
        f"same files {plain['p50_s']:.3f} s (ratio {plain['p50_s'] / year['p50_s']:.2f}); "
        f"peak memory while reporting {reports_peak} MB"
    )
    if refresh:
        print(
            f"\nfact rows from the event log: {refresh['declarations']:,} declarations "
            f"({refresh['events']:,} events) in {refresh['full_s']:.1f} s = "
            f"{refresh['full_per_s']:,.0f}/s; incremental with nothing new "
            f"{refresh['incremental_nothing_new_s']:.2f} s"
        )
    out = args.out or (
        ROOT / "bench" / "results" / f"timerelease-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    )
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "machine": machine(),
                "args": vars(args),
                "build": built,
                "reports": results,
                "all_reports": {
                    "calls": len(times),
                    "seconds": sum(times),
                    "p50_s": percentile(times, 50),
                    "p99_s": percentile(times, 99),
                    "max_s": worst,
                    "slowest": max(results, key=lambda r: r["max_s"])["report"],
                },
                "reports_peak_rss_mb": reports_peak,
                "plain_aggregate": plain,
                "refresh": refresh,
            },
            indent=2,
            default=str,
        )
    )
    print(f"results: {out}")


def _register() -> None:
    from bench.common import run_json
    from bench.run_all import (
        NATIONAL_DECLARATIONS_PER_YEAR,
        Context,
        Result,
        benchmark,
        report_results,
    )

    @benchmark("timerelease")
    def bench_timerelease(ctx: Context) -> list[Result]:
        """Every time-release report over a fact store of the run's share of a year's national
        volume, beside DuckDB's plain aggregate over the same files."""
        n = max(5_000, int(NATIONAL_DECLARATIONS_PER_YEAR * ctx.scale))
        base = min(200_000, max(2_000, n // 10))  # tiled ×10 (×60 at a full year)
        runs = 3 if ctx.scale_name == "quick" else 5
        r = run_json(
            "timerelease.py",
            ["--declarations", str(n), "--base", str(base), "--runs", str(runs)],
            ctx.env,
        )
        rows = r["build"]["rows"]
        year = next(x for x in r["reports"] if x["report"] == YEAR_REPORT)
        return report_results(
            name="time release",
            year_label=f"the year's national report ({rows:,} declarations)",
            year=year,
            year_p50_s=year["p50_s"],
            every=r["all_reports"],
            reports=len(r["reports"]),
            every_label="reports and exports",
            peak_rss_mb=r["reports_peak_rss_mb"],
            baseline="DuckDB's plain aggregate, same Parquet files (p50)",
            baseline_s=r["plain_aggregate"]["p50_s"],
            notes=f"{r['build']['store_mb']:.0f} MB of Parquet; {runs} runs",
            target_s=TARGET_S,
        )


if __name__ == "__main__":
    main()
else:
    _register()
