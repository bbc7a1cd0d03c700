"""What a declaration is waiting for — derived here only, and shown as it is by the declaration
page (trader and officer), its PDF and the payment pages.

The waits come in the order they are met: a decision on a cancellation request, the customs
check, the payment (duties and penalties, with what they consist of), the partner agencies'
permits and results (read from the clearance guards, e.g. the single window), and after
clearance the release of the goods. "Cleared as soon as the bank confirms" is said only when the
payment is all that stands between the declaration and its clearance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from haiquan.core.templatetags.hq import vnd
from haiquan.eventlog.choices import Party

from .choices import OPEN_STATUSES, SETTLED_PAYMENT_STATES, CheckKind, CheckOutcome, Status
from .hooks import clearance_blockers
from .models import CancellationRequest, CheckResult, Declaration, DocumentRequest
from .workflow import Action, By, allows

# "Not read yet": the function reads it (None means known to be absent).
UNREAD: Any = object()


class Waiting(StrEnum):
    REGISTRATION = "registration"
    CANCELLATION_DECISION = "cancellation_decision"
    CHECK = "check"
    DOCUMENTS = "documents"
    PAYMENT = "payment"
    PARTNER_AGENCY = "partner_agency"
    RELEASE = "release"


@dataclass(frozen=True)
class Wait:
    key: Waiting
    party: Party  # whose move it is
    text: str
    details: tuple[str, ...] = ()
    amount_vnd: Decimal | None = None


@dataclass(frozen=True)
class Progress:
    waits: tuple[Wait, ...] = ()
    # For a declaration that waits for nothing: how it ended (released, cancelled…).
    outcome: str = ""
    # Paying is all that stands between the declaration and its clearance.
    clears_on_payment: bool = False
    notes: tuple[str, ...] = field(default=())

    @property
    def payment(self) -> Wait | None:
        return next((w for w in self.waits if w.key == Waiting.PAYMENT), None)

    @property
    def after_payment(self) -> tuple[Wait, ...]:
        """What the declaration still waits for once paid."""
        return tuple(w for w in self.waits if w.key != Waiting.PAYMENT)

    @property
    def summary(self) -> str:
        """One line: 'Waiting for: …; …' or how it ended."""
        if not self.waits:
            return self.outcome
        return _("Waiting for: %(what)s") % {"what": "; ".join(w.text for w in self.waits)}


def _day(value: object) -> str:
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")  # type: ignore[arg-type]


def _date(value: object) -> str:
    return formats.date_format(timezone.localtime(value), "SHORT_DATE_FORMAT")  # type: ignore[arg-type]


def _payment(declaration: Declaration, last_check: CheckResult | None) -> Wait | None:
    due = declaration.amount_due_vnd
    if due <= 0 or declaration.payment_state in SETTLED_PAYMENT_STATES:
        return None
    details = []
    if last_check is not None and last_check.difference_vnd > 0 and declaration.paid_vnd > 0:
        details.append(
            (
                _("%(amount)s VND more duty found by the physical inspection on %(day)s")
                if last_check.kind == CheckKind.INSPECTION
                else _("%(amount)s VND more duty found by the document check on %(day)s")
            )
            % {"amount": vnd(last_check.difference_vnd), "day": _date(last_check.recorded_at)}
        )
    if declaration.penalties_vnd > 0:
        details.append(_("penalties: %(amount)s VND") % {"amount": vnd(declaration.penalties_vnd)})
    return Wait(
        key=Waiting.PAYMENT,
        party=Party.TRADER,
        text=_("payment of %(amount)s VND by the declarant, confirmed by its bank")
        % {"amount": vnd(due)},
        details=tuple(details),
        amount_vnd=due,
    )


def _not_under_way(declaration: Declaration) -> Progress | None:
    """A draft waits for its registration; a cancelled declaration for nothing."""
    if declaration.status == Status.DRAFT:
        return Progress(
            waits=(
                Wait(
                    Waiting.REGISTRATION,
                    Party.TRADER,
                    _("registration: the declarant checks the answers and registers the draft"),
                ),
            )
        )
    if declaration.status != Status.CANCELLED:
        return None
    notes: tuple[str, ...] = ()
    if declaration.paid_vnd > 0:
        notes = (
            _(
                "%(amount)s VND was paid on this declaration. The cancellation does not "
                "return it: it is an overpayment that the enterprise may ask to have "
                "refunded or set off against other duties (Law on Tax Administration 2019, "
                "art. 60)."
            )
            % {"amount": vnd(declaration.paid_vnd)},
        )
    when = _day(declaration.cancelled_at) if declaration.cancelled_at else ""
    return Progress(outcome=_("Cancelled on %(day)s. Nothing is due.") % {"day": when}, notes=notes)


def declaration_progress(
    declaration: Declaration,
    *,
    pending: CancellationRequest | None = UNREAD,
    last_check: CheckResult | None = UNREAD,
    blockers: list[str] | None = None,
) -> Progress:
    """What `declaration` waits for now, in order. `pending` is its open cancellation request,
    `last_check` its latest check result with a discrepancy, `blockers` what the clearance
    guards hold it for; each is read here when not given."""
    status = declaration.status
    done = _not_under_way(declaration)
    if done is not None:
        return done
    if pending is UNREAD:
        pending = (
            CancellationRequest.objects.filter(declaration=declaration, state="pending")
            .order_by("-requested_at")
            .first()
        )
    if last_check is UNREAD:
        last_check = (
            declaration.checks.filter(outcome=CheckOutcome.DISCREPANCY)
            .order_by("-recorded_at", "-pk")
            .first()
        )
    waits: list[Wait] = []
    if pending is not None:
        waits.append(_cancellation_wait(pending))
    if allows(status, Action.RECORD_CHECK, By.OFFICER) and declaration.checks_pending:
        waits.append(_check_wait(status))
    if status == Status.AWAITING_DOCUMENTS:
        waits.extend(_documents_wait(declaration))
    payment = _payment(declaration, last_check)
    if payment is not None:
        waits.append(payment)
    if status in OPEN_STATUSES:
        if blockers is None:
            blockers = clearance_blockers(declaration)
        waits.extend(Wait(Waiting.PARTNER_AGENCY, Party.AGENCY, reason) for reason in blockers)
    if allows(status, Action.RELEASE, By.OFFICER):
        waits.append(
            Wait(
                Waiting.RELEASE,
                Party.CUSTOMS,
                _("the release of the goods by customs, or their exit through the port's gate"),
            )
        )
    outcome = ""
    if status == Status.RELEASED and declaration.released_at:
        outcome = _("The goods were released on %(day)s.") % {"day": _day(declaration.released_at)}
    clears_on_payment = (
        status in OPEN_STATUSES
        and payment is not None
        and all(w.key == Waiting.PAYMENT for w in waits)
    )
    return Progress(waits=tuple(waits), outcome=outcome, clears_on_payment=clears_on_payment)


def _cancellation_wait(pending: CancellationRequest) -> Wait:
    return Wait(
        Waiting.CANCELLATION_DECISION,
        Party.CUSTOMS,
        _("the customs office's decision on the request to cancel of %(day)s")
        % {"day": _day(pending.requested_at)},
        details=(_("Reason given: %(reason)s") % {"reason": pending.reason},),
    )


def _check_wait(status: str) -> Wait:
    return Wait(
        Waiting.CHECK,
        Party.CUSTOMS,
        _("the document check by the customs office")
        if status == Status.DOCUMENT_CHECK
        else _("the physical inspection of the goods by the customs office"),
    )


def _documents_wait(declaration: Declaration) -> list[Wait]:
    """The declarant's answer to customs' open request for documents, if there is one."""
    request = (
        DocumentRequest.objects.filter(declaration=declaration, state="open")
        .order_by("-requested_at")
        .first()
    )
    if request is None:
        return []
    details = [_("Asked: %(message)s") % {"message": request.message}]
    if request.kinds:
        details.insert(
            0,
            _("Documents: %(documents)s") % {"documents": ", ".join(request.kind_labels)},
        )
    return [
        Wait(
            Waiting.DOCUMENTS,
            Party.TRADER,
            _("the declarant's answer to customs' request for documents, due %(day)s")
            % {"day": _day(request.due_at)},
            details=tuple(details),
        )
    ]
