#!/usr/bin/env python3
"""haiquan's two commands for a fresh machine with Python 3.11+ and pip.

    python3 dev.py demo    set everything up, load the demo data and run haiquan on SQLite
    python3 dev.py test    run the whole test suite (lint, types, migrations, tests)

Both create `.venv/` and install the locked dependencies (requirements/dev.lock) on first use.
`DATABASE_URL` selects the database (PostgreSQL in CI and production; SQLite by default).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
LOCK = ROOT / "requirements" / "dev.lock"
STAMP = VENV / ".haiquan-installed"


def run(*cmd: str | Path, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    proc = subprocess.run([str(c) for c in cmd], cwd=ROOT, env=env)
    if proc.returncode != 0:
        sys.exit(proc.returncode)


def ensure_env() -> None:
    if sys.version_info < (3, 11):
        sys.exit("haiquan needs Python 3.11 or newer")
    if not PY.exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256(LOCK.read_bytes() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    run(
        PY,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--require-hashes",
        "-r",
        LOCK,
    )
    run(
        PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps", "-e", "."
    )
    STAMP.write_text(digest)


def demo(args: list[str]) -> None:
    ensure_env()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "haiquan.config.settings.local"}
    run(BIN / "haiquan", "demo", "--serve", *args, env=env)


def test(args: list[str]) -> None:
    ensure_env()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "haiquan.config.settings.test",
        "PYTHONHASHSEED": "0",
    }
    run(BIN / "ruff", "check", ".")
    run(BIN / "ruff", "format", "--check", ".")
    run(BIN / "haiquan", "makemigrations", "--check", "--dry-run", env=env)
    run(BIN / "mypy", "haiquan", env=env)
    workers = os.environ.get("HAIQUAN_TEST_WORKERS", str(min(os.cpu_count() or 1, 2)))
    run(BIN / "pytest", "-n", workers, "--dist", "loadfile", *args, env=env)


COMMANDS = {"demo": demo, "test": test}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[sys.argv[1]](sys.argv[2:])
