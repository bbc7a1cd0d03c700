"""Codes of an earlier nomenclature and the lines of the tariff in force they became (bảng
tương quan): traders still write AHTN 2017 codes from old contracts, rulings and their own
software. One row per pair; a code with one row became exactly one line, a code with several
was split and the goods decide which line applies."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CodeCorrelation(models.Model):
    edition = models.CharField(_("earlier nomenclature"), max_length=16)
    old_code = models.CharField(_("code in the earlier nomenclature"), max_length=8)
    new_code = models.CharField(_("line of the tariff in force"), max_length=8)
    basis = models.TextField(_("basis"), blank=True)

    class Meta:
        verbose_name = _("nomenclature correlation")
        verbose_name_plural = _("nomenclature correlations")
        ordering = ["edition", "old_code", "new_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "old_code", "new_code"], name="tariff_correlation_unique"
            )
        ]
        indexes = [models.Index(fields=["old_code"], name="tariff_correlation_old")]

    def __str__(self) -> str:
        return f"{self.edition} {self.old_code} → {self.new_code}"
