"""Transit movements under GPS e-seals: the movement, its containers and their seals, the
positions the seals report, and incidents on the way."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haiquan.core.visibility import Reach, Visibility, VisibleQuerySet

from .choices import Channel, IncidentKind, MovementState, SealState


class ESeal(models.Model):
    """A GPS e-seal (seal định vị điện tử). Its identity is manufacturer + serial (ISO 18185);
    `device_id` is what its tracker reports as `id` in telemetry."""

    manufacturer = models.CharField(_("manufacturer"), max_length=64)
    serial = models.CharField(_("serial number"), max_length=64)
    device_id = models.CharField(_("device id"), max_length=64, unique=True)
    state = models.CharField(
        _("state"), max_length=10, choices=SealState.choices, default=SealState.AVAILABLE
    )
    battery_pct = models.FloatField(_("battery (%)"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    # The e-seal platform (an operator's enterprise) the seal belongs to: only its account may
    # relay the seal's positions or read the seal. None: customs' own seal.
    owner = models.ForeignKey(
        "refdata.Enterprise",
        verbose_name=_("platform"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Its signing key: derived from the installation's secret and this id (see devicekeys.py);
    # "" until a key is issued. The key itself is never stored.
    key_id = models.CharField(_("key id"), max_length=32, blank=True)
    key_issued_at = models.DateTimeField(_("key issued at"), null=True, blank=True)
    # The anti-replay window of the current key: the highest counter accepted and which of
    # the counters just below it were.
    counter_high = models.BigIntegerField(default=0)
    counter_seen = models.BigIntegerField(default=0)

    visibility = Visibility(customs_see_all=True, operator=("owner",))
    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("e-seal")
        verbose_name_plural = _("e-seals")
        ordering = ["manufacturer", "serial"]
        constraints = [
            models.UniqueConstraint(fields=["manufacturer", "serial"], name="eseal_iso18185_id"),
        ]

    def __str__(self) -> str:
        return f"{self.manufacturer} {self.serial}"


class TransitMovement(models.Model):
    """Goods moved under customs control from an office of departure to an office of
    destination (vận chuyển chịu sự giám sát hải quan), along a route corridor, within a time
    limit, each container under an e-seal."""

    reference = models.CharField(_("movement reference (MRN)"), max_length=18, unique=True)
    state = models.CharField(
        _("state"), max_length=14, choices=MovementState.choices, default=MovementState.DECLARED
    )
    declaration = models.ForeignKey(
        "clearance.Declaration",
        verbose_name=_("declaration"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transit_movements",
    )
    office_of_departure = models.ForeignKey(
        "refdata.Office",
        verbose_name=_("office of departure"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    office_of_destination = models.ForeignKey(
        "refdata.Office",
        verbose_name=_("office of destination"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    departure_zone = models.ForeignKey(
        "supervision.ControlZone",
        verbose_name=_("place of departure"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    destination_zone = models.ForeignKey(
        "supervision.ControlZone",
        verbose_name=_("place of destination"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    carrier = models.ForeignKey(
        "refdata.Enterprise",
        verbose_name=_("carrier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    vehicle_plate = models.CharField(_("vehicle"), max_length=20, blank=True)
    driver_name = models.CharField(_("driver"), max_length=100, blank=True)
    # The route: a WGS 84 LINESTRING; the corridor is `corridor_m` metres either side of it.
    route_wkt = models.TextField(_("route (WKT)"))
    corridor_m = models.PositiveIntegerField(_("corridor (metres either side)"), default=500)
    # Where stopping is allowed besides the places of departure and destination (rest areas):
    # polygons, or points taken with a radius (WKT).
    permitted_stops_wkt = models.TextField(_("permitted stops (WKT)"), blank=True)
    time_limit_minutes = models.PositiveIntegerField(_("time limit (minutes)"))
    deadline = models.DateTimeField(_("arrive by"), null=True, blank=True)
    max_stop_minutes = models.PositiveIntegerField(
        _("longest stop allowed (minutes)"), null=True, blank=True
    )
    has_incident = models.BooleanField(_("incident recorded"), default=False)
    # The last episode number raised per alert kind (episodes are numbered per movement).
    alert_episodes = models.JSONField(_("alert episodes"), default=dict, blank=True)

    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    declared_at = models.DateTimeField(_("declared at"), default=timezone.now)
    sealed_at = models.DateTimeField(_("sealed at"), null=True, blank=True)
    # The server's times of departure and arrival (deadlines and lateness count from them),
    # beside the times the operator or officer reported (accepted within a window of now).
    departed_at = models.DateTimeField(_("departed at"), null=True, blank=True)
    departure_reported_at = models.DateTimeField(
        _("departure time reported"), null=True, blank=True
    )
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    arrival_reported_at = models.DateTimeField(_("arrival time reported"), null=True, blank=True)
    verified_at = models.DateTimeField(_("seals verified at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    visibility = Visibility(
        offices=("office_of_departure", "office_of_destination"),
        operator=("departure_zone__operator", "destination_zone__operator"),
        enterprise="declaration__enterprise",
        traders=Reach.DECLARE_FOR,
        filed_by="declared_by",
    )
    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("transit movement")
        verbose_name_plural = _("transit movements")
        ordering = ["-declared_at", "-id"]
        indexes = [models.Index(fields=["state", "deadline"], name="movement_state_idx")]

    def __str__(self) -> str:
        return self.reference


class MovementContainer(models.Model):
    """A container of a movement, its e-seal, and the monitoring state its telemetry builds."""

    movement = models.ForeignKey(
        TransitMovement,
        verbose_name=_("movement"),
        on_delete=models.CASCADE,
        related_name="containers",
    )
    container_number = models.CharField(_("container number"), max_length=11, db_index=True)
    seal = models.ForeignKey(
        ESeal,
        verbose_name=_("e-seal"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    # True while the seal is on this container for this movement.
    active = models.BooleanField(_("seal attached"), default=False)
    sealed_at = models.DateTimeField(_("sealed at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("seal opened at"), null=True, blank=True)
    seal_intact = models.BooleanField(_("seal intact on arrival"), null=True, blank=True)
    verification_note = models.TextField(_("verification note"), blank=True)

    # Monitoring state, updated by telemetry under the movement's row lock.
    last_fix_at = models.DateTimeField(_("last position at"), null=True, blank=True)
    last_lat = models.FloatField(null=True, blank=True)
    last_lon = models.FloatField(null=True, blank=True)
    last_speed_kn = models.FloatField(null=True, blank=True)
    last_battery = models.FloatField(null=True, blank=True)
    # Where and since when the vehicle has been standing (stop detection).
    anchor_at = models.DateTimeField(null=True, blank=True)
    anchor_lat = models.FloatField(null=True, blank=True)
    anchor_lon = models.FloatField(null=True, blank=True)
    # Conditions in progress: alert kind → the episode raised for it.
    open_episodes = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("container in transit")
        verbose_name_plural = _("containers in transit")
        ordering = ["movement", "container_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["movement", "container_number"], name="movement_container_unique"
            ),
            # A seal is on one container at a time.
            models.UniqueConstraint(
                fields=["seal"], condition=Q(active=True), name="seal_attached_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.movement.reference} {self.container_number}"


class Position(models.Model):
    """A position reported by an e-seal. Stored once per device and timestamp: a repeated
    message changes nothing."""

    seal = models.ForeignKey(ESeal, on_delete=models.PROTECT, related_name="positions")
    movement = models.ForeignKey(
        TransitMovement, null=True, blank=True, on_delete=models.PROTECT, related_name="positions"
    )
    recorded_at = models.DateTimeField(_("device time"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    speed_kn = models.FloatField(_("speed (knots)"), null=True, blank=True)
    bearing = models.FloatField(_("bearing"), null=True, blank=True)
    altitude = models.FloatField(_("altitude"), null=True, blank=True)
    accuracy = models.FloatField(_("accuracy (m)"), null=True, blank=True)
    hdop = models.FloatField(_("HDOP"), null=True, blank=True)
    battery_pct = models.FloatField(_("battery (%)"), null=True, blank=True)
    valid = models.BooleanField(_("valid fix"), default=True)
    alarm = models.CharField(_("alarm"), max_length=32, blank=True)
    attributes = models.JSONField(
        _("attributes"), default=dict, blank=True, encoder=DjangoJSONEncoder
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    # The message's counter when it was signed (None: unsigned, where the installation allows).
    counter = models.BigIntegerField(_("message counter"), null=True, blank=True)

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["recorded_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["seal", "recorded_at"], name="position_once_per_time"),
        ]
        indexes = [models.Index(fields=["movement", "recorded_at"], name="position_movement_idx")]

    def __str__(self) -> str:
        return (
            f"{self.seal_id} {self.recorded_at:%Y-%m-%d %H:%M:%S} {self.latitude},{self.longitude}"
        )


class PositionConflict(models.Model):
    """A second report for a (seal, time) already stored, with different content: kept as
    evidence (never dropped as a duplicate) and raised as a possible tampering."""

    seal = models.ForeignKey(ESeal, on_delete=models.PROTECT, related_name="conflicts")
    movement = models.ForeignKey(
        TransitMovement,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="position_conflicts",
    )
    stored = models.ForeignKey(
        Position,
        verbose_name=_("position stored first"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="conflicts",
    )
    recorded_at = models.DateTimeField(_("device time"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    counter = models.BigIntegerField(_("message counter"), null=True, blank=True)
    # The conflicting report as parsed (position, speed, battery, alarm, attributes).
    report = models.JSONField(_("report"), encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("conflicting position report")
        verbose_name_plural = _("conflicting position reports")
        ordering = ["recorded_at", "id"]
        indexes = [models.Index(fields=["seal", "recorded_at"], name="conflict_seal_time_idx")]

    def __str__(self) -> str:
        return f"{self.seal_id} {self.recorded_at:%Y-%m-%d %H:%M:%S}"


class Incident(models.Model):
    """Something that happened on the way and was recorded by an officer (accident,
    transshipment, a seal broken and replaced...)."""

    movement = models.ForeignKey(
        TransitMovement,
        verbose_name=_("movement"),
        on_delete=models.PROTECT,
        related_name="incidents",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=IncidentKind.choices)
    container_number = models.CharField(_("container number"), max_length=11, blank=True)
    description = models.TextField(_("description"))
    occurred_at = models.DateTimeField(_("occurred at"))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    replacement_seal = models.ForeignKey(
        ESeal,
        verbose_name=_("replacement seal"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.movement.reference} {self.kind}"


class ReferenceSequence(models.Model):
    """Counters for movement references, per year and office of departure."""

    name = models.CharField(max_length=16, primary_key=True)
    last = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("reference sequence")
        verbose_name_plural = _("reference sequences")

    def __str__(self) -> str:
        return f"{self.name}={self.last}"
