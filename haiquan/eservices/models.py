"""Online public services (dịch vụ công trực tuyến): the catalogue of procedures, the filings
enterprises make, their documents, the exchange with officers, the fee and the result, and the
advance rulings issued (xác định trước) that declarations cite.

Money is whole Vietnamese đồng (Decimal, no fraction); days of the time limit are working days
(Monday to Friday, not a public holiday: see `workdays.py`).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haiquan.core.i18n import in_language
from haiquan.core.visibility import Reach, Visibility, VisibleQuerySet

from .choices import (
    DocumentStage,
    FilingStatus,
    Level,
    MessageKind,
    ResultKind,
)


class Procedure(models.Model):
    """An administrative procedure offered online, with its form defined as data.

    `form` is `{"fields": [...], "attachments": [...]}`; each field has `name`, `type`
    (`choices.FieldType`), `required`, `label_vi`, `label_en` and, for a choice, `choices`
    (a list of `[value, label_vi, label_en]`); each attachment has `name`, `required`,
    `label_vi`, `label_en`, `types` (MIME types detected from the content) and `max_bytes`.
    `catalogue.form_spec` reads and checks it.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255)
    description_vi = models.TextField(_("description (Vietnamese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=255, blank=True)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    result_kind = models.CharField(
        _("result"), max_length=16, choices=ResultKind.choices, default=ResultKind.DECISION
    )
    fee_vnd = models.DecimalField(_("fee (VND)"), max_digits=18, decimal_places=0, default=0)
    time_limit_days = models.PositiveSmallIntegerField(_("time limit (working days)"))
    office = models.ForeignKey(
        "refdata.Office",
        verbose_name=_("handling office"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    office_pick = models.BooleanField(
        _("filer chooses the office"),
        default=False,
        help_text=_("The enterprise names an office under the handling office (e.g. its Chi cục)."),
    )
    form = models.JSONField(_("form"), default=dict, blank=True)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position in the catalogue"), default=100)

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        ordering = ["position", "code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(fee_vnd__gte=0), name="procedure_fee_gte_0"),
            models.CheckConstraint(
                condition=models.Q(level__in=[3, 4]), name="procedure_level_3_or_4"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        return in_language(self.name_vi, self.name_en)

    @property
    def description(self) -> str:
        return in_language(self.description_vi, self.description_en)

    @property
    def fee_online(self) -> bool:
        """A level-4 procedure with a fee is paid online before it is worked."""
        return self.level == Level.FULLY_ONLINE and self.fee_vnd > 0


class Holiday(models.Model):
    """A public holiday (or a compensating day off) on which no working day is counted."""

    day = models.DateField(_("day"), unique=True)
    name = models.CharField(_("name"), max_length=255)

    class Meta:
        verbose_name = _("public holiday")
        verbose_name_plural = _("public holidays")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.name}"


class Sequence(models.Model):
    """A counter (`filing-2026`, `hs_ruling-2026`…) moved under a row lock inside the
    transaction that uses the number, so the numbers of a year have no gaps."""

    key = models.CharField(_("key"), max_length=40, primary_key=True)
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("sequence")
        verbose_name_plural = _("sequences")

    def __str__(self) -> str:
        return f"{self.key}={self.last}"


class Filing(models.Model):
    """One enterprise's application (hồ sơ) for a procedure, from draft to decision.

    The time limit: `clock_started_on` is the day the complete filing reached customs (submitted,
    or its fee paid for a level-4 procedure with a fee); working days are counted from the next
    working day. While an officer's request for more information waits for the enterprise's
    answer (`paused_since`), the clock stops; `paused_working_days` is what the pauses took.
    `due_on` is the last working day of the time limit (empty while paused).
    """

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    procedure = models.ForeignKey(
        Procedure, verbose_name=_("procedure"), on_delete=models.PROTECT, related_name="filings"
    )
    enterprise = models.ForeignKey(
        "refdata.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="eservice_filings",
    )
    office = models.ForeignKey(
        "refdata.Office", verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=FilingStatus.choices, default=FilingStatus.DRAFT
    )
    data = models.JSONField(_("form data"), default=dict, blank=True)
    fee_vnd = models.DecimalField(_("fee (VND)"), max_digits=18, decimal_places=0, default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("fee paid at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision_text = models.TextField(_("decision"), blank=True)
    # The time limit, in working days.
    time_limit_days = models.PositiveSmallIntegerField(_("time limit (working days)"))
    clock_started_on = models.DateField(_("clock started on"), null=True, blank=True)
    paused_since = models.DateField(_("paused since"), null=True, blank=True)
    paused_working_days = models.PositiveIntegerField(_("working days paused"), default=0)
    # Working days given back for declared outages the time limit fell in (haiquan.outage).
    outage_working_days = models.PositiveIntegerField(
        _("working days given back for outages"), default=0
    )
    due_on = models.DateField(_("due on"), null=True, blank=True, db_index=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    working_days_used = models.PositiveIntegerField(_("working days used"), null=True, blank=True)
    on_time = models.BooleanField(_("decided on time"), null=True, blank=True)
    # The signed result: its verification code (printed with a QR code), the stored PDF and
    # the PDF's SHA-256.
    result_code = models.CharField(_("verification code"), max_length=32, blank=True, db_index=True)
    result_file = models.CharField(_("result file"), max_length=255, blank=True, editable=False)
    result_sha256 = models.CharField(_("result SHA-256"), max_length=64, blank=True)

    visibility = Visibility(offices=("office",), enterprise="enterprise", traders=Reach.FILE_FOR)
    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("filing")
        verbose_name_plural = _("filings")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "due_on"], name="filing_status_due_idx")]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_decided(self) -> bool:
        return self.status in (FilingStatus.APPROVED, FilingStatus.REFUSED)

    def overdue_on(self, day: date) -> bool:
        return bool(self.due_on and not self.is_decided and self.due_on < day)


class FilingDocument(models.Model):
    """A document uploaded with a filing, stored under a random name in private storage and
    served only through a view that checks who asks."""

    filing = models.ForeignKey(
        Filing, verbose_name=_("filing"), on_delete=models.CASCADE, related_name="documents"
    )
    slot = models.CharField(_("attachment"), max_length=64)
    stage = models.CharField(
        _("stage"), max_length=8, choices=DocumentStage.choices, default=DocumentStage.FILING
    )
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    storage_name = models.CharField(_("stored as"), max_length=255, unique=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("filing document")
        verbose_name_plural = _("filing documents")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.slot}: {self.original_name}"


class FilingMessage(models.Model):
    """An officer's request for more information, or the enterprise's answer."""

    filing = models.ForeignKey(
        Filing, verbose_name=_("filing"), on_delete=models.CASCADE, related_name="messages"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=MessageKind.choices)
    text = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("filing message")
        verbose_name_plural = _("filing messages")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.filing_id} {self.kind}"


class AdvanceRuling(models.Model):
    """An advance ruling (văn bản xác định trước) issued to one enterprise: the HS code of its
    goods, or their origin. A declaration line citing it must declare what it rules."""

    number = models.CharField(_("number"), max_length=35, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=ResultKind.choices)
    enterprise = models.ForeignKey(
        "refdata.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="advance_rulings",
    )
    filing = models.OneToOneField(
        Filing, verbose_name=_("filing"), on_delete=models.PROTECT, related_name="ruling"
    )
    goods_description = models.TextField(_("goods"))
    hs_code = models.CharField(_("HS code"), max_length=8)
    origin = models.CharField(_("origin"), max_length=2, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    visibility = Visibility(customs_see_all=True, enterprise="enterprise", traders=Reach.FILE_FOR)
    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("advance ruling")
        verbose_name_plural = _("advance rulings")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__gte=models.F("valid_from")),
                name="ruling_valid_period",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def valid_on(self, day: date) -> bool:
        return self.revoked_at is None and self.valid_from <= day <= self.valid_to
