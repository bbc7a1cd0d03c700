"""Declarations (tờ khai), their goods lines, versions, containers and check results."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haiquan.core.visibility import Visibility, VisibleQuerySet
from haiquan.refdata.choices import Flow
from haiquan.risk.choices import Lane

from .choices import (
    CancellationState,
    CheckKind,
    CheckOutcome,
    DocumentKind,
    Incoterm,
    PaymentState,
    RequestState,
    Status,
    TransportMode,
)

MONEY: dict[str, Any] = {"max_digits": 18, "decimal_places": 2}
VND: dict[str, Any] = {"max_digits": 18, "decimal_places": 0, "default": Decimal(0)}
RATE: dict[str, Any] = {"max_digits": 7, "decimal_places": 3, "null": True, "blank": True}


class DeclarationQuerySet(VisibleQuerySet["Declaration"]):
    def registered(self) -> DeclarationQuerySet:
        return self.exclude(status=Status.DRAFT)


class Declaration(models.Model):
    # Identity and state
    number = models.CharField(_("number"), max_length=12, unique=True, null=True, blank=True)
    flow = models.CharField(_("flow"), max_length=6, choices=Flow.choices)
    type = models.ForeignKey(
        "refdata.DeclarationType", verbose_name=_("type"), on_delete=models.PROTECT
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    lane = models.CharField(_("lane"), max_length=6, choices=Lane.choices, blank=True)
    lane_reasons = models.JSONField(
        _("lane reasons"), default=list, blank=True, encoder=DjangoJSONEncoder
    )
    risk_score = models.DecimalField(
        _("risk score"), max_digits=7, decimal_places=6, null=True, blank=True
    )
    # Incremented on every change: callers send the version they saw (optimistic locking).
    version = models.PositiveIntegerField(_("version"), default=1)
    amendment_count = models.PositiveIntegerField(_("amendments"), default=0)

    # Parties and place
    enterprise = models.ForeignKey(
        "refdata.Enterprise",
        verbose_name=_("importer/exporter"),
        on_delete=models.PROTECT,
        related_name="declarations",
    )
    broker = models.ForeignKey(
        "refdata.Enterprise",
        verbose_name=_("customs broker"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="brokered_declarations",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("declarant"),
        on_delete=models.PROTECT,
        related_name="declarations",
    )
    office = models.ForeignKey(
        "refdata.Office", verbose_name=_("customs office"), on_delete=models.PROTECT
    )
    partner_name = models.CharField(_("foreign partner"), max_length=255, blank=True)
    partner_country = models.ForeignKey(
        "refdata.Country",
        verbose_name=_("partner country"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    # Transport
    transport_mode = models.CharField(
        _("transport mode"), max_length=16, choices=TransportMode.choices
    )
    bill_of_lading = models.CharField(_("bill of lading"), max_length=35, blank=True, db_index=True)
    arrival_date = models.DateField(_("arrival/departure date"), null=True, blank=True)
    packages = models.PositiveIntegerField(_("number of packages"), null=True, blank=True)

    # Invoice and valuation
    invoice_number = models.CharField(_("invoice number"), max_length=35, blank=True)
    invoice_date = models.DateField(_("invoice date"), null=True, blank=True)
    incoterm = models.CharField(_("Incoterms"), max_length=3, choices=Incoterm.choices)
    currency = models.ForeignKey(
        "refdata.Currency", verbose_name=_("currency"), on_delete=models.PROTECT
    )
    invoice_value = models.DecimalField(_("invoice value"), **MONEY)
    freight = models.DecimalField(_("freight"), default=Decimal(0), **MONEY)
    insurance = models.DecimalField(_("insurance"), default=Decimal(0), **MONEY)
    exchange_rate = models.DecimalField(
        _("exchange rate"), max_digits=18, decimal_places=4, null=True, blank=True
    )

    # Duties (sums of the lines, VND)
    customs_value_vnd = models.DecimalField(_("customs value (VND)"), **VND)
    import_duty_vnd = models.DecimalField(_("import duty"), **VND)
    export_duty_vnd = models.DecimalField(_("export duty"), **VND)
    sct_vnd = models.DecimalField(_("special consumption tax"), **VND)
    env_tax_vnd = models.DecimalField(_("environmental protection tax"), **VND)
    vat_vnd = models.DecimalField(_("VAT"), **VND)
    total_duties_vnd = models.DecimalField(_("total duties and taxes"), **VND)
    # Sum of the penalty decisions on the declaration: collected with the duties, and the goods
    # are cleared once it is paid or guaranteed (Customs Law 2014, art. 37). The database keeps
    # the default too, so bulk loads (COPY) that do not name the column still work.
    penalties_vnd = models.DecimalField(_("penalties"), db_default=Decimal(0), **VND)
    paid_vnd = models.DecimalField(_("paid"), **VND)
    guaranteed_vnd = models.DecimalField(_("guaranteed"), **VND)
    payment_state = models.CharField(
        _("payment"), max_length=12, choices=PaymentState.choices, default=PaymentState.UNPAID
    )

    # Times (UTC)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    registered_at = models.DateTimeField(_("registered at"), null=True, blank=True, db_index=True)
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.TextField(_("cancellation reason"), blank=True)
    # Whether a checking officer still has to act (document check or inspection not done).
    checks_pending = models.BooleanField(_("checks pending"), default=False)

    # A declarant sees its enterprises' declarations, a broker those its firm filed, an officer
    # those of its offices (core/visibility.py).
    visibility = Visibility(offices=("office",), enterprise="enterprise", broker="broker")
    objects = DeclarationQuerySet.as_manager()

    # Set by registration: earlier declarations sharing an invoice, container or bill of lading
    # that did not stop it (not a column; see `services.declaration_register`).
    registration_warnings: tuple[Any, ...] = ()

    class Meta:
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")
        ordering = ["-registered_at", "-id"]
        indexes = [
            models.Index(fields=["office", "status", "registered_at"], name="decl_queue_idx"),
            models.Index(
                fields=["enterprise", "status", "registered_at"], name="decl_enterprise_idx"
            ),
            models.Index(fields=["status", "lane"], name="decl_status_lane_idx"),
            # The duplicate check at registration: an enterprise's declarations of one invoice.
            models.Index(fields=["enterprise", "invoice_number"], name="decl_invoice_idx"),
        ]

    def __str__(self) -> str:
        return self.number or _("Draft #%(id)s") % {"id": self.pk}

    @property
    def owed_vnd(self) -> Decimal:
        """What the declaration owes in all: duties and taxes plus penalties."""
        return self.total_duties_vnd + self.penalties_vnd

    @property
    def amount_due_vnd(self) -> Decimal:
        """What is still to pay; nothing on a cancelled declaration (what was paid on it is
        handled by the refund or offset procedure, not collected or returned here)."""
        if self.status == Status.CANCELLED:
            return Decimal(0)
        return max(Decimal(0), self.owed_vnd - self.paid_vnd)


class Container(models.Model):
    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="containers"
    )
    number = models.CharField(_("container number"), max_length=11, db_index=True)
    seal_number = models.CharField(_("seal number"), max_length=35, blank=True)

    class Meta:
        verbose_name = _("container")
        verbose_name_plural = _("containers")
        constraints = [
            models.UniqueConstraint(
                fields=["declaration", "number"], name="container_unique_per_declaration"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class DeclarationLine(models.Model):
    """A goods line and the duties computed for it (VND, whole đồng)."""

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveSmallIntegerField(_("line"))
    hs_code = models.CharField(_("HS code"), max_length=8, db_index=True)
    # The AHTN 2017 code the declarant wrote, when it was converted to `hs_code`.
    hs_code_as_written = models.CharField(
        _("HS code as declared (AHTN 2017)"), max_length=8, blank=True, default=""
    )
    description = models.CharField(_("description"), max_length=500)
    origin = models.ForeignKey(
        "refdata.Country", verbose_name=_("origin"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=8)
    unit_price = models.DecimalField(_("unit price"), max_digits=18, decimal_places=4)
    value = models.DecimalField(_("value"), **MONEY)
    preference = models.CharField(_("preference claimed"), max_length=16, blank=True)
    co_number = models.CharField(_("C/O number"), max_length=35, blank=True)
    co_date = models.DateField(_("C/O date"), null=True, blank=True)
    ruling_number = models.CharField(_("advance ruling"), max_length=35, blank=True, default="")

    customs_value_vnd = models.DecimalField(_("customs value (VND)"), **VND)
    import_rate = models.DecimalField(_("import duty rate (%)"), **RATE)
    import_rate_kind = models.CharField(_("rate applied"), max_length=32, blank=True)
    import_duty_vnd = models.DecimalField(_("import duty"), **VND)
    export_rate = models.DecimalField(_("export duty rate (%)"), **RATE)
    export_duty_vnd = models.DecimalField(_("export duty"), **VND)
    sct_rate = models.DecimalField(_("special consumption tax rate (%)"), **RATE)
    sct_vnd = models.DecimalField(_("special consumption tax"), **VND)
    env_tax_vnd = models.DecimalField(_("environmental protection tax"), **VND)
    vat_rate = models.DecimalField(_("VAT rate (%)"), **RATE)
    vat_vnd = models.DecimalField(_("VAT"), **VND)
    total_vnd = models.DecimalField(_("total"), **VND)
    duty_notes = models.JSONField(_("duty notes"), default=list, blank=True)

    class Meta:
        verbose_name = _("goods line")
        verbose_name_plural = _("goods lines")
        ordering = ["declaration", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["declaration", "line_no"], name="line_unique_no"),
        ]

    def __str__(self) -> str:
        return f"{self.line_no}: {self.hs_code} {self.description[:40]}"


class DeclarationVersion(models.Model):
    """The content of a declaration as registered or amended (khai bổ sung); never changed."""

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    reason = models.TextField(_("reason"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    content = models.JSONField(_("content"), encoder=DjangoJSONEncoder)
    total_duties_vnd = models.DecimalField(_("total duties and taxes"), **VND)
    difference_vnd = models.DecimalField(_("difference from previous version"), **VND)

    class Meta:
        verbose_name = _("declaration version")
        verbose_name_plural = _("declaration versions")
        ordering = ["declaration", "number"]
        constraints = [
            models.UniqueConstraint(fields=["declaration", "number"], name="version_unique_no"),
        ]

    def __str__(self) -> str:
        return f"{self.declaration} v{self.number}"


class CheckResult(models.Model):
    """A document check (yellow) or a physical inspection (red) recorded by an officer."""

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="checks")
    kind = models.CharField(_("kind"), max_length=16, choices=CheckKind.choices)
    outcome = models.CharField(_("outcome"), max_length=12, choices=CheckOutcome.choices)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    findings = models.TextField(_("findings"), blank=True)
    corrections = models.JSONField(
        _("corrections"), default=list, blank=True, encoder=DjangoJSONEncoder
    )
    duties_before_vnd = models.DecimalField(_("duties before"), **VND)
    duties_after_vnd = models.DecimalField(_("duties after"), **VND)
    difference_vnd = models.DecimalField(_("difference"), **VND)
    # True when the check was a random selection for compliance measurement.
    random_selection = models.BooleanField(_("random selection"), default=False)
    # Additional revenue found, for the risk model's training data.
    fraud_kind = models.CharField(_("kind of violation"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("check result")
        verbose_name_plural = _("check results")
        ordering = ["declaration", "recorded_at"]

    def __str__(self) -> str:
        return f"{self.declaration} {self.kind} {self.outcome}"


class NumberSequence(models.Model):
    """Gap-free counters for declaration numbers: incremented inside the registering transaction,
    so a rolled-back registration gives its number back."""

    name = models.CharField(max_length=16, primary_key=True)
    last = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")

    def __str__(self) -> str:
        return f"{self.name}={self.last}"


class CancellationRequest(models.Model):
    """A declarant's request to cancel a declaration (đề nghị hủy tờ khai) that an officer of the
    office decides: approved, the declaration is cancelled; refused, it goes on as it was. Which
    declarations need a decision is said in `rules.py`."""

    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="cancellation_requests"
    )
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=CancellationState.choices,
        default=CancellationState.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)

    class Meta:
        verbose_name = _("cancellation request")
        verbose_name_plural = _("cancellation requests")
        ordering = ["declaration", "requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["declaration"],
                condition=models.Q(state="pending"),
                name="cancellation_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.declaration} {self.get_state_display()}"


class PenaltyDecision(models.Model):
    """An administrative penalty decision (quyết định xử phạt vi phạm hành chính) recorded on a
    declaration: its number, amount, legal basis and reason. The amount is added to what the
    declaration owes and paid through the bank like the duties."""

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="penalties")
    number = models.CharField(_("decision number"), max_length=40)
    amount_vnd = models.DecimalField(_("amount (VND)"), max_digits=18, decimal_places=0)
    legal_basis = models.CharField(_("legal basis"), max_length=500)
    reason = models.TextField(_("reason"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    class Meta:
        verbose_name = _("penalty decision")
        verbose_name_plural = _("penalty decisions")
        ordering = ["declaration", "decided_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["declaration", "number"], name="penalty_unique_number_per_declaration"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_vnd__gt=0), name="penalty_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.declaration})"


class DocumentRequest(models.Model):
    """Customs' request for documents or explanations during the check (yêu cầu bổ sung hồ
    sơ): the documents named, what to explain, a deadline. Meanwhile the declaration waits for
    the declarant; its answer (documents and a message) goes back to the officer, who accepts
    it. A request not answered by its deadline is escalated once."""

    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="document_requests"
    )
    kinds = models.JSONField(_("documents asked for"), default=list, blank=True)
    message = models.TextField(_("what customs asks"))
    due_at = models.DateTimeField(_("answer by"))
    state = models.CharField(
        _("state"), max_length=10, choices=RequestState.choices, default=RequestState.OPEN
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    answer = models.TextField(_("the declarant's answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    note = models.TextField(_("officer's note"), blank=True)

    class Meta:
        verbose_name = _("request for documents")
        verbose_name_plural = _("requests for documents")
        ordering = ["declaration", "requested_at", "id"]
        constraints = [
            # One request at a time: open or answered and not yet accepted.
            models.UniqueConstraint(
                fields=["declaration"],
                condition=~models.Q(state="accepted"),
                name="document_request_one_unsettled",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=models.Q(state="open", escalated_at__isnull=True),
                name="document_request_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.declaration} {self.get_state_display()}"

    @property
    def kind_labels(self) -> list[str]:
        return [str(DocumentKind(k).label) for k in self.kinds if k in DocumentKind.values]

    def overdue_at(self, moment: Any) -> bool:
        return self.state == RequestState.OPEN and self.due_at < moment


class DeclarationDocument(models.Model):
    """A document of a declaration's file (hồ sơ hải quan): an invoice, a packing list, a bill of
    lading... Its type is read from its content; it is kept in private storage under a random
    name and served only through views that check who asks (every customs read recorded).
    Replacing one keeps it: the new file is the next version and `replaces` the earlier one,
    which stays in the record. Never changed or deleted once uploaded."""

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("document"), max_length=16, choices=DocumentKind.choices)
    reference = models.CharField(_("number or reference"), max_length=60, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("replaces"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    request = models.ForeignKey(
        DocumentRequest,
        verbose_name=_("in answer to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
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
        verbose_name = _("declaration document")
        verbose_name_plural = _("declaration documents")
        ordering = ["declaration", "uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}: {self.original_name}"
