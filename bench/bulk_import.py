"""Bulk import of declaration history (issue 9 target: 5,000 declarations a second).

    .venv/bin/python bench/bulk_import.py [--declarations 200000]

Makes a scratch PostgreSQL database with the reference data, 500 enterprises and an
administrator; writes a JSON Lines file of finished declarations (1 to 8 lines each, HS codes,
origins, offices, lanes and times drawn from the reference data); then times
`haiquan history-import` on it in its own process — every record checked (in the import's second
process, which turns each chunk into COPY text), then written by COPY in one transaction — and,
as the machine's limit in the same run, the time the importing process spent in COPY (the
import's own writing step, which it times apart; it includes the foreign-key checks, made per
statement). Peak memory is the maximum resident size of the importing process and of its
checking process; CPU seconds of both, and the load average, say how much the machine gave.

Also registered with bench/run_all.py (`bulk_import`), at the run's scale of a year's volume.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine, postgres_url, prepare_database  # noqa: E402

TARGET_PER_S = 5000
ENTERPRISES = 500

# Runs inside the scratch database's Django: enterprises and an administrator, then the file.
_SETUP = """
import json, random, sys
from haiquan.accounts.services import user_create
from haiquan.refdata.models import Enterprise, Office, Country
from haiquan.tariff.models import HsLine
from stdnum.vn import mst as m
rows = []
n = 0
k = 1000000
while n < {enterprises}:
    k += 1
    body = f"{{k:09d}}"
    mst = body + m.calc_check_digit(body)
    if not m.is_valid(mst):
        continue
    rows.append(Enterprise(mst=mst, name=f"Công ty lịch sử {{n}}", province_code="22"))
    n += 1
Enterprise.objects.bulk_create(rows, ignore_conflicts=True)
user_create(username="bench.import", password=None, role="admin")
print(json.dumps({{
    "msts": [e.mst for e in rows],
    "offices": list(Office.objects.filter(code__regex=r"^[0-9]{{2}}[A-Z]{{2}}$").values_list("code", flat=True)),
    "hs": list(HsLine.objects.values_list("code", "unit")),
    "countries": ["CN", "KR", "JP", "TH", "US", "DE", "VN", "SG", "MY", "ID"],
}}))
"""


def write_file(path: Path, n: int, refs: dict[str, Any], seed: int = 9) -> None:
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    year = 365 * 24 * 3600
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            registered = start + timedelta(seconds=rng.randrange(year))
            lane = rng.choices(["green", "yellow", "red"], [65, 30, 5])[0]
            cleared = registered + timedelta(minutes=rng.randrange(1, 600))
            released = cleared + timedelta(minutes=rng.randrange(5, 300))
            lines = []
            total = 0.0
            for _ in range(rng.randint(1, 8)):
                hs, unit = rng.choice(refs["hs"])
                qty = rng.randint(1, 20000)
                price = round(rng.uniform(0.5, 400), 2)
                value = round(qty * price, 2)
                total += value
                cv = round(value * 25400)
                lines.append(
                    {
                        "hs_code": hs,
                        "description": "Hàng hóa nhập khẩu theo hợp đồng",
                        "origin": rng.choice(refs["countries"][:-4]),
                        "quantity": str(qty),
                        "unit": unit,
                        "unit_price": f"{price:.2f}",
                        "value": f"{value:.2f}",
                        "customs_value_vnd": cv,
                        "import_rate": "5",
                        "import_rate_kind": "mfn",
                        "import_duty_vnd": round(cv * 0.05),
                        "vat_rate": "10",
                        "vat_vnd": round(cv * 1.05 * 0.1),
                    }
                )
            duty = sum(ln["import_duty_vnd"] for ln in lines)
            vat = sum(ln["vat_vnd"] for ln in lines)
            rec = {
                "number": f"5{i:011d}",
                "type_code": "A11",
                "office_code": rng.choice(refs["offices"]),
                "enterprise_mst": rng.choice(refs["msts"]),
                "status": "released",
                "lane": lane,
                "registered_at": registered.isoformat(),
                "cleared_at": cleared.isoformat(),
                "released_at": released.isoformat(),
                "transport_mode": rng.choice(["sea", "road", "air"]),
                "incoterm": "CIF",
                "currency": "USD",
                "exchange_rate": "25400",
                "invoice_value": f"{total:.2f}",
                "partner_country": "CN",
                "duties": {"import_duty_vnd": duty, "vat_vnd": vat, "paid_vnd": duty + vat},
                "lines": lines,
                "containers": [],
            }
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")


_IMPORT = """
import json, os, resource, time
from haiquan.accounts.models import User
from haiquan.clearance import history
actor = User.objects.get(username="bench.import")
load = os.getloadavg()[0]
t0 = time.perf_counter()
with open({path!r}, encoding="utf-8") as f:
    report = history.history_import(stream=f, actor=actor)
