"""A declared outage (sự cố hệ thống): the time during which haiquan, or an office's link to it,
was declared down by a customs leader, nationally or for one office.

While it lasts a banner on every page and `GET /api/v1/status` say so; traders' software may
file to the queue (`QueuedFiling`), processed in order when the outage ends; paper declarations
taken meanwhile are captured afterwards with their original times and paper numbers
(clearance). When it ends, the legal time limits that fell inside it are extended by its length
(`haiquan.outage.deadlines`, applied by each app that owns a time limit through
`haiquan.outage.hooks`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Outage(models.Model):
    # Empty: the whole country (every office).
    office_code = models.CharField(_("office"), max_length=16, blank=True)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("declared by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    declared_at = models.DateTimeField(_("declared at"), default=timezone.now)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("declared outage")
        verbose_name_plural = _("declared outages")
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["office_code", "starts_at"], name="outage_office_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gt=models.F("starts_at")),
                name="outage_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.office_code or '*'} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def national(self) -> bool:
        return not self.office_code

    def length(self, now: datetime | None = None) -> timedelta:
        return (self.ends_at or now or timezone.now()) - self.starts_at


class QueuedFiling(models.Model):
    """A declaration a trader's software sent while an outage was declared: kept as received
    and registered, in the order received, when the outage ends (idempotent by its key)."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        REGISTERED = "registered", _("Registered")
        REFUSED = "refused", _("Refused")

    outage = models.ForeignKey(
        Outage, verbose_name=_("outage"), on_delete=models.PROTECT, related_name="queued"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sender"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=255)
    body = models.JSONField(_("declaration as sent"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.WAITING
    )
    declaration_id = models.BigIntegerField(_("declaration"), null=True, blank=True)
    declaration_number = models.CharField(_("declaration number"), max_length=12, blank=True)
    problem = models.JSONField(_("why it was refused"), null=True, blank=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("queued filing")
        verbose_name_plural = _("queued filings")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sender", "idempotency_key"], name="queuedfiling_one_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.pk} {self.idempotency_key}"
