"""A carrier's CUSCAR manifest imported and targeted (issue 21: a 5,000-bill manifest).

    .venv/bin/python bench/manifest_import.py [--bills 5000]

Makes a scratch PostgreSQL database with the reference data and the demo's risk profiles, a
shipping agent and 200 consignees (one in ten of low compliance); writes a CUSCAR file of a real
shape (`haiquan/manifests/tests/cuscar_sample.py`: master and house bills, 1 to 3 goods items a
bill, FCL containers with seals); then, in its own process, times `services.cuscar_file` — the
file parsed by pydifact, every segment and value checked, the bills, goods and containers written
in one transaction, every bill targeted — and, as the machine's limit in the same run, one plain
COPY per table of the very rows written (bills, goods items, containers) under a second voyage,
nothing checked. Peak memory is the importing process's resident peak (VmHWM) over the timed
part; CPU seconds are reported beside the wall time (the machine is shared).

Also registered with bench/run_all.py (`manifest_import`).
"""

# The script run in the scratch database's Django (`_RUN`) keeps its long lines whole.
# ruff: noqa: E501
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine, postgres_url, prepare_database  # noqa: E402

BILLS = 5_000

_RUN = """
import io, json, os, resource, time
from pathlib import Path
from django.db import connection, transaction
from stdnum.vn import mst as m
from haiquan.accounts.models import User
from haiquan.accounts.services import user_create
from haiquan.manifests.models import Bill, BillContainer, GoodsItem, Voyage
from haiquan.manifests.services import cuscar_file
from haiquan.manifests.tests.cuscar_sample import cuscar_text, sample_bills
from haiquan.refdata.models import Enterprise

rows, k = [], 3000000
while len(rows) < 200:
    k += 1
    body = f"{{k:09d}}"
    mst = body + m.calc_check_digit(body)
    if m.is_valid(mst):
        rank = "low" if len(rows) % 10 == 0 else "high"
        rows.append(Enterprise(mst=mst, name=f"Công ty nhập khẩu {{len(rows)}}", province_code="22", compliance_rank=rank))
Enterprise.objects.bulk_create(rows)
agent = Enterprise.objects.create(mst="0100100079", name="Đại lý hàng hải (bench)", province_code="22")
carrier = user_create(username="bench.carrier", password=None, role="carrier", employer_mst=agent.mst)
text = cuscar_text(sample_bills({bills}, [(e.mst, e.name) for e in rows]))

def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime

Path("/proc/self/clear_refs").write_text("5")
load = os.getloadavg()[0]
c0, t0 = cpu(), time.perf_counter()
voyage = cuscar_file(actor=carrier, text=text)
seconds, cpu_seconds = time.perf_counter() - t0, cpu() - c0
peak = next(int(x.split()[1]) / 1024 for x in Path("/proc/self/status").read_text().splitlines() if x.startswith("VmHWM:"))
bills = Bill.objects.filter(voyage=voyage).count()
goods = GoodsItem.objects.filter(bill__voyage=voyage).count()
containers = BillContainer.objects.filter(bill__voyage=voyage).count()
flagged = Bill.objects.filter(voyage=voyage).exclude(risk_flags=[]).count()

# The baseline: the same rows again by one COPY per table, under a second voyage.
copy_voyage = Voyage.objects.create(
    reference="COPY", carrier=agent, filed_by=carrier, mode="sea", transport_means_id="9321483",
    conveyance_reference="COPY", loading_location="CNSHA", office=voyage.office,
    estimated_arrival=voyage.estimated_arrival, source="api",
)
bill_cols = ["number", "kind", "master_number", "consignor_name", "consignor_address", "consignee_name",
             "consignee_mst", "consignee_id", "notify_name", "packages", "gross_mass_kg", "risk_flags"]
bill_rows = list(Bill.objects.filter(voyage=voyage).order_by("pk").values_list("pk", *bill_cols))
goods_rows = list(GoodsItem.objects.filter(bill__voyage=voyage).values_list(
    "bill_id", "sequence", "hs_code", "description", "packages", "package_kind", "gross_mass_kg"))
box_rows = list(BillContainer.objects.filter(bill__voyage=voyage).values_list("bill_id", "number", "seals"))
with connection.cursor() as cur:
    cur.execute("SELECT max(id) FROM manifests_bill")
    offset = cur.fetchone()[0]

def tsv(rows):
    out = io.StringIO()
    for r in rows:
        out.write("\\t".join("\\\\N" if v is None else (json.dumps(v) if isinstance(v, list) else str(v).replace("\\t", " ").replace("\\n", " ").replace("\\\\", "\\\\\\\\")) for v in r) + "\\n")
    return out.getvalue()

copy_rows = [(pk + offset, copy_voyage.pk, *rest) for pk, *rest in bill_rows]
c1, t1 = cpu(), time.perf_counter()
with transaction.atomic(), connection.cursor() as cur:
    raw = cur.cursor
    with raw.copy("COPY manifests_bill (id, voyage_id, " + ", ".join(bill_cols) + ") FROM STDIN") as cp:
        cp.write(tsv(copy_rows))
    with raw.copy("COPY manifests_goodsitem (bill_id, sequence, hs_code, description, packages, package_kind, gross_mass_kg) FROM STDIN") as cp:
        cp.write(tsv([(b + offset, *rest) for b, *rest in goods_rows]))
    with raw.copy("COPY manifests_billcontainer (bill_id, number, seals) FROM STDIN") as cp:
        cp.write(tsv([(b + offset, *rest) for b, *rest in box_rows]))
copy_seconds, copy_cpu = time.perf_counter() - t1, cpu() - c1
print(json.dumps({{
    "bills": bills, "goods": goods, "containers": containers, "flagged": flagged,
    "file_bytes": len(text.encode()), "segments": text.count("'"),
    "seconds": seconds, "cpu_seconds": cpu_seconds, "peak_rss_mb": peak,
    "copy_seconds": copy_seconds, "copy_cpu_seconds": copy_cpu,
    "load_before": load, "load_after": os.getloadavg()[0],
}}))
"""


