"""Customs' work on a registered declaration: the document check's or the inspection's result (with
the officer's corrections and the duties reassessed), escalation to inspection, release."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.accounts.models import User
from haiquan.core.problems import Conflict, FieldProblem, ValidationFailed, invalid
from haiquan.risk.choices import Lane
from haiquan.tariff.duties import DeclarationDuties

from ..choices import CheckKind, CheckOutcome
from ..hooks import declaration_written
from ..inputs import DeclarationInput, LineCorrection
from ..models import CheckResult, Declaration
from ..selectors import cancellation_pending
from ..workflow import Action, By, require_officer_of, transition
from .common import declaration_locked, record_event, save_fields
from .content import declaration_input_from, new_version, replace_lines, set_totals
from .documents import unsettled_request
from .duties import quota_draw, reassess
from .payment import clear_if_ready


def _corrected_input(
    declaration: Declaration, corrections: list[LineCorrection]
) -> DeclarationInput:
    data = declaration_input_from(declaration)
    lines = list(data.lines)
    errors: list[FieldProblem] = []
    seen: set[int] = set()
    for i, c in enumerate(corrections):
        if not 1 <= c.line_no <= len(lines):
            errors.append(
                FieldProblem(
                    f"corrections[{i}].line_no",
                    _("there is no line %(n)d") % {"n": c.line_no},
                    "unknown-line",
                )
            )
            continue
        if c.line_no in seen:
            errors.append(
                FieldProblem(
                    f"corrections[{i}].line_no",
                    _("line %(n)d is corrected twice") % {"n": c.line_no},
                    "duplicate",
                )
            )
            continue
        seen.add(c.line_no)
        ln = lines[c.line_no - 1]
        quantity = c.quantity if c.quantity is not None else ln.quantity
        unit_price = c.unit_price if c.unit_price is not None else ln.unit_price
        value = (quantity * unit_price).quantize(Decimal("0.01"))
        lines[c.line_no - 1] = replace(
            ln,
            hs_code=c.hs_code if c.hs_code is not None else ln.hs_code,
            origin=c.origin if c.origin is not None else ln.origin,
            quantity=quantity,
            unit_price=unit_price,
            value=value,
            preference=c.preference if c.preference is not None else ln.preference,
            description=c.description if c.description is not None else ln.description,
        )
    if errors:
        raise ValidationFailed(errors)
    invoice_value = sum((ln.value for ln in lines), Decimal(0))
    return replace(data, lines=tuple(lines), invoice_value=invoice_value)


def declaration_check_preview(
    *, actor: User, declaration: Declaration, corrections: list[LineCorrection]
) -> tuple[Decimal, Decimal, DeclarationDuties]:
    """What the duties would become with these corrections: (before, after, breakdown)."""
    require_officer_of(actor, declaration)
    data = _corrected_input(declaration, corrections)
    line_map = {c.line_no - 1: i for i, c in enumerate(corrections)}
    _resolved, duties = reassess(declaration, data, line_map)
    return declaration.total_duties_vnd, duties.total_vnd, duties


def declaration_check_record(
    *,
    actor: User,
    declaration: Declaration,
    kind: CheckKind | str,
    outcome: CheckOutcome | str,
    findings: str = "",
    corrections: list[LineCorrection] | None = None,
    expected_version: int | None = None,
    fraud_kind: str = "",
) -> CheckResult:
    """Record the result of a document check (yellow lane) or a physical inspection (red lane).

    A match completes the check. A discrepancy carries the officer's corrected values: the
    duties are recomputed at the registration day's rate, the difference is recorded, a new
    version of the declaration is kept, and the declarant owes (or is owed) the difference.
    The declaration then clears as soon as its duties are settled."""
    corrections = corrections or []
    if outcome not in CheckOutcome.values:
        raise invalid("outcome", _("must be 'match' or 'discrepancy'"))
    if outcome == CheckOutcome.MATCH and corrections:
        raise invalid("corrections", _("a matching result has no corrections"))
    if outcome == CheckOutcome.DISCREPANCY and not findings.strip():
        raise invalid("findings", _("describe the discrepancy found"), "required")
    with transaction.atomic():
        declaration = declaration_locked(declaration, expected_version)
        require_officer_of(actor, declaration)
        step = transition(declaration.status, Action.RECORD_CHECK, By.OFFICER)
        if step is None or step.source != kind or not declaration.checks_pending:
            raise Conflict(
                _("This declaration is not waiting for a %(k)s (it is %(s)s).")
                % {"k": CheckKind(kind).label, "s": declaration.get_status_display()},
                code="wrong-state",
            )
        if unsettled_request(declaration) is not None:
            raise Conflict(
                _(
                    "The declarant answered the request for documents: accept the answer "
                    "before recording the check."
                ),
                code="request-open",
            )
        before = declaration.total_duties_vnd
        after = before
        if corrections:
            reason = _("Corrected by %(k)s: %(f)s") % {"k": CheckKind(kind).label, "f": findings}
            after = _corrections_apply(declaration, actor, corrections, reason)
        result = CheckResult.objects.create(
            declaration=declaration,
            kind=kind,
            outcome=outcome,
            officer=actor,
            findings=findings,
            corrections=[c.__dict__ for c in corrections],
            duties_before_vnd=before,
            duties_after_vnd=after,
            difference_vnd=after - before,
            random_selection=any(r.get("source") == "random" for r in declaration.lane_reasons),
            fraud_kind=fraud_kind,
        )
        declaration.checks_pending = False
        declaration.status = step.target
        save_fields(declaration, "checks_pending", "status")
        record_event(
            declaration,
            step.emits[0],
            actor,
            {
                "outcome": outcome,
                "duties_before_vnd": before,
                "duties_after_vnd": after,
                "difference_vnd": after - before,
                "corrected_lines": [c.line_no for c in corrections],
                "amount_due_vnd": declaration.amount_due_vnd,
            },
        )
        clear_if_ready(declaration, actor)
    return result


def _corrections_apply(
    declaration: Declaration, actor: User, corrections: list[LineCorrection], reason: str
) -> Decimal:
    """The officer's corrections written: lines, duties reassessed at the registration day's
    rate, quota draws, and a new version. Returns the duties after them."""
    data = _corrected_input(declaration, corrections)
    line_map = {c.line_no - 1: i for i, c in enumerate(corrections)}
    resolved, duties = reassess(declaration, data, line_map, lock_quotas=True)
    data = resolved.data  # an AHTN 2017 code the officer wrote, converted
    replace_lines(declaration, data, duties)
    quota_draw(declaration, data, duties)
    declaration_written(declaration)
    declaration.invoice_value = data.invoice_value
    set_totals(declaration, duties)
    declaration.save(
        update_fields=[
            "invoice_value",
            "customs_value_vnd",
            "import_duty_vnd",
            "export_duty_vnd",
            "sct_vnd",
            "env_tax_vnd",
            "vat_vnd",
            "total_duties_vnd",
            "payment_state",
        ]
    )
    new_version(declaration, data, duties, actor, reason)
    return duties.total_vnd


def declaration_escalate(
    *, actor: User, declaration: Declaration, reason: str, expected_version: int | None = None
) -> Declaration:
    """Send a yellow-lane declaration to physical inspection (chuyển luồng đỏ)."""
    if not reason.strip():
        raise invalid("reason", _("say why the goods must be inspected"), "required")
    with transaction.atomic():
        declaration = declaration_locked(declaration, expected_version)
        require_officer_of(actor, declaration)
        step = transition(declaration.status, Action.ESCALATE, By.OFFICER)
        if step is None:
            raise Conflict(
                _("Only a declaration under document check can be escalated."), code="wrong-state"
            )
        declaration.status = step.target
        declaration.lane = Lane.RED
        declaration.lane_reasons = [
            *declaration.lane_reasons,
            {
                "source": "officer",
                "code": "ESCALATED",
                "lane": Lane.RED,
                "text": reason,
                "line_no": None,
                "version": None,
            },
        ]
        save_fields(declaration, "status", "lane", "lane_reasons")
        record_event(
            declaration,
            step.emits[0],
            actor,
            {"reason": reason, "from": "yellow", "to": "red"},
        )
    return declaration


def declaration_release(
    *, actor: User, declaration: Declaration, expected_version: int | None = None, note: str = ""
) -> Declaration:
    """Release the goods (giải phóng hàng) of a cleared declaration from customs control."""
    with transaction.atomic():
        declaration = declaration_locked(declaration, expected_version)
        require_officer_of(actor, declaration)
        step = transition(declaration.status, Action.RELEASE, By.OFFICER)
        if step is None:
            raise Conflict(
                _("Only a cleared declaration can be released (it is %(s)s).")
                % {"s": declaration.get_status_display()},
                code="wrong-state",
            )
        if cancellation_pending(declaration) is not None:
            raise Conflict(
                _(
                    "The declarant asked to cancel this declaration: decide that request before "
                    "releasing the goods."
                ),
                code="cancellation-pending",
            )
        declaration.status = step.target
        declaration.released_at = timezone.now()
        save_fields(declaration, "status", "released_at")
        record_event(declaration, step.emits[0], actor, {"note": note})
    return declaration
