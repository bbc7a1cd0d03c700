"""bench/run_all.py finds every benchmark, and the peak-memory reading it reports is right.

Part of the suite (testpaths), so a plugin that stops registering fails CI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.common import peak_rss_mb, peak_rss_reset

ROOT = Path(__file__).resolve().parent.parent


def _run_all(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run_all.py"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_command_lists_its_own_benchmarks_and_every_plugins():
    # Run as a script, the module is __main__: plugins must still register with it.
    out = _run_all("--list")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [
        "submission",
        "green-clearance",
        "worker-rss",
        "bulk_import",
        "telemetry",
        "timerelease",
        "statistics",
        "risk_scoring",
        "tariff",
        "notifications",
        "manifest_import",
    ]


def test_an_unknown_name_is_refused_naming_the_known_ones():
    out = _run_all("--only", "telemetry,nope")
    assert out.returncode == 2
    assert "unknown benchmarks ['nope']" in out.stderr
    assert "'risk_scoring'" in out.stderr


def test_peak_memory_is_measured_from_the_reset():
    block = bytearray(200 * 2**20)
    block[::4096] = b"x" * len(block[::4096])  # touch every page: resident
    with_block = peak_rss_mb()
    del block
    peak_rss_reset()
    after = peak_rss_mb()
    assert with_block is not None and after is not None
    assert with_block - after > 150


def test_cpu_per_operation_reads_a_process_s_own_cpu_time():
    import os

    from bench.common import CpuMeter, proc_cpu_s

    before = proc_cpu_s(os.getpid())
    assert before is not None
    meter = CpuMeter(os.getppid(), "no_such_database")
    meter.start()
    spent = sum(i * i for i in range(3_000_000))  # some CPU of this process
    after = proc_cpu_s(os.getpid())
    assert spent and after is not None and after > before
    assert meter.stop()["db"] == 0  # no backend of a database that does not exist
