"""Control zones (ports, yards, ICDs, bonded warehouses, border gates), the gate events operators
report, what is inside each zone, bonded-warehouse stock, and the alerts of the 24/7 desk."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haiquan.core.visibility import Visibility, VisibleQuerySet

from .choices import (
    AlertKind,
    AlertState,
    AlertSubject,
    CargoKind,
    Direction,
    DocumentState,
    GateOutcome,
    LedgerKind,
    RefusalCode,
    ZoneKind,
)

QUANTITY: dict[str, Any] = {"max_digits": 18, "decimal_places": 3}
VND: dict[str, Any] = {"max_digits": 18, "decimal_places": 0}


class ControlZone(models.Model):
    """A place under customs control run by an operator enterprise and supervised by an office
    (VASSCM: cảng, kho, bãi, ICD, kho ngoại quan, cửa khẩu)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=20, choices=ZoneKind.choices)
    operator = models.ForeignKey(
        "refdata.Enterprise",
        verbose_name=_("operator"),
        on_delete=models.PROTECT,
        related_name="control_zones",
    )
    office = models.ForeignKey(
        "refdata.Office",
        verbose_name=_("supervising customs office"),
        on_delete=models.PROTECT,
        related_name="control_zones",
    )
    # WGS 84 longitude/latitude, as WKT (POLYGON or MULTIPOLYGON); optional.
    geometry_wkt = models.TextField(_("area (WKT)"), blank=True)
    storage_limit_days = models.PositiveIntegerField(
        _("storage time limit (days)"), null=True, blank=True
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    visibility = Visibility(offices=("office",), operator=("operator",))
    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("control zone")
        verbose_name_plural = _("control zones")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class GateEvent(models.Model):
    """A get-in or get-out reported by the operator (or by an officer at the gate), with the
    answer given at once for a get-out."""

    zone = models.ForeignKey(
        ControlZone, verbose_name=_("zone"), on_delete=models.PROTECT, related_name="gate_events"
    )
    # Idempotency: an operator's message id is recorded once.
    operator = models.ForeignKey(
        "refdata.Enterprise", verbose_name=_("operator"), on_delete=models.PROTECT, related_name="+"
    )
    message_id = models.CharField(_("message id"), max_length=100)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    cargo_kind = models.CharField(_("cargo"), max_length=10, choices=CargoKind.choices)
    container_number = models.CharField(
        _("container number"), max_length=11, blank=True, db_index=True
    )
    bill_of_lading = models.CharField(_("bill of lading"), max_length=35, blank=True, db_index=True)
    quantity = models.DecimalField(_("quantity"), null=True, blank=True, **QUANTITY)
    unit = models.CharField(_("unit"), max_length=8, blank=True)
    vehicle_plate = models.CharField(_("vehicle"), max_length=20, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=GateOutcome.choices)
    refusal_code = models.CharField(
        _("refusal"), max_length=16, choices=RefusalCode.choices, blank=True
    )
    declaration = models.ForeignKey(
        "clearance.Declaration",
        verbose_name=_("declaration"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="gate_events",
    )
    transit_reference = models.CharField(_("transit movement"), max_length=20, blank=True)
    # A get-out of cargo the zone never reported in: a discrepancy to explain.
    without_gate_in = models.BooleanField(_("no get-in on record"), default=False)
    data = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("gate event")
        verbose_name_plural = _("gate events")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["operator", "message_id"], name="gate_event_unique_message"
            ),
        ]
        indexes = [models.Index(fields=["zone", "occurred_at"], name="gate_event_zone_time_idx")]

    def __str__(self) -> str:
        return f"{self.zone.code} {self.direction} {self.container_number or self.bill_of_lading}"

    @property
    def cargo_label(self) -> str:
        return self.container_number or self.bill_of_lading


