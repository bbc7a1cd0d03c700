from django.db import models
from django.utils.translation import gettext_lazy as _


class Party(models.TextChoices):
    """Who the time up to an event is attributed to (time-release measurement reads this)."""

    CUSTOMS = "customs", _("Customs")
    TRADER = "trader", _("Trader")
    AGENCY = "agency", _("Other agency")
    MOVEMENT = "movement", _("Movement and handling")
    BANK = "bank", _("Bank")
    SYSTEM = "system", _("System")


class Step(models.TextChoices):
    """The steps of the time between registration and release that time-release measurement
    reports, each ended by the events whose catalogue entry names it (`kinds.py`)."""

    LANE_DECISION = "lane_decision", _("Lane decision (risk)")
    DOCUMENT_CHECK = "document_check", _("Document check")
    INSPECTION = "inspection", _("Physical inspection")
    # From customs' request for documents to the declarant's answer: the trader's time
    DOCUMENT_REQUEST = "document_request", _("Declarant answering a request for documents")
    AGENCY = "agency", _("Other agencies' permits and results")
    PAYMENT_ORDER = "payment_order", _("Trader arranging payment")
    PAYMENT = "payment", _("Bank payment or guarantee")
    AMENDMENT = "amendment", _("Amendments")
    CLEARANCE = "clearance", _("Clearance")
    RELEASE = "release", _("Clearance to release (movement and handling)")
    OTHER = "other", _("Other")
