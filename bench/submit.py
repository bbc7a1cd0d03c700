"""Benchmark: declaration submission through the HTTP API against PostgreSQL.

    .venv/bin/python bench/submit.py [--seconds 30] [--concurrency 16] [--lines 5]
        [--workers 4] [--worker-class sync|gthread] [--threads 1] [--standby none|async|sync]

Sets up a scratch PostgreSQL database (`DATABASE_URL`, default haiquan_bench on 127.0.0.1),
starts haiquan behind gunicorn (two sync workers per core unless told otherwise), and files 5-line import declarations
concurrently for a fixed time, each with its own Idempotency-Key, as traders' systems do.
Every request is a full registration: validation, duties, numbering, lane, events.

`--standby async|sync` runs the same load against a primary with a streaming standby of its
own (bench/replicas.py: two clusters on ports from 5433, fsync on, removed afterwards), the
standby asynchronous (synchronous_commit = local) or synchronous (= on: every commit waits
until the standby has flushed it, what loses nothing on failover); "db" CPU is then the
primary's backends'.

Prints throughput and p50/p95/p99 latency and writes bench/results/submit-<time>.json.
The load generator runs on the same machine and takes CPU from the server: the figure is
what one 2-core box does serving and loading itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    CpuMeter,
    machine,
    percentile,
    postgres_url,
    prepare_database,
    wait_http,
)

HS_LINES = [
    ("08109092", "Quả thanh long tươi", "KGM", "0.80"),
    ("84713020", "Máy tính xách tay", "PCE", "420.00"),
    ("85171300", "Điện thoại thông minh", "PCE", "150.00"),
    ("39232119", "Túi nhựa PE", "KGM", "1.20"),
    ("94036090", "Bàn ghế gỗ", "PCE", "35.00"),
    ("61091010", "Áo phông cotton nam", "PCE", "2.10"),
    ("08106000", "Sầu riêng tươi", "KGM", "2.00"),
]


def declaration_body(mst: str, n_lines: int, i: int) -> dict:
    lines = []
    total = 0.0
    for k in range(n_lines):
        code, desc, unit, price = HS_LINES[(i + k) % len(HS_LINES)]
        qty = 100 + (i * 7 + k * 13) % 900
        value = round(qty * float(price), 2)
        total += value
        lines.append(
            {
                "hs_code": code,
                "description": desc,
                "origin": "CN",
                "quantity": str(qty),
                "unit": unit,
                "unit_price": price,
                "value": f"{value:.2f}",
            }
        )
    return {
        "type_code": "A11",
        "office_code": "20CD",
        "enterprise_mst": mst,
        "transport_mode": "sea",
        "bill_of_lading": f"BL{i:08d}",
        "incoterm": "CIF",
        "currency": "USD",
        "invoice_value": f"{total:.2f}",
        "partner_name": "Shenzhen Export Co.",
        "partner_country": "CN",
        "invoice_number": f"INV-{i}",
        "lines": lines,
    }


async def run_load(
    base: str, token: str, mst: str, seconds: float, concurrency: int, n_lines: int
) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    deadline = time.perf_counter() + seconds
    counter = iter(range(10**9))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base, limits=limits, timeout=30, headers={"Authorization": f"Bearer {token}"}
    ) as client:

        async def worker() -> None:
            while time.perf_counter() < deadline:
                i = next(counter)
                body = declaration_body(mst, n_lines, i)
                t0 = time.perf_counter()
                resp = await client.post(
                    "/api/v1/declarations",
                    json=body,
                    headers={"Idempotency-Key": str(uuid.uuid4())},
                )
                latencies.append(time.perf_counter() - t0)
                statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    ok = statuses.get(201, 0)
    return {
        "requests": len(latencies),
        "created": ok,
        "statuses": statuses,
        "elapsed_s": round(elapsed, 2),
        "throughput_per_s": round(ok / elapsed, 1),
        "p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "p95_ms": round(percentile(latencies, 95) * 1000, 1),
        "p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--warmup", type=float, default=5)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    ap.add_argument("--worker-class", choices=["sync", "gthread"], default="sync")
    ap.add_argument("--threads", type=int, default=1, help="threads per worker (gthread)")
    ap.add_argument("--lines", type=int, default=5)
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--standby", choices=["none", "async", "sync"], default="none")
    args = ap.parse_args()

    db_url = postgres_url("haiquan_bench")
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "DJANGO_SETTINGS_MODULE": "haiquan.config.settings.local",
        "HAIQUAN_CONN_MAX_AGE": "600",
        # One token stands for many traders' systems here: keep the per-token limit (its check
        # still runs on every request) out of the way of the figure measured.
        "HAIQUAN_API_RATE_BURST": "1000000",
        "HAIQUAN_API_RATE_PER_SECOND": "1000000",
        # ...and so does the per-address limit: every client of the load runs on 127.0.0.1.
        "HAIQUAN_API_ADDRESS_RATE_PER_SECOND": "0",
    }
    pair = None
    db_port = 5432
    if args.standby == "none":
        setup = prepare_database(env)
    else:
        from bench.replicas import ReplicaPair

        pair = ReplicaPair("on" if args.standby == "sync" else "local", durable=True)
        try:
            setup = pair.start(env)
        except BaseException:
            pair.stop()
            raise
        env.update(pair.env)
        db_url = env["DATABASE_URL"]
        assert pair.primary is not None
        db_port = pair.primary.port
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "haiquan.config.wsgi:application",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            args.worker_class,
            "--threads",
            str(args.threads),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{args.port}"
        # Workers import every part (numpy, pandas, LightGBM...): on a loaded machine that takes
        # well over a minute.
        # (Ready once the API answers: the public outage status, not the whole schema, which a
        # loaded machine may take longer to build than a worker's timeout.)
        wait_http(base + "/api/v1/outages", timeout=300)
        asyncio.run(
            run_load(base, setup["token"], setup["mst"], args.warmup, args.concurrency, args.lines)
        )
        meter = CpuMeter(server.pid, db_url.rsplit("/", 1)[1], db_port)
        meter.start()
        client_cpu0 = time.process_time()
        result = asyncio.run(
            run_load(base, setup["token"], setup["mst"], args.seconds, args.concurrency, args.lines)
        )
        cpu = meter.stop()
        created = max(result["created"], 1)
        # CPU per filing: robust on a shared machine, where throughput is not.
        result["server_cpu_ms_per_op"] = round(cpu["server"] * 1000 / created, 2)
        result["db_cpu_ms_per_op"] = round(cpu["db"] * 1000 / created, 2)
        result["load_generator_cpu_ms_per_op"] = round(
            (time.process_time() - client_cpu0) * 1000 / created, 2
        )
        result["load_average_after"] = round(os.getloadavg()[0], 2)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # workers still booting ignore a graceful stop
            server.kill()
            server.wait()
        if pair is not None:
            pair.stop()
    report = {
        "benchmark": "declaration submission (HTTP API, PostgreSQL, gunicorn)",
        "lines_per_declaration": args.lines,
        "concurrency": args.concurrency,
        "workers": args.workers,
        "worker_class": args.worker_class,
        "threads": args.threads,
        "standby": args.standby,
        "target": {"throughput_per_s": 250, "p99_ms": 100},  # issue 18
        "machine": machine(),
        "python": platform.python_version(),
        **result,
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"submit-{time.strftime('%Y%m%dT%H%M%S')}.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    miss_tp = result["throughput_per_s"] / 250
    print(
        f"\nthroughput {result['throughput_per_s']}/s = {miss_tp:.0%} of the 250/s target; "
        f"p99 {result['p99_ms']} ms against 100 ms; CPU per filing: server "
        f"{result['server_cpu_ms_per_op']} ms, PostgreSQL {result['db_cpu_ms_per_op']} ms, "
        f"load generator {result['load_generator_cpu_ms_per_op']} ms"
    )


if __name__ == "__main__":
    main()
