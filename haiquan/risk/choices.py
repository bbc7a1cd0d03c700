from django.db import models
from django.utils.translation import gettext_lazy as _


class ProfileLane(models.TextChoices):
    """The lane a risk profile sends a matching declaration to.

    Profiles only raise lanes: a declaration no profile matches stays green, so "green" is
    not a profile outcome (a priority enterprise is exempted by writing no profile for it).
    """

    YELLOW = "yellow", _("Yellow (document check)")
    RED = "red", _("Red (physical inspection)")


class ReasonSource(models.TextChoices):
    """Where a lane reason came from."""

    PROFILE = "profile", _("Risk profile")
    RANDOM = "random", _("Random selection for compliance measurement")
    SCORE = "score", _("Learned risk score")
    DOCUMENT = "document", _("Supporting document to check")
    CLASSIFICATION = "classification", _("Classification assistant")
