from django.db import models
from django.utils.translation import gettext_lazy as _


class AnomalyKind(models.TextChoices):
    """The patterns in a trader's history that analysts look at (phân tích dữ liệu XNK)."""

    UNIT_PRICE = "unit_price", _("Unit price outlier")
    VOLUME_CHANGE = "volume_change", _("Sudden change of volume or value")
    HS_SWITCH = "hs_switch", _("HS code switched to a lower duty")
    NEW_LARGE = "new_large", _("New enterprise with large volumes")
    ORIGIN_SWITCH = "origin_switch", _("Origin moved towards a preferential partner")


class CaseState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("Audit in progress")
    CLOSED = "closed", _("Closed")


class CaseResult(models.TextChoices):
    VIOLATION = "violation", _("Violations found")
    NO_VIOLATION = "no_violation", _("No violation found")


class FindingKind(models.TextChoices):
    UNDERVALUATION = "undervaluation", _("Undervaluation")
    MISCLASSIFICATION = "misclassification", _("Misclassification (wrong HS code)")
    FALSE_ORIGIN = "false_origin", _("False origin or invalid preference claim")
    OTHER = "other", _("Other violation")


class RankTrigger(models.TextChoices):
    AUDIT_CLOSED = "audit_closed", _("An audit case closed")
    MANUAL = "manual", _("Recomputed by an analyst")
    COMMAND = "command", _("Recomputed by the command")
