"""The classification assistant's trained versions: the examples it learned from (goods
descriptions with their final HS codes), kept in the database so every process loads the same
model and nothing is downloaded at run time."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ClassifierVersion(models.Model):
    """One training of the assistant on the declaration history up to `history_until`."""

    trained_at = models.DateTimeField(_("trained at"), default=timezone.now)
    history_until = models.DateTimeField(_("history until"), null=True, blank=True)
    examples = models.PositiveIntegerField(_("examples"), default=0)
    declarations = models.PositiveIntegerField(_("declarations"), default=0)
    # What it scored on declarations registered after `history_until` (top-1, top-5...).
    evaluation = models.JSONField(_("evaluation"), default=dict, blank=True)
    # gzip-compressed JSON: [[folded description, code, count, corrected count], ...]
    data = models.BinaryField(_("examples data"))
    active = models.BooleanField(_("active"), default=False)

    class Meta:
        verbose_name = _("classification assistant version")
        verbose_name_plural = _("classification assistant versions")
        ordering = ["-trained_at"]

    def __str__(self) -> str:
        return f"{self.pk} ({self.trained_at:%Y-%m-%d})"
