"""Run the benchmarks at a chosen scale and print one table.

    .venv/bin/python bench/run_all.py [--scale quick|standard|long] [--only submission,...]
                                      [--markdown] [--workers 4] [--concurrency 16] [--list]

One scratch PostgreSQL database (`BENCH_DATABASE_URL`, default haiquan_runall) and one gunicorn
server (as many workers as `--workers`, default two per core) serve every HTTP benchmark; a
sampler reads the workers' resident memory (VmRSS) every half second throughout.

Each benchmark reports throughput, p50/p99 latency and the workers' peak memory, its target
from the issue, and beside it the same machine's limit measured in the same run (the
baseline), as a ratio:

- submission: 5-line declarations filed through the API by N clients (validation, duties,
  numbering, lane, events). Baseline: the same rows the run wrote (declaration, lines,
  containers, version, events, idempotency record) inserted again by psycopg `executemany`,
  one transaction per declaration over N connections; and by one `COPY` per table (the bulk
  ceiling, shown beside it).
- green-clearance: the signed bank confirmation POST, which pays and clears a green
  declaration in the same call. Baseline: the smallest clearance transaction written by
  hand on the same rows (SELECT FOR UPDATE, UPDATE, two event INSERTs) over psycopg.
- worker-rss: the largest gunicorn worker after all the load (run last). Baseline: the same
  workers idle, right after start.

From the plugins (modules listed in `PLUGINS`, each also a command of its own, run in a child
process so that each has its own Django settings and database and its own peak memory):

- bulk_import: `haiquan history-import` of the run's share of a year of finished declarations.
  Baseline: the same rows by plain COPY, nothing checked.
- telemetry: e-seal positions to the shared server, HTTP batches of 500 and one position a
  request with door alarms (alert latency), and over MQTT (Mosquitto at 127.0.0.1:1883) to
  `haiquan telemetry-mqtt` processes, flooded and at a steady rate. Baselines: the positions a
  phase stored, written again by one COPY and by one INSERT a transaction; the same number of
  MQTT messages published with nobody processing them. Seals and phase lengths by scale name.
- timerelease: every time-release report over a Parquet fact store of the run's share of a year
  (SQLite for Django, no PostgreSQL). Baseline: DuckDB's plain aggregate over the same files.
- statistics: every statistics report (and the exports, and the HTTP API) over aggregates
  filled as the run's share of a year, in a database of their own on the same server.
  Baseline: plain SQL GROUP BYs over the same aggregate rows.
- tariff: loading the whole tariff (issue 20), then the ranked search and the classification
  assistant on a fixed set of 75 trader descriptions and on a demo history split by time
  (top-1/top-5), and their latency p50/p99 per description. Baseline: the bare sparse product
  of a query with the index.
- risk_scoring: the learned score's cost inside the lane decision, and batch scoring, on a
  fresh 12-month demo history sized by the scale (capped at the demo's calibrated volume, about
  210,000 declarations), trained in the run. Baseline: the bare LightGBM models' predict on the
  same feature rows.

Peak memory is the gunicorn workers' for what goes over HTTP (sampled here), else the peak
resident size (VmHWM) of the process doing the work, measured from the start of the timed part.

Ratios are haiquan ÷ baseline for throughput (1.0 = as fast as raw writes) and baseline ÷
haiquan for latency. Where a target is missed, the table says by how much.

Scales (`ctx.scale` is the share of one year of national volume, 12 M declarations): quick
0.0005 (6,000 declarations; about 6 minutes in all on 2 cores shared with other work, load
average 12), standard 0.01 (120,000), long 1.0 (the whole year: the issues' national case; hours,
most of it bulk import and the risk model's demo history).

Adding a benchmark: write a module under bench/ with a function decorated by
`@benchmark("name")` taking the `Context` and returning a list of `Result`, and list the module
in `PLUGINS` below. `ctx.server()` starts the shared gunicorn on first use, `ctx.env` has
DATABASE_URL, HAIQUAN_VAR_DIR (a scratch directory) and settings for subprocesses, `ctx.rss.peak()`
the workers' peak memory so far; bench.common.run_json runs a module's own command in a child
and reads the JSON it writes to `--out`.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    CpuMeter,
    machine,
    percentile,
    postgres_url,
    wait_http,
)
from bench.soak import prepare_world, rss_mb, signed_headers, worker_pids  # noqa: E402
from bench.submit import declaration_body, run_load  # noqa: E402

if __name__ == "__main__":
    # Plugins register with `bench.run_all`: make that this very module, not a second copy.
    sys.modules.setdefault("bench.run_all", sys.modules[__name__])

NATIONAL_DECLARATIONS_PER_YEAR = 12_000_000
SCALES = {
    # seconds of submission load, confirmations timed, share of a year for data benchmarks
    "quick": {"seconds": 10, "confirmations": 100, "scale": 0.0005},
    "standard": {"seconds": 30, "confirmations": 400, "scale": 0.01},
    "long": {"seconds": 120, "confirmations": 2000, "scale": 1.0},
}
# Modules whose `@benchmark` functions join the table, run in this order after the ones above
# (each is also a command of its own, see BENCHMARKS.md).
PLUGINS = [
    "bench.bulk_import",
    "bench.telemetry",
    "bench.timerelease",
    "bench.statistics_reports",
    "bench.risk_scoring",
    "bench.tariff_search",
    "bench.notifications",
    "bench.manifest_import",
]


@dataclass
class Result:
    benchmark: str
    throughput: float | None = None  # operations per second
    unit: str = "/s"
    p50_ms: float | None = None
    p99_ms: float | None = None
    peak_rss_mb: float | None = None
    target: str = ""
    meets_target: bool | None = None
    target_gap: str = ""  # "-84%" when missed
    baseline: str = ""
    baseline_figure: str = ""
    ratio: float | None = None
    notes: str = ""
    # CPU milliseconds per operation (issue 18): the web workers', PostgreSQL backends'.
    server_cpu_ms: float | None = None
    db_cpu_ms: float | None = None


class RssSampler:
    """The gunicorn workers' VmRSS every half second, on a thread."""

    def __init__(self, master: int) -> None:
        self.master = master
        self.samples: list[tuple[float, int, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            now = time.time()
            for pid in worker_pids(self.master):
                mb = rss_mb(pid)
                if mb is not None:
                    self.samples.append((now, pid, mb))
            time.sleep(0.5)

    def peak(self, since: float = 0.0) -> float | None:
        vals = [mb for t, _p, mb in self.samples if t >= since]
        return round(max(vals), 1) if vals else None

    def first(self) -> float | None:
        return round(self.samples[0][2], 1) if self.samples else None

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


@dataclass
class Context:
    scale_name: str
    seconds: float
    confirmations: int
    scale: float
    workers: int
    concurrency: int
    port: int
    env: dict[str, str]
    world: dict[str, str] = field(default_factory=dict)
    _server: subprocess.Popen[bytes] | None = None
    rss: RssSampler | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def db_url(self) -> str:
        return self.env["DATABASE_URL"]

    def server(self) -> str:
        if self._server is None:
            if not self.world:
                self.world = prepare_world(self.env)
            self._server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "haiquan.config.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    str(self.workers),
                    "--log-level",
                    "error",
                ],
                cwd=ROOT,
                env=self.env,
            )
            # Four workers importing every part take a while on two busy cores.
            wait_http(self.base + "/api/v1/openapi.json", timeout=180)
            self.rss = RssSampler(self._server.pid)
            time.sleep(1.5)  # idle samples first: the worker-rss baseline
        return self.base

    def close(self) -> None:
        if self.rss is not None:
            self.rss.stop()
        if self._server is not None:
            self._server.send_signal(signal.SIGTERM)
            self._server.wait(timeout=30)


