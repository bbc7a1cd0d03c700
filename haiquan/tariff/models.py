"""The import/export tariff (biểu thuế xuất nhập khẩu): national HS lines, their rates and the
free-trade agreements whose special preferential rates a certificate of origin unlocks.

Rates are percentages (70 means 70%). Amounts per unit are VND. The rows are loaded from CSV by
the services; the duty computation reads them through an in-memory snapshot (`snapshot.py`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pycountry
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .choices import UnitCode
from .normalise import fold_text, hs_parts

RATE: dict[str, Any] = {
    "max_digits": 7,
    "decimal_places": 3,
    "validators": [MinValueValidator(Decimal(0))],
}
AMOUNT: dict[str, Any] = {
    "max_digits": 18,
    "decimal_places": 2,
    "validators": [MinValueValidator(Decimal(0))],
}


# 10% standard, 5% for listed necessities, 8% under the temporary reductions, 0% on exports.
VAT_RATES = frozenset({Decimal(0), Decimal(5), Decimal(8), Decimal(10)})


def validate_vat_rate(value: Decimal) -> None:
    if value not in VAT_RATES:
        raise ValidationError(_("The VAT rate must be 0, 5, 8 or 10 (%)."), code="invalid-vat-rate")


class HsLine(models.Model):
    """One national tariff line (dòng thuế): an 8-digit code with its rates.

    The ordinary rate (thuế suất thông thường) is `general_rate` where the schedule sets one,
    otherwise 150% of the MFN rate (`mfn_rate`, thuế suất ưu đãi).
    """

    code = models.CharField(_("HS code"), max_length=8, primary_key=True)
    chapter = models.CharField(_("chapter"), max_length=2, db_index=True, editable=False)
    heading = models.CharField(_("heading"), max_length=4, db_index=True, editable=False)
    subheading = models.CharField(_("subheading"), max_length=6, db_index=True, editable=False)
    description_vi = models.TextField(_("description (Vietnamese)"))
    description_en = models.TextField(_("description (English)"), blank=True)
    description_ja = models.TextField(_("description (Japanese)"), blank=True)
    description_zh_hans = models.TextField(_("description (Chinese)"), blank=True)
    description_ko = models.TextField(_("description (Korean)"), blank=True)
    # Vietnamese and English descriptions folded to plain ASCII words, for searching with or
    # without diacritics. Padded with spaces so that " word" finds a word start.
    search_text = models.TextField(_("search text"), editable=False, default="")
    unit = models.CharField(_("unit"), max_length=3, choices=UnitCode.choices)
    mfn_rate = models.DecimalField(_("MFN import rate (%)"), **RATE)
    general_rate = models.DecimalField(
        _("ordinary import rate (%)"),
        null=True,
        blank=True,
        **RATE,
        # xgettext:no-python-format
        help_text=_("Leave empty to apply 150% of the MFN rate."),
    )
    specific_duty_vnd = models.DecimalField(
        _("specific import duty (VND per unit)"), null=True, blank=True, **AMOUNT
    )
    export_rate = models.DecimalField(_("export duty rate (%)"), default=Decimal(0), **RATE)
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
                condition=models.Q(mfn_rate__gte=0), name="hsline_mfn_non_negative"
            ),
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
        self.search_text = hs_search_text(self.description_vi, self.description_en)
        super().save(*args, **kwargs)

    @property
    def description(self) -> str:
        """The description in the active language, falling back to Vietnamese."""
        lang = (get_language() or "vi").replace("-", "_").lower()
        return getattr(self, f"description_{lang}", "") or self.description_vi

    @property
    def ordinary_rate(self) -> Decimal:
        return (
            self.general_rate if self.general_rate is not None else self.mfn_rate * Decimal("1.5")
        )


def hs_search_text(description_vi: str, description_en: str) -> str:
    return f" {fold_text(description_vi)} {fold_text(description_en)} "


class Agreement(models.Model):
    """A free-trade agreement (hiệp định thương mại tự do) and the C/O proving origin under it."""

    code = models.CharField(_("code"), max_length=16, primary_key=True)
    name = models.CharField(_("name"), max_length=255)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=255, blank=True)
    co_form = models.CharField(
        _("C/O form"), max_length=32, help_text=_("e.g. D for ATIGA, E for ACFTA, EUR.1 for EVFTA")
    )
    co_validity_days = models.PositiveIntegerField(_("C/O validity (days)"), default=365)
    in_force_from = models.DateField(_("in force from"), null=True, blank=True)

    class Meta:
        verbose_name = _("trade agreement")
        verbose_name_plural = _("trade agreements")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class AgreementParty(models.Model):
    """A country party to an agreement (ISO 3166 alpha-2; Vietnam included)."""

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="parties"
    )
    country_code = models.CharField(_("country code"), max_length=2)
    joined_on = models.DateField(
        _("in force for this party from"),
        null=True,
        blank=True,
        help_text=_(
            "Leave empty when the agreement applied to this party from its entry into force."
        ),
    )

    class Meta:
        verbose_name = _("agreement party")
        verbose_name_plural = _("agreement parties")
        ordering = ["agreement", "country_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "country_code"], name="agreement_party_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement_id} {self.country_code}"

    def clean(self) -> None:
        self.country_code = (self.country_code or "").upper()
        if pycountry.countries.get(alpha_2=self.country_code) is None:
            raise ValidationError(
                {
                    "country_code": _("'%(code)s' is not an ISO 3166 alpha-2 country code")
                    % {"code": self.country_code}
                }
            )


class PreferentialRate(models.Model):
    """The special preferential rate (thuế suất ưu đãi đặc biệt) of one line under one agreement."""

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="rates"
    )
    hs_line = models.ForeignKey(
        HsLine,
        verbose_name=_("tariff line"),
        on_delete=models.CASCADE,
        related_name="preferential_rates",
    )
    rate = models.DecimalField(_("rate (%)"), **RATE)

    class Meta:
        verbose_name = _("preferential rate")
        verbose_name_plural = _("preferential rates")
        ordering = ["hs_line", "agreement"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "hs_line"], name="preferential_rate_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(rate__gte=0), name="preferential_rate_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement_id} {self.hs_line_id} {self.rate}%"


class TariffVersion(models.Model):
    """A single row whose token changes whenever the tariff changes.

    Every loader (and the admin) writes a new random token in the transaction of its change;
    `Tariff.load` compares it with the token of its per-process snapshot and rebuilds when they
    differ. A random token rather than a counter: a database flushed and reloaded (tests, a
    restore) can never repeat a token a process has cached.
    """

    token = models.CharField(_("token"), max_length=32)
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("tariff version")
        verbose_name_plural = _("tariff version")

    def __str__(self) -> str:
        return self.token
