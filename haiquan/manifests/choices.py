from django.db import models
from django.utils.translation import gettext_lazy as _


class ManifestMode(models.TextChoices):
    """How the means of transport travels (a subset of clearance's transport modes)."""

    SEA = "sea", _("Sea")
    AIR = "air", _("Air")
    ROAD = "road", _("Road")
    RAIL = "rail", _("Rail")


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
