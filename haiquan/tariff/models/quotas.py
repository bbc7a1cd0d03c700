"""Tariff-rate quotas (hạn ngạch thuế quan): within an enterprise's allocation the in-quota rate
applies, beyond it the out-of-quota rate. Registration draws the allocation down; cancellation
gives it back."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haiquan.refdata.models import Enterprise

from ..choices import UnitCode
from .fields import QUANTITY
from .nomenclature import HsLine


class TariffQuota(models.Model):
    """A quota for a period (usually a calendar year) over some lines (eggs, sugar, tobacco
    leaf, salt), counted in one unit."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=255, blank=True)
    unit = models.CharField(_("unit"), max_length=3, choices=UnitCode.choices)
    lines = models.ManyToManyField(HsLine, verbose_name=_("tariff lines"), related_name="quotas")
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))

    class Meta:
        verbose_name = _("tariff quota")
        verbose_name_plural = _("tariff quotas")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class QuotaAllocation(models.Model):
    """What one enterprise may import within a quota (its licence), and how much is drawn."""

    quota = models.ForeignKey(
        TariffQuota, verbose_name=_("quota"), on_delete=models.CASCADE, related_name="allocations"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.DecimalField(_("quantity allocated"), **QUANTITY)
    drawn = models.DecimalField(_("quantity drawn"), default=Decimal(0), **QUANTITY)
    licence = models.CharField(_("licence"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("quota allocation")
        verbose_name_plural = _("quota allocations")
        ordering = ["quota", "enterprise"]
        constraints = [
            models.UniqueConstraint(fields=["quota", "enterprise"], name="quota_allocation_unique"),
            models.CheckConstraint(
                condition=models.Q(drawn__lte=models.F("quantity")),
                name="quota_allocation_not_overdrawn",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quota_id} {self.enterprise_id}"

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.drawn


class QuotaDraw(models.Model):
    """The in-quota quantity one declaration line took from an allocation. Released (given
    back) when the declaration is cancelled or its lines are replaced."""

    allocation = models.ForeignKey(
        QuotaAllocation,
        verbose_name=_("allocation"),
        on_delete=models.PROTECT,
        related_name="draws",
    )
    # The declaration (clearance) is referred to by id: clearance sits above the tariff.
    declaration_id = models.BigIntegerField(_("declaration"), db_index=True)
    line_no = models.PositiveSmallIntegerField(_("line"))
    hs_code = models.CharField(_("HS code"), max_length=8)
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    drawn_at = models.DateTimeField(_("drawn at"), default=timezone.now)
    released_at = models.DateTimeField(_("given back at"), null=True, blank=True)

    class Meta:
        verbose_name = _("quota draw")
        verbose_name_plural = _("quota draws")
        ordering = ["declaration_id", "line_no"]

    def __str__(self) -> str:
        return f"{self.declaration_id}/{self.line_no} {self.quantity}"
