from django.db import models
from django.utils.translation import gettext_lazy as _


class MovementState(models.TextChoices):
    """A transit movement under customs control (NCTS shape): declared → sealed (released for
    transit) → departed → arrived → seal verified → closed (written off)."""

    DECLARED = "declared", _("Declared")
    SEALED = "sealed", _("Sealed, released for transit")
    DEPARTED = "departed", _("Departed")
    ARRIVED = "arrived", _("Arrived")
    SEAL_VERIFIED = "seal_verified", _("Seals verified")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


# States in which the seals are on the containers and telemetry is watched.
WATCHED_STATES = frozenset({MovementState.SEALED, MovementState.DEPARTED, MovementState.ARRIVED})
# States in which opening a seal is an alert ("before destination").
BEFORE_DESTINATION = frozenset({MovementState.SEALED, MovementState.DEPARTED})


class SealState(models.TextChoices):
    AVAILABLE = "available", _("Available")
    ATTACHED = "attached", _("Attached to a container")
    OPENED = "opened", _("Opened")
    FAULTY = "faulty", _("Faulty or damaged")
    RETIRED = "retired", _("Retired")


class Channel(models.TextChoices):
    HTTP = "http", _("HTTP (OsmAnd)")
    MQTT = "mqtt", _("MQTT")
    API = "api", _("HTTP batch")
    DIRECT = "direct", _("Direct")


class IncidentKind(models.TextChoices):
    ACCIDENT = "accident", _("Accident")
    BREAKDOWN = "breakdown", _("Vehicle breakdown")
    SEAL_BROKEN = "seal_broken", _("Seal broken or replaced")
    TRANSSHIPMENT = "transshipment", _("Transshipment to another vehicle")
    CONTROL = "control", _("Control by another authority")
    OTHER = "other", _("Other")


# Traccar's alarm values that mean the seal or the container door was opened or tampered with.
OPENING_ALARMS = frozenset({"tampering", "door", "removing", "open", "seal_open"})
LOW_BATTERY_ALARMS = frozenset({"lowBattery", "lowbattery", "low_battery"})
