"""PostgreSQL roles: the owner runs the migrations, the application runs as a role that owns
nothing (`haiquan db-roles`).

The owner (the role of DATABASE_URL when `haiquan migrate` runs) owns every table, index,
sequence and trigger. The application's role may only read and write rows:

- SELECT, INSERT, UPDATE, DELETE on the tables and USAGE on the sequences of the schema, and the
  same on tables later migrations create (default privileges of the owner);
- on the append-only record (the event log, the access trail) SELECT and INSERT only;
- no TRUNCATE anywhere, no CREATE on the schema, nothing owned: it cannot drop, disable or
  replace a trigger, alter a table or create one.

The command is idempotent: run it after every `haiquan migrate` (as the owner, or a superuser;
creating the role needs CREATEROLE).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from psycopg import sql

from .appendonly import APP_INSERT_ONLY_TABLES


class RoleProblem(Exception):
    pass


@dataclass(frozen=True)
class RolesReport:
    owner: str
    app_role: str
    created: bool
    tables: int
    owned_by_app: int


def _valid_name(name: str) -> str:
    if not name or not name.replace("_", "").isalnum() or name[0].isdigit() or len(name) > 63:
        raise RoleProblem(
            f"{name!r}: a role name is letters, digits and '_' (not first), at most 63 characters"
        )
    return name


class _Cursor:
    """Composed statements as text (Django's cursor wrapper expects strings)."""

    def __init__(self, django_cursor: Any, raw: Any) -> None:
        self._django_cursor = django_cursor
        self._raw = raw

    def execute(self, statement: object, params: list[Any] | None = None) -> None:
        text = statement if isinstance(statement, str) else statement.as_string(self._raw)  # type: ignore[attr-defined]
        self._django_cursor.execute(text, params)

    def fetchone(self) -> Any:
        return self._django_cursor.fetchone()


def db_roles_ensure(
    *, app_role: str, app_password: str | None = None, schema: str = "public"
) -> RolesReport:
    """Create (or update) the application's role on the database of the default connection,
    which must be PostgreSQL and connected as the tables' owner (or a superuser)."""
    if connection.vendor != "postgresql":
        raise RoleProblem("database roles are for PostgreSQL; SQLite has none")
    app = sql.Identifier(_valid_name(app_role))
    sch = sql.Identifier(schema)
    connection.ensure_connection()
    raw = connection.connection

    with connection.cursor() as django_cursor:
        cursor = _Cursor(django_cursor, raw)
        cursor.execute("SELECT current_user, current_database()")
        owner, database = cursor.fetchone()
        if owner == app_role:
            raise RoleProblem("run db-roles as the owner role, not as the application's role")
        created = _role_upsert(cursor, app, app_role, app_password)
        _rows_only_grant(cursor, app, sch, database)
        tables, owned = _relations_count(cursor, schema, app_role)
    if owned:
        raise RoleProblem(
            f"{app_role} owns {owned} relation(s): give them to the owner "
            f"(REASSIGN OWNED BY {app_role} TO {owner}) and run db-roles again"
        )
    return RolesReport(
        owner=str(owner), app_role=app_role, created=created, tables=tables, owned_by_app=owned
    )


def _role_upsert(
    cursor: _Cursor, app: sql.Identifier, app_role: str, app_password: str | None
) -> bool:
    """The role created, or its attributes set again (and its password, if given); answers
    whether it was created."""
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [app_role])
    created = cursor.fetchone() is None
    attributes = sql.SQL(
        "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT"
    )
    if created:
        cursor.execute(sql.SQL("CREATE ROLE {} {}").format(app, attributes))
    else:
        cursor.execute(sql.SQL("ALTER ROLE {} {}").format(app, attributes))
    if app_password:
        cursor.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(app, sql.Literal(app_password)))
    return created


def _rows_only_grant(
    cursor: _Cursor, app: sql.Identifier, sch: sql.Identifier, database: str
) -> None:
    """What the role may do: connect, use the schema, read and write rows. Nothing else."""
    cursor.execute(
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), app)
    )
    cursor.execute(sql.SQL("REVOKE CREATE ON SCHEMA {} FROM {}").format(sch, app))
    cursor.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sch, app))
    cursor.execute(sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(sch, app))
    cursor.execute(
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {} TO {}").format(
            sch, app
        )
    )
    cursor.execute(
        sql.SQL("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {} TO {}").format(sch, app)
    )
    for table in APP_INSERT_ONLY_TABLES:
        cursor.execute(
            sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON TABLE {}.{} FROM {}").format(
                sch, sql.Identifier(table), app
            )
        )
    # Tables and sequences that later migrations create (as this owner) get the same rows-only
    # privileges; rerun the command after a migration that adds an append-only table.
    cursor.execute(
        sql.SQL(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA {} "
            "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {}"
        ).format(sch, app)
    )
    cursor.execute(
        sql.SQL(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {}"
        ).format(sch, app)
    )


def _relations_count(cursor: _Cursor, schema: str, app_role: str) -> tuple[int, int]:
    """The tables of the schema, and the relations the application's role owns (none wanted)."""
    cursor.execute(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind IN ('r', 'p')",
        [schema],
    )
    tables = int(cursor.fetchone()[0])
    cursor.execute(
        "SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = %s)",
        [app_role],
    )
    owned = int(cursor.fetchone()[0])
    return tables, owned
