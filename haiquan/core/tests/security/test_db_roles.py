"""The application runs as a PostgreSQL role that owns nothing (`haiquan db-roles`): it reads
and writes rows, appends to the record, and can neither drop a trigger nor truncate, update or
delete the event log and the access trail (issue 16)."""

from __future__ import annotations

import io
import os
import secrets
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles are PostgreSQL's"),
]


@pytest.fixture
def app_role(refdata_reloaded: Any) -> Iterator[tuple[str, str]]:
    """(role, password) made by `haiquan db-roles` on the test database; dropped afterwards
    (roles belong to the whole cluster)."""
    name = f"{connection.settings_dict['NAME']}_app"[:63]
    password = secrets.token_urlsafe(16)
    os.environ["HQ_TEST_APP_PASSWORD"] = password
    try:
        out = io.StringIO()
        call_command(
            "db_roles", "--app-role", name, "--password-env", "HQ_TEST_APP_PASSWORD", stdout=out
        )
        assert "owns nothing" in out.getvalue()
        yield name, password
    finally:
        os.environ.pop("HQ_TEST_APP_PASSWORD", None)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
            if cursor.fetchone():
                cursor.execute(f'DROP OWNED BY "{name}"')
                cursor.execute(f'DROP ROLE "{name}"')


def _connect(role: str, password: str) -> psycopg.Connection:
    s = connection.settings_dict
    return psycopg.connect(
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
        dbname=s["NAME"],
        user=role,
        password=password,
        autocommit=True,
    )


def _refused(conn: psycopg.Connection, statement: str) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement)


def test_the_application_role_cannot_drop_a_trigger_or_truncate_the_record(app_role):
    role, password = app_role
    with _connect(role, password) as conn:
        _refused(conn, "DROP TRIGGER eventlog_event_no_truncate ON eventlog_event")
        _refused(conn, "DROP TRIGGER eventlog_event_append_only ON eventlog_event")
        _refused(conn, "ALTER TABLE eventlog_event DISABLE TRIGGER ALL")
        _refused(conn, "DROP TRIGGER audit_accessrecord_no_truncate ON audit_accessrecord")
        _refused(conn, "TRUNCATE eventlog_event")
        _refused(conn, "TRUNCATE audit_accessrecord")
        _refused(conn, "DELETE FROM eventlog_event")
        _refused(conn, "UPDATE eventlog_event SET kind = 'forged'")
        _refused(conn, "DROP TABLE eventlog_event")
        _refused(conn, "CREATE TABLE shadow (id int)")
        _refused(conn, "TRUNCATE refdata_country CASCADE")
        owned = conn.execute(
            "SELECT count(*) FROM pg_class WHERE relowner = "
            "(SELECT oid FROM pg_roles WHERE rolname = current_user)"
        ).fetchone()
    assert owned == (0,)


def test_the_application_role_does_its_normal_work(app_role):
    role, password = app_role
    with _connect(role, password) as conn:
        conn.execute(
            "INSERT INTO eventlog_event (occurred_at, kind, subject_type, subject_id, "
            "office_code, actor_label, party, data) "
            "VALUES (now(), 'test.appended', 'test', 1, '', 'db role test', 'system', '{}')"
        )
        appended = conn.execute(
            "SELECT count(*) FROM eventlog_event WHERE kind = 'test.appended'"
        ).fetchone()
        conn.execute("UPDATE refdata_country SET name = name WHERE code = 'VN'")
        countries = conn.execute("SELECT count(*) FROM refdata_country").fetchone()
    assert appended == (1,)
    assert countries is not None and countries[0] > 200
