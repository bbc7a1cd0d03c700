"""Benchmark: what the hash chain costs a filing (issue 23).

    .venv/bin/python bench/chain.py [--filings 2000] [--events 3] [--rounds 3]

On a scratch PostgreSQL database (`BENCH_DATABASE_URL`, default hq_chain_bench on 127.0.0.1,
migrated on first use), writes the events of N registrations the way a filing does — one
transaction per declaration, its events appended in one INSERT (`events_append`: lodged,
registered, lane decided) — first with the chain's trigger disabled, then enabled, alternating
for several rounds. Reports per filing: wall time, the database backend's CPU time (utime+stime
of its process, read from /proc: it survives other work on a shared machine) and this
process's CPU time. The database and this client run on the same machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def _psql(sql: str) -> str:
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-tAc", sql],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip


def _prepare(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    if _psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") != "1":
        _psql(f'CREATE DATABASE "{name}"')
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "haiquan.config.settings.test",
    }
    subprocess.run(
        [sys.executable, "-m", "haiquan.config.cli", "migrate", "-v", "0"],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip


def _backend_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def _round(filings: int, events: int, first_subject: int) -> dict[str, float]:
    from django.db import connection, transaction

    from haiquan.eventlog.services import event_build, events_append

    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    kinds = ["declaration.lodged", "declaration.registered", "declaration.lane_decided"]
    server0, client0, wall0 = _backend_cpu(pid), time.process_time(), time.perf_counter()
    for n in range(filings):
        subject = first_subject + n
        with transaction.atomic():
            events_append(
                [
                    event_build(
                        kind=kinds[i % len(kinds)],
                        subject_type="declaration",
                        subject_id=subject,
                        declaration_id=subject,
                        office_code="20BD",
                        party="trader",
                        data={"number": f"1{subject:011d}", "lines": 5, "lane": "green"},
                    )
                    for i in range(events)
                ]
            )
    wall = time.perf_counter() - wall0
    return {
        "wall_ms": wall * 1000 / filings,
        "server_cpu_ms": (_backend_cpu(pid) - server0) * 1000 / filings,
        "client_cpu_ms": (time.process_time() - client0) * 1000 / filings,
        "filings_per_s": filings / wall,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--filings", type=int, default=2000)
    ap.add_argument("--events", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", help="write the results as JSON here")
    args = ap.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hq_chain_bench")
    _prepare(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haiquan.config.settings.test")
    import django

    django.setup()
    from django.db import connection

    from haiquan.eventlog.chain import EVENTS

    results: dict[str, list[dict[str, float]]] = {"off": [], "on": []}
    subject = int(time.time()) * 10_000
    for _r in range(args.rounds):
        for mode in ("off", "on"):
            with connection.cursor() as cur:
                verb = "DISABLE" if mode == "off" else "ENABLE"
                cur.execute(f'ALTER TABLE {EVENTS.table} {verb} TRIGGER "{EVENTS.trigger}"')
            results[mode].append(_round(args.filings, args.events, subject))
            subject += args.filings
    with connection.cursor() as cur:
        cur.execute(f'ALTER TABLE {EVENTS.table} ENABLE TRIGGER "{EVENTS.trigger}"')

    def median(mode: str, key: str) -> float:
        values = sorted(r[key] for r in results[mode])
        return values[len(values) // 2]

    summary: dict[str, Any] = {
        "machine": machine(),
        "filings": args.filings,
        "events_per_filing": args.events,
        "rounds": args.rounds,
        "rounds_detail": results,
    }
    print(f"{'':10}{'filings/s':>12}{'wall ms':>10}{'db CPU ms':>12}{'client CPU ms':>15}")
    for mode in ("off", "on"):
        row = {k: median(mode, k) for k in results[mode][0]}
        summary[mode] = row
        print(
            f"chain {mode:4}{row['filings_per_s']:>12.0f}{row['wall_ms']:>10.2f}"
            f"{row['server_cpu_ms']:>12.3f}{row['client_cpu_ms']:>15.3f}"
        )
    if args.out:
        Path(args.out).write_text(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
