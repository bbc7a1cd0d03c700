"""The fee of a level-4 filing as a purpose of payment (`payments.hooks`): the settler that a
bank's confirmation of a fee order reaches.

The bank's message takes the one path of everything a bank collects
(`payments.services.confirmation_receive`): signature and replay window, a `paid_at` not in the
future, the same message again answered with the first confirmation, the order's state and
amount. What is left is the filing's: it must still wait for its fee, and once paid it is with
customs and its time limit starts.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party
from haiquan.payments.hooks import Settler
from haiquan.payments.models import Bank, BankConfirmation, PaymentOrder
from haiquan.payments.simulator import bank_simulator_confirm

from .choices import FEE_PURPOSE, FilingStatus
from .models import Filing
from .services import _clock_start, _event, _locked, _require_status, _today


class FeeSettler(Settler[Filing]):
    """A fee order pays the fee of the filing it names (`subject_id`)."""

    purpose = FEE_PURPOSE
    label = gettext_lazy("Online public service fee")

    def unknown_order(self) -> str:
        return _("No fee order has this reference.")

    def subject_lock(self, order: PaymentOrder) -> Filing:
        assert order.subject_id is not None
        return _locked(Filing(pk=order.subject_id))

    def unpayable_refuse(self, order: PaymentOrder, subject: Filing) -> None:
        _require_status(subject, FilingStatus.AWAITING_FEE)

    def settle(
        self, *, order: PaymentOrder, subject: Filing, confirmation: BankConfirmation, bank: Bank
    ) -> None:
        """The filing is complete: it goes to customs and its time limit starts today."""
        filing = subject
        filing.paid_at = confirmation.paid_at
        filing.status = FilingStatus.SUBMITTED
        _clock_start(filing, _today())
        filing.save()
        _event(
            filing,
            kinds.ESERVICE_FEE_PAID,
            party=Party.BANK,
            actor=bank.user,
            actor_label=f"bank:{bank.code}",
            data={
                "order": order.reference,
                "bank": bank.code,
                "bank_transaction_id": confirmation.bank_transaction_id,
                "amount_vnd": confirmation.amount_vnd,
                "due_on": filing.due_on,
            },
        )


def fee_confirmation_filing(confirmation: BankConfirmation) -> Filing:
    """The filing whose fee a confirmation paid."""
    filing_id = confirmation.order.subject_id
    assert filing_id is not None
    return Filing.objects.get(pk=filing_id)


def fee_simulator_pay(*, order: PaymentOrder) -> BankConfirmation:
    """The demo bank pays a fee order, through the same path a real bank's message takes.
    Off in production unless HAIQUAN_BANK_SIMULATOR=1."""
    return bank_simulator_confirm(order=order)
