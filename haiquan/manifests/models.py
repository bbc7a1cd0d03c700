"""Cargo reports (bản khai hàng hoá, e-Manifest): a voyage, flight or trip of a means of transport,
the bills of lading it carries, their goods and containers, and the declarations that draw them
down. Names follow the WCO Data Model where one exists."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haiquan.core.visibility import Visibility, VisibleQuerySet

from .choices import (
    AbandonedHandling,
    BillKind,
    HoldKind,
    HoldOutcome,
    ManifestMode,
    Source,
    VoyageDirection,
)


class Voyage(models.Model):
    """One arrival of a means of transport at an office, as its carrier (or the carrier's agent)
    reported it: a ship's voyage, a flight, a train or a truck's trip."""

    reference = models.CharField(_("manifest reference"), max_length=35)
    carrier = models.ForeignKey(
        "refdata.Enterprise",
        verbose_name=_("carrier or agent"),
        on_delete=models.PROTECT,
        related_name="voyages",
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    mode = models.CharField(_("transport mode"), max_length=8, choices=ManifestMode.choices)
    # An export manifest (departure) names the office of loading where an import one names the
    # office of arrival; its "arrival" times are the departure's.
    direction = models.CharField(
        _("direction"),
        max_length=10,
        choices=VoyageDirection.choices,
        default=VoyageDirection.ARRIVAL,
    )
    # WCO DM: TransportMeans.Identification (IMO number, flight number, plate) and Name.
    transport_means_id = models.CharField(_("means of transport"), max_length=35)
    transport_means_name = models.CharField(_("vessel or aircraft name"), max_length=70, blank=True)
    # WCO DM: Conveyance reference number (voyage number).
    conveyance_reference = models.CharField(_("voyage or flight number"), max_length=35)
    loading_location = models.CharField(_("port of loading"), max_length=5)
    office = models.ForeignKey(
        "refdata.Office",
        verbose_name=_("office of arrival"),
        on_delete=models.PROTECT,
        related_name="voyages",
    )
    estimated_arrival = models.DateTimeField(_("estimated arrival"))
    actual_arrival = models.DateTimeField(_("actual arrival"), null=True, blank=True)
    source = models.CharField(_("received as"), max_length=8, choices=Source.choices)
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)
    amendment_count = models.PositiveIntegerField(_("amendments"), default=0)

    # Customs: the voyages arriving at their offices; a carrier (or agent) its firm's.
    visibility = Visibility(offices=("office",), carrier="carrier")
    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("voyage")
        verbose_name_plural = _("voyages")
        ordering = ["-estimated_arrival", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "transport_means_id", "conveyance_reference"],
                name="voyage_unique_per_carrier",
            ),
        ]
        indexes = [models.Index(fields=["office", "mode"], name="voyage_office_mode_idx")]

    def __str__(self) -> str:
        return f"{self.transport_means_id} {self.conveyance_reference}"

    @property
    def arrived(self) -> bool:
        return self.actual_arrival is not None

    @property
    def is_departure(self) -> bool:
        return self.direction == VoyageDirection.DEPARTURE


class Bill(models.Model):
    """A transport document on the manifest: a bill of lading or an air waybill (house or
    master), with its parties, goods and containers."""

    voyage = models.ForeignKey(Voyage, on_delete=models.CASCADE, related_name="bills")
    # WCO DM: TransportContractDocument.Identification.
    number = models.CharField(_("bill of lading"), max_length=35, db_index=True)
    kind = models.CharField(_("kind"), max_length=8, choices=BillKind.choices)
    master_number = models.CharField(_("master bill"), max_length=35, blank=True)
    consignor_name = models.CharField(_("consignor"), max_length=140)
    consignor_address = models.CharField(_("consignor's address"), max_length=255, blank=True)
    consignee_name = models.CharField(_("consignee"), max_length=140)
    consignee_mst = models.CharField(_("consignee's tax code"), max_length=14, blank=True)
    consignee = models.ForeignKey(
        "refdata.Enterprise",
        verbose_name=_("consignee enterprise"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bills",
    )
    notify_name = models.CharField(_("notify party"), max_length=140, blank=True)
    # WCO DM: TotalPackageQuantity and TotalGrossMassMeasure (kg).
    packages = models.PositiveIntegerField(_("packages"))
    gross_mass_kg = models.DecimalField(_("gross mass (kg)"), max_digits=14, decimal_places=3)
    # Pre-arrival targeting: what made the bill risky ([{"code": ..., "params": {...}}]), as
    # `targeting.bill_targets` found it when the manifest was filed or amended.
    risk_flags = models.JSONField(_("risk flags"), default=list, blank=True)

    class Meta:
        verbose_name = _("bill of lading")
        verbose_name_plural = _("bills of lading")
        ordering = ["voyage", "number"]
        constraints = [
            models.UniqueConstraint(fields=["voyage", "number"], name="bill_unique_per_voyage"),
        ]

    def __str__(self) -> str:
        return self.number


class GoodsItem(models.Model):
    bill = models.ForeignKey(Bill, on_delete=models.CASCADE, related_name="goods")
    sequence = models.PositiveIntegerField(_("item"))
    hs_code = models.CharField(_("HS code"), max_length=10, blank=True)
    description = models.CharField(_("description of goods"), max_length=512)
    packages = models.PositiveIntegerField(_("packages"))
    package_kind = models.CharField(_("kind of packages"), max_length=2, blank=True)
    gross_mass_kg = models.DecimalField(_("gross mass (kg)"), max_digits=14, decimal_places=3)

    class Meta:
        verbose_name = _("goods item")
        verbose_name_plural = _("goods items")
        ordering = ["bill", "sequence"]

    def __str__(self) -> str:
        return f"{self.bill_id}/{self.sequence}"


class BillContainer(models.Model):
    bill = models.ForeignKey(Bill, on_delete=models.CASCADE, related_name="containers")
    number = models.CharField(_("container number"), max_length=11, db_index=True)
    # Seal numbers as the carrier affixed them (WCO DM: Seal.Identification), in order.
    seals = models.JSONField(_("seals"), default=list, blank=True)

    class Meta:
        verbose_name = _("container")
        verbose_name_plural = _("containers")
        ordering = ["bill", "number"]
        constraints = [
            models.UniqueConstraint(fields=["bill", "number"], name="container_unique_per_bill"),
        ]

    def __str__(self) -> str:
        return self.number


class Amendment(models.Model):
    """A change the carrier made to its manifest, with the reason given. After arrival an
    amendment is still kept, and marked as such: customs look at those first."""

    voyage = models.ForeignKey(Voyage, on_delete=models.CASCADE, related_name="amendments")
    number = models.PositiveIntegerField(_("amendment"))
    reason = models.TextField(_("reason"))
    after_arrival = models.BooleanField(_("after arrival"))
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("made by"), on_delete=models.PROTECT
    )
    made_at = models.DateTimeField(_("made at"), default=timezone.now)
    # What changed, bill by bill: {"added": [...], "removed": [...], "changed": {number: {...}}}
    changes = models.JSONField(_("changes"), default=dict)

    class Meta:
        verbose_name = _("manifest amendment")
        verbose_name_plural = _("manifest amendments")
        ordering = ["voyage", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["voyage", "number"], name="amendment_unique_per_voyage"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.voyage_id}/{self.number}"


class BillDrawdown(models.Model):
    """A declaration's claim on a manifested bill: the link between the two, and the packages it
    takes, so that one bill is not declared twice beyond what it carries."""

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="drawdowns")
    declaration = models.ForeignKey(
        "clearance.Declaration", on_delete=models.CASCADE, related_name="bill_drawdowns"
    )
    packages = models.PositiveIntegerField(_("packages"))
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("bill drawdown")
        verbose_name_plural = _("bill drawdowns")
        constraints = [
            models.UniqueConstraint(
                fields=["bill", "declaration"], name="drawdown_unique_per_declaration"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bill_id} ← {self.declaration_id}"


class Hold(models.Model):
    """An officer's hold on a manifested bill before or at arrival: "inspect at arrival" (the
    cargo may not leave the port until inspected) or "do not load" (export). Gates and
    declarations obey it until it is released with what the inspection found."""

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="holds")
    kind = models.CharField(_("hold"), max_length=20, choices=HoldKind.choices)
    reason = models.TextField(_("reason"))
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("placed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    placed_at = models.DateTimeField(_("placed at"), default=timezone.now)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("released by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=HoldOutcome.choices, blank=True)
    outcome_note = models.TextField(_("what was found"), blank=True)

    class Meta:
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        ordering = ["-placed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["bill"],
                condition=models.Q(released_at__isnull=True),
                name="one_open_hold_per_bill",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bill_id} {self.kind}"


class AbandonedNotice(models.Model):
    """A bill not declared within the legal time after arrival: the notice to its consignee and,
    later, how customs handled the goods."""

    bill = models.OneToOneField(Bill, on_delete=models.PROTECT, related_name="abandoned_notice")
    noticed_at = models.DateTimeField(_("noticed at"), default=timezone.now)
    days_after_arrival = models.PositiveIntegerField(_("days after arrival"))
    handling = models.CharField(
        _("handling"), max_length=16, choices=AbandonedHandling.choices, blank=True
    )
    handling_note = models.TextField(_("note"), blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("abandoned goods notice")
        verbose_name_plural = _("abandoned goods notices")
        ordering = ["-noticed_at"]

    def __str__(self) -> str:
        return str(self.bill_id)
