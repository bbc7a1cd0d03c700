"""Trade remedies (biện pháp phòng vệ thương mại): anti-dumping, countervailing, safeguard and
anti-circumvention duties on goods of given lines and origins, for a period, at a rate per
named producer or exporter and a residual rate for all others."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..choices import RemedyKind, UnitCode
from ..normalise import fold_text
from .fields import AMOUNT, RATE
from .nomenclature import HsLine


class TradeRemedy(models.Model):
    """One measure as its decision imposes it (e.g. AD20, hot-rolled steel from China)."""

    code = models.CharField(_("case"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=RemedyKind.choices)
    title_vi = models.CharField(_("title (Vietnamese)"), max_length=255)
    title_en = models.CharField(_("title (English)"), max_length=255, blank=True)
    legal_basis = models.CharField(_("decision"), max_length=255)
    # Origins the measure applies to; empty: every origin (a safeguard), less `exempt_origins`.
    origins = models.JSONField(_("origins"), default=list, blank=True)
    exempt_origins = models.JSONField(_("origins exempted"), default=list, blank=True)
    lines = models.ManyToManyField(
        HsLine, verbose_name=_("tariff lines"), related_name="trade_remedies"
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("trade remedy")
        verbose_name_plural = _("trade remedies")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title_vi}"


class TradeRemedyRate(models.Model):
    """The duty of one named producer/exporter under a measure, or the residual rate
    ("các tổ chức, cá nhân khác") for everyone the decision does not name."""

    remedy = models.ForeignKey(
        TradeRemedy, verbose_name=_("trade remedy"), on_delete=models.CASCADE, related_name="rates"
    )
    producer = models.CharField(_("producer or exporter"), max_length=255, blank=True)
    # The name folded to plain words, to match what declarants write ("Co., Ltd" and accents
    # aside); empty for the residual rate.
    producer_key = models.CharField(_("matching key"), max_length=255, blank=True, editable=False)
    country = models.CharField(_("country"), max_length=2, blank=True)
    rate = models.DecimalField(_("rate (%)"), null=True, blank=True, **RATE)
    specific_vnd = models.DecimalField(
        _("specific duty (VND per unit)"), null=True, blank=True, **AMOUNT
    )
    unit = models.CharField(_("unit"), max_length=3, choices=UnitCode.choices, blank=True)

    class Meta:
        verbose_name = _("trade remedy rate")
        verbose_name_plural = _("trade remedy rates")
        ordering = ["remedy", "producer"]
        constraints = [
            models.UniqueConstraint(
                fields=["remedy", "producer_key"], name="trade_remedy_rate_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(rate__isnull=False) | models.Q(specific_vnd__isnull=False),
                name="trade_remedy_rate_set",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.remedy_id} {self.producer or '*'}"

    def save(self, *args, **kwargs):
        self.producer_key = producer_key(self.producer)
        super().save(*args, **kwargs)

    @property
    def is_residual(self) -> bool:
        return not self.producer_key


# Words that say what kind of company it is, not which one.
_COMPANY_WORDS = frozenset(
    [
        "co",
        "ltd",
        "limited",
        "company",
        "corp",
        "corporation",
        "inc",
        "jsc",
        "plc",
        "llc",
        "group",
        "the",
        "and",
        "of",
        "cong",
        "ty",
        "tnhh",
        "co",
        "phan",
        "trach",
        "nhiem",
        "huu",
        "han",
    ]
)


def producer_key(name: str) -> str:
    """'Hebei Iron & Steel Co., Ltd.' → 'hebei iron steel': what two spellings have in common."""
    return " ".join(w for w in fold_text(name or "").split() if w not in _COMPANY_WORDS)
