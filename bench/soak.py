"""Soak: mixed load for a long time, watching errors and the web workers' memory.

    .venv/bin/python bench/soak.py [--minutes 10] [--clients 8] [--workers 2]

Starts haiquan behind gunicorn on a scratch PostgreSQL database (`BENCH_DATABASE_URL`,
default haiquan_soak) and keeps a mix of traffic going, as a working day would:

    filing (5-line import declarations, with Idempotency-Key)   30%
    reading a declaration                                       20%
    listing declarations                                        15%
    paying: order + the bank's signed confirmation (clears)     15%
    officer: queue + document check of a yellow declaration     10%
    tariff search                                               10%

Every few seconds it samples the resident memory (VmRSS) of each gunicorn worker. The report
gives requests, errors and p50/p99 per kind, and each worker's memory after warm-up against
the end of the run. Exits 1 on any error (a 5xx, or a 4xx the mix never expects) or when a
worker grew by more than --max-growth-mb after warm-up.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine, percentile, postgres_url, prepare_database, wait_http  # noqa: E402
from bench.submit import declaration_body  # noqa: E402

MIX = [
    ("file", 30),
    ("read", 20),
    ("list", 15),
    ("pay", 15),
    ("officer", 10),
    ("tariff", 10),
]

_EXTRA = """
import json
from datetime import timedelta
from django.utils import timezone
from haiquan.accounts.services import token_create, user_create
from haiquan.payments.services import bank_create
from haiquan.refdata.services import enterprise_create
from haiquan.refdata.tests.factories import valid_mst
o = user_create(username='bench.officer', password=None, role='officer', office_codes=['20CD'],
                system_account=True)
week = timezone.now() + timedelta(days=7)
e = enterprise_create(mst=valid_mst(7777), name='Công ty TNHH Mới Thành Lập (bench)',
                      province_code='22', compliance_rank='low')
d = user_create(username='bench.low', password=None, role='declarant', enterprise_msts=[e.mst])
bank, secret = bank_create(code='VCB', name='Ngân hàng TMCP Ngoại thương Việt Nam')
print(json.dumps({'officer': token_create(user=o, name='bench', scopes=['read', 'customs'],
                                          expires_at=week, purpose='soak benchmark')[1],
                  'low': token_create(user=d, name='bench', scopes=['read', 'file', 'pay'],
                                      expires_at=week)[1], 'low_mst': e.mst,
                  'bank': bank.code, 'secret': secret}))
