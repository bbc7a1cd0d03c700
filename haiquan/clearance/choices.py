from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    DOCUMENT_CHECK = "document_check", _("Document check")
    INSPECTION = "inspection", _("Physical inspection")
    # Customs asked for documents or explanations: the declarant's turn (chờ bổ sung hồ sơ)
    AWAITING_DOCUMENTS = "awaiting_documents", _("Waiting for the declarant's documents")
    AWAITING_PAYMENT = "awaiting_payment", _("Waiting for clearance")
    CLEARED = "cleared", _("Cleared")
    RELEASED = "released", _("Released")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = frozenset(
    {
        Status.DOCUMENT_CHECK,
        Status.INSPECTION,
        Status.AWAITING_DOCUMENTS,
        Status.AWAITING_PAYMENT,
    }
)


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


class DocumentKind(models.TextChoices):
    """The documents of a declaration's file (hồ sơ hải quan)."""

    INVOICE = "invoice", _("Commercial invoice")
    PACKING_LIST = "packing_list", _("Packing list")
    BILL_OF_LADING = "bill_of_lading", _("Bill of lading or air waybill")
    CONTRACT = "contract", _("Sales contract")
    ORIGIN = "origin", _("Certificate of origin (C/O)")
    PERMIT = "permit", _("Permit or licence")
    INSPECTION = "inspection", _("Specialised-inspection result")
    PHOTO = "photo", _("Photo of the goods")
    EXPLANATION = "explanation", _("Written explanation")
    OTHER = "other", _("Other document")


class RequestState(models.TextChoices):
    """A request for documents (yêu cầu bổ sung hồ sơ)."""

    OPEN = "open", _("Waiting for the declarant's answer")
    ANSWERED = "answered", _("Answered: waiting for the officer")
    ACCEPTED = "accepted", _("Accepted")
