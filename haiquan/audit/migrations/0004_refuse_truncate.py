"""On PostgreSQL, refuse TRUNCATE of the access trail: a statement-level trigger (the row trigger
of 0002 does not fire on TRUNCATE). Only the tables' owner can lift it, by disabling the trigger
inside its own transaction (`haiquan.core.appendonly`); the application's role cannot."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_refuse_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the access trail is append-only: TRUNCATE is refused'
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_accessrecord_no_truncate
    BEFORE TRUNCATE ON audit_accessrecord
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();
"""
DROP = """
DROP TRIGGER IF EXISTS audit_accessrecord_no_truncate ON audit_accessrecord;
DROP FUNCTION IF EXISTS audit_refuse_truncate();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_any_trader_record")]
    operations = [migrations.RunPython(forwards, backwards)]
