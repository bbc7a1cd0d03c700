"""The trail records reads of any trader's record, not only declarations: the declaration's
id and number become the record's id and reference, `part` names what was read."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]

    operations = [
        migrations.RemoveIndex(model_name="accessrecord", name="audit_access_decl"),
        migrations.RenameField(
            model_name="accessrecord", old_name="declaration_id", new_name="subject_id"
        ),
        migrations.RenameField(
            model_name="accessrecord", old_name="declaration_number", new_name="subject_reference"
        ),
        migrations.AlterField(
            model_name="accessrecord",
            name="subject_id",
            field=models.BigIntegerField(verbose_name="record"),
        ),
        migrations.AlterField(
            model_name="accessrecord",
            name="subject_reference",
            field=models.CharField(blank=True, max_length=40, verbose_name="number or reference"),
        ),
        migrations.AlterField(
            model_name="accessrecord",
            name="part",
            field=models.CharField(
                choices=[
                    ("detail", "Declaration"),
                    ("events", "Event log"),
                    ("versions", "Versions"),
                    ("checks", "Checks and inspections"),
                    ("profile", "Enterprise risk profile"),
                    ("audit_case", "Post-clearance audit case"),
                    ("filing", "Online-service filing"),
                    ("filing_doc", "Document of a filing"),
                    ("sw_document", "Licence or permit (single window)"),
                    ("certificate", "Certificate of origin"),
                ],
                default="detail",
                max_length=16,
                verbose_name="what",
            ),
        ),
        migrations.AlterField(
            model_name="accessrecord",
            name="enterprise",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="refdata.enterprise",
                verbose_name="enterprise",
            ),
        ),
        migrations.AddIndex(
            model_name="accessrecord",
            index=models.Index(
                fields=["subject_id", "part", "occurred_at"], name="audit_access_subject"
            ),
        ),
    ]
