"""Electronic payment (nộp thuế điện tử): payment orders and the banks' confirmations of them,
whatever they pay for (duties, the fees of online public services...), and for duties the bank
guarantees (bảo lãnh) and receipts (biên lai).

Money is whole Vietnamese đồng (Decimal, no fraction), as on the declaration.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haiquan.core.visibility import Visibility, VisibleQuerySet

from .choices import DUTIES, GuaranteeStatus, OrderStatus


class Bank(models.Model):
    """A partner bank that collects duties 24/7 and reports each payment to customs.

    The bank authenticates its messages with an HMAC signature under `secret`; the key must
    be stored as is (an HMAC cannot be checked against a hash of its key), so it is never
    shown again after `bank_create` hands it out.
    """

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=255)
    secret = models.CharField(_("signing secret"), max_length=128, editable=False)
    active = models.BooleanField(_("active"), default=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("system account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Optional: the bank's account, recorded as the actor of its payments."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("bank")
        verbose_name_plural = _("banks")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PaymentOrder(models.Model):
    """What a trader asks to pay at a bank: the amount due at that moment, for one purpose.

    The purpose says what is paid for and which settler the bank's confirmation goes to
    (`hooks.py`): the duties of a declaration, the fee of an online public service... The
    order's subject is its `subject_id` in the part that owns the purpose, or, without one,
    its declaration (duties). A subject has at most one open order of a purpose; a newer order
    for a changed amount supersedes (cancels) the open one.
    """

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    purpose = models.CharField(_("purpose"), max_length=32, default=DUTIES)
    declaration = models.ForeignKey(
        "clearance.Declaration",
        verbose_name=_("declaration"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payment_orders",
    )
    # What a purpose other than duties pays for, in its own part (an e-service filing's id).
    subject_id = models.PositiveBigIntegerField(_("subject"), null=True, blank=True)
    # 1, 2, 3 … per subject: the last digits of the reference.
    sequence = models.PositiveSmallIntegerField(_("sequence"))
    amount_vnd = models.DecimalField(_("amount (VND)"), max_digits=18, decimal_places=0)
    status = models.CharField(
        _("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    bank = models.ForeignKey(
        Bank,
        verbose_name=_("paid through"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )

    visibility = Visibility(via="declaration")
    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment order")
        verbose_name_plural = _("payment orders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["purpose", "declaration", "sequence"],
                condition=models.Q(subject_id__isnull=True),
                name="payment_order_unique_sequence",
            ),
            models.UniqueConstraint(
                fields=["purpose", "subject_id", "sequence"],
                condition=models.Q(subject_id__isnull=False),
                name="payment_order_unique_subject_sequence",
            ),
            models.UniqueConstraint(
                fields=["purpose", "declaration"],
                condition=models.Q(status=OrderStatus.OPEN, subject_id__isnull=True),
                name="payment_order_one_open",
            ),
            models.UniqueConstraint(
                fields=["purpose", "subject_id"],
                condition=models.Q(status=OrderStatus.OPEN, subject_id__isnull=False),
                name="payment_order_one_open_subject",
            ),
            models.CheckConstraint(
                condition=models.Q(declaration__isnull=False) | models.Q(subject_id__isnull=False),
                name="payment_order_has_subject",
            ),
            models.CheckConstraint(
                condition=models.Q(amount_vnd__gt=0), name="payment_order_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class BankConfirmation(models.Model):
    """A bank's message that it collected the amount of a payment order, of any purpose.

    Kept exactly once per bank transaction; `body_hash` tells a harmless retry (same bytes)
    from a conflicting message reusing the transaction id.
    """

    bank = models.ForeignKey(
        Bank, verbose_name=_("bank"), on_delete=models.PROTECT, related_name="confirmations"
    )
    bank_transaction_id = models.CharField(_("bank transaction id"), max_length=64)
    # One order is paid once: a second bank paying it is refused before reaching the table.
    order = models.OneToOneField(
        PaymentOrder,
        verbose_name=_("payment order"),
        on_delete=models.PROTECT,
        related_name="confirmation",
    )
    amount_vnd = models.DecimalField(_("amount (VND)"), max_digits=18, decimal_places=0)
    paid_at = models.DateTimeField(_("paid at (bank time)"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    body_hash = models.CharField(_("body SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("bank confirmation")
        verbose_name_plural = _("bank confirmations")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank", "bank_transaction_id"], name="confirmation_unique_bank_transaction"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bank_id}:{self.bank_transaction_id}"


class Guarantee(models.Model):
    """A bank guarantee (bảo lãnh riêng) for the duties of one declaration.

    While active and within its validity it counts towards what is secured, so the goods may
    be cleared before the duties are paid; the bank pays if the trader does not.
    """

    bank = models.ForeignKey(
        Bank, verbose_name=_("bank"), on_delete=models.PROTECT, related_name="guarantees"
    )
    reference = models.CharField(_("reference"), max_length=64)
    declaration = models.ForeignKey(
        "clearance.Declaration",
        verbose_name=_("declaration"),
        on_delete=models.PROTECT,
        related_name="guarantees",
    )
    amount_vnd = models.DecimalField(_("amount (VND)"), max_digits=18, decimal_places=0)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    status = models.CharField(
        _("status"), max_length=10, choices=GuaranteeStatus.choices, default=GuaranteeStatus.ACTIVE
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    body_hash = models.CharField(_("body SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("bank guarantee")
        verbose_name_plural = _("bank guarantees")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank", "reference"], name="guarantee_unique_reference"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_vnd__gt=0), name="guarantee_amount_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__gte=models.F("valid_from")),
                name="guarantee_valid_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bank_id}:{self.reference}"


class Receipt(models.Model):
    """The receipt (biên lai) for duties paid, numbered without gaps within each year."""

    number = models.CharField(_("number"), max_length=16, unique=True)
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    declaration = models.ForeignKey(
        "clearance.Declaration",
        verbose_name=_("declaration"),
        on_delete=models.PROTECT,
        related_name="receipts",
    )
    confirmation = models.OneToOneField(
        BankConfirmation,
        verbose_name=_("bank confirmation"),
        on_delete=models.PROTECT,
        related_name="receipt",
    )
    amount_vnd = models.DecimalField(_("amount (VND)"), max_digits=18, decimal_places=0)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    payer_mst = models.CharField(_("payer tax code (MST)"), max_length=14)
    payer_name = models.CharField(_("payer name"), max_length=255)

    visibility = Visibility(via="declaration")
    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="receipt_unique_sequence"),
        ]

    def __str__(self) -> str:
        return self.number


class ReceiptSequence(models.Model):
    """The last receipt number issued in a year. Incremented under a row lock inside the
    paying transaction, so a rolled-back payment gives its number back (no gaps)."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("receipt sequence")
        verbose_name_plural = _("receipt sequences")

    def __str__(self) -> str:
        return f"{self.year}={self.last}"
