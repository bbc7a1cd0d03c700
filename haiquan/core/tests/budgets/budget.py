"""Statement budgets: the exact number of SQL statements a hot operation sends, pinned in a test.

A change that adds a round trip to filing, paying, checking, telemetry or the queue fails here
loudly, with every statement listed, and must change the pinned number on purpose (and say why
in the same commit). Exact, not "at most": a budget that silently grows slack stops guarding.

    with statement_budget(14, "filing a 5-line declaration"):
        client.post(...)

The statements are counted on the default connection (`CaptureQueriesContext`); savepoints that
exist only because the test runs inside a transaction are left out, so one number serves the
test and production alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.test.utils import CaptureQueriesContext

# Statements the test's own wrapping transaction adds: `atomic()` inside an outer atomic block
# becomes a savepoint; in production the outer block is the request's own transaction.
_TEST_ONLY = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


class BudgetExceeded(AssertionError):
    """The operation sent another number of statements than its budget says."""


def counted(captured: list[dict[str, str]]) -> list[str]:
    """The statements that count against a budget, in order."""
    # A statement run by name (prepared, haiquan.core.prepared) is captured without its text.
    statements = [q["sql"] or "(prepared statement)" for q in captured]
    return [sql for sql in statements if not sql.startswith(_TEST_ONLY)]


def budget_message(label: str, budget: int, statements: list[str]) -> str:
    listing = "\n".join(f"  {i:2d}. {sql[:300]}" for i, sql in enumerate(statements, 1))
    verb = "more" if len(statements) > budget else "fewer"
    return (
        f"{label}: {len(statements)} SQL statements, budget {budget} ({verb} than pinned). "
        "If the change is meant, update the budget in the same commit and say why.\n"
        f"{listing}"
    )


@contextmanager
def statement_budget(budget: int, label: str) -> Iterator[CaptureQueriesContext]:
    """Run the block and fail unless it sent exactly `budget` statements."""
    with CaptureQueriesContext(connection) as ctx:
        yield ctx
    statements = counted(ctx.captured_queries)
    if len(statements) != budget:
        raise BudgetExceeded(budget_message(label, budget, statements))
