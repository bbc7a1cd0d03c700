"""Risk profiles (selectivity rules) and each office's random-selection rate.

A profile (hồ sơ rủi ro) is the analyst's named rule; what it matches and the lane it sends a
declaration to live in its versions. A version is never edited: every change adds a version,
and decisions use the newest one, so the rule in force on any past day can always be shown.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haiquan.refdata.choices import Flow

from .choices import ProfileLane

# Criteria stored on a version, in the order they are shown.
LIST_CRITERIA = (
    "hs_prefixes",
    "origins",
    "enterprise_msts",
    "compliance_ranks",
    "type_codes",
    "office_codes",
)
SCALAR_CRITERIA = (
    "flow",
    "min_value_vnd",
    "max_unit_price_vnd",
    "min_unit_price_vnd",
    "preference_claimed",
)
CRITERIA_FIELDS = LIST_CRITERIA + SCALAR_CRITERIA


class RiskProfile(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)
    deactivation_reason = models.TextField(_("reason for deactivation"), blank=True)

    class Meta:
        verbose_name = _("risk profile")
        verbose_name_plural = _("risk profiles")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class RiskProfileVersion(models.Model):
    """One immutable version of a profile: its criteria and its outcome.

    Every given criterion must match (AND); a criterion left empty is not checked. Criteria
    on goods lines (HS prefixes, origins, unit-price bounds, preference claimed) must all
    hold on the same line.
    """

    profile = models.ForeignKey(
        RiskProfile, verbose_name=_("profile"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))

    # Criteria
    hs_prefixes = models.JSONField(
        _("HS code prefixes"),
        default=list,
        blank=True,
        help_text=_("Digits an HS code starts with, e.g. 2402 or 87."),
    )
    origins = models.JSONField(_("origins"), default=list, blank=True)
    enterprise_msts = models.JSONField(_("enterprises (tax codes)"), default=list, blank=True)
    compliance_ranks = models.JSONField(_("compliance ranks"), default=list, blank=True)
    type_codes = models.JSONField(_("declaration types"), default=list, blank=True)
    office_codes = models.JSONField(
        _("offices"),
        default=list,
        blank=True,
        help_text=_("Matches declarations at these offices and at any office under them."),
    )
    flow = models.CharField(_("flow"), max_length=6, choices=Flow.choices, blank=True)
    min_value_vnd = models.DecimalField(
        _("minimum customs value (VND)"),
        max_digits=18,
        decimal_places=0,
        null=True,
        blank=True,
        help_text=_("Matches when the declaration's total customs value is at least this."),
    )
    max_unit_price_vnd = models.DecimalField(
        _("unit price below (VND)"),
        max_digits=20,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("Matches a line whose customs value per unit is below this (undervaluation)."),
    )
    min_unit_price_vnd = models.DecimalField(
        _("unit price above (VND)"),
        max_digits=20,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("Matches a line whose customs value per unit is above this."),
    )
    preference_claimed = models.BooleanField(
        _("FTA preference claimed"),
        null=True,
        blank=True,
        help_text=_("Yes: a line claims an FTA preference; no: a line claims none; empty: either."),
    )

    # Outcome
    lane = models.CharField(_("lane"), max_length=6, choices=ProfileLane.choices)
    reason = models.TextField(_("reason shown to officers"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    change_note = models.TextField(_("change note"), blank=True)

    class Meta:
        verbose_name = _("risk profile version")
        verbose_name_plural = _("risk profile versions")
        ordering = ["profile", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "number"], name="risk_version_unique_number"
            ),
            models.CheckConstraint(
                condition=models.Q(lane__in=["yellow", "red"]), name="risk_version_lane_raises"
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="risk_version_valid_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.profile.code} v{self.number}"

    def criteria(self) -> dict[str, Any]:
        """The criteria as given (empty ones included), keyed by field name."""
        return {name: getattr(self, name) for name in CRITERIA_FIELDS}


class OfficeRiskSetting(models.Model):
    """An office's share of declarations sent red at random to measure true compliance.

    An office without its own setting inherits the nearest one up the office tree; the
    national default is the setting of the root office (the General Department), and where
    no office in the tree has one, `settings.HAIQUAN["RANDOM_SELECTION_DEFAULT_RATE"]`.
    """

    office = models.OneToOneField(
        "refdata.Office",
        verbose_name=_("office"),
        on_delete=models.PROTECT,
        related_name="risk_setting",
    )
    random_rate = models.DecimalField(
        _("random selection rate"),
        max_digits=5,
        decimal_places=4,
        help_text=_("Fraction of declarations (0 to 1) sent red at random, e.g. 0.01 for 1%."),
    )
    target_inspection_rate = models.DecimalField(
        _("target inspection rate"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("Fraction of declarations (0 to 1) the office aims to inspect."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("office risk setting")
        verbose_name_plural = _("office risk settings")
        ordering = ["office__path"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(random_rate__gte=0) & models.Q(random_rate__lte=1),
                name="risk_setting_random_rate_fraction",
            ),
            models.CheckConstraint(
                condition=models.Q(target_inspection_rate__isnull=True)
                | (
                    models.Q(target_inspection_rate__gte=0)
                    & models.Q(target_inspection_rate__lte=1)
                ),
                name="risk_setting_target_rate_fraction",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.office_id}: {self.random_rate}"


class RuleSetRevision(models.Model):
    """One row whose token changes whenever profiles or office settings change.

    Every process keeps the rules compiled in memory and, on each decision, compares this
    token (a primary-key read) with the one it compiled from; a different token means
    reload. A random token rather than a counter, so that a rolled-back change cannot leave
    two different rule sets under the same value.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    token = models.CharField(_("token"), max_length=32)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("rule set revision")
        verbose_name_plural = _("rule set revisions")

    def __str__(self) -> str:
        return self.token
