"""Trader analysis and post-clearance audit (kiểm tra sau thông quan, hậu kiểm).

- `ScanRun` / `Anomaly`: each bulk scan of the declaration history (`haiquan postaudit_scan`)
  keeps what it found, under its run id, with the declarations behind every anomaly.
- `AuditCase` / `AuditFinding`: an audit from its plan to its result.
- `AuditOutcome`: one row per audited declaration once its case closes — what the learned risk
  model trains on (fraud found or not, revenue found), read through
  `selectors.audit_outcomes()`.
- `RankAssessment`: every recomputation of an enterprise's compliance rank, with its inputs.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haiquan.core.visibility import Visibility, VisibleQuerySet

from .choices import AnomalyKind, CaseResult, CaseState, FindingKind, RankTrigger

VND: dict[str, Any] = {"max_digits": 18, "decimal_places": 0, "default": Decimal(0)}


class ScanRun(models.Model):
    """One bulk scan of the history for anomalies."""

    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    data_from = models.DateField(_("history from"), null=True, blank=True)
    data_to = models.DateField(_("history to"), null=True, blank=True)
    parameters = models.JSONField(_("parameters"), default=dict, encoder=DjangoJSONEncoder)
    lines_scanned = models.PositiveIntegerField(_("goods lines scanned"), default=0)
    declarations_scanned = models.PositiveIntegerField(_("declarations scanned"), default=0)
    anomalies_found = models.PositiveIntegerField(_("anomalies found"), default=0)
    seconds = models.FloatField(_("duration (s)"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("anomaly scan")
        verbose_name_plural = _("anomaly scans")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.started_at:%Y-%m-%d %H:%M}"


class Anomaly(models.Model):
    """Something unusual in one enterprise's history, with a score (0–100, higher = more
    unusual), the facts behind its plain-language reason, and its declarations."""

    run = models.ForeignKey(
        ScanRun, verbose_name=_("scan"), on_delete=models.CASCADE, related_name="anomalies"
    )
    enterprise = models.ForeignKey(
        "refdata.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="anomalies",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AnomalyKind.choices)
    reason_code = models.CharField(_("reason"), max_length=32)
    facts = models.JSONField(_("facts"), default=dict, encoder=DjangoJSONEncoder)
    score = models.FloatField(_("score"))
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    hs_code = models.CharField(_("HS code"), max_length=8, blank=True)
    origin = models.CharField(_("origin"), max_length=2, blank=True)
    value_vnd = models.DecimalField(_("value concerned (VND)"), **VND)
    # Duties and taxes that would be owed if the anomaly were a violation (an estimate).
    gap_vnd = models.DecimalField(_("revenue at stake, estimated (VND)"), **VND)
    declarations: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        "clearance.Declaration",
        verbose_name=_("declarations"),
        through="AnomalyDeclaration",
        related_name="anomalies",
    )

    # Trader analysis is not an officer's: leaders see an anomaly when one of its declarations
    # was lodged in their offices' scope.
    visibility = Visibility(offices=("declarations__office",), offices_for=frozenset({"leader"}))
    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("anomaly")
        verbose_name_plural = _("anomalies")
        ordering = ["-score", "id"]
        indexes = [
            models.Index(fields=["run", "enterprise"], name="anomaly_run_ent_idx"),
            models.Index(fields=["run", "kind", "score"], name="anomaly_run_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.kind} {self.score:.0f}"

    @property
    def reason(self) -> str:
        from .anomalies import reason_text

        return reason_text(self.reason_code, self.facts)


class AnomalyDeclaration(models.Model):
    anomaly = models.ForeignKey(Anomaly, on_delete=models.CASCADE, related_name="links")
    declaration = models.ForeignKey(
        "clearance.Declaration", on_delete=models.CASCADE, related_name="anomaly_links"
    )

    class Meta:
        verbose_name = _("declaration behind an anomaly")
        verbose_name_plural = _("declarations behind anomalies")
        constraints = [
            models.UniqueConstraint(
                fields=["anomaly", "declaration"], name="anomaly_declaration_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.anomaly_id} {self.declaration_id}"


class AuditCase(models.Model):
    """A post-clearance audit of one enterprise's cleared declarations: planned, worked by a
    team of officers, closed with a result (violations with additional duties and penalties, or
    none)."""

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    enterprise = models.ForeignKey(
        "refdata.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="audit_cases",
    )
    office = models.ForeignKey(
        "refdata.Office", verbose_name=_("auditing office"), on_delete=models.PROTECT
    )
    state = models.CharField(
        _("state"), max_length=12, choices=CaseState.choices, default=CaseState.PLANNED
    )
    plan = models.TextField(_("plan"))
    period_from = models.DateField(_("declarations from"))
    period_to = models.DateField(_("declarations to"))
    planned_start = models.DateField(_("planned start"))
    planned_end = models.DateField(_("planned end"))
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("audit team"), related_name="audit_cases"
    )
    declarations = models.ManyToManyField(
        "clearance.Declaration", verbose_name=_("declarations audited"), related_name="audit_cases"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("planned by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("planned at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    result = models.CharField(_("result"), max_length=16, choices=CaseResult.choices, blank=True)
    conclusion = models.TextField(_("conclusion"), blank=True)
    additional_duties_vnd = models.DecimalField(_("additional duties (VND)"), **VND)
    penalties_vnd = models.DecimalField(_("penalties (VND)"), **VND)

    # Need to know: leaders the audits of their offices' scope, officers those on whose team
    # they are (whatever office), besides the nation-wide roles.
    visibility = Visibility(offices=("office",), offices_for=frozenset({"leader"}), assigned="team")
    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit case")
        verbose_name_plural = _("audit cases")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.reference


class AuditFinding(models.Model):
    """A violation the audit team established, with the duties it adds and the penalty."""

    case = models.ForeignKey(AuditCase, on_delete=models.CASCADE, related_name="findings")
    declaration = models.ForeignKey(
        "clearance.Declaration",
        verbose_name=_("declaration"),
        on_delete=models.PROTECT,
        related_name="audit_findings",
    )
    kind = models.CharField(_("kind of violation"), max_length=20, choices=FindingKind.choices)
    description = models.TextField(_("description"))
    additional_duty_vnd = models.DecimalField(_("additional duties (VND)"), **VND)
    penalty_vnd = models.DecimalField(_("penalty (VND)"), **VND)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("audit finding")
        verbose_name_plural = _("audit findings")
        ordering = ["case", "recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.case} {self.kind} {self.declaration_id}"


class AuditOutcome(models.Model):
    """What an audit established about one declaration, written when its case closes: the
    training data of the learned risk model (with the check results of clearance)."""

    case = models.ForeignKey(AuditCase, on_delete=models.CASCADE, related_name="outcomes")
    declaration = models.ForeignKey(
        "clearance.Declaration", on_delete=models.CASCADE, related_name="audit_outcomes"
    )
    fraud_found = models.BooleanField(_("violation found"))
    fraud_kind = models.CharField(_("kind of violation"), max_length=20, blank=True)
    revenue_found_vnd = models.DecimalField(_("additional duties found (VND)"), **VND)
    penalty_vnd = models.DecimalField(_("penalties (VND)"), **VND)
    closed_at = models.DateTimeField(_("closed at"))

    class Meta:
        verbose_name = _("audit outcome")
        verbose_name_plural = _("audit outcomes")
        constraints = [
            models.UniqueConstraint(fields=["case", "declaration"], name="audit_outcome_unique"),
        ]
        indexes = [models.Index(fields=["closed_at"], name="audit_outcome_closed_idx")]

    def __str__(self) -> str:
        return f"{self.declaration_id} {'fraud' if self.fraud_found else 'clean'}"


class RankAssessment(models.Model):
    """A computation of an enterprise's compliance rank: the rule that decided and its inputs."""

    enterprise = models.ForeignKey(
        "refdata.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="rank_assessments",
    )
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)
    rank_before = models.CharField(_("rank before"), max_length=16)
    rank_after = models.CharField(_("rank after"), max_length=16)
    rule = models.CharField(_("rule"), max_length=32)
    inputs = models.JSONField(_("inputs"), default=dict, encoder=DjangoJSONEncoder)
    trigger = models.CharField(_("trigger"), max_length=16, choices=RankTrigger.choices)
    case = models.ForeignKey(
        AuditCase, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("compliance rank assessment")
        verbose_name_plural = _("compliance rank assessments")
        ordering = ["-computed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.rank_before}→{self.rank_after}"
