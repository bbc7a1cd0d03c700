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

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.kind} {self.subject_type}#{self.subject_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("the event log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("the event log is append-only")