"""


def prepare_world(env: dict[str, str]) -> dict[str, str]:
    """The submission benchmark's database, plus an officer of 20CD, a low-compliance trader
    (its declarations go yellow, for the officer's queue) and a bank that signs payments."""
    setup = prepare_database(env)
    out = subprocess.run(
        [sys.executable, "-m", "haiquan.config.cli", "shell", "-c", _EXTRA],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return {**setup, **json.loads(out.stdout.strip().splitlines()[-1])}


def start_server(env: dict[str, str], workers: int, port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "haiquan.config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "error",
        ],
        cwd=ROOT,
        env=env,
    )
    wait_http(f"http://127.0.0.1:{port}/api/v1/openapi.json")
    return proc


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def worker_pids(master: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                pids.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return sorted(pids)


def signed_headers(bank: str, secret: str, raw: bytes) -> dict[str, str]:
    from haiquan.payments.signing import sign

    ts = str(int(time.time()))
    return {
        "X-Bank-Code": bank,
        "X-Timestamp": ts,
        "X-Signature": sign(secret, ts, raw),
        "Content-Type": "application/json",
    }


class Mix:
    """One client's view of the world, and the operations it draws from MIX."""

    def __init__(self, base: str, world: dict[str, str], seed: int) -> None:
        self.w = world
        self.rng = random.Random(seed)
        self.trader = httpx.Client(
            base_url=base, timeout=30, headers={"Authorization": f"Bearer {world['token']}"}
        )
        self.low = httpx.Client(
            base_url=base, timeout=30, headers={"Authorization": f"Bearer {world['low']}"}
        )
        self.officer = httpx.Client(
            base_url=base, timeout=30, headers={"Authorization": f"Bearer {world['officer']}"}
        )
        self.bank = httpx.Client(base_url=base, timeout=30)
        self.mine: list[dict[str, Any]] = []  # declarations this client filed
        self.i = seed * 10**6

    def close(self) -> None:
        for c in (self.trader, self.low, self.officer, self.bank):
            c.close()

    def _file(self, client: httpx.Client, mst: str) -> httpx.Response:
        self.i += 1
        resp = client.post(
            "/api/v1/declarations",
            json=declaration_body(mst, 5, self.i),
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        if resp.status_code == 201:
            self.mine.append(resp.json())
        return resp

    def file(self) -> list[httpx.Response]:
        if self.rng.random() < 0.3:  # some low-compliance filings: the officers' work
            return [self._file(self.low, self.w["low_mst"])]
        return [self._file(self.trader, self.w["mst"])]

    def read(self) -> list[httpx.Response]:
        if not self.mine:
            return self.file()
        d = self.rng.choice(self.mine)
        client = self.low if d["enterprise"]["mst"] == self.w["low_mst"] else self.trader
        return [client.get(f"/api/v1/declarations/{d['id']}")]

    def list(self) -> list[httpx.Response]:
        return [self.trader.get("/api/v1/declarations", params={"limit": 20})]

    def pay(self) -> list[httpx.Response]:
        due = [
            d
            for d in self.mine
            if d["status"] == "awaiting_payment" and d["enterprise"]["mst"] == self.w["mst"]
        ]
        if not due:
            return self.file()
        d = due[0]
        d["status"] = "paying"
        order = self.trader.post(
            "/api/v1/payments/orders", json={"declaration_number": d["number"]}
        )
        if order.status_code != 201:
            return [order]
        o = order.json()
        raw = json.dumps(
            {
                "order_reference": o["reference"],
                "bank_transaction_id": f"FT{uuid.uuid4().hex[:16]}",
                "amount_vnd": o["amount_vnd"],
                "paid_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
            }
        ).encode()
        confirm = self.bank.post(
            "/api/v1/payments/confirmations",
            content=raw,
            headers=signed_headers(self.w["bank"], self.w["secret"], raw),
        )
        return [order, confirm]

    def officer_work(self) -> list[httpx.Response]:
        queue = self.officer.get("/api/v1/declarations/queue", params={"limit": 5})
        out = [queue]
        items = queue.json().get("items", []) if queue.status_code == 200 else []
        yellow = [d for d in items if d["status"] == "document_check"]
        if yellow:
            d = self.rng.choice(yellow)
            check = self.officer.post(
                f"/api/v1/declarations/{d['id']}/document-check",
                json={"outcome": "match", "findings": "Hồ sơ đầy đủ", "version": d["version"]},
            )
            out.append(check)
        return out

    def tariff(self) -> list[httpx.Response]:
        q = self.rng.choice(["thanh long", "8471", "điện thoại", "ao phong", "0810"])
        return [self.trader.get("/api/v1/tariff/lines", params={"q": q, "limit": 10})]

    def run(self, kind: str) -> list[httpx.Response]:
        return {
            "file": self.file,
            "read": self.read,
            "list": self.list,
            "pay": self.pay,
            "officer": self.officer_work,
            "tariff": self.tariff,
        }[kind]()


# Two officers (or two clients) may act on the same declaration: the second is told 409.
EXPECTED_REFUSALS = {409}


def soak(
    base: str, world: dict[str, str], master: int, minutes: float, clients: int
) -> dict[str, Any]:
    stop = threading.Event()
    lat: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    counts: dict[str, int] = defaultdict(int)
    conflicts = 0
    lock = threading.Lock()
    samples: dict[int, list[tuple[float, float]]] = defaultdict(list)
    kinds = [k for k, _w in MIX]
    weights = [w for _k, w in MIX]

    def client(n: int) -> None:
        nonlocal conflicts
        mix = Mix(base, world, n + 1)
        try:
            while not stop.is_set():
                kind = mix.rng.choices(kinds, weights)[0]
                t0 = time.perf_counter()
                try:
                    answers = mix.run(kind)
                except httpx.HTTPError as exc:
                    with lock:
                        errors.append(f"{kind}: {type(exc).__name__} {exc}")
                    continue
                dt = time.perf_counter() - t0
                with lock:
                    counts[kind] += 1
                    lat[kind].append(dt)
                    for r in answers:
                        if r.status_code in EXPECTED_REFUSALS:
                            conflicts += 1
                        elif r.status_code >= 400:
                            errors.append(f"{kind}: {r.status_code} {r.text[:200]}")
        finally:
            mix.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    start = time.time()
    for t in threads:
        t.start()
    end = start + minutes * 60
    while time.time() < end:
        for pid in worker_pids(master):
            mb = rss_mb(pid)
            if mb is not None:
                samples[pid].append((time.time() - start, mb))
        time.sleep(2)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    elapsed = time.time() - start
    return {
        "elapsed_s": round(elapsed, 1),
        "requests": dict(counts),
        "per_second": round(sum(counts.values()) / elapsed, 1),
        "p50_ms": {k: round(percentile(v, 50) * 1000, 1) for k, v in lat.items()},
        "p99_ms": {k: round(percentile(v, 99) * 1000, 1) for k, v in lat.items()},
        "conflicts_409": conflicts,
        "errors": len(errors),
        "first_errors": errors[:10],
        "memory": memory_growth(samples, elapsed),
    }


def memory_growth(samples: dict[int, list[tuple[float, float]]], elapsed: float) -> dict:
    """Per worker: median RSS of the second fifth of the run (after warm-up) against the last
    fifth. A worker replaced during the run (it should not be) shows up as a new pid."""
    out = {}
    for pid, series in samples.items():
        warm = [mb for t, mb in series if elapsed * 0.2 <= t < elapsed * 0.4]
        last = [mb for t, mb in series if t >= elapsed * 0.8]
        if not warm or not last:
            continue
        out[pid] = {
            "after_warmup_mb": round(statistics.median(warm), 1),
            "end_mb": round(statistics.median(last), 1),
            "peak_mb": round(max(mb for _t, mb in series), 1),
            "growth_mb": round(statistics.median(last) - statistics.median(warm), 1),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--port", type=int, default=8772)
    ap.add_argument("--max-growth-mb", type=float, default=25)
    args = ap.parse_args(argv)
    env = {
        **os.environ,
        "DATABASE_URL": postgres_url("haiquan_soak"),
        "DJANGO_SETTINGS_MODULE": "haiquan.config.settings.local",
        "HAIQUAN_CONN_MAX_AGE": "600",
        "HAIQUAN_API_RATE_PER_SECOND": "0",
    }
    world = prepare_world(env)
    server = start_server(env, args.workers, args.port)
    try:
        result = soak(
            f"http://127.0.0.1:{args.port}", world, server.pid, args.minutes, args.clients
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    report = {
        "benchmark": "soak (mixed load, HTTP API, PostgreSQL, gunicorn)",
        "minutes": args.minutes,
        "clients": args.clients,
        "workers": args.workers,
        "machine": machine(),
        **result,
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"soak-{time.strftime('%Y%m%dT%H%M%S')}.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2, ensure_ascii=False))
    grew = {
        p: m["growth_mb"]
        for p, m in result["memory"].items()
        if m["growth_mb"] > args.max_growth_mb
    }
    failed = result["errors"] > 0 or bool(grew)
    print(
        f"\nsoak: {result['errors']} errors; workers grew "
        f"{[m['growth_mb'] for m in result['memory'].values()]} MB after warm-up "
        f"(limit {args.max_growth_mb} MB) -> {'FAIL' if failed else 'ok'}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
