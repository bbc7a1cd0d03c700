"""The import contract (pyproject.toml `[tool.importlinter]`, docs/architecture.md "Layers").

`lint-imports` is run on the checkout, then on a copy of haiquan's Python files with one
forbidden import added: each must break the contract that forbids it, naming the importer.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import haiquan

ROOT = Path(haiquan.__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(root: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    """`lint-imports` in `root`, finding the haiquan package of `root` first."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    selected = [arg for contract in contracts for arg in ("--contract", contract)]
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", *selected],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """haiquan's Python files and pyproject.toml, in a folder of their own."""
    root = tmp_path_factory.mktemp("contract")
    shutil.copytree(
        ROOT / "haiquan",
        root / "haiquan",
        ignore=lambda folder, names: [
            n for n in names if not n.endswith(".py") and not (Path(folder) / n).is_dir()
        ],
    )
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def test_the_checkout_keeps_the_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_copy_keeps_it_too(copy: Path):
    # Without this, a probe could break the contract for some reason of the copy's own.
    result = lint_imports(copy)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("importer", "source", "contract", "named"),
    [
        # production code of an app may not use the demo
        (
            "clearance/contract_probe.py",
            "from haiquan.demo import models\n",
            "no-demo",
            ["haiquan.clearance.contract_probe -> haiquan.demo.models"],
        ),
        (
            "riskml/contract_probe.py",
            "import haiquan.demo.models\n",
            "no-demo",
            ["haiquan.riskml.contract_probe -> haiquan.demo.models"],
        ),
        # nor another app's demo plug-in (`haiquan demo` alone loads them)
        (
            "eservices/contract_probe.py",
            "from haiquan.transit import demo\n",
            "no-demo",
            ["haiquan.eservices.contract_probe -> haiquan.transit.demo"],
        ),
        # a lower layer may not import a higher one, even inside a function
        (
            "core/contract_probe.py",
            "def f():\n    from haiquan.clearance.choices import Status\n    return Status\n",
            "layers",
            ["haiquan.core.contract_probe -> haiquan.clearance.choices"],
        ),
        (
            "risk/contract_probe.py",
            "from haiquan.clearance import models\n",
            "layers",
            ["haiquan.risk.contract_probe -> haiquan.clearance.models"],
        ),
        # the two reaches up the contract let through until #17 gave them extension points:
        # the classification assistant's history (now sources clearance and eservices register)
        # and the declaration page's receipts (now a panel payments fills)
        (
            "tariff/assistant/contract_probe.py",
            "from haiquan.clearance.models import DeclarationLine\n",
            "layers",
            ["haiquan.tariff.assistant.contract_probe -> haiquan.clearance.models"],
        ),
        (
            "clearance/views/contract_probe.py",
            "from haiquan.payments.selectors import receipts_list\n",
            "layers",
            ["haiquan.clearance.views.contract_probe -> haiquan.payments.selectors"],
        ),
        # two parts of the same layer may use each other one way, never both ways
        (
            "payments/contract_probe.py",
            "from haiquan.stats import aggregates\n",
            "acyclic",
            ["No cycles are allowed in haiquan.", "stats", "payments"],
        ),
    ],
)
def test_a_forbidden_import_breaks_the_contract(
    copy: Path, importer: str, source: str, contract: str, named: list[str]
):
    probe = copy / "haiquan" / importer
    probe.write_text(source)
    try:
        result = lint_imports(copy, contract)
    finally:
        probe.unlink()
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 broken" in result.stdout
    for words in named:
        assert words in result.stdout, result.stdout
