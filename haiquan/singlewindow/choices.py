from django.db import models
from django.utils.translation import gettext_lazy as _


class AgencyKind(models.TextChoices):
    PLANT_QUARANTINE = "plant_quarantine", _("Plant quarantine")
    ANIMAL_HEALTH = "animal_health", _("Animal health and quarantine")
    FOOD_SAFETY = "food_safety", _("Food safety")
    TRADE_LICENSING = "trade_licensing", _("Industry and trade licensing")
    QUALITY_INSPECTION = "quality_inspection", _("Quality inspection")
    OTHER = "other", _("Other")


class DocumentKind(models.TextChoices):
    """What a requirement asks for: a permit (giấy phép) drawn down across declarations, or a
    specialised-inspection result (kết quả kiểm tra chuyên ngành)."""

    PERMIT = "permit", _("Permit")
    INSPECTION = "inspection", _("Specialised-inspection result")


class Result(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")


class DocumentState(models.TextChoices):
    VALID = "valid", _("Valid")
    REVOKED = "revoked", _("Revoked")


class RequestState(models.TextChoices):
    """Where one declaration line stands against one requirement."""

    WAITING = "waiting", _("Waiting for the agency")
    SATISFIED = "satisfied", _("Satisfied")
    FAILED = "failed", _("Failed")


class MessageFunction(models.TextChoices):
    """WCO message function: the original, an amendment (correction) or a cancellation."""

    ORIGINAL = "original", _("Original")
    AMENDMENT = "amendment", _("Amendment")
    REVOCATION = "revocation", _("Revocation")


class CertificateState(models.TextChoices):
    VALID = "valid", _("Valid")
    CANCELLED = "cancelled", _("Cancelled by the issuing authority")


class Flow(models.TextChoices):
    ANY = "", _("Imports and exports")
    IMPORT = "import", _("Imports")
    EXPORT = "export", _("Exports")
