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


TRADER_ROLES = frozenset({Role.DECLARANT, Role.BROKER})
CUSTOMS_ROLES = frozenset({Role.OFFICER, Role.LEADER, Role.ANALYST, Role.ADMIN})


class Scope(models.TextChoices):
    """What an API token may be used for. Each API operation needs one (haiquan.core.apiscopes):
    every read needs `read`; each kind of change its own."""

    READ = "read", _("Read what the account may see")
    FILE = "file", _("File and change declarations, online-service filings and transit movements")
    PAY = "pay", _("Order payments of duties and fees")
    PORTAL = "portal", _("Inquiries, ratings and subscriptions of the partnership portal")
    GATE = "gate", _("Report gate events, warehouse receipts and issues, departures and arrivals")
    TELEMETRY = "telemetry", _("Send e-seal positions")
    AGENCY = "agency", _("Send permits, inspection results and certificates of origin")
    CUSTOMS = "customs", _("Customs decisions: checks, release, alerts, seals, audits, rulings")
    RISK = "risk", _("Risk profiles, random selection and the learned risk score")
