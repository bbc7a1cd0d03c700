from django.db import models
from django.utils.translation import gettext_lazy as _


class DatasetMode(models.TextChoices):
    """What a generator run was for."""

    DEMO = "demo", _("Demo history (one province's customs calibrated to the sources)")
    NATIONAL = "national", _("National benchmark volume")


class FraudKind(models.TextChoices):
    """The violation planted in a synthetic declaration ("" when it was declared honestly)."""

    NONE = "", _("None: declared as it truly is")
    UNDERVALUATION = "undervaluation", _("Undervaluation: unit price declared below the true price")
    MISCLASSIFICATION = "misclassification", _("Misclassification: a lower-duty HS line declared")
    FALSE_ORIGIN = (
        "false_origin",
        _("False origin: a preference claimed on goods of another origin"),
    )