class ZonePresence(models.Model):
    """A stay of a container (or of a bill of lading's bulk goods) inside a zone, from its get-in
    to its get-out. Open stays are what is inside now."""

    zone = models.ForeignKey(
        ControlZone, verbose_name=_("zone"), on_delete=models.PROTECT, related_name="presences"
    )
    cargo_kind = models.CharField(_("cargo"), max_length=10, choices=CargoKind.choices)
    container_number = models.CharField(_("container number"), max_length=11, blank=True)
    bill_of_lading = models.CharField(_("bill of lading"), max_length=35, blank=True)
    entered_at = models.DateTimeField(_("entered at"))
    exited_at = models.DateTimeField(_("left at"), null=True, blank=True)
    gate_in = models.ForeignKey(
        GateEvent, verbose_name=_("get-in"), on_delete=models.PROTECT, related_name="+"
    )
    gate_out = models.ForeignKey(
        GateEvent,
        verbose_name=_("get-out"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    quantity_in = models.DecimalField(_("quantity in"), null=True, blank=True, **QUANTITY)
    quantity_out = models.DecimalField(_("quantity out"), default=0, **QUANTITY)
    unit = models.CharField(_("unit"), max_length=8, blank=True)

    class Meta:
        verbose_name = _("cargo in a zone")
        verbose_name_plural = _("cargo in zones")
        ordering = ["entered_at", "id"]
        constraints = [
            # The same container cannot be inside the same zone twice at once.
            models.UniqueConstraint(
                fields=["zone", "container_number"],
                condition=Q(exited_at__isnull=True, cargo_kind=CargoKind.CONTAINER),
                name="presence_one_open_container",
            ),
            models.UniqueConstraint(
                fields=["zone", "bill_of_lading"],
                condition=Q(exited_at__isnull=True, cargo_kind=CargoKind.BULK),
                name="presence_one_open_bill",
            ),
        ]
        indexes = [models.Index(fields=["zone", "exited_at"], name="presence_zone_open_idx")]

    def __str__(self) -> str:
        return f"{self.zone.code} {self.container_number or self.bill_of_lading}"


# ---------------------------------------------------------------------------------------------
# Bonded warehouses (kho ngoại quan)


class WarehouseReceipt(models.Model):
    """Goods received into a bonded warehouse against a declaration (phiếu nhập kho, C11)."""

    zone = models.ForeignKey(
        ControlZone, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="receipts"
    )
    document_number = models.CharField(_("receipt number"), max_length=35)
    declaration = models.ForeignKey(
        "clearance.Declaration",
        verbose_name=_("declaration"),
        on_delete=models.PROTECT,
        related_name="warehouse_receipts",
    )
    owner = models.ForeignKey(
        "refdata.Enterprise",
        verbose_name=_("goods owner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_at = models.DateTimeField(_("received at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    state = models.CharField(
        _("state"), max_length=10, choices=DocumentState.choices, default=DocumentState.ACTIVE
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.TextField(_("cancellation reason"), blank=True)

    class Meta:
        verbose_name = _("warehouse receipt")
        verbose_name_plural = _("warehouse receipts")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["zone", "document_number"], name="receipt_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.zone.code} {self.document_number}"


class StockLot(models.Model):
    """One goods line received on one receipt: the unit of stock whose storage time runs from
    its receipt. Issues draw on lots, oldest first."""

    receipt = models.ForeignKey(
        WarehouseReceipt, verbose_name=_("receipt"), on_delete=models.PROTECT, related_name="lots"
    )
    zone = models.ForeignKey(
        ControlZone, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="lots"
    )
    owner = models.ForeignKey(
        "refdata.Enterprise",
        verbose_name=_("goods owner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    declaration_line = models.ForeignKey(
        "clearance.DeclarationLine",
        verbose_name=_("declaration line"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    hs_code = models.CharField(_("HS code"), max_length=8, db_index=True)
    description = models.CharField(_("description"), max_length=500)
    unit = models.CharField(_("unit"), max_length=8)
    quantity_received = models.DecimalField(_("quantity received"), **QUANTITY)
    quantity_held = models.DecimalField(_("quantity held"), **QUANTITY)
    value_received_vnd = models.DecimalField(_("value received (VND)"), **VND)
    value_held_vnd = models.DecimalField(_("value held (VND)"), **VND)
    received_at = models.DateTimeField(_("received at"))
    expires_on = models.DateField(_("storage ends on"))

    class Meta:
        verbose_name = _("stock lot")
        verbose_name_plural = _("stock lots")
        ordering = ["received_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_held__gte=0)
                & Q(quantity_held__lte=models.F("quantity_received")),
                name="lot_held_within_received",
            ),
        ]
        indexes = [
            models.Index(fields=["zone", "owner", "hs_code", "unit"], name="lot_item_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.receipt} {self.hs_code} {self.quantity_held}/{self.quantity_received}"


class WarehouseIssue(models.Model):
    """Goods issued from a bonded warehouse against a declaration: abroad (C12) or into the
    domestic market (an import declaration such as A11)."""

    zone = models.ForeignKey(
        ControlZone, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="issues"
    )
    document_number = models.CharField(_("issue number"), max_length=35)
    declaration = models.ForeignKey(
        "clearance.Declaration",
        verbose_name=_("declaration"),
        on_delete=models.PROTECT,
        related_name="warehouse_issues",
    )
    owner = models.ForeignKey(
        "refdata.Enterprise",
        verbose_name=_("goods owner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("issued at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    state = models.CharField(
        _("state"), max_length=10, choices=DocumentState.choices, default=DocumentState.ACTIVE
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.TextField(_("cancellation reason"), blank=True)

    class Meta:
        verbose_name = _("warehouse issue")
        verbose_name_plural = _("warehouse issues")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["zone", "document_number"], name="issue_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.zone.code} {self.document_number}"


class IssueLine(models.Model):
    issue = models.ForeignKey(
        WarehouseIssue, verbose_name=_("issue"), on_delete=models.PROTECT, related_name="lines"
    )
    lot = models.ForeignKey(
        StockLot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="issue_lines"
    )
    declaration_line = models.ForeignKey(
        "clearance.DeclarationLine",
        verbose_name=_("declaration line"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    value_vnd = models.DecimalField(_("value (VND)"), **VND)

    class Meta:
        verbose_name = _("issue line")
        verbose_name_plural = _("issue lines")
        ordering = ["issue", "id"]

    def __str__(self) -> str:
        return f"{self.issue} {self.lot.hs_code} {self.quantity}"


class StockLedgerEntry(models.Model):
    """The history of every stock movement, one row per lot touched; never changed."""

    zone = models.ForeignKey(
        ControlZone, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="ledger"
    )
    owner = models.ForeignKey(
        "refdata.Enterprise",
        verbose_name=_("goods owner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    lot = models.ForeignKey(
        StockLot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="ledger"
    )
    kind = models.CharField(_("movement"), max_length=20, choices=LedgerKind.choices)
    quantity = models.DecimalField(_("quantity (+ in, − out)"), **QUANTITY)
    value_vnd = models.DecimalField(_("value (VND)"), **VND)
    receipt = models.ForeignKey(
        WarehouseReceipt, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issue = models.ForeignKey(
        WarehouseIssue, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    occurred_at = models.DateTimeField(_("occurred at"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.lot.hs_code} {self.quantity}"


# ---------------------------------------------------------------------------------------------
# Alerts of the 24/7 desk


class Alert(models.Model):
    """Something an office must look at: raised once per subject, kind and episode, then
    acknowledged and resolved by an officer with notes.

    An episode is one occurrence of a condition: a truck that leaves its corridor, comes back
    and leaves again makes two episodes, so two alerts; a condition that persists is one."""

    kind = models.CharField(_("kind"), max_length=24, choices=AlertKind.choices)
    state = models.CharField(
        _("state"), max_length=14, choices=AlertState.choices, default=AlertState.RAISED
    )
    subject_type = models.CharField(_("subject"), max_length=20, choices=AlertSubject.choices)
    subject_id = models.BigIntegerField(_("subject id"))
    subject_label = models.CharField(_("subject label"), max_length=64, blank=True)
    episode = models.PositiveIntegerField(_("episode"), default=1)
    office = models.ForeignKey(
        "refdata.Office",
        verbose_name=_("office"),
        on_delete=models.PROTECT,
        related_name="supervision_alerts",
    )
    zone = models.ForeignKey(
        ControlZone,
        verbose_name=_("zone"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alerts",
    )
    declaration_id = models.BigIntegerField(_("declaration"), null=True, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledge_note = models.TextField(_("acknowledgement note"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution_note = models.TextField(_("resolution note"), blank=True)

    visibility = Visibility(offices=("office",))
    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "kind", "episode"],
                name="alert_once_per_episode",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "office"], name="alert_state_office_idx"),
            models.Index(fields=["subject_type", "subject_id"], name="alert_subject_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subject_label}"
