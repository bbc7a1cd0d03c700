"""The requirements revision row, and the triggers that give it a new token on every change of
the requirements table or the agencies (see `RequirementRevision`)."""

import uuid

from django.db import migrations, models

WATCHED = ("singlewindow_requirement", "singlewindow_agency")

# PostgreSQL: one statement-level trigger per table; the row is upserted so that a flushed
# (truncated) revision table is made again by the next change.
PG_FUNCTION = """
CREATE OR REPLACE FUNCTION singlewindow_requirement_revision_renew() RETURNS trigger AS $$
BEGIN
    INSERT INTO singlewindow_requirementrevision (id, token)
    VALUES (1, replace(gen_random_uuid()::text, '-', ''))
    ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""
PG_TRIGGER = """
CREATE TRIGGER {table}_revision
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION singlewindow_requirement_revision_renew();
"""

# SQLite: row-level triggers only (no TRUNCATE there; Django flushes with DELETE).
SQLITE_TRIGGER = """
CREATE TRIGGER {table}_revision_{event}
AFTER {event} ON {table}
BEGIN
    INSERT INTO singlewindow_requirementrevision (id, token)
    VALUES (1, lower(hex(randomblob(16))))
    ON CONFLICT (id) DO UPDATE SET token = excluded.token;
END;
"""
SQLITE_EVENTS = ("insert", "update", "delete")


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION)
        for table in WATCHED:
            schema_editor.execute(PG_TRIGGER.format(table=table))
    elif vendor == "sqlite":
        for table in WATCHED:
            for event in SQLITE_EVENTS:
                schema_editor.execute(SQLITE_TRIGGER.format(table=table, event=event))
    else:
        raise RuntimeError(f"no requirements revision triggers for {vendor}")
    schema_editor.execute(
        "INSERT INTO singlewindow_requirementrevision (id, token) VALUES (1, %s)",
        [uuid.uuid4().hex],
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
        schema_editor.execute("DROP FUNCTION IF EXISTS singlewindow_requirement_revision_renew()")


class Migration(migrations.Migration):
    dependencies = [("singlewindow", "0002_requirement_measure_and_prefix_index")]

    operations = [
        migrations.CreateModel(
            name="RequirementRevision",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("token", models.CharField(max_length=32, verbose_name="token")),
            ],
            options={
                "verbose_name": "requirements revision",
                "verbose_name_plural": "requirements revisions",
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
