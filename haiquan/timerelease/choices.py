from django.db import models
from django.utils.translation import gettext_lazy as _


class Step(models.TextChoices):
    """The steps between registration and release, each named by the event that ends it."""

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
