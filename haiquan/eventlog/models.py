"""The one append-only log of everything that happened to a consignment.

Every state change in haiquan writes one row here in the same transaction as the change
(time-release measurement and analytics read it). Rows are never updated or deleted: the
model refuses it and, on PostgreSQL, a trigger refuses it too.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import Party


class AppendOnlyError(Exception):
    pass


class EventQuerySet(models.QuerySet["Event"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("the event log is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("the event log is append-only")

    def for_subject(self, subject_type: str, subject_id: int) -> EventQuerySet:
        return self.filter(subject_type=subject_type, subject_id=subject_id)

    def in_order(self) -> EventQuerySet:
        """In the order things happened: by their time, then in the order they were written
        (an event reported late, e.g. a departure read from a gate report, keeps its time)."""
        return self.select_related("actor").order_by("occurred_at", "id")


class Event(models.Model):
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now, db_index=True)
    kind = models.CharField(_("kind"), max_length=64, db_index=True)
    subject_type = models.CharField(_("subject type"), max_length=32)
    subject_id = models.BigIntegerField(_("subject id"))
    # Denormalised so time-release and analytics can scan by consignment and office
    # without joining the domain tables.
    declaration_id = models.BigIntegerField(_("declaration"), null=True, blank=True)
    office_code = models.CharField(_("office"), max_length=16, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("actor label"), max_length=150, blank=True)
    party = models.CharField(_("party"), max_length=16, choices=Party.choices)
    data = models.JSONField(_("data"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    # The link of the subject's hash chain, written by the database (eventlog.chain).
    chain_seq = models.PositiveBigIntegerField(_("position in its chain"), null=True, blank=True)
    chain_hash = models.CharField(_("chain hash"), max_length=64, blank=True, default="")

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "id"], name="event_subject_idx"),
            models.Index(fields=["declaration_id", "id"], name="event_declaration_idx"),
            models.Index(fields=["kind", "occurred_at"], name="event_kind_time_idx"),
        ]
        constraints = [
            # The trigger finds a chain's head through it, and it refuses a fork.
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "chain_seq"], name="event_chain_link"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.kind} {self.subject_type}#{self.subject_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("the event log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("the event log is append-only")


class LogRoot(models.Model):
    """One day's root of a chained log (eventlog.chain): it covers every row written after the
    previous root's last id up to `last_id`, and commits to the previous root. Printed, signed
    and sent to a partner, it makes a later rewrite of any of those rows detectable."""

    log = models.CharField(_("log"), max_length=16)
    day = models.DateField(_("day"))
    first_id = models.BigIntegerField(_("after row"))
    last_id = models.BigIntegerField(_("up to row"))
    count = models.BigIntegerField(_("rows"))
    root = models.CharField(_("root"), max_length=64)
    previous_root = models.CharField(_("previous root"), max_length=64, blank=True)
    cut_at = models.DateTimeField(_("cut at"))

    class Meta:
        verbose_name = _("daily root")
        verbose_name_plural = _("daily roots")
        ordering = ["log", "day"]
        constraints = [models.UniqueConstraint(fields=["log", "day"], name="logroot_one_per_day")]

    def __str__(self) -> str:
        return f"{self.log} {self.day} {self.root[:16]}"

    def as_export(self) -> dict[str, Any]:
        return {
            "log": self.log,
            "day": self.day.isoformat(),
            "after_id": self.first_id,
            "up_to_id": self.last_id,
            "rows": self.count,
            "root": self.root,
            "previous_root": self.previous_root,
            "cut_at": self.cut_at.isoformat(),
        }
