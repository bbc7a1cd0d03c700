"""The nomenclature (danh mục): sections, chapters, and every row of the tariff as published —
headings, subheadings, the text rows of its dashes ("- Horses:") and the 8-digit national lines
(dòng thuế) with the taxes that are not dated schedules (unit, VAT, special consumption and
environmental taxes, export duty). Import duty rates are dated: see `rates.py`.
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ..choices import UnitCode
from ..normalise import fold_text, hs_parts
from .fields import AMOUNT, RATE, validate_vat_rate


def _in_language(obj: object, stem: str) -> str:
    lang = (get_language() or "vi").replace("-", "_").lower()
    value = getattr(obj, f"{stem}_{lang}", "") if lang != "vi" else ""
    return value or getattr(obj, f"{stem}_vi", "")


class Section(models.Model):
    """A section of the Harmonized System (Phần I–XXI), grouping chapters."""

    number = models.PositiveSmallIntegerField(_("number"), primary_key=True)
    roman = models.CharField(_("numeral"), max_length=8)
    title_vi = models.TextField(_("title (Vietnamese)"))
    title_en = models.TextField(_("title (English)"), blank=True)

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.roman} {self.title_vi}"

    @property
    def title(self) -> str:
        return _in_language(self, "title")


class Chapter(models.Model):
    """A chapter (chương), the first two digits of an HS code."""

    code = models.CharField(_("chapter"), max_length=2, primary_key=True)
    section = models.ForeignKey(
        Section, verbose_name=_("section"), on_delete=models.PROTECT, related_name="chapters"
    )
    title_vi = models.TextField(_("title (Vietnamese)"))
    title_en = models.TextField(_("title (English)"), blank=True)

    class Meta:
        verbose_name = _("chapter")
        verbose_name_plural = _("chapters")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title_vi}"

    @property
    def title(self) -> str:
        return _in_language(self, "title")


class TariffNode(models.Model):
    """One row of the tariff as published, in its printed order: a heading (4 digits, level 0),
    a subheading (6 digits), a text row of dashes without a code, or a national line (8 digits).
    `parent` is the row it hangs from: the nearest earlier row of a lower level."""

    position = models.PositiveIntegerField(_("position"), primary_key=True)
    level = models.PositiveSmallIntegerField(_("level"))
    code = models.CharField(_("code"), max_length=8, blank=True, db_index=True)
    chapter = models.CharField(_("chapter"), max_length=2, db_index=True)
    heading = models.CharField(_("heading"), max_length=4, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    description_vi = models.TextField(_("description (Vietnamese)"))
    description_en = models.TextField(_("description (English)"), blank=True)

    class Meta:
        verbose_name = _("tariff row")
        verbose_name_plural = _("tariff rows")
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.code or '-'} {self.description_vi}"

    @property
    def description(self) -> str:
        return _in_language(self, "description")


class HsLine(models.Model):
    """One national tariff line (dòng thuế): an 8-digit code, its texts and where it hangs in the
    nomenclature, with the taxes that are not dated schedules. Its import duty rates are
    `LineRate` rows with their validity dates (`rates`)."""

    code = models.CharField(_("HS code"), max_length=8, primary_key=True)
    chapter = models.CharField(_("chapter"), max_length=2, db_index=True, editable=False)
    heading = models.CharField(_("heading"), max_length=4, db_index=True, editable=False)
    subheading = models.CharField(_("subheading"), max_length=6, db_index=True, editable=False)
    # The row of the published tariff this line is (None for lines loaded from a plain list).
    node = models.OneToOneField(
        TariffNode,
        verbose_name=_("tariff row"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="line",
    )
    # The line's own text, without the leading dashes ("Loại khác" / "Other") ...
    description_vi = models.TextField(_("description (Vietnamese)"))
    description_en = models.TextField(_("description (English)"), blank=True)
    description_ja = models.TextField(_("description (Japanese)"), blank=True)
    description_zh_hans = models.TextField(_("description (Chinese)"), blank=True)
    description_ko = models.TextField(_("description (Korean)"), blank=True)
    # ... and the texts of the rows it hangs from, heading first, joined by " › ".
    context_vi = models.TextField(_("context (Vietnamese)"), blank=True)
    context_en = models.TextField(_("context (English)"), blank=True)
    # Vietnamese and English texts (the line's and its parents') folded to plain ASCII words,
    # for matching with or without diacritics. Padded with spaces so " word" finds a word start.
    search_text = models.TextField(_("search text"), editable=False, default="")
    unit = models.CharField(_("unit"), max_length=3, choices=UnitCode.choices)
    export_rate = models.DecimalField(_("export duty rate (%)"), default=0, **RATE)
    vat_rate = models.DecimalField(
        _("VAT rate (%)"), max_digits=4, decimal_places=1, validators=[validate_vat_rate]
    )
    sct_rate = models.DecimalField(
        _("special consumption tax rate (%)"), null=True, blank=True, **RATE
    )
    env_tax_vnd_per_unit = models.DecimalField(
        _("environmental protection tax (VND per unit)"), null=True, blank=True, **AMOUNT
    )
    env_tax_unit = models.CharField(
        _("environmental tax unit"), max_length=3, choices=UnitCode.choices, blank=True
    )
    valid_from = models.DateField(_("valid from"), default=date(2000, 1, 1))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("tariff line")
        verbose_name_plural = _("tariff lines")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="hsline_valid_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"

    def save(self, *args, **kwargs):
        self.chapter, self.heading, self.subheading = hs_parts(self.code)
        self.search_text = hs_search_text(
            self.description_vi, self.description_en, self.context_vi, self.context_en
        )
        super().save(*args, **kwargs)

    @property
    def description(self) -> str:
        """The line's own text in the active language, falling back to Vietnamese."""
        return _in_language(self, "description")

    @property
    def context(self) -> str:
        """The texts of the rows above the line (heading first), in the active language."""
        return _in_language(self, "context")

    @property
    def full_description(self) -> str:
        """What the line covers, read with its parents: "Heading › subheading › line"."""
        return " › ".join(p for p in (self.context, self.description) if p)

    @property
    def description_under_heading(self) -> str:
        """The line read with its subheadings but not the heading's (often long) text, for a
        short list of lines of one heading: "Dryers › Spray dryers › Other"."""
        parents = [p for p in self.context.split(" › ") if p][1:]
        return " › ".join([*parents, self.description])


def hs_search_text(
    description_vi: str, description_en: str, context_vi: str = "", context_en: str = ""
) -> str:
    words = " ".join(
        fold_text(t) for t in (description_vi, description_en, context_vi, context_en) if t
    )
    return f" {words} "