total = time.perf_counter() - t0
me, checker = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({{
    "ok": report.ok, "problems": [str(p) for _n, p in report.problems[:5]],
    "declarations": report.declarations, "lines": report.lines, "events": report.events,
    "seconds": total, "write_seconds": report.write_seconds,
    "cpu_seconds": me.ru_utime + me.ru_stime,
    "checker_cpu_seconds": checker.ru_utime + checker.ru_stime,
    "peak_rss_mb": me.ru_maxrss / 1024, "checker_peak_rss_mb": checker.ru_maxrss / 1024,
    "load_before": load, "load_after": os.getloadavg()[0],
}}))
"""


def measure(env: dict[str, str], n: int) -> dict[str, Any]:
    prepare_database(env)
    haiquan = [sys.executable, "-m", "haiquan.config.cli", "shell", "-c"]
    out = subprocess.run(
        [*haiquan, _SETUP.format(enterprises=ENTERPRISES)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    refs = json.loads(out.stdout.strip().splitlines()[-1])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "history.jsonl"
        t = time.perf_counter()
        write_file(path, n, refs)
        made = time.perf_counter() - t
        out = subprocess.run(
            [*haiquan, _IMPORT.format(path=str(path))],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if not result["ok"] or result["declarations"] != n:
        raise RuntimeError(f"import refused or incomplete: {result}")
    result["file_seconds"] = made
    result["rate"] = n / result["seconds"]
    result["write_rate"] = n / result["write_seconds"] if result["write_seconds"] else 0.0
    return result


def _env(db: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": postgres_url(db),
        "DJANGO_SETTINGS_MODULE": "haiquan.config.settings.local",
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--declarations", type=int, default=200_000)
    args = ap.parse_args(argv)
    r = measure(_env("haiquan_bench_import"), args.declarations)
    m = machine()
    print(f"{m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, {m['postgresql']}")
    verdict = (
        "met" if r["rate"] >= TARGET_PER_S else f"missed ({r['rate'] / TARGET_PER_S - 1:+.0%})"
    )
    print(
        f"imported {r['declarations']:,} declarations ({r['lines']:,} lines, {r['events']:,} events) "
        f"in {r['seconds']:.1f} s: {r['rate']:,.0f}/s (target {TARGET_PER_S:,}/s: {verdict}); "
        f"the COPY of the same rows alone (foreign keys checked) {r['write_rate']:,.0f}/s "
        f"(ratio {r['rate'] / r['write_rate']:.2f}); peak memory {r['peak_rss_mb']:.0f} MB"
        + (
            f" (checking process {r['checker_peak_rss_mb']:.0f} MB)"
            if r.get("checker_peak_rss_mb")
            else ""
        )
    )
    print(
        f"CPU: importing process {r['cpu_seconds']:.1f} s, checking process "
        f"{r.get('checker_cpu_seconds', 0.0):.1f} s; load average {r['load_before']:.1f} before, "
        f"{r['load_after']:.1f} after"
    )
    return 0


def _register() -> None:
    from bench.run_all import NATIONAL_DECLARATIONS_PER_YEAR, Context, Result, _gap, benchmark

    @benchmark("bulk_import")
    def bench_bulk_import(ctx: Context) -> list[Result]:
        n = max(5_000, min(2_000_000, int(NATIONAL_DECLARATIONS_PER_YEAR * ctx.scale)))
        r = measure(_env("haiquan_runall_import"), n)
        ok, gap = _gap(r["rate"], TARGET_PER_S, True)
        return [
            Result(
                benchmark=f"bulk import of history ({n:,} declarations, checked, one transaction)",
                throughput=round(r["rate"]),
                # both processes (the checker is forked: pages they share are counted twice)
                peak_rss_mb=round(r["peak_rss_mb"] + r["checker_peak_rss_mb"]),
                target=f">= {TARGET_PER_S:,}/s",
                meets_target=ok,
                target_gap=gap,
                baseline="the same rows by plain COPY, nothing checked",
                baseline_figure=f"{r['write_rate']:,.0f}/s",
                ratio=round(r["rate"] / r["write_rate"], 2) if r["write_rate"] else None,
            )
        ]


if __name__ == "__main__":
    sys.exit(main())
else:
    _register()
