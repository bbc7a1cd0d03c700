"""The event log and the access trail refuse TRUNCATE at the database itself (PostgreSQL
statement triggers), as they refuse UPDATE and DELETE (issue 16)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from haiquan.eventlog.services import event_record

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="triggers are PostgreSQL's (SQLite has no TRUNCATE; the models refuse changes)",
    ),
]


@pytest.mark.parametrize("table", ["eventlog_event", "audit_accessrecord"])
def test_truncate_is_refused(table):
    with transaction.atomic():
        event_record(kind="test.kept", subject_type="test", subject_id=1, party="system")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        # the row just written leaves deferred foreign-key checks, which PostgreSQL runs first
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f'TRUNCATE "{table}" CASCADE')


def test_truncating_a_table_that_cascades_into_the_event_log_is_refused():
    """The users table is referenced by the event log's actor: TRUNCATE ... CASCADE would empty
    the log with it."""
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute('TRUNCATE "accounts_user" CASCADE')


def test_the_triggers_are_statement_level_before_truncate():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname LIKE '%%no_truncate' AND t.tgenabled = 'O' "
            # tgtype bit 0 = row-level (0: statement), bit 1 = BEFORE, bit 5 = TRUNCATE
            "AND (t.tgtype & 1) = 0 AND (t.tgtype & 2) = 2 AND (t.tgtype & 32) = 32 ORDER BY 1"
        )
        rows = cursor.fetchall()
    assert rows == [
        ("audit_accessrecord", "audit_accessrecord_no_truncate"),
        ("eventlog_event", "eventlog_event_no_truncate"),
    ]
