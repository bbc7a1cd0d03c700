"""The append-only record's guards on PostgreSQL, in one place.

The event log (`eventlog_event`) and the access trail (`audit_accessrecord`) refuse UPDATE and
DELETE (row triggers) and TRUNCATE (statement triggers), whoever asks; the application's role
(`haiquan db-roles`) has no UPDATE, DELETE or TRUNCATE privilege on them either, and owns
nothing, so it cannot drop or disable a trigger.

Two callers must empty them all the same, both connected as the tables' owner: the demo's reset
(`haiquan demo --reset`) and the test harness's flush between transactional tests.
`truncate_guards_lifted()` gives them the statements that disable the TRUNCATE triggers and turn
them on again, to run inside the same transaction as the TRUNCATE; PostgreSQL lets only the
owner (or a superuser) run them.
"""

from __future__ import annotations

# (table, its statement-level TRUNCATE trigger)
TRUNCATE_GUARDS: tuple[tuple[str, str], ...] = (
    ("eventlog_event", "eventlog_event_no_truncate"),
    ("audit_accessrecord", "audit_accessrecord_no_truncate"),
)
# (table, its row-level UPDATE/DELETE trigger)
ROW_GUARDS: tuple[tuple[str, str], ...] = (
    ("eventlog_event", "eventlog_event_append_only"),
    ("audit_accessrecord", "audit_accessrecord_append_only"),
)
APPEND_ONLY_TABLES: tuple[str, ...] = tuple(table for table, _t in TRUNCATE_GUARDS)
# The application's role may only add rows to these (`haiquan db-roles`): the record itself and
# the daily roots of its hash chains (haiquan.eventlog.chain).
APP_INSERT_ONLY_TABLES: tuple[str, ...] = (*APPEND_ONLY_TABLES, "eventlog_logroot")


def truncate_guards_lifted() -> tuple[list[str], list[str]]:
    """(statements before the TRUNCATE, statements after it): the owner's way around the
    TRUNCATE triggers, inside one transaction."""
    before = [f'ALTER TABLE "{t}" DISABLE TRIGGER "{trg}"' for t, trg in TRUNCATE_GUARDS]
    after = [f'ALTER TABLE "{t}" ENABLE TRIGGER "{trg}"' for t, trg in TRUNCATE_GUARDS]
    return before, after
