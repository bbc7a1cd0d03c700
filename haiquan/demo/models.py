"""Records of what the demo generator wrote, and the synthetic ground truth.

Nothing in the workflow reads these tables. `SyntheticTruth` says, for every generated
declaration, whether it was declared honestly and, if not, what the truth was: risk analysts use
it to measure a risk model (precision, recall and revenue found at a given inspection rate)
the way the field does with real post-clearance audit results, which a demo does not have.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import DatasetMode, FraudKind


class DemoInstallation(models.Model):
    """The mark of a database that `haiquan demo` made: one row, written in the same transaction
    as the demo's first content on an empty database. Without it the demo refuses to touch the
    database (`haiquan.demo.guard`); the reset keeps it."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    haiquan_version = models.CharField(_("haiquan version"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("demo installation")
        verbose_name_plural = _("demo installation")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="demo_installation_one")
        ]

    def __str__(self) -> str:
        return f"demo installation since {self.created_at:%Y-%m-%d %H:%M}"


class DemoDataset(models.Model):
    """One run of the generator: what it was asked for and what it wrote."""

    mode = models.CharField(_("mode"), max_length=12, choices=DatasetMode.choices)
    seed = models.BigIntegerField(_("seed"))
    period_start = models.DateTimeField(_("period start"))
    period_end = models.DateTimeField(_("period end"))
    parameters = models.JSONField(_("parameters"), default=dict, encoder=DjangoJSONEncoder)
    report = models.JSONField(_("report"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("demo dataset")
        verbose_name_plural = _("demo datasets")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return (
            f"{self.mode} seed={self.seed} {self.period_start:%Y-%m-%d}…{self.period_end:%Y-%m-%d}"
        )


class SyntheticEnterprise(models.Model):
    """An enterprise the generator invented, with the traits it drew for it.

    `fraud_propensity` is the hidden chance that one of its dutiable declarations carries a
    violation: ground truth for evaluating trader-level risk scores.
    """

    enterprise = models.OneToOneField(
        "refdata.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="synthetic",
    )
    dataset = models.ForeignKey(
        DemoDataset, verbose_name=_("dataset"), on_delete=models.CASCADE, related_name="enterprises"
    )
    segment = models.CharField(_("segment"), max_length=32)
    anchor = models.CharField(
        _("anchor"),
        max_length=32,
        blank=True,
        db_index=True,
        help_text=_("Set on the named enterprises the demo log-ins are attached to."),
    )
    fraud_propensity = models.DecimalField(_("fraud propensity"), max_digits=5, decimal_places=4)

    class Meta:
        verbose_name = _("synthetic enterprise")
        verbose_name_plural = _("synthetic enterprises")

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.segment}"


class SyntheticTruth(models.Model):
    """Synthetic ground truth of one generated declaration, for evaluating risk models.

    Written by the demo generator only and never read by the clearance workflow. An honest
    declaration has an empty `fraud_kind`. Otherwise `true_values` lists, per affected goods
    line, what was declared and what is true, and `revenue_at_stake_vnd` is the duties the
    truth owes minus the duties declared (computed by the tariff's own `compute_duties`).
    `detected` says whether a document check or an inspection found it.
    """

    declaration = models.OneToOneField(
        "clearance.Declaration",
        verbose_name=_("declaration"),
        on_delete=models.CASCADE,
        related_name="synthetic_truth",
    )
    dataset = models.ForeignKey(
        DemoDataset, verbose_name=_("dataset"), on_delete=models.CASCADE, related_name="truths"
    )
    fraud_kind = models.CharField(
        _("kind of violation"), max_length=20, choices=FraudKind.choices, blank=True, db_index=True
    )
    true_values = models.JSONField(
        _("true values"), default=list, blank=True, encoder=DjangoJSONEncoder
    )
    revenue_at_stake_vnd = models.DecimalField(
        _("revenue at stake (VND)"), max_digits=18, decimal_places=0, default=Decimal(0)
    )
    detected = models.BooleanField(_("detected"), default=False)

    class Meta:
        verbose_name = _("synthetic ground truth")
        verbose_name_plural = _("synthetic ground truth")

    def __str__(self) -> str:
        return f"{self.declaration_id} {self.fraud_kind or 'honest'}"
