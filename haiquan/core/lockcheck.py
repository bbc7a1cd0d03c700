"""Is the lock complete and consistent? Run by the test command before anything else.

haiquan installs with `pip install --no-deps --require-hashes -r requirements/dev.lock`: nothing is
resolved at install time, so a package the lock forgot is simply absent (and a later pip would
quietly fetch whatever the index offers). This check walks the requirements from pyproject.toml
(and requirements/build.in) through each locked package's own metadata, extras included, and
reports:

- a requirement, direct or of a dependency (e.g. weasyprint's `fonttools[woff]` → `brotli`), whose
  package is not in the lock, or whose locked version does not satisfy it;
- a module haiquan imports whose package is not one of its declared dependencies;
- an installed package whose version differs from the lock (the environment is out of date);
- a package of base.lock (production) pinned differently in dev.lock.

    python -m haiquan.core.lockcheck [--root DIR]
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", re.MULTILINE)
# Folders of the checkout whose Python imports must come from declared dependencies.
IMPORTING = ("haiquan", "bench", "e2e", "conftest.py", "manage.py")
# Imports of modules that are not distributions of their own.
NOT_DISTRIBUTIONS = {"haiquan", "bench", "e2e", "conftest", "_pytest", "pkg_resources"}


def parse_lock(text: str) -> dict[str, str]:
    """{canonical name: version} of a pip-compile/uv lock."""
    return {canonicalize_name(name): version for name, version in PIN.findall(text)}


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)

    def add(self, message: str) -> None:
        if message not in self.problems:
            self.problems.append(message)


Requires = Callable[[str, str], list[str] | None]


def installed_requires(name: str, version: str) -> list[str] | None:
    """The `Requires-Dist` of an installed distribution, or None when that version is not
    the one installed (the caller reports it)."""
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None
    if dist.version != version:
        return None
    return list(dist.requires or [])


def walk(
    roots: Iterable[str],
    lock: dict[str, str],
    requires: Requires,
    report: Report,
    conditional: set[str] | None = None,
) -> set[str]:
    """Follow `roots` (requirement strings) through the locked packages' metadata; returns the
    names reached. Markers are evaluated for this interpreter and platform, with the extras
    that were asked for; the names of dependencies left out by a marker go into `conditional`
    (locked for another interpreter, e.g. redis's `async-timeout` before Python 3.11.3)."""
    env: dict[str, str] = {k: str(v) for k, v in default_environment().items()}
    seen: set[tuple[str, frozenset[str]]] = set()
    reached: set[str] = set()
    todo: list[tuple[str, str]] = [(root, "pyproject.toml") for root in roots]
    while todo:
        text, wanted_by = todo.pop()
        req = Requirement(text)
        name = canonicalize_name(req.name)
        version = lock.get(name)
        if version is None:
            report.add(f"{req} (needed by {wanted_by}) is not in the lock")
            continue
        if req.specifier and not req.specifier.contains(version, prereleases=True):
            report.add(
                f"{name}=={version} in the lock does not satisfy {req} (needed by {wanted_by})"
            )
        key = (name, frozenset(req.extras))
        if key in seen:
            continue
        seen.add(key)
        reached.add(name)
        deps = requires(name, version)
        if deps is None:
            report.add(f"{name}=={version} is locked but not installed at that version")
            continue
        extras = sorted(req.extras) or [""]
        label = f"{name}[{','.join(sorted(req.extras))}]" if req.extras else name
        for dep in deps:
            dep_req = Requirement(dep)
            if dep_req.marker is not None and not any(
                dep_req.marker.evaluate({**env, "extra": extra}) for extra in extras
            ):
                if conditional is not None and "extra" not in str(dep_req.marker):
                    conditional.add(canonicalize_name(dep_req.name))
                continue
            dep_req.marker = None
            todo.append((str(dep_req), label))
    return reached


def imported_modules(root: Path) -> dict[str, str]:
    """{top-level module: a file importing it} for every absolute import in the checkout's code."""
    found: dict[str, str] = {}
    for entry in IMPORTING:
        base = root / entry
        files = [base] if base.is_file() else sorted(base.rglob("*.py"))
        for path in files:
            try:
                tree = ast.parse(path.read_text(encoding="utf-8"))
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                names: list[str] = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                for name in names:
                    found.setdefault(name.split(".")[0], str(path.relative_to(root)))
    return found


def check_imports(root: Path, declared: set[str], report: Report) -> None:
    """Every third-party module haiquan imports belongs to a declared dependency."""
    owners = metadata.packages_distributions()
    for module, where in sorted(imported_modules(root).items()):
        if module in sys.stdlib_module_names or module in NOT_DISTRIBUTIONS:
            continue
        dists = {canonicalize_name(d) for d in owners.get(module, [])}
        if not dists:
            report.add(f"{where} imports {module}, which no installed package provides")
        elif not dists & declared:
            report.add(
                f"{where} imports {module} (from {', '.join(sorted(dists))}), which pyproject.toml "
                "does not declare: add it to the dependencies and lock it"
            )


def project_requirements(root: Path) -> tuple[list[str], list[str], list[str]]:
    """(runtime dependencies, the dev extra, build requirements) as requirement strings."""
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    build = [
        line.split("#")[0].strip()
        for line in (root / "requirements" / "build.in").read_text().splitlines()
        if line.split("#")[0].strip()
    ]
    return project["dependencies"], project["optional-dependencies"]["dev"], build


def check(root: Path, requires: Requires = installed_requires) -> list[str]:
    """Every problem of the locks in `root`, in words; empty when all is well."""
    report = Report()
    runtime, dev, build = project_requirements(root)
    dev_lock = parse_lock((root / "requirements" / "dev.lock").read_text())
    base_lock = parse_lock((root / "requirements" / "base.lock").read_text())
    conditional: set[str] = set()
    reached = walk([*runtime, *dev, *build], dev_lock, requires, report, conditional)
    for name in sorted(set(dev_lock) - reached - conditional):
        report.add(f"{name}=={dev_lock[name]} is in dev.lock but nothing needs it")
    base_report = Report()
    walk([*runtime, *build], base_lock, lambda n, v: requires(n, dev_lock.get(n, v)), base_report)
    report.problems += [f"base.lock: {p}" for p in base_report.problems]
    for name, version in sorted(base_lock.items()):
        if dev_lock.get(name) != version:
            report.add(f"base.lock pins {name}=={version}, dev.lock {dev_lock.get(name)}")
    declared: set[str] = {canonicalize_name(Requirement(r).name) for r in [*runtime, *dev]}
    check_imports(root, declared, report)
    return report.problems


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    root = Path(args[args.index("--root") + 1]) if "--root" in args else Path.cwd()
    problems = check(root)
    if problems:
        print("The lock is incomplete or inconsistent:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        print(
            "Lock again (the command is at the top of requirements/dev.lock) and reinstall.",
            file=sys.stderr,
        )
        return 1
    print(
        f"lock check: {len(parse_lock((root / 'requirements' / 'dev.lock').read_text()))} "
        "packages, every requirement and import covered"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
