"""Administrative penalty decisions (quyết định xử phạt) recorded on a declaration; the fine is
owed with the duties."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from haiquan.accounts.models import User
from haiquan.core.problems import Conflict, FieldProblem, ValidationFailed, invalid

from ..models import Declaration, PenaltyDecision
from ..rules import penalty_refusal
from ..workflow import Action, By, require_officer_of, transition
from .common import declaration_locked, payment_state_of, record_event, save_fields


def penalty_problems(
    *, number: str, amount_vnd: Decimal | None, legal_basis: str, reason: str
) -> list[FieldProblem]:
    """Every problem of a penalty decision's content, at once (nothing is read or written)."""
    problems = []
    if not number.strip():
        problems.append(
            FieldProblem("number", _("give the number of the penalty decision"), "required")
        )
    elif len(number.strip()) > 40:
        problems.append(FieldProblem("number", _("at most 40 characters"), "too-long"))
    if amount_vnd is None:
        problems.append(FieldProblem("amount_vnd", _("give the amount of the fine"), "required"))
    elif amount_vnd <= 0:
        problems.append(FieldProblem("amount_vnd", _("must be more than 0 VND")))
    elif amount_vnd != amount_vnd.to_integral_value() or amount_vnd >= Decimal(10) ** 18:
        problems.append(FieldProblem("amount_vnd", _("a whole number of đồng, at most 18 digits")))
    if not legal_basis.strip():
        problems.append(
            FieldProblem(
                "legal_basis",
                _("name the rule applied, e.g. Decree 128/2020/ND-CP, article 9"),
                "required",
            )
        )
    elif len(legal_basis.strip()) > 500:
        problems.append(FieldProblem("legal_basis", _("at most 500 characters"), "too-long"))
    if not reason.strip():
        problems.append(FieldProblem("reason", _("say what the violation is"), "required"))
    return problems


def declaration_penalty_record(
    *,
    actor: User,
    declaration: Declaration,
    number: str,
    amount_vnd: Decimal | int | None,
    legal_basis: str,
    reason: str,
    expected_version: int | None = None,
) -> PenaltyDecision:
    """Record an administrative penalty decision (quyết định xử phạt) on a declaration: its
    number, the fine, the legal basis and the violation. The fine is added to what the declaration
    owes and paid through the bank with the duties; the goods are cleared only once it is paid or
    guaranteed (Customs Law 2014, art. 37)."""
    amount = None if amount_vnd is None else Decimal(amount_vnd)
    problems = penalty_problems(
        number=number, amount_vnd=amount, legal_basis=legal_basis, reason=reason
    )
    if problems:
        raise ValidationFailed(problems)
    assert amount is not None
    with transaction.atomic():
        declaration = declaration_locked(declaration, expected_version)
        require_officer_of(actor, declaration)
        step = transition(declaration.status, Action.RECORD_PENALTY, By.OFFICER)
        if step is None:
            raise Conflict(penalty_refusal(declaration.status), code="wrong-state")
        number = number.strip()
        if PenaltyDecision.objects.filter(declaration=declaration, number__iexact=number).exists():
            raise invalid(
                "number",
                _("decision %(n)s is already recorded on this declaration") % {"n": number},
                "duplicate",
            )
        penalty = PenaltyDecision.objects.create(
            declaration=declaration,
            number=number,
            amount_vnd=amount,
            legal_basis=legal_basis.strip(),
            reason=reason.strip(),
            decided_by=actor,
        )
        declaration.penalties_vnd += amount
        declaration.payment_state = payment_state_of(declaration)
        save_fields(declaration, "penalties_vnd", "payment_state")
        record_event(
            declaration,
            step.emits[0],
            actor,
            {
                "decision": number,
                "amount_vnd": amount,
                "legal_basis": penalty.legal_basis,
                "reason": penalty.reason,
            },
        )
    return penalty
