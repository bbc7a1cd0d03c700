"""The hash chain of the event log (haiquan.eventlog.chain): the links of the events written
before it existed are computed here (chain by chain, in id order), then the trigger that links
every new event is installed. Runs as the tables' owner (the append-only trigger is lifted
while the links are written, inside this transaction)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from haiquan.eventlog.chain import EVENTS, chain_seal, chain_trigger_install

    chain_seal(EVENTS, using=schema_editor.connection)
    chain_trigger_install(EVENTS, schema_editor)


def backwards(apps, schema_editor):
    from haiquan.eventlog.chain import EVENTS, chain_trigger_remove

    chain_trigger_remove(EVENTS, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("eventlog", "0004_hash_chain_columns_and_daily_roots")]
    operations = [migrations.RunPython(forwards, backwards)]
