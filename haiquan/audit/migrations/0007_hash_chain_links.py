"""The hash chain of the access trail, one per user (haiquan.eventlog.chain): links of the
records written before it existed, then the PostgreSQL trigger that links every new one."""

from django.db import migrations


def forwards(apps, schema_editor):
    from haiquan.eventlog.chain import ACCESS, chain_seal, chain_trigger_install

    chain_seal(ACCESS, using=schema_editor.connection)
    chain_trigger_install(ACCESS, schema_editor)


def backwards(apps, schema_editor):
    from haiquan.eventlog.chain import ACCESS, chain_trigger_remove

    chain_trigger_remove(ACCESS, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_hash_chain_columns"), ("eventlog", "0005_hash_chain_links")]
    operations = [migrations.RunPython(forwards, backwards)]
