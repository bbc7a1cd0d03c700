"""Versions of the learned risk model and the inspection rate each office aims at.

A version is trained once and never retrained: its two LightGBM models (a classifier for the
chance of a violation, a regressor for the revenue at stake), the feature specification they
read, the training window and the evaluation on the later period are kept together, so any
past decision can be explained with the model that made it. At most one version is active.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haiquan.core.visibility import Visibility, VisibleQuerySet

from .choices import ModelStatus, RankBy


class RiskModel(models.Model):
    version = models.PositiveIntegerField(_("version"), unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ModelStatus.choices, default=ModelStatus.TRAINED
    )
    rank_by = models.CharField(
        _("rank by"), max_length=12, choices=RankBy.choices, default=RankBy.PROBABILITY
    )
    classifier = models.TextField(_("classifier (LightGBM model text)"))
    regressor = models.TextField(_("regressor (LightGBM model text)"), blank=True)
    spec = models.JSONField(_("feature specification"), default=dict, encoder=DjangoJSONEncoder)
    metrics = models.JSONField(_("evaluation"), default=dict, encoder=DjangoJSONEncoder)
    thresholds = models.JSONField(
        _("red-lane thresholds per office"), default=dict, encoder=DjangoJSONEncoder
    )
    train_from = models.DateTimeField(_("training window start"))
    train_until = models.DateTimeField(_("training window end (evaluation starts)"))
    test_until = models.DateTimeField(_("evaluation window end"))
    training_rows = models.PositiveIntegerField(_("training rows"), default=0)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("trained by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("activated by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)

    # Nobody's but the nation-wide roles' (knowing what the model looks at would let a trader
    # declare around it): no field names a party.
    visibility = Visibility()
    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("risk model version")
        verbose_name_plural = _("risk model versions")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="active"),
                name="riskml_one_active_model",
            )
        ]

    def __str__(self) -> str:
        return f"v{self.version} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status == ModelStatus.ACTIVE


class InspectionTarget(models.Model):
    """The share of an office's declarations the model may send to the red lane, what it ranks
    them by there (catch the most violations, or recover the most revenue), and the part of
    that share spent exploring declarations the checks have seen little of."""

    office = models.OneToOneField(
        "refdata.Office",
        verbose_name=_("office"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    rate = models.DecimalField(_("target inspection rate"), max_digits=5, decimal_places=4)
    rank_by = models.CharField(
        _("rank by"),
        max_length=12,
        choices=RankBy.choices,
        blank=True,
        help_text=_("Empty: as the active model version ranks."),
    )
    exploration = models.DecimalField(
        _("exploration share"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("Part of the rate spent exploring; empty: the installation's default."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    visibility = Visibility()  # as the models: the nation-wide roles' alone
    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection target")
        verbose_name_plural = _("inspection targets")

    def __str__(self) -> str:
        return f"{self.office_id} {self.rate}"


DEFAULT_TARGET_RATE = Decimal("0.05")
