from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ZoneKind(models.TextChoices):
    """Places under customs control (địa điểm giám sát hải quan)."""

    PORT = "port", _("Seaport")
    CONTAINER_YARD = "container_yard", _("Container yard")
    ICD = "icd", _("Inland clearance depot (ICD)")
    BONDED_WAREHOUSE = "bonded_warehouse", _("Bonded warehouse")
    BORDER_GATE = "border_gate", _("Border gate")


class Direction(models.TextChoices):
    IN = "in", _("Get-in")
    OUT = "out", _("Get-out")


class CargoKind(models.TextChoices):
    CONTAINER = "container", _("Container")
    BULK = "bulk", _("Bulk or loose goods (by bill of lading)")


class GateOutcome(models.TextChoices):
    RECORDED = "recorded", _("Recorded")
    ALLOWED = "allowed", _("Allowed out")
    REFUSED = "refused", _("Refused")


class RefusalCode(models.TextChoices):
    NOT_DECLARED = "not_declared", _("No declaration covers it")
    NOT_CLEARED = "not_cleared", _("Its declaration is not cleared")
    HELD = "held", _("Held by customs")


class AlertKind(models.TextChoices):
    EXIT_REFUSED = "exit_refused", _("Get-out refused")
    STORAGE_TIME_ENDING = "storage_time_ending", _("Storage time limit ending")
    STORAGE_TIME_EXCEEDED = "storage_time_exceeded", _("Storage time limit exceeded")
    SEAL_OPENED = "seal_opened", _("Seal opened or tampered before destination")
    CORRIDOR_EXIT = "corridor_exit", _("Left the route corridor")
    LONG_STOP = "long_stop", _("Stopped too long outside a permitted place")
    LATE_ARRIVAL = "late_arrival", _("Not arrived within the time limit")
    SIGNAL_LOST = "signal_lost", _("Positioning signal lost")
    LOW_BATTERY = "low_battery", _("E-seal battery low")
    POSITION_CONFLICT = "position_conflict", _("Conflicting position reports (possible forgery)")


# What the 24/7 desk looks at first.
HIGH_SEVERITY = frozenset(
    {
        AlertKind.SEAL_OPENED,
        AlertKind.CORRIDOR_EXIT,
        AlertKind.EXIT_REFUSED,
        AlertKind.SIGNAL_LOST,
        AlertKind.POSITION_CONFLICT,
    }
)


class AlertState(models.TextChoices):
    RAISED = "raised", _("Raised")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


OPEN_ALERT_STATES = frozenset({AlertState.RAISED, AlertState.ACKNOWLEDGED})


class AlertSubject(models.TextChoices):
    GATE_EVENT = "gate_event", _("Gate event")
    ZONE_PRESENCE = "zone_presence", _("Cargo in a zone")
    STOCK_LOT = "stock_lot", _("Bonded warehouse lot")
    TRANSIT_MOVEMENT = "transit_movement", _("Transit movement")


class DocumentState(models.TextChoices):
    ACTIVE = "active", _("Active")
    CANCELLED = "cancelled", _("Cancelled")


class LedgerKind(models.TextChoices):
    RECEIPT = "receipt", pgettext_lazy("bonded warehouse", "Receipt")
    ISSUE = "issue", _("Issue")
    RECEIPT_CANCELLED = "receipt_cancelled", _("Receipt cancelled")
    ISSUE_CANCELLED = "issue_cancelled", _("Issue cancelled")
