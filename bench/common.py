"""Shared by the benchmarks: the machine's description, a scratch database, percentiles."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date
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


def sibling_url(url: str, name: str) -> str:
    """Another database on the same server as `url`."""
    return url.rsplit("/", 1)[0] + "/" + name


def peak_rss_reset() -> None:
    """Measure this process's peak resident memory afresh from now (Linux resets VmHWM when
    5 is written to clear_refs): the phase timed, not the setup before it."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def peak_rss_mb(pid: int | str = "self") -> float | None:
    """A process's peak resident memory (VmHWM) in MB, while it is still running."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def run_json(script: str, args: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run `bench/<script>` with `args` in a child process, its output going to this one's
    stderr, and return the JSON results it writes to `--out`."""
    with tempfile.TemporaryDirectory(prefix="hq-bench-") as tmp:
        out = Path(tmp) / "results.json"
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / script), *args, "--out", str(out)],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=sys.stderr,
        )
        return json.loads(out.read_text())


def _psql(sql: str) -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", sql], check=True
    )


def _database_exists(name: str) -> bool:
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-tAc",
         f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return out.stdout.strip() == "1"


def _schema_digest() -> str:
    """What a freshly migrated database with the reference data depends on: every app's
    migrations, the reference data and tariff files and their loaders, and the day (in case a
    loader dates what it loads)."""
    h = hashlib.sha256(date.today().isoformat().encode())
    app = ROOT / "haiquan"
    files = [
        *app.glob("*/migrations/*.py"),
        *app.glob("*/data/**/*"),
        app / "refdata" / "services.py",
        *app.glob("tariff/services/*.py"),
    ]
    for f in sorted(files):
        if f.is_file():
            h.update(str(f.relative_to(ROOT)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:12]


def template_database(env: dict[str, str]) -> str:
    """A migrated database holding the reference data, made once for each state of the
    migrations and data (`_schema_digest`) and kept: scratch databases are copies of it, which
    PostgreSQL makes in seconds where migrating and loading take a minute."""
    name = f"haiquan_bench_template_{_schema_digest()}"
    if _database_exists(name):
        return name
    building = f"{name}_{os.getpid()}"
    _psql(f'DROP DATABASE IF EXISTS "{building}"')
    _psql(f'CREATE DATABASE "{building}"')
    env = {**env, "DATABASE_URL": sibling_url(env["DATABASE_URL"], building)}
    haiquan = [sys.executable, "-m", "haiquan.config.cli"]
    subprocess.run([*haiquan, "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [*haiquan, "load_refdata"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )
    if _database_exists(name):  # another run made it meanwhile
        _psql(f'DROP DATABASE "{building}"')
        return name
    _psql(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
    # Templates of earlier migrations are of no more use (one in use stays: no FORCE); one that
    # another run is building (named with its pid) is not yet a template.
    old = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-tAc",
         "SELECT datname FROM pg_database WHERE datname ~ '^haiquan_bench_template_[0-9a-f]{12}$' "
         f"AND datname <> '{name}'"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    for other in old:
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc",
             f'DROP DATABASE IF EXISTS "{other}"'],
            capture_output=True,
        )  # fmt: skip
    return name


def database_create(env: dict[str, str]) -> None:
    """The database of env's DATABASE_URL, dropped if there and made again: migrated, with the
    reference data (a copy of `template_database`)."""
    name = env["DATABASE_URL"].rsplit("/", 1)[1]
    template = template_database(env)
    _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _psql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


def prepare_database(env: dict[str, str]) -> dict[str, str]:
    """A fresh database with the reference data, one enterprise, its declarant and a token."""
    database_create(env)
    return bench_parties(env)


def bench_parties(env: dict[str, str]) -> dict[str, str]:
    """In env's database (migrated, with the reference data): one enterprise, its declarant
    `bench` with a token, a second declarant `bench.reader` with a reading token (who reads the
    enterprise's lists while `bench` files), and the analyst who loads the demo's profiles."""
    haiquan = [sys.executable, "-m", "haiquan.config.cli"]
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
        "week = timezone.now() + timedelta(days=7)\n"
        "r = user_create(username='bench.reader', password=None, role='declarant', enterprise_msts=[e.mst])\n"
        "print(token_create(user=r, name='bench', scopes=['read'], expires_at=week)[1])\n"
        "print(token_create(user=u, name='bench', scopes=['read', 'file', 'pay'], expires_at=week)[1])\n"
    )
    out = subprocess.run(
        [*haiquan, "shell", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if out.returncode != 0:
        raise RuntimeError(f"making the bench's parties failed: {out.stderr[-3000:]}")
    reader_token, token = out.stdout.strip().splitlines()[-2:]
    return {"token": token, "reader_token": reader_token, "mst": "5700100256"}


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # loopback only
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


# --- CPU per operation (issue 18): survives a machine shared with other work --------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def proc_cpu_s(pid: int) -> float | None:
    """utime + stime of a process in seconds (fields 14 and 15 of /proc/<pid>/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def children_of(master: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                pids.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return sorted(pids)


def backend_pids(database: str, port: int = 5432) -> list[int]:
    """The PostgreSQL client backends connected to `database` (the server runs on this
    machine: their /proc entries are readable)."""
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "postgres", "-tAc",
         "SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend' "
         f"AND datname = '{database}' AND pid <> pg_backend_pid()"],
        capture_output=True, text=True,
    )  # fmt: skip
    return [int(p) for p in out.stdout.split()]


class CpuMeter:
    """CPU seconds spent by a gunicorn master's workers and by the PostgreSQL backends of a
    database between start() and stop(): processes that appear meanwhile count from zero."""

    def __init__(self, master: int | None, database: str, port: int = 5432) -> None:
        self.master, self.database, self.port = master, database, port
        self._before: dict[str, dict[int, float]] = {}

    def _snapshot(self) -> dict[str, dict[int, float]]:
        groups = {
            "server": children_of(self.master) if self.master else [],
            "db": backend_pids(self.database, self.port),
        }
        return {
            name: {p: c for p in pids if (c := proc_cpu_s(p)) is not None}
            for name, pids in groups.items()
        }

    def start(self) -> None:
        self._before = self._snapshot()

    def stop(self) -> dict[str, float]:
        after = self._snapshot()
        return {
            name: sum(c - self._before.get(name, {}).get(p, 0.0) for p, c in now.items())
            for name, now in after.items()
        }
