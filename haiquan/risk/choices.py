from django.db import models
from django.utils.translation import gettext_lazy as _


class Lane(models.TextChoices):
    """The lane a declaration is sent to: green (no check), yellow (document check), red
    (physical inspection)."""

    GREEN = "green", _("Green")
    YELLOW = "yellow", _("Yellow")
    RED = "red", _("Red")


LANE_SEVERITY = {Lane.GREEN: 0, Lane.YELLOW: 1, Lane.RED: 2}


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
