from django.db import models
from django.utils.translation import gettext_lazy as _


class ManifestMode(models.TextChoices):
    """How the means of transport travels (a subset of clearance's transport modes)."""

    SEA = "sea", _("Sea")
    AIR = "air", _("Air")
    ROAD = "road", _("Road")
    RAIL = "rail", _("Rail")


class VoyageDirection(models.TextChoices):
    # An arrival's cargo report is the import manifest; a departure's is the export manifest,
    # filed before loading, whose bills an officer may stop with "do not load".
    ARRIVAL = "arrival", _("Arrival (import manifest)")
    DEPARTURE = "departure", _("Departure (export manifest)")


class BillKind(models.TextChoices):
    # A master bill is the carrier's to a consolidator; house bills are the consolidator's to the
    # real consignees and name their master. A simple bill has neither.
    SIMPLE = "simple", _("Bill of lading")
    MASTER = "master", _("Master bill")
    HOUSE = "house", _("House bill")


class Source(models.TextChoices):
    API = "api", _("API (JSON)")
    CUSCAR = "cuscar", _("UN/EDIFACT CUSCAR file")
    PAGE = "page", _("Web page")


class HoldKind(models.TextChoices):
    INSPECT = "inspect_at_arrival", _("Inspect at arrival")
    DO_NOT_LOAD = "do_not_load", _("Do not load")


class HoldOutcome(models.TextChoices):
    # What the inspection found when the hold was released (fed back as an inspection result).
    NOTHING_FOUND = "nothing_found", _("Nothing found")
    FOUND = "irregularity_found", _("Irregularity found")


class AbandonedHandling(models.TextChoices):
    # What became of goods nobody declared in time (Decree 08/2015, art. 57-58 as amended).
    DECLARED_LATE = "declared_late", _("Declared late by the consignee")
    RE_EXPORTED = "re_exported", _("Re-exported")
    SOLD = "sold", _("Sold at auction")
    DESTROYED = "destroyed", _("Destroyed")