BENCHMARKS: dict[str, Callable[[Context], list[Result]]] = {}


def benchmark(name: str) -> Callable[[Callable[[Context], list[Result]]], Any]:
    """Register a benchmark under `name` (run in registration order)."""

    def register(fn: Callable[[Context], list[Result]]) -> Callable[[Context], list[Result]]:
        BENCHMARKS[name] = fn
        return fn

    return register


def _gap(value: float, target: float, higher_is_better: bool) -> tuple[bool, str]:
    ok = value >= target if higher_is_better else value <= target
    if ok:
        return True, ""
    return False, f"{(value - target) / target:+.0%}"


def report_results(
    *,
    name: str,
    year_label: str,
    year: dict[str, Any],
    year_p50_s: float,
    every: dict[str, Any],
    reports: int,
    every_label: str,
    peak_rss_mb: float | None,
    baseline: str,
    baseline_s: float,
    notes: str,
    target_s: float = 2.0,
) -> list[Result]:
    """The two rows of a report benchmark: the year's national report beside its baseline, and
    every report of the module (each must be under `target_s`)."""
    ok, gap = _gap(every["max_s"], target_s, False)
    ok_year, gap_year = _gap(year["max_s"], target_s, False)
    return [
        Result(
            benchmark=f"{name}: {year_label}",
            throughput=round(len(year["times"]) / sum(year["times"]), 2),
            unit=" reports/s",
            p50_ms=round(year_p50_s * 1000, 1),
            p99_ms=round(percentile(year["times"], 99) * 1000, 1),
            peak_rss_mb=peak_rss_mb,
            target=f"< {target_s:.0f} s",
            meets_target=ok_year,
            target_gap=gap_year,
            baseline=baseline,
            baseline_figure=f"{baseline_s * 1000:.1f} ms",
            ratio=round(baseline_s / year_p50_s, 3),
            notes=notes,
        ),
        Result(
            benchmark=f"{name}: all {reports} {every_label}",
            throughput=round(every["calls"] / every["seconds"], 2),
            unit=" reports/s",
            p50_ms=round(every["p50_s"] * 1000, 1),
            p99_ms=round(every["p99_s"] * 1000, 1),
            peak_rss_mb=peak_rss_mb,
            target=f"each < {target_s:.0f} s",
            meets_target=ok,
            target_gap=gap,
            notes=f"slowest: {every['slowest']}, {every['max_s']:.3f} s",
        ),
    ]


