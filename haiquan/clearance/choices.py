from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    DOCUMENT_CHECK = "document_check", _("Document check")
    INSPECTION = "inspection", _("Physical inspection")
    AWAITING_PAYMENT = "awaiting_payment", _("Waiting for clearance")
    CLEARED = "cleared", _("Cleared")
    RELEASED = "released", _("Released")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = frozenset({Status.DOCUMENT_CHECK, Status.INSPECTION, Status.AWAITING_PAYMENT})


class TransportMode(models.TextChoices):
    SEA = "sea", _("Sea")
    AIR = "air", _("Air")
    ROAD = "road", _("Road")
    RAIL = "rail", _("Rail")
    INLAND_WATERWAY = "inland_waterway", _("Inland waterway")
    MULTIMODAL = "multimodal", _("Multimodal")
    POST = "post", _("Post and express")
    FIXED = "fixed", _("Fixed installation (pipeline, power line)")


class Incoterm(models.TextChoices):
    EXW = "EXW", "EXW"
    FCA = "FCA", "FCA"
    FAS = "FAS", "FAS"
    FOB = "FOB", "FOB"
    CFR = "CFR", "CFR"
    CIF = "CIF", "CIF"
    CPT = "CPT", "CPT"
    CIP = "CIP", "CIP"
    DAP = "DAP", "DAP"
    DPU = "DPU", "DPU"
    DDP = "DDP", "DDP"


class PaymentState(models.TextChoices):
    NONE_DUE = "none_due", _("Nothing due")
    UNPAID = "unpaid", _("Unpaid")
    PARTIAL = "partial", _("Partly paid")
    PAID = "paid", _("Paid")
    GUARANTEED = "guaranteed", _("Guaranteed by a bank")


SETTLED_PAYMENT_STATES = frozenset(
    {PaymentState.NONE_DUE, PaymentState.PAID, PaymentState.GUARANTEED}
)


class CheckKind(models.TextChoices):
    DOCUMENT_CHECK = "document_check", _("Document check")
    INSPECTION = "inspection", _("Physical inspection")


class CheckOutcome(models.TextChoices):
    MATCH = "match", _("Matches the declaration")
    DISCREPANCY = "discrepancy", _("Discrepancy found")


class CancellationState(models.TextChoices):
    PENDING = "pending", _("Waiting for the customs office's decision")
    APPROVED = "approved", _("Approved: the declaration is cancelled")
    REFUSED = "refused", _("Refused")
