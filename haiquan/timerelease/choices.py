from django.db import models
from django.utils.translation import gettext_lazy as _

# The steps are the event catalogue's (each kind names the step it ends): see eventlog/kinds.py.
from haiquan.eventlog.choices import Step

__all__ = ["Bucket", "ComplianceGroup", "Dimension", "FactStatus", "Span", "Step"]


class Bucket(models.TextChoices):
    """Whose time it is (the event log's party; the automated system's time is customs')."""

    CUSTOMS = "customs", _("Customs")
    AGENCY = "agency", _("Other agencies")
    TRADER = "trader", _("Trader")
    MOVEMENT = "movement", _("Movement and handling")
    BANK = "bank", _("Bank")


class FactStatus(models.TextChoices):
    RELEASED = "released", _("Released")
    OPEN = "open", _("Not yet released")
    CANCELLED = "cancelled", _("Cancelled")


class ComplianceGroup(models.TextChoices):
    """Enterprise groups by compliance rank: priority, high and medium are compliant."""

    COMPLIANT = "compliant", _("Compliant enterprises")
    NOT_COMPLIANT = "not_compliant", _("Low or non-compliant enterprises")
    UNRANKED = "unranked", _("Not yet ranked")


class Dimension(models.TextChoices):
    """What a report can be broken down by."""

    OFFICE = "office", _("Office")
    FLOW = "flow", _("Flow")
    LANE = "lane", _("Lane")
    TRANSPORT_MODE = "transport_mode", _("Transport mode")
    TYPE = "type_code", _("Declaration type")
    HS_CHAPTER = "hs_chapter", _("HS chapter")
    COMPLIANCE = "compliance", _("Enterprise group")
    MONTH = "month", _("Month")


class Span(models.TextChoices):
    """Where the measured time starts. Vietnam Customs measures from registration; the WCO
    Time Release Study (and Trading across Borders) from the goods' arrival."""

    REGISTRATION = "registration", _("Registration → release (Vietnam Customs)")
    ARRIVAL = "arrival", _("Arrival → release (WCO Time Release Study)")
