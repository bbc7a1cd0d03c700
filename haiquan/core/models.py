"""Models shared by every app: idempotency records for retried API calls."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IdempotencyRecord(models.Model):
    """The first answer to a request carrying an `Idempotency-Key`, replayed on retries.

    The row is inserted at the start of the transaction that does the work; a concurrent retry
    waits on the unique index and, once the first commits, reads the stored answer.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("key"), max_length=128)
    scope = models.CharField(_("scope"), max_length=64)
    request_hash = models.CharField(_("request hash"), max_length=64)
    status = models.PositiveSmallIntegerField(_("status"), null=True)
    response = models.JSONField(_("response"), null=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "key"], name="idempotency_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


def prefetched_set(instance: models.Model, name: str, objects: list[Any]) -> None:
    """Attach objects just written as if they had been prefetched, so reading them back costs no
    query (what `prefetch_related` itself does)."""
    qs = getattr(instance, name).all()
    qs._result_cache = list(objects)
    qs._prefetch_done = True
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    cache[name] = qs
