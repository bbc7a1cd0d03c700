from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    """Levels of an online public service (dịch vụ công trực tuyến mức độ 3, 4)."""

    FILED_ONLINE = 3, _("Level 3: filed online")
    FULLY_ONLINE = 4, _("Level 4: filed, paid and answered online")


class ResultKind(models.TextChoices):
    """What an approval issues besides the signed decision."""

    DECISION = "decision", _("Decision")
    HS_RULING = "hs_ruling", _("Advance ruling on HS classification")
    ORIGIN_RULING = "origin_ruling", _("Advance ruling on origin")


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    TEXTAREA = "textarea", _("Long text")
    DATE = "date", _("Date")
    DECIMAL = "decimal", _("Number")
    INTEGER = "integer", _("Whole number")
    CHOICE = "choice", _("Choice")
    HS_CODE = "hs_code", _("HS code")
    # The code a trader proposes for customs to rule on: a code of the earlier nomenclature
    # (AHTN 2017) that the tariff in force divided is a legitimate proposal, kept as written.
    HS_CODE_PROPOSED = "hs_code_proposed", _("Proposed HS code")
    COUNTRY = "country", _("Country")
    DECLARATION_NUMBER = "declaration_number", _("Declaration number")


HS_FIELD_TYPES = frozenset({FieldType.HS_CODE, FieldType.HS_CODE_PROPOSED})


class FilingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_FEE = "awaiting_fee", _("Awaiting fee payment")
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    INFO_REQUESTED = "info_requested", _("More information requested")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


OPEN_STATUSES = frozenset(
    {
        FilingStatus.SUBMITTED,
        FilingStatus.IN_REVIEW,
        FilingStatus.INFO_REQUESTED,
    }
)
DECIDED_STATUSES = frozenset({FilingStatus.APPROVED, FilingStatus.REFUSED})


class Outcome(models.TextChoices):
    APPROVED = "approved", _("Approve")
    REFUSED = "refused", _("Refuse")


# The purpose of a level-4 filing's fee order among everything a bank collects
# (`payments.hooks`; settled by `fees.FeeSettler`).
FEE_PURPOSE = "eservice_fee"


class DocumentStage(models.TextChoices):
    FILING = "filing", _("Filed with the application")
    ANSWER = "answer", _("Sent with an answer")


class MessageKind(models.TextChoices):
    REQUEST = "request", _("Request for more information")
    ANSWER = "answer", _("Answer")
