from django.db import models
from django.utils.translation import gettext_lazy as _


class Party(models.TextChoices):
    """Who the time up to an event is attributed to (time-release measurement reads this)."""

    CUSTOMS = "customs", _("Customs")
    TRADER = "trader", _("Trader")
    AGENCY = "agency", _("Other agency")
    MOVEMENT = "movement", _("Movement and handling")
    BANK = "bank", _("Bank")
    SYSTEM = "system", _("System")
