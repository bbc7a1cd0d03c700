"""Shared by the benchmarks: the machine's description, a scratch database, percentiles."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(
            next(
                ln
                for ln in Path("/proc/meminfo").read_text().splitlines()
                if ln.startswith("MemTotal")
            ).split()[1]
        )
    except (OSError, StopIteration, ValueError):
        mem_kb = 0
    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "os": platform.platform(),
        "postgresql": pg,
    }


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def postgres_url(name: str) -> str:
    base = os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{name}")
    return base


def _psql(sql: str) -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", sql], check=True
    )


def prepare_database(env: dict[str, str]) -> dict[str, str]:
    """A fresh database with the reference data, one enterprise, its declarant and a token."""
    name = env["DATABASE_URL"].rsplit("/", 1)[1]
    _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _psql(f'CREATE DATABASE "{name}"')
    haiquan = [sys.executable, "-m", "haiquan.config.cli"]
    subprocess.run([*haiquan, "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [*haiquan, "load_refdata"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )
    code = (
        "from datetime import timedelta\n"
        "from decimal import Decimal\n"
        "from django.utils import timezone\n"
        "from haiquan.accounts.services import user_create, token_create\n"
        "from haiquan.refdata.services import enterprise_create, exchange_rate_set\n"
        "from haiquan.risk.demo_profiles import demo_profiles_load\n"
        "e = enterprise_create(mst='5700100256', name='Công ty CP Cảng Quảng Ninh (bench)', province_code='22',"
        " compliance_rank='high')\n"
        "u = user_create(username='bench', password=None, role='declarant', enterprise_msts=[e.mst])\n"
        "a = user_create(username='bench.analyst', password=None, role='analyst')\n"
        "demo_profiles_load(actor=a)\n"
        "t = timezone.localdate()\n"
        "for d in (-1, 0, 1):\n"
        "    exchange_rate_set(currency='USD', day=t + timedelta(days=d), rate_vnd=Decimal('25400'))\n"
        "print(token_create(user=u, name='bench')[1])\n"
    )
    out = subprocess.run(
        [*haiquan, "shell", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return {"token": out.stdout.strip().splitlines()[-1], "mst": "5700100256"}


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # loopback only
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout}s")
