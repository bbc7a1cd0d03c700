from django.db import models
from django.utils.translation import gettext_lazy as _


class RankBy(models.TextChoices):
    """What the model ranks declarations by when it picks the ones to inspect."""

    PROBABILITY = "probability", _("Probability of a violation")
    REVENUE = "revenue", _("Expected revenue recovered")


class ModelStatus(models.TextChoices):
    TRAINED = "trained", _("Trained")
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Deactivated")
