"""API tokens get scopes, a required expiry, who issued them and for what; users can be system
accounts. Tokens issued before keep working, with every scope, for 90 more days at most (time
to issue scoped ones); customs staff's personal tokens are revoked (they skipped the second
factor)."""

from datetime import timedelta

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

ALL_SCOPES = ["read", "file", "pay", "portal", "gate", "telemetry", "agency", "customs", "risk"]
CUSTOMS_ROLES = ["officer", "leader", "analyst", "admin"]


def existing_tokens(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    now = timezone.now()
    ApiToken.objects.all().update(scopes=ALL_SCOPES)
    ApiToken.objects.filter(expires_at__isnull=True).update(expires_at=now + timedelta(days=90))
    ApiToken.objects.filter(expires_at__gt=now + timedelta(days=90)).update(
        expires_at=now + timedelta(days=90)
    )
    ApiToken.objects.filter(
        user__role__in=CUSTOMS_ROLES, revoked_at__isnull=True
    ).update(revoked_at=now)
    ApiToken.objects.filter(issued_by__isnull=True).update(issued_by_label="before scopes (migration)")


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='apitoken',
            name='issued_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='issued by'),
        ),
        migrations.AddField(
            model_name='apitoken',
            name='issued_by_label',
            field=models.CharField(blank=True, max_length=100, verbose_name='issued by (label)'),
        ),
        migrations.AddField(
            model_name='apitoken',
            name='revoked_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='revoked by'),
        ),
        migrations.AddField(
            model_name='apitoken',
            name='purpose',
            field=models.CharField(blank=True, max_length=200, verbose_name='purpose'),
        ),
        migrations.AddField(
            model_name='apitoken',
            name='scopes',
            field=models.JSONField(default=list, verbose_name='scopes'),
        ),
        migrations.AddField(
            model_name='user',
            name='is_system_account',
            field=models.BooleanField(default=False, verbose_name='system account'),
        ),
        migrations.RunPython(existing_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='apitoken',
            name='expires_at',
            field=models.DateTimeField(verbose_name='expires at'),
        ),
    ]
