"""Aggregates of declarations, trade value and revenue, kept incrementally, and revenue targets.

The aggregate tables are derived data: `aggregates.stats_refresh` rebuilds each (month, office)
bucket touched since its watermark from the declarations and receipts, so they can always be
rebuilt from scratch (`haiquan stats_refresh --full`). Targets are entered by leaders and kept
with the history of every change.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haiquan.core.visibility import Visibility, VisibleQuerySet
from haiquan.refdata.choices import Flow

from .choices import Authority, Dimension

VND: dict[str, Any] = {"max_digits": 20, "decimal_places": 0, "default": Decimal(0)}
USD: dict[str, Any] = {"max_digits": 20, "decimal_places": 2, "default": Decimal(0)}


class DailyTotal(models.Model):
    """Per local day, office and flow: declarations registered (cancelled ones apart), their
    customs value (VND and USD at the day's rate), duties assessed, and revenue collected
    (receipts issued that day for the office's declarations)."""

    day = models.DateField(_("day"))
    month = models.DateField(_("month"))  # first day of `day`'s month: the refresh bucket
    office = models.ForeignKey(
        "refdata.Office", verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )
    flow = models.CharField(_("flow"), max_length=6, choices=Flow.choices)
    declarations = models.PositiveIntegerField(_("declarations"), default=0)
    cancelled = models.PositiveIntegerField(_("cancelled"), default=0)
    value_vnd = models.DecimalField(_("customs value (VND)"), **VND)
    value_usd = models.DecimalField(_("trade value (USD)"), **USD)
    duties_vnd = models.DecimalField(_("duties assessed (VND)"), **VND)
    revenue_vnd = models.DecimalField(_("revenue collected (VND)"), **VND)

    class Meta:
        verbose_name = _("daily total")
        verbose_name_plural = _("daily totals")
        constraints = [
            models.UniqueConstraint(fields=["office", "day", "flow"], name="stats_daily_unique"),
        ]
        indexes = [models.Index(fields=["day", "office"], name="stats_daily_day_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.office_id} {self.flow}"


class MonthlyBreakdown(models.Model):
    """Per month, office and flow, the declarations and trade value by one dimension's value:
    lane, declaration type, HS chapter (a declaration with lines in two chapters counts in each,
    with each chapter's share of the value), partner country, transport mode."""

    month = models.DateField(_("month"))
    office = models.ForeignKey(
        "refdata.Office", verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )
    flow = models.CharField(_("flow"), max_length=6, choices=Flow.choices)
    dimension = models.CharField(_("dimension"), max_length=10, choices=Dimension.choices)
    key = models.CharField(_("value"), max_length=16)
    declarations = models.PositiveIntegerField(_("declarations"), default=0)
    value_usd = models.DecimalField(_("trade value (USD)"), **USD)

    class Meta:
        verbose_name = _("monthly breakdown")
        verbose_name_plural = _("monthly breakdowns")
        constraints = [
            models.UniqueConstraint(
                fields=["office", "month", "flow", "dimension", "key"],
                name="stats_breakdown_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["dimension", "month", "office"], name="stats_breakdown_dim_idx")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.office_id} {self.flow} {self.dimension}={self.key}"


class MonthlyEnterprise(models.Model):
    """An enterprise active (at least one declaration not cancelled) at an office in a month,
    and whether it is in-province: registered in a province the office's Department manages."""

    month = models.DateField(_("month"))
    office = models.ForeignKey(
        "refdata.Office", verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )
    flow = models.CharField(_("flow"), max_length=6, choices=Flow.choices)
    enterprise = models.ForeignKey(
        "refdata.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,  # derived rows: they go with the enterprise (a demo reset)
        related_name="+",
    )
    in_province = models.BooleanField(_("in-province"))
    declarations = models.PositiveIntegerField(_("declarations"), default=0)
    value_usd = models.DecimalField(_("trade value (USD)"), **USD)

    class Meta:
        verbose_name = _("active enterprise")
        verbose_name_plural = _("active enterprises")
        constraints = [
            models.UniqueConstraint(
                fields=["office", "month", "flow", "enterprise"], name="stats_enterprise_unique"
            ),
        ]
        indexes = [models.Index(fields=["month", "office"], name="stats_enterprise_month_idx")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.office_id} {self.enterprise_id}"


class EnterpriseFirstMonth(models.Model):
    """The first month an enterprise was active at an office in a flow (for "new this period")."""

    office = models.ForeignKey(
        "refdata.Office", verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )
    flow = models.CharField(_("flow"), max_length=6, choices=Flow.choices)
    enterprise = models.ForeignKey(
        "refdata.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,  # derived rows: they go with the enterprise (a demo reset)
        related_name="+",
    )
    first_month = models.DateField(_("first month"))

    class Meta:
        verbose_name = _("enterprise's first month")
        verbose_name_plural = _("enterprises' first months")
        constraints = [
            models.UniqueConstraint(
                fields=["office", "flow", "enterprise"], name="stats_first_month_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.office_id} {self.enterprise_id} {self.first_month:%Y-%m}"


class EnterpriseYear(models.Model):
    """The months of a year an enterprise was active at an office in a flow, as a bit mask (bit
    m-1 for month m): counting the enterprises active in a period reads one row per enterprise
    and year instead of one per month."""

    office = models.ForeignKey(
        "refdata.Office", verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )
    flow = models.CharField(_("flow"), max_length=6, choices=Flow.choices)
    enterprise = models.ForeignKey(
        "refdata.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,  # derived rows: they go with the enterprise (a demo reset)
        related_name="+",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    months = models.PositiveIntegerField(_("months active (bit mask)"))
    in_province = models.BooleanField(_("in-province"))

    class Meta:
        verbose_name = _("enterprise's active months")
        verbose_name_plural = _("enterprises' active months")
        constraints = [
            models.UniqueConstraint(
                fields=["office", "flow", "enterprise", "year"], name="stats_enterprise_year_unique"
            ),
        ]
        indexes = [models.Index(fields=["year", "office"], name="stats_enterprise_year_idx")]

    def __str__(self) -> str:
        return f"{self.office_id} {self.enterprise_id} {self.year} {self.months:012b}"


class Watermark(models.Model):
    """How far the aggregates have read the event log."""

    name = models.CharField(_("name"), max_length=32, primary_key=True)
    last_event_id = models.BigIntegerField(_("last event"), default=0)
    started_at = models.DateTimeField(_("last refresh started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("last refresh finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("watermark")
        verbose_name_plural = _("watermarks")

    def __str__(self) -> str:
        return f"{self.name}@{self.last_event_id}"


class Target(models.Model):
    """A revenue target (chỉ tiêu thu ngân sách) for an office's subtree and a calendar year,
    set by one authority. Its changes are kept in `TargetChange`."""

    office = models.ForeignKey(
        "refdata.Office",
        verbose_name=_("office"),
        on_delete=models.PROTECT,
        related_name="revenue_targets",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    authority = models.CharField(_("set by"), max_length=10, choices=Authority.choices)
    amount_vnd = models.DecimalField(_("target (VND)"), max_digits=20, decimal_places=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    visibility = Visibility(offices=("office",))  # an office's subtree's target
    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("revenue target")
        verbose_name_plural = _("revenue targets")
        ordering = ["-year", "office__path", "authority"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "year", "authority"], name="stats_target_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_vnd__gt=0), name="stats_target_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.office_id} {self.year} {self.authority}"


class TargetChange(models.Model):
    """One setting of a target: the amount before (none when it was first set) and after."""

    target = models.ForeignKey(
        Target, verbose_name=_("target"), on_delete=models.CASCADE, related_name="changes"
    )
    amount_before_vnd = models.DecimalField(
        _("before (VND)"), max_digits=20, decimal_places=0, null=True, blank=True
    )
    amount_after_vnd = models.DecimalField(_("after (VND)"), max_digits=20, decimal_places=0)
    reason = models.TextField(_("reason"), blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("target change")
        verbose_name_plural = _("target changes")
        ordering = ["target", "-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.target} → {self.amount_after_vnd}"
