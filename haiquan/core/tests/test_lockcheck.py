"""The lock decides the install: the check the test command runs first catches a lock that lacks a
package, pins one that does not fit, or misses what haiquan imports."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from haiquan.core import lockcheck

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of the checkout's project files and locks, with a small package of its own."""
    shutil.copy2(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(ROOT / "requirements", tmp_path / "requirements")
    (tmp_path / "haiquan").mkdir()
    (tmp_path / "haiquan" / "views.py").write_text("import django\nfrom ninja import Router\n")
    return tmp_path


def drop_package(lock: Path, name: str) -> None:
    """Remove one package's entry (its pin, hashes and "via" lines) from a lock file."""
    text = lock.read_text()
    entry = re.compile(rf"^{re.escape(name)}==.*?(?=^[a-z0-9]|\Z)", re.MULTILINE | re.DOTALL)
    shortened, count = entry.subn("", text)
    assert count == 1, f"{name} not found once in {lock}"
    lock.write_text(shortened)


def test_the_shipped_locks_are_complete_and_consistent():
    assert lockcheck.check(ROOT) == []


def test_a_dependency_of_an_extra_missing_from_the_lock_is_caught(checkout):
    # weasyprint needs fonttools[woff], and the extra needs zopfli: the package that an old pip
    # went to the index for when the lock had forgotten an extra's dependencies.
    drop_package(checkout / "requirements" / "dev.lock", "zopfli")
    problems = lockcheck.check(checkout)
    assert any("zopfli" in p and "fonttools[woff]" in p for p in problems), problems


def test_a_direct_dependency_missing_from_the_lock_is_caught(checkout):
    drop_package(checkout / "requirements" / "dev.lock", "shapely")
    problems = lockcheck.check(checkout)
    assert any(p.startswith("shapely") and "not in the lock" in p for p in problems), problems


def test_a_pin_that_does_not_satisfy_the_requirement_is_caught(checkout):
    lock = checkout / "requirements" / "dev.lock"
    lock.write_text(re.sub(r"^django==[^ ]+", "django==4.2.20", lock.read_text(), flags=re.M))
    problems = lockcheck.check(checkout)
    assert any("django==4.2.20" in p and "does not satisfy" in p for p in problems), problems


def test_production_lock_pinned_apart_from_the_dev_lock_is_caught(checkout):
    lock = checkout / "requirements" / "base.lock"
    lock.write_text(re.sub(r"^(numpy==)[^ ]+", r"\g<1>1.26.0", lock.read_text(), flags=re.M))
    problems = lockcheck.check(checkout)
    assert any("base.lock pins numpy==1.26.0" in p for p in problems), problems


def test_an_import_of_an_undeclared_package_is_caught(checkout):
    # PyYAML is installed (a dependency of a dependency) but haiquan does not declare it.
    (checkout / "haiquan" / "loader.py").write_text("import yaml\n")
    problems = lockcheck.check(checkout)
    assert any("haiquan/loader.py imports yaml" in p for p in problems), problems


def test_the_command_exits_non_zero_and_names_the_problem(checkout, capsys):
    drop_package(checkout / "requirements" / "dev.lock", "zopfli")
    assert lockcheck.main(["--root", str(checkout)]) == 1
    assert "zopfli" in capsys.readouterr().err
