"""Cancellation (hủy tờ khai): at once, or on a request an officer of the office decides; the
conditions and their words are in `rules.py`."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.accounts.models import User
from haiquan.core.problems import Conflict, invalid
from haiquan.tariff.quotas import quota_draws_release

from ..choices import CancellationState
from ..models import CancellationRequest, Declaration
from ..rules import CancelRoute
from ..selectors import declaration_cancellation_terms
from ..workflow import Action, By, require_officer_of, require_trader_of, taker_of, transition
from .common import declaration_locked, record_event, save_fields


def _cancel_now(
    declaration: Declaration, action: Action, actor: User, reason: str, data: dict[str, Any]
) -> None:
    by = taker_of(actor)
    step = None if by is None else transition(declaration.status, action, by, declaration.lane)
    # rules.py, which the callers asked, reads the same table
    assert step is not None, (declaration.status, action, by)
    declaration.status = step.target
    declaration.cancelled_at = timezone.now()
    declaration.cancel_reason = reason
    declaration.checks_pending = False
    save_fields(declaration, "status", "cancelled_at", "cancel_reason", "checks_pending")
    quota_draws_release(declaration_id=declaration.pk)  # tariff-quota draws given back
    # What was paid is not returned by the cancellation: it is an overpayment the enterprise
    # may have refunded or set off on request (rules.py).
    record_event(
        declaration,
        step.emits[0],
        actor,
        {"reason": reason, "paid_vnd": declaration.paid_vnd, **data},
    )


def declaration_cancel(
    *, actor: User, declaration: Declaration, reason: str, expected_version: int | None = None
) -> Declaration:
    """Cancel a declaration (hủy tờ khai), with a reason, as `rules.py` allows.

    A declarant's request cancels a draft or a green declaration not yet cleared at once; for a
    declaration selected for a check, or cleared with its goods still in the customs area, it is
    kept as a request (`CancellationRequest`) that an officer of the office decides
    (`declaration_cancellation_decide`); the declaration goes on meanwhile. An officer cancels
    on the office's own decision only before clearance. Nothing is cancelled once the goods are
    out, nor while a penalty on it is unpaid."""
    if not reason.strip():
        raise invalid("reason", _("say why the declaration is cancelled"), "required")
    with transaction.atomic():
        declaration = declaration_locked(declaration, expected_version)
        trader = taker_of(actor) == By.TRADER
        if trader:
            require_trader_of(actor, declaration)
        else:
            require_officer_of(actor, declaration)
        terms = declaration_cancellation_terms(declaration)
        if not trader:
            if not terms.officer:
                raise Conflict(terms.officer_refusal, code="not-cancellable")
            _cancel_now(declaration, Action.CANCEL, actor, reason, {"by": "customs"})
            return declaration
        if terms.trader == CancelRoute.NONE:
            raise Conflict(terms.trader_refusal, code="not-cancellable")
        if terms.trader == CancelRoute.DECISION:
            request = CancellationRequest.objects.create(
                declaration=declaration, reason=reason, requested_by=actor
            )
            step = transition(
                declaration.status, Action.REQUEST_CANCELLATION, By.TRADER, declaration.lane
            )
            assert step is not None, declaration.status  # rules.py reads the same table
            save_fields(declaration)
            record_event(
                declaration,
                step.emits[0],
                actor,
                {
                    "reason": reason,
                    "request": request.pk,
                    "after_clearance": terms.after_clearance,
                    "paid_vnd": declaration.paid_vnd,
                },
            )
            return declaration
        _cancel_now(declaration, Action.CANCEL, actor, reason, {"by": "declarant"})
    return declaration


def declaration_cancellation_decide(
    *,
    actor: User,
    declaration: Declaration,
    approve: bool,
    reason: str,
    expected_version: int | None = None,
) -> CancellationRequest:
    """An officer of the office approves or refuses the declarant's cancellation request, with
    the reason. Approved, the declaration is cancelled — if it still may be (its goods still in
    the customs area, no unpaid penalty); otherwise the request can only be refused."""
    if not reason.strip():
        raise invalid(
            "reason",
            _("say why the request is approved")
            if approve
            else _("say why the request is refused"),
            "required",
        )
    with transaction.atomic():
        declaration = declaration_locked(declaration, expected_version)
        require_officer_of(actor, declaration)
        request = (
            CancellationRequest.objects.select_for_update()
            .filter(declaration=declaration, state=CancellationState.PENDING)
            .first()
        )
        terms = declaration_cancellation_terms(declaration, pending=request or False)
        if request is None:
            raise Conflict(terms.decision_refusal, code="no-request")
        if approve and terms.decision_refusal:
            raise Conflict(
                terms.decision_refusal + " " + _("The request can only be refused."),
                code="not-cancellable",
            )
        refuse = transition(
            declaration.status, Action.REFUSE_CANCELLATION, By.OFFICER, declaration.lane
        )
        if refuse is None:  # a request can wait only where the table lets it be decided
            raise Conflict(terms.decision_refusal, code="not-cancellable")
        request.state = CancellationState.APPROVED if approve else CancellationState.REFUSED
        request.decided_by = actor
        request.decided_at = timezone.now()
        request.decision_reason = reason
        request.save(update_fields=["state", "decided_by", "decided_at", "decision_reason"])
        if approve:
            _cancel_now(
                declaration,
                Action.APPROVE_CANCELLATION,
                actor,
                request.reason,
                {"by": "customs", "request": request.pk, "decision_reason": reason},
            )
        else:
            save_fields(declaration)
            record_event(
                declaration,
                refuse.emits[0],
                actor,
                {"reason": reason, "request": request.pk},
            )
    return request