# --- Submission ------------------------------------------------------------------------------

_ROWS = {
    # table: how to find the rows the submission run wrote
    "clearance_declaration": "created_by_id = %(uid)s",
    "clearance_declarationline": "declaration_id IN (SELECT id FROM clearance_declaration "
    "WHERE created_by_id = %(uid)s)",
    "clearance_container": "declaration_id IN (SELECT id FROM clearance_declaration "
    "WHERE created_by_id = %(uid)s)",
    "clearance_declarationversion": "declaration_id IN (SELECT id FROM clearance_declaration "
    "WHERE created_by_id = %(uid)s)",
    "eventlog_event": "declaration_id IN (SELECT id FROM clearance_declaration "
    "WHERE created_by_id = %(uid)s)",
    "core_idempotencyrecord": "user_id = %(uid)s",
}


def _baseline_tables(conn: Any) -> None:
    for table in _ROWS:
        conn.execute(f"DROP TABLE IF EXISTS baseline_{table}")
        conn.execute(
            f"CREATE TABLE baseline_{table} (LIKE {table} INCLUDING DEFAULTS INCLUDING INDEXES)"
        )


def submission_baselines(db_url: str, username: str, connections: int) -> dict[str, float]:
    """Declarations per second when the rows the run wrote are written again by plain SQL."""
    import psycopg
    from psycopg.types.string import TextLoader

    with psycopg.connect(db_url, autocommit=True) as conn:
        # JSON columns come back as their text and go in as it, unchanged.
        for json_type in ("json", "jsonb"):
            conn.adapters.register_loader(json_type, TextLoader)
        user = conn.execute(
            "SELECT id FROM accounts_user WHERE username = %s", [username]
        ).fetchone()
        if user is None:
            return {}
        uid = user[0]
        rows: dict[str, list[tuple]] = {}
        cols: dict[str, list[str]] = {}
        for table, where in _ROWS.items():
            cur = conn.execute(f"SELECT * FROM {table} WHERE {where}", {"uid": uid})
            cols[table] = [d.name for d in cur.description or []]
            rows[table] = cur.fetchall()
        n = len(rows["clearance_declaration"])
        if n == 0:
            return {}
        # Group every row under its declaration, to write one declaration per transaction.
        per_decl: dict[int, dict[str, list[tuple]]] = {}
        decl_ids = [
            r[cols["clearance_declaration"].index("id")] for r in rows["clearance_declaration"]
        ]
        for i, r in zip(decl_ids, rows["clearance_declaration"], strict=True):
            per_decl[i] = {"clearance_declaration": [r]}
        for table in list(_ROWS)[1:-1]:
            at = cols[table].index("declaration_id")
            for r in rows[table]:
                per_decl.setdefault(r[at], {}).setdefault(table, []).append(r)
        keys = rows["core_idempotencyrecord"]
        for k, i in enumerate(decl_ids):  # one idempotency record per filing
            if k < len(keys):
                per_decl[i]["core_idempotencyrecord"] = [keys[k]]

        def insert_sql(table: str) -> str:
            names = ", ".join(f'"{c}"' for c in cols[table])
            marks = ", ".join(["%s"] * len(cols[table]))
            return f"INSERT INTO baseline_{table} ({names}) VALUES ({marks})"

        # executemany, a transaction per declaration, over `connections` connections
        _baseline_tables(conn)
        groups = list(per_decl.values())
        chunks = [groups[i::connections] for i in range(connections)]

        def writer(chunk: list[dict[str, list[tuple]]]) -> None:
            with psycopg.connect(db_url) as c:
                for g in chunk:
                    with c.transaction(), c.cursor() as cur:
                        for table, rs in g.items():
                            cur.executemany(insert_sql(table), rs)

        t0 = time.perf_counter()
        threads = [threading.Thread(target=writer, args=(c,)) for c in chunks]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        many = n / (time.perf_counter() - t0)

        # COPY, one per table, one transaction
        _baseline_tables(conn)
        t0 = time.perf_counter()
        with psycopg.connect(db_url) as c, c.transaction(), c.cursor() as cur:
            for table in _ROWS:
                names = ", ".join(f'"{col}"' for col in cols[table])
                with cur.copy(f"COPY baseline_{table} ({names}) FROM STDIN") as copy:
                    for r in rows[table]:
                        copy.write_row(r)
        copied = n / (time.perf_counter() - t0)
        for table in _ROWS:
            conn.execute(f"DROP TABLE IF EXISTS baseline_{table}")
    return {"executemany": round(many, 1), "copy": round(copied, 1)}


