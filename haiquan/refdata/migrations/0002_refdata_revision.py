"""The reference data revision row, and the triggers that give it new tokens on every change of
the tables registration reads (see `RefdataRevision`)."""

import uuid

from django.db import migrations, models

# table → the token its changes renew
WATCHED = {
    "refdata_office": "token",
    "refdata_country": "token",
    "refdata_currency": "token",
    "refdata_declarationtype": "token",
    "refdata_exchangerate": "rates_token",
}

# PostgreSQL: one statement-level trigger per table (a bulk insert renews the token once). The
# row is upserted so that a flushed (truncated) revision table is recreated by the next change.
PG_FUNCTION = """
CREATE OR REPLACE FUNCTION refdata_revision_renew() RETURNS trigger AS $$
DECLARE
    fresh text := replace(gen_random_uuid()::text, '-', '');
BEGIN
    IF TG_ARGV[0] = 'rates_token' THEN
        INSERT INTO refdata_refdatarevision (id, token, rates_token) VALUES (1, fresh, fresh)
        ON CONFLICT (id) DO UPDATE SET rates_token = EXCLUDED.rates_token;
    ELSE
        INSERT INTO refdata_refdatarevision (id, token, rates_token) VALUES (1, fresh, fresh)
        ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""
PG_TRIGGER = """
CREATE TRIGGER {table}_revision
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION refdata_revision_renew('{column}');
"""

# SQLite: row-level triggers only (no TRUNCATE there; Django flushes with DELETE).
SQLITE_TRIGGER = """
CREATE TRIGGER {table}_revision_{event}
AFTER {event} ON {table}
BEGIN
    INSERT INTO refdata_refdatarevision (id, token, rates_token)
    VALUES (1, lower(hex(randomblob(16))), lower(hex(randomblob(16))))
    ON CONFLICT (id) DO UPDATE SET {column} = excluded.{column};
END;
"""
SQLITE_EVENTS = ("insert", "update", "delete")


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION)
        for table, column in WATCHED.items():
            schema_editor.execute(PG_TRIGGER.format(table=table, column=column))
    elif vendor == "sqlite":
        for table, column in WATCHED.items():
            for event in SQLITE_EVENTS:
                schema_editor.execute(
                    SQLITE_TRIGGER.format(table=table, column=column, event=event)
                )
    else:
        raise RuntimeError(f"no reference data revision triggers for {vendor}")
    schema_editor.execute(
        "INSERT INTO refdata_refdatarevision (id, token, rates_token) VALUES (1, %s, %s)",
        [uuid.uuid4().hex, uuid.uuid4().hex],
    )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in WATCHED:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_revision ON {table}")
        else:
            for event in SQLITE_EVENTS:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_revision_{event}")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS refdata_revision_renew()")


class Migration(migrations.Migration):
    dependencies = [("refdata", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="RefdataRevision",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("token", models.CharField(max_length=32, verbose_name="token")),
                (
                    "rates_token",
                    models.CharField(max_length=32, verbose_name="exchange rates token"),
                ),
            ],
            options={
                "verbose_name": "reference data revision",
                "verbose_name_plural": "reference data revisions",
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
