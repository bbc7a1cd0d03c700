"""A revision token renewed by every change of the voyages table, so that each worker can hold
in memory which offices receive manifests for which mode (`matching.manifested_offices`) and
see a new voyage at once: the token is read with a registration's other revision tokens
(haiquan.core.revisions). A table of one row kept by triggers, outside the models: nothing
but the triggers writes it and nothing but that one statement reads it."""

import uuid

from django.db import migrations

TABLE = "manifests_voyagerevision"

PG = [
    f"CREATE TABLE {TABLE} (id smallint PRIMARY KEY, token varchar(32) NOT NULL)",
    f"""
CREATE OR REPLACE FUNCTION manifests_voyage_revision_renew() RETURNS trigger AS $$
BEGIN
    INSERT INTO {TABLE} (id, token) VALUES (1, replace(gen_random_uuid()::text, '-', ''))
    ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
""",
    """
CREATE TRIGGER manifests_voyage_revision
    AFTER INSERT OR UPDATE OF office_id, mode OR DELETE OR TRUNCATE ON manifests_voyage
    FOR EACH STATEMENT EXECUTE FUNCTION manifests_voyage_revision_renew()
""",
]
PG_BACK = [
    "DROP TRIGGER IF EXISTS manifests_voyage_revision ON manifests_voyage",
    "DROP FUNCTION IF EXISTS manifests_voyage_revision_renew()",
    f"DROP TABLE IF EXISTS {TABLE}",
]

SQLITE_EVENTS = ("INSERT", "UPDATE OF office_id, mode", "DELETE")
SQLITE = [
    f"CREATE TABLE {TABLE} (id smallint PRIMARY KEY, token varchar(32) NOT NULL)",
    *(
        f"""
CREATE TRIGGER manifests_voyage_revision_{i} AFTER {event} ON manifests_voyage
BEGIN
    INSERT INTO {TABLE} (id, token) VALUES (1, lower(hex(randomblob(16))))
    ON CONFLICT (id) DO UPDATE SET token = excluded.token;
END
"""
        for i, event in enumerate(SQLITE_EVENTS)
    ),
]
SQLITE_BACK = [
    *(f"DROP TRIGGER IF EXISTS manifests_voyage_revision_{i}" for i in range(len(SQLITE_EVENTS))),
    f"DROP TABLE IF EXISTS {TABLE}",
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = PG
    elif vendor == "sqlite":
        statements = SQLITE
    else:
        raise RuntimeError(f"no voyage revision triggers for {vendor}")
    for sql in statements:
        schema_editor.execute(sql)
    schema_editor.execute(f"INSERT INTO {TABLE} (id, token) VALUES (1, %s)", [uuid.uuid4().hex])


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in PG_BACK if vendor == "postgresql" else SQLITE_BACK:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("manifests", "0003_voyage_direction_export_manifests")]

    operations = [migrations.RunPython(forwards, backwards)]