def measure(env: dict[str, str], bills: int) -> dict[str, Any]:
    prepare_database(env)
    out = subprocess.run(
        [sys.executable, "-m", "haiquan.config.cli", "shell", "-c", _RUN.format(bills=bills)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    if result["bills"] != bills:
        raise RuntimeError(f"manifest incomplete: {result}")
    return result


def _env(db: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": postgres_url(db),
        "DJANGO_SETTINGS_MODULE": "haiquan.config.settings.local",
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bills", type=int, default=BILLS)
    args = ap.parse_args(argv)
    r = measure(_env("haiquan_bench_manifest"), args.bills)
    m = machine()
    print(f"{m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, {m['postgresql']}")
    print(
        f"CUSCAR of {r['bills']:,} bills ({r['goods']:,} goods items, {r['containers']:,} "
        f"containers, {r['segments']:,} segments, {r['file_bytes'] / 1e6:.1f} MB) imported and "
        f"targeted in {r['seconds']:.1f} s ({r['cpu_seconds']:.1f} s CPU, "
        f"{r['bills'] / r['seconds']:,.0f} bills/s), {r['flagged']:,} bills flagged; peak "
        f"memory {r['peak_rss_mb']:.0f} MB. Plain COPY of the same rows: {r['copy_seconds']:.2f} s "
        f"({r['copy_cpu_seconds']:.2f} s CPU). Load average {r['load_before']:.1f} before, "
        f"{r['load_after']:.1f} after."
    )
    return 0


def _register() -> None:
    from bench.run_all import Context, Result, benchmark

    @benchmark("manifest_import")
    def bench_manifest_import(ctx: Context) -> list[Result]:
        r = measure(_env("haiquan_runall_manifest"), BILLS)
        rate = r["bills"] / r["seconds"]
        copy_rate = r["bills"] / r["copy_seconds"]
        return [
            Result(
                benchmark=f"CUSCAR manifest of {r['bills']:,} bills imported and targeted",
                throughput=round(rate),
                unit=" bills/s",
                peak_rss_mb=round(r["peak_rss_mb"]),
                baseline="the same rows by plain COPY, nothing checked",
                baseline_figure=f"{copy_rate:,.0f} bills/s",
                ratio=round(rate / copy_rate, 3),
                notes=f"{r['cpu_seconds']:.1f} s CPU; {r['flagged']:,} bills flagged",
            )
        ]


if __name__ == "__main__":
    sys.exit(main())
else:
    _register()
