#!/usr/bin/env python3
"""haiquan's two commands for a fresh machine with Python 3.11+ and pip.

    python3 dev.py demo    set everything up, load the demo data and run haiquan on SQLite
    python3 dev.py test    run the whole test suite (lint, types, imports, migrations, tests)

and one for a network cut off from the internet:

    python3 dev.py bundle [DIR]   write an offline bundle: the wheels of the lock and the lock
                                  (default DIR: ./bundle; --production: requirements/base.lock
                                  only; --platform TAG --python-version X.Y for another machine)

Both commands create `.venv/` and install the locked dependencies (requirements/dev.lock) on first
use. The lock alone decides what is installed: every package, each extra's included, is pinned
there with its hashes, pip installs exactly those wheels (--no-deps --require-hashes
--only-binary), builds haiquan with the locked setuptools (--no-build-isolation) and then checks
that what is installed fits together (pip check). Nothing is resolved against the index, so the
result is the same with the pip Python bundles and with the newest.

When a bundle is found (`HAIQUAN_BUNDLE`, or `./bundle`), the install reads only its wheels and
never asks an index. `DATABASE_URL` selects the database (PostgreSQL in CI and production; SQLite
by default).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
LOCKS = ROOT / "requirements"
LOCK = LOCKS / "dev.lock"
STAMP = VENV / ".haiquan-installed"
DEFAULT_BUNDLE = ROOT / "bundle"


def run(*cmd: str | Path, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    proc = subprocess.run([str(c) for c in cmd], cwd=ROOT, env=env)
    if proc.returncode != 0:
        sys.exit(proc.returncode)


def pip(*args: str | Path) -> None:
    run(PY, "-m", "pip", "--disable-pip-version-check", *args)


def bundle_dir() -> Path | None:
    """The offline bundle to install from, if there is one."""
    named = os.environ.get("HAIQUAN_BUNDLE")
    if named:
        path = Path(named).resolve()
        if not (path / "wheels").is_dir():
            sys.exit(
                f"HAIQUAN_BUNDLE={named}: no wheels/ folder there (make one with dev.py bundle)"
            )
        return path
    return DEFAULT_BUNDLE if (DEFAULT_BUNDLE / "wheels").is_dir() else None


def sources(bundle: Path | None) -> list[str]:
    """Where pip may take wheels from: the bundle alone when there is one."""
    if bundle is None:
        return []
    shipped = bundle / "requirements" / LOCK.name
    if shipped.exists() and shipped.read_bytes() != LOCK.read_bytes():
        sys.exit(
            f"the bundle in {bundle} was made from another {LOCK.name} than this checkout's; "
            "make it again with dev.py bundle from this checkout"
        )
    return ["--no-index", "--find-links", str(bundle / "wheels")]


def ensure_env() -> None:
    if sys.version_info < (3, 11):
        sys.exit("haiquan needs Python 3.11 or newer")
    if not PY.exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256(LOCK.read_bytes() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    bundle = bundle_dir()
    if bundle is not None:
        print(f"installing from the offline bundle in {bundle}", flush=True)
    where = sources(bundle)
    # Exactly the locked wheels: no resolution, no dependency taken from anywhere but the lock.
    pip(
        "install",
        "--quiet",
        "--no-deps",
        "--require-hashes",
        "--only-binary",
        ":all:",
        *where,
        "-r",
        LOCK,
    )
    # haiquan itself, built by the locked setuptools just installed.
    pip("install", "--quiet", "--no-deps", "--no-build-isolation", *where, "-e", ".")
    pip("check")
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
    # The lock first: a package haiquan or a dependency needs and the lock lacks fails here.
    run(PY, "-m", "haiquan.core.lockcheck", env=env)
    run(BIN / "ruff", "check", ".")
    run(BIN / "ruff", "format", "--check", ".")
    run(BIN / "haiquan", "makemigrations", "--check", "--dry-run", env=env)
    run(BIN / "mypy", "haiquan", env=env)
    # The import contract: the apps' layers, no cycles, no demo (pyproject.toml [tool.importlinter]).
    run(BIN / "lint-imports", "--no-cache")
    workers = os.environ.get("HAIQUAN_TEST_WORKERS", str(min(os.cpu_count() or 1, 2)))
    run(BIN / "pytest", "-n", workers, "--dist", "loadfile", *args, env=env)


def bundle(args: list[str]) -> None:
    """Write the offline bundle: the lock's wheels for the target platform, and the locks."""
    lock = LOCK
    platform: list[str] = []
    target = DEFAULT_BUNDLE
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        if arg == "--production":
            lock = LOCKS / "base.lock"
        elif arg in ("--platform", "--python-version", "--implementation", "--abi"):
            if not rest:
                sys.exit(f"{arg} needs a value")
            platform += [arg, rest.pop(0)]
        elif arg.startswith("-"):
            sys.exit(__doc__)
        else:
            target = Path(arg).resolve()
    if not PY.exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wheels = target / "wheels"
    if wheels.exists():
        shutil.rmtree(wheels)
    wheels.mkdir(parents=True)
    pip(
        "download",
        "--quiet",
        "--no-deps",
        "--require-hashes",
        "--only-binary",
        ":all:",
        *platform,
        "-r",
        lock,
        "-d",
        wheels,
    )
    (target / "requirements").mkdir(exist_ok=True)
    for name in ("dev.lock", "base.lock", "build.in"):
        shutil.copy2(LOCKS / name, target / "requirements" / name)
    sums = [
        f"{hashlib.sha256(path.read_bytes()).hexdigest()}  wheels/{path.name}"
        for path in sorted(wheels.iterdir())
    ]
    (target / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    print(
        f"{len(sums)} wheels of {lock.relative_to(ROOT)} in {target}. On the machine with no index:\n"
        f"  copy this checkout and the bundle, then: HAIQUAN_BUNDLE={target} python3 dev.py demo\n"
        f"  (a bundle in ./bundle is found without HAIQUAN_BUNDLE)",
        flush=True,
    )


COMMANDS = {"demo": demo, "test": test, "bundle": bundle}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[sys.argv[1]](sys.argv[2:])
