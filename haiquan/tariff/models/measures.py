"""The ministries' lists of goods under specialised inspection and management, by tariff line
(danh mục hàng hóa kiểm tra chuyên ngành): each measure as the list writes it, with the legal
text that imposes it, and how a person reviewing it read it — what it does to a declaration,
the document it needs and the kind of agency that issues it. The single window builds its
requirements from the measures that need a document."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ..choices import MeasureEffect, MeasureFlow
from .nomenclature import HsLine


class Measure(models.Model):
    key = models.SlugField(_("key"), max_length=64, primary_key=True)
    text_vi = models.TextField(_("as the list writes it"))
    title_en = models.CharField(_("title (English)"), max_length=255, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=255, blank=True)
    effect = models.CharField(_("effect"), max_length=16, choices=MeasureEffect.choices)
    # For a measure needing a document: "permit" or "inspection" (singlewindow's DocumentKind).
    document = models.CharField(_("document needed"), max_length=12, blank=True)
    flow = models.CharField(_("flow"), max_length=6, choices=MeasureFlow.choices, blank=True)
    ministry = models.CharField(_("ministry"), max_length=32, blank=True)
    # The kind of partner agency that issues the document (singlewindow's AgencyKind), and,
    # where the mapping names one, the agency itself.
    agency_kind = models.CharField(_("kind of agency"), max_length=24, blank=True)
    agency_code = models.CharField(_("agency"), max_length=20, blank=True)
    reviewed_by = models.CharField(_("reviewed by"), max_length=255, blank=True)
    reviewed_on = models.DateField(_("reviewed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("inspection-list measure")
        verbose_name_plural = _("inspection-list measures")
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key

    @property
    def title(self) -> str:
        lang = (get_language() or "vi").lower()
        return self.title_en if not lang.startswith("vi") and self.title_en else self.text_vi


class MeasureLine(models.Model):
    """A measure on one tariff line. `partial`: the list marks it (*) as applying to some of
    the line's goods only."""

    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.CASCADE, related_name="lines"
    )
    hs_line = models.ForeignKey(
        HsLine, verbose_name=_("tariff line"), on_delete=models.CASCADE, related_name="measures"
    )
    partial = models.BooleanField(_("for some goods of the line only"), default=False)

    class Meta:
        verbose_name = _("measure on a line")
        verbose_name_plural = _("measures on lines")
        constraints = [
            models.UniqueConstraint(fields=["measure", "hs_line"], name="measure_line_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.measure_id} {self.hs_line_id}"
