"""What the fact store has folded in so far. The fact rows themselves live in the columnar
store (`store.py`); this row is the watermark that makes refreshing incremental."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RefreshState(models.Model):
    """One row: the last event folded into the fact store, and the store's generation (a store
    whose generation differs, e.g. after the database was reset, is rebuilt from scratch)."""

    last_event_id = models.BigIntegerField(_("last event folded in"), default=0)
    generation = models.CharField(_("store generation"), max_length=32, blank=True)
    refreshed_at = models.DateTimeField(_("refreshed at"), null=True, blank=True)
    consignments = models.BigIntegerField(_("consignments in the store"), default=0)

    class Meta:
        verbose_name = _("time-release refresh state")
        verbose_name_plural = _("time-release refresh state")

    def __str__(self) -> str:
        return f"event #{self.last_event_id} ({self.consignments} consignments)"
