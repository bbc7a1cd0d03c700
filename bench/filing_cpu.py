"""CPU per filing, in one process: what a declaration costs the application and PostgreSQL.

    .venv/bin/python bench/filing_cpu.py [--filings 300] [--lines 5] [--profile 25]

Files 5-line declarations through the whole Django stack (middleware, the API's token
authentication, the registration, the answer) with Django's test client in this process —
no HTTP server, no load generator — against a scratch PostgreSQL database, one after the
other. Measures CPU time, not wall time, so the figure survives a machine shared with other
work: this process's CPU milliseconds per filing and its PostgreSQL backend's (from
/proc/<pid>/stat of the backend serving the connection), the SQL statements per filing, and,
with --profile N, the N functions with the most cumulative CPU time under cProfile
(--sort tottime for their own time; --statements lists one filing's SQL).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import postgres_url, prepare_database  # noqa: E402
from bench.submit import declaration_body  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def proc_cpu_s(pid: int) -> float:
    """utime + stime of a process, in seconds (fields 14 and 15 of /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--filings", type=int, default=300)
    ap.add_argument("--lines", type=int, default=5)
    ap.add_argument("--profile", type=int, default=0, help="print the top N functions")
    ap.add_argument(
        "--sort", default="cumulative", help="the profile's order (cumulative, tottime, ...)"
    )
    ap.add_argument("--statements", action="store_true", help="list one filing's statements")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()

    env = {
        **os.environ,
        "DATABASE_URL": postgres_url("haiquan_bench_cpu"),
        "DJANGO_SETTINGS_MODULE": "haiquan.config.settings.local",
        "HAIQUAN_API_RATE_BURST": "1000000",
        "HAIQUAN_API_RATE_PER_SECOND": "1000000",
        "HAIQUAN_API_ADDRESS_RATE_PER_SECOND": "0",
    }
    setup = prepare_database(env)
    os.environ.update(env)

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {setup['token']}", HTTP_HOST="127.0.0.1")
    counter = iter(range(10**9))

    def file_one() -> None:
        resp = client.post(
            "/api/v1/declarations",
            data=json.dumps(declaration_body(setup["mst"], args.lines, next(counter))),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )
        if resp.status_code != 201:
            raise SystemExit(f"filing refused: {resp.status_code} {resp.content[:500]!r}")

    for _ in range(20):  # the process's caches (reference data, tariff, rules, requirements)
        file_one()
    with CaptureQueriesContext(connection) as ctx:
        file_one()
    statements = len(ctx.captured_queries)
    if args.statements:
        # A statement run by name (prepared: haiquan.core.prepared) has no text to show.
        for i, q in enumerate(ctx.captured_queries, 1):
            print(f"{i:2d}. {(q['sql'] or '(prepared statement)')[:400]}", file=sys.stderr)
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        backend = int(cur.fetchone()[0])

    wall0, cpu0, db0 = time.perf_counter(), time.process_time(), proc_cpu_s(backend)
    for _ in range(args.filings):
        file_one()
    wall, cpu, db = (
        time.perf_counter() - wall0,
        time.process_time() - cpu0,
        proc_cpu_s(backend) - db0,
    )
    result = {
        "benchmark": "CPU per filing in one process (Django test client, PostgreSQL)",
        "filings": args.filings,
        "lines": args.lines,
        "statements_per_filing": statements,
        "app_cpu_ms_per_filing": round(cpu * 1000 / args.filings, 2),
        "db_cpu_ms_per_filing": round(db * 1000 / args.filings, 2),
        "wall_ms_per_filing": round(wall * 1000 / args.filings, 2),
        "load_average": os.getloadavg()[0],
    }
    if args.profile:
        # CPU time, not wall time: waits on PostgreSQL and on other work of a shared machine
        # are left out, so the profile shows where this process's CPU goes.
        prof = cProfile.Profile(time.process_time)
        prof.enable()
        for _ in range(min(args.filings, 200)):
            file_one()
        prof.disable()
        text = io.StringIO()
        pstats.Stats(prof, stream=text).sort_stats(args.sort).print_stats(args.profile)
        result["profile"] = text.getvalue()
    if args.out:
        args.out.write_text(json.dumps(result, indent=2))
    profile = result.pop("profile", "")
    print(json.dumps(result, indent=2))
    if profile:
        print(profile)


if __name__ == "__main__":
    main()
