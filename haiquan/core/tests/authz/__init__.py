"""Parts of the authorisation matrix (`test_authz_matrix.py`) kept beside it, one module per
app, so that each app's policy reads in one place while the matrix stays one table.

A part is a module in this package with:

- `TABLE`: rows in the matrix's own format (same columns, same outcomes);
- `SUBJECTS`: the subjects its rows name (`name → (world, scope) → Target`);
- `BODIES`: bodies of its operations, keyed `(method, path)` (may be empty);
- `UNOWNED`: its subjects that belong to nobody (one cell per role);
- `PAGE_NAMESPACES`: URL namespaces whose every page must have a row;
- `build(world)`: creates its objects in the test world (inside the world's transaction);
  the result is kept in `world.extra[<module name>]`.

Every module here is loaded: a part cannot be forgotten once written.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def parts() -> list[ModuleType]:
    """The table's parts, by module name."""
    return [
        importlib.import_module(f"{__name__}.{m.name}")
        for m in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name)
        if not m.name.startswith("_")
    ]
