from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DECLARANT = "declarant", _("Declarant")
    BROKER = "broker", _("Customs broker")
    OFFICER = "officer", _("Customs officer")
    LEADER = "leader", _("Office leader")
    ANALYST = "analyst", _("Risk analyst")
    ADMIN = "admin", _("Administrator")
    OPERATOR = "operator", _("Port or warehouse operator")
    AGENCY = "agency", _("Partner agency")
    BANK = "bank", _("Bank")
    CARRIER = "carrier", _("Carrier or shipping agent")


TRADER_ROLES = frozenset({Role.DECLARANT, Role.BROKER})
CUSTOMS_ROLES = frozenset({Role.OFFICER, Role.LEADER, Role.ANALYST, Role.ADMIN})
# The roles that see every office's rows (`core/visibility.py`).
NATIONWIDE_ROLES = frozenset({Role.ANALYST, Role.ADMIN})