@benchmark("submission")
def bench_submission(ctx: Context) -> list[Result]:
    base = ctx.server()
    start = time.time()
    w = ctx.world
    asyncio.run(run_load(base, w["token"], w["mst"], 3, ctx.concurrency, 5))  # warm-up
    assert ctx._server is not None
    meter = CpuMeter(ctx._server.pid, ctx.db_url.rsplit("/", 1)[1])
    meter.start()
    r = asyncio.run(run_load(base, w["token"], w["mst"], ctx.seconds, ctx.concurrency, 5))
    cpu = meter.stop()
    peak = ctx.rss.peak(since=start) if ctx.rss else None
    # The machine's raw limit, measured in the same run: the same rows written by psycopg from
    # 8 clients, a transaction per declaration; and by COPY.
    bl = submission_baselines(ctx.db_url, "bench", 8)
    tp = r["throughput_per_s"]
    ok, gap = _gap(tp, 250, True)
    ok99, gap99 = _gap(r["p99_ms"], 100, False)
    errors = r["requests"] - r["created"]
    created = max(r["created"], 1)
    copy_ratio = f"; {tp / bl['copy']:.3f} of COPY" if bl.get("copy") else ""
    return [
        Result(
            benchmark="submission (5 lines, HTTP API)",
            throughput=tp,
            p50_ms=r["p50_ms"],
            p99_ms=r["p99_ms"],
            peak_rss_mb=peak,
            target="250/s, p99 < 100 ms (issue 18)",
            meets_target=ok and ok99,
            target_gap=" ".join(
                g for g in (gap and f"throughput {gap}", gap99 and f"p99 {gap99}") if g
            ),
            baseline="same rows by psycopg, 8 clients (tx/decl); COPY",
            baseline_figure=f"{bl.get('executemany')}/s; {bl.get('copy')}/s",
            ratio=round(tp / bl["executemany"], 3) if bl.get("executemany") else None,
            notes=f"{ctx.concurrency} clients, {ctx.workers} workers, {errors} not 201"
            + copy_ratio,
            server_cpu_ms=round(cpu["server"] * 1000 / created, 2),
            db_cpu_ms=round(cpu["db"] * 1000 / created, 2),
        )
    ]


# --- Green clearance from the bank's confirmation -------------------------------------------


def clearance_floor(db_url: str, declaration_ids: list[int]) -> list[float]:
    """Latency of the minimal clearance transaction written by hand on the same rows."""
    import psycopg

    out = []
    with psycopg.connect(db_url) as c:
        c.execute("DROP TABLE IF EXISTS baseline_event")
        c.execute("CREATE TABLE baseline_event (LIKE eventlog_event INCLUDING ALL)")
        c.commit()
        for pk in declaration_ids:
            t0 = time.perf_counter()
            with c.transaction():
                c.execute("SELECT id FROM clearance_declaration WHERE id = %s FOR UPDATE", [pk])
                c.execute("UPDATE clearance_declaration SET cleared_at = now() WHERE id = %s", [pk])
                for seq, kind in enumerate(("payment.confirmed", "declaration.cleared")):
                    # Each event linked as the log links them (a SHA-256 over the event), here
                    # computed by PostgreSQL with no previous link looked up.
                    c.execute(
                        "INSERT INTO baseline_event (occurred_at, kind, subject_type, subject_id,"
                        " declaration_id, office_code, actor_label, party, data, chain_seq,"
                        " chain_hash)"
                        " VALUES (now(), %s, 'declaration', %s, %s, '20CD', 'bench', 'bank', '{}',"
                        " %s, encode(sha256(convert_to(%s || now()::text, 'UTF8')), 'hex'))",
                        [kind, pk, pk, seq, f"{kind}|{pk}|"],
                    )
            out.append(time.perf_counter() - t0)
        c.execute("DROP TABLE baseline_event")
        c.commit()
    return out


