"""A hot path's ORM queries compiled to SQL once per process, then run as raw SQL.

Building a queryset and compiling it (filters, joins, an `Exists` subquery, the select list) costs
the filing more Python CPU than PostgreSQL spends running the statement: a profile of a worker
filing 5-line declarations put the enterprise's read (with the declarant's right to declare for it)
at 14 % of the request and the duplicate check at 10 %, mostly in Django's compiler. The SQL of
such a query depends only on its shape (which filters, how many values in an IN list), not on its
values: `compiled_raw` compiles the queryset the first time a shape is seen and afterwards runs the
same SQL text with the new values through `Model.objects.raw` (model instances, Django's converters
applied) — and, under `haiquan.core.prepared.server_binding`, as the connection's prepared
statement.

The rules stay where they are: the query is still the queryset its selector builds (the first time
for each shape, in each process). What the caller adds is the list of values the query binds, in
order; the first compilation checks that list against the parameters Django bound, and a shape
whose list does not match is never cached (the queryset is run as usual every time), so a selector
changed later cannot make the cached SQL bind the wrong values.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

from django.db import connections, models

M = TypeVar("M", bound=models.Model)

# (alias, vendor, key) -> the SQL text, or None when the key's parameters did not check.
_compiled: dict[tuple[str, str, str, Hashable], str | None] = {}


def compiled_raw(
    model: type[M],
    key: Hashable,
    build: Callable[[], models.QuerySet[M]],
    params: Sequence[Any],
    *,
    using: str = "default",
) -> list[M]:
    """The rows of `build()` (a queryset of `model`) as model instances. `key` names the query's
    shape (everything its SQL depends on but the values); `params` are the values it binds, in the
    order Django binds them. The first call for a key compiles `build()` and checks `params`; if
    they differ, the key is marked and its queryset run by the ORM from then on."""
    slot = (using, connections[using].vendor, model._meta.label, key)
    sql = _compiled.get(slot, "")
    if sql == "":
        qs = build()
        text, bound = qs.query.get_compiler(using).as_sql()
        sql = text if tuple(bound) == tuple(params) else None
        _compiled[slot] = sql
        return list(qs.using(using))
    if sql is None:
        return list(build().using(using))
    return list(model._default_manager.using(using).raw(sql, params))


def compiled_forget() -> None:
    """Forget every compiled query (tests that change a selector's shape)."""
    _compiled.clear()
