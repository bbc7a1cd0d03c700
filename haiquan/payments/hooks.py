"""The extension point of payments: one *settler* per purpose of a payment order.

payments owns everything a bank collects for customs: the payment orders and the banks' signed
confirmations of them. What an order pays for (the duties of a declaration, the fee of an online
public service; later a penalty, a refund) belongs to another part, which registers a settler for
its purpose in its AppConfig.ready(), so that payments never imports it:

    settler_register(FeeSettler())

The shared path (`services.confirmation_receive`) does what holds for every payment: the bank's
signature and replay window, the message, a `paid_at` not in the future, the replay of a message
already received (answered with the first confirmation, nothing settled twice), the order's state
and amount. It hands the rest to the order's settler, inside one transaction:

1. `subject_lock(order)`: lock and return what the order pays for (before the order's own row, in
   the order every other writer of that subject locks it);
2. `unpayable_refuse(order, subject)`: raise a Conflict when the subject can no longer be paid
   this way (a cancelled declaration, a filing no longer waiting for its fee...);
3. `settle(...)`: apply the payment to the subject (a receipt, the declaration's payment state,
   the filing's time limit) and record its event.

| purpose | settler | registered by |
|---|---|---|
| `duties` | `payments.duties.DutySettler` | payments |
| `eservice_fee` | `eservices.fees.FeeSettler` | eservices |
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from .models import Bank, BankConfirmation, PaymentOrder

S = TypeVar("S")


class Settler(ABC, Generic[S]):
    """Settles the payment orders of one purpose; `S` is what such an order pays for."""

    purpose: ClassVar[str]
    # What the purpose is called where people read it (the admin's list of orders).
    label: ClassVar[Promise]

    def unknown_order(self) -> str:
        """The problem named on `order_reference` when no order of this purpose has it."""
        return _("No payment order has this reference.")

    @abstractmethod
    def subject_lock(self, order: PaymentOrder) -> S:
        """Lock what `order` pays for (select_for_update) and return it."""

    @abstractmethod
    def unpayable_refuse(self, order: PaymentOrder, subject: S) -> None:
        """Raise a problem (a Conflict) when `subject` can no longer be paid by `order`."""

    @abstractmethod
    def settle(
        self, *, order: PaymentOrder, subject: S, confirmation: BankConfirmation, bank: Bank
    ) -> None:
        """Apply the confirmed payment to `subject` and record its event. The order is marked
        paid and the confirmation kept already, in the same transaction."""


_settlers: dict[str, Settler[Any]] = {}


def settler_register(settler: Settler[Any]) -> None:
    """Make `settler` the one for its purpose (registering the same kind again is harmless)."""
    current = _settlers.get(settler.purpose)
    if current is not None and type(current) is not type(settler):
        raise ImproperlyConfigured(
            f"payment purpose {settler.purpose!r} has a settler already: {type(current).__name__}"
        )
    _settlers[settler.purpose] = settler


def settler_unregister(purpose: str) -> None:
    _settlers.pop(purpose, None)


def settler_for(purpose: str) -> Settler[Any]:
    try:
        return _settlers[purpose]
    except KeyError:
        raise ImproperlyConfigured(
            f"no settler is registered for payment purpose {purpose!r}"
        ) from None


def purposes() -> list[str]:
    return sorted(_settlers)


def purpose_label(purpose: str) -> str:
    """The purpose in the reader's language (its code if no settler names it)."""
    settler = _settlers.get(purpose)
    return str(settler.label) if settler is not None else purpose