@benchmark("green-clearance")
def bench_green_clearance(ctx: Context) -> list[Result]:
    """Time from the signed confirmation POST to the declaration being cleared: the clearance
    runs inside that call, so it is the call's response time (checked cleared afterwards)."""
    base = ctx.server()
    w = ctx.world
    trader = httpx.Client(
        base_url=base, timeout=30, headers={"Authorization": f"Bearer {w['token']}"}
    )
    bank = httpx.Client(base_url=base, timeout=30)
    pending: list[tuple[int, bytes]] = []
    i = 5 * 10**7
    while len(pending) < ctx.confirmations:
        i += 1
        d = trader.post(
            "/api/v1/declarations",
            json=declaration_body(w["mst"], 5, i),
            headers={"Idempotency-Key": str(uuid.uuid4())},
        ).json()
        if d.get("status") != "awaiting_payment" or d.get("lane") != "green":
            continue
        o = trader.post("/api/v1/payments/orders", json={"declaration_number": d["number"]}).json()
        raw = json.dumps(
            {
                "order_reference": o["reference"],
                "bank_transaction_id": f"FT{uuid.uuid4().hex[:16]}",
                "amount_vnd": o["amount_vnd"],
                "paid_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
            }
        ).encode()
        pending.append((d["id"], raw))
    start = time.time()
    latencies = []
    failures = 0
    t_all = time.perf_counter()
    for _pk, raw in pending:
        headers = signed_headers(w["bank"], w["secret"], raw)
        t0 = time.perf_counter()
        resp = bank.post("/api/v1/payments/confirmations", content=raw, headers=headers)
        latencies.append(time.perf_counter() - t0)
        failures += resp.status_code != 201
    elapsed = time.perf_counter() - t_all
    peak = ctx.rss.peak(since=start) if ctx.rss else None
    ids = [pk for pk, _raw in pending]
    cleared = sum(
        trader.get(f"/api/v1/declarations/{pk}").json().get("status") == "cleared" for pk in ids
    )
    trader.close()
    bank.close()
    floor = clearance_floor(ctx.db_url, ids)
    p99 = percentile(latencies, 99) * 1000
    floor99 = percentile(floor, 99) * 1000
    ok, gap = _gap(p99, 100, False)
    return [
        Result(
            benchmark="green clearance from bank confirmation",
            throughput=round(len(latencies) / elapsed, 1),
            p50_ms=round(percentile(latencies, 50) * 1000, 1),
            p99_ms=round(p99, 1),
            peak_rss_mb=peak,
            target="p99 ≤ 100 ms (VNACCS ~5 s)",
            meets_target=ok and failures == 0 and cleared == len(ids),
            target_gap=gap,
            baseline="minimal clearance tx by hand (p99)",
            baseline_figure=f"{floor99:.1f} ms",
            ratio=round(floor99 / p99, 3) if p99 else None,
            notes=f"{len(ids)} sequential; {cleared} cleared; {failures} not 201",
        )
    ]


# --- Web worker memory -------------------------------------------------------------------------


@benchmark("worker-rss")
def bench_worker_rss(ctx: Context) -> list[Result]:
    ctx.server()
    peak = ctx.rss.peak() if ctx.rss else None
    idle = ctx.rss.first() if ctx.rss else None
    ok = peak is not None and peak < 250
    return [
        Result(
            benchmark="web worker RSS (peak, after the load above)",
            throughput=None,
            peak_rss_mb=peak,
            target="< 250 MB",
            meets_target=ok,
            target_gap="" if ok or peak is None else f"{(peak - 250) / 250:+.0%}",
            baseline="same worker idle after start",
            baseline_figure=f"{idle} MB",
            ratio=round(idle / peak, 3) if idle and peak else None,
            notes=f"{ctx.workers} gunicorn sync workers",
        )
    ]


