"""On PostgreSQL, refuse TRUNCATE of the event log: a statement-level trigger (the row trigger
of 0002 does not fire on TRUNCATE). Only the tables' owner can lift it, by disabling the trigger
inside its own transaction (`haiquan.core.appendonly`); the application's role cannot."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION eventlog_refuse_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the event log is append-only: TRUNCATE is refused'
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER eventlog_event_no_truncate
    BEFORE TRUNCATE ON eventlog_event
    FOR EACH STATEMENT EXECUTE FUNCTION eventlog_refuse_truncate();
"""
DROP = """
DROP TRIGGER IF EXISTS eventlog_event_no_truncate ON eventlog_event;
DROP FUNCTION IF EXISTS eventlog_refuse_truncate();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("eventlog", "0002_append_only_trigger")]
    operations = [migrations.RunPython(forwards, backwards)]