# --- Running ------------------------------------------------------------------------------------


def load_plugins() -> list[str]:
    loaded = []
    for name in PLUGINS:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        loaded.append(name)
    return loaded


def _fmt(v: Any) -> str:
    return "" if v is None else str(v)


def table(results: list[Result], markdown: bool) -> str:
    head = [
        "benchmark",
        "throughput",
        "p50 ms",
        "p99 ms",
        "peak RSS MB",
        "target",
        "met",
        "baseline",
        "baseline figure",
        "ratio",
        "server CPU ms/op",
        "db CPU ms/op",
    ]
    rows = [
        [
            r.benchmark,
            f"{r.throughput}{r.unit}" if r.throughput is not None else "",
            _fmt(r.p50_ms),
            _fmt(r.p99_ms),
            _fmt(r.peak_rss_mb),
            r.target,
            ("yes" if r.meets_target else f"no {r.target_gap}".strip())
            if r.meets_target is not None
            else "",
            r.baseline,
            r.baseline_figure,
            _fmt(r.ratio),
            _fmt(r.server_cpu_ms),
            _fmt(r.db_cpu_ms),
        ]
        for r in results
    ]
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    fmt = "  ".join(f"{{:{w}}}" for w in widths)
    return "\n".join(
        [fmt.format(*head), fmt.format(*("-" * w for w in widths))] + [fmt.format(*r) for r in rows]
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--scale", choices=sorted(SCALES), default="quick")
    ap.add_argument("--only", default="", help="comma-separated benchmark names")
    ap.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--port", type=int, default=8773)
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--list", action="store_true", help="print the benchmarks' names and stop")
    args = ap.parse_args(argv)
    plugins = load_plugins()
    if args.list:
        print("\n".join(BENCHMARKS))
        return 0
    s = SCALES[args.scale]
    # Files the benchmarks' Django processes write (the time-release store, uploads) go to a
    # scratch directory, never to the checkout's var/.
    var_dir = tempfile.mkdtemp(prefix="hq-runall-var-")
    (Path(var_dir) / "static").mkdir()  # STATIC_ROOT: WhiteNoise warns when it is missing
    os.environ.setdefault("HAIQUAN_VAR_DIR", var_dir)
    ctx = Context(
        scale_name=args.scale,
        seconds=s["seconds"],
        confirmations=int(s["confirmations"]),
        scale=s["scale"],
        workers=args.workers,
        concurrency=args.concurrency,
        port=args.port,
        env={
            **os.environ,
            "DATABASE_URL": postgres_url("haiquan_runall"),
            "DJANGO_SETTINGS_MODULE": "haiquan.config.settings.local",
            "HAIQUAN_CONN_MAX_AGE": "600",
            # Measure the application, not the per-token limit a real trader would meet.
            "HAIQUAN_API_RATE_PER_SECOND": "0",
        },
    )
    # The workers' memory is read after everything else has loaded them.
    everything = [n for n in BENCHMARKS if n != "worker-rss"] + ["worker-rss"]
    names = [n for n in (args.only.split(",") if args.only else everything) if n]
    unknown = set(names) - set(BENCHMARKS)
    if unknown:
        ap.error(f"unknown benchmarks {sorted(unknown)}; known: {sorted(BENCHMARKS)}")
    results: list[Result] = []
    took: dict[str, float] = {}
    started = time.perf_counter()
    try:
        for name in names:
            print(f"running {name} ...", file=sys.stderr, flush=True)
            t0 = time.perf_counter()
            results += BENCHMARKS[name](ctx)
            took[name] = round(time.perf_counter() - t0, 1)
            print(f"{name} done in {took[name]} s", file=sys.stderr, flush=True)
    finally:
        ctx.close()
        shutil.rmtree(var_dir, ignore_errors=True)
    report = {
        "scale": args.scale,
        "national_declarations_per_year": NATIONAL_DECLARATIONS_PER_YEAR,
        "machine": machine(),
        "plugins": plugins,
        "seconds": {"total": round(time.perf_counter() - started, 1), **took},
        "results": [asdict(r) for r in results],
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"run_all-{time.strftime('%Y%m%dT%H%M%S')}.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False)
    )
    m = report["machine"]
    print(
        f"\n{m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, {m['postgresql']}; scale {args.scale}; "
        f"{report['seconds']['total']:.0f} s; load average {os.getloadavg()[0]:.1f}"
    )
    print(table(results, args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
