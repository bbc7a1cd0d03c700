"""Amendment (khai bổ sung) of a registered declaration by its declarant, before or after
clearance; what an officer found on a check stays as found."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from haiquan.accounts.models import User
from haiquan.core.problems import Conflict, FieldProblem, ValidationFailed
from haiquan.eventlog.choices import Party
from haiquan.risk.choices import LANE_SEVERITY, Lane
from haiquan.risk.engine import lane_decide
from haiquan.tariff.duties import DeclarationDuties

from ..choices import CheckKind, CheckOutcome
from ..hooks import declaration_written
from ..hs_codes import hs_codes_convert
from ..inputs import DeclarationInput
from ..models import CheckResult, Declaration
from ..validation import ResolvedDeclaration
from ..workflow import Action, By, require_trader_of, states, transition
from .common import declaration_locked, record_event, save_fields
from .content import new_version, replace_containers, replace_lines, set_totals, write_content
from .duplicates import duplicates_of, refuse_duplicates
from .duties import quota_draw, reassess
from .payment import clear_if_ready
from .registration import apply_lane, facts_of

FINDING_FIELDS = ("hs_code", "origin", "quantity", "unit_price", "preference", "description")


def _same(field: str, declared: Any, found: Any) -> bool:
    if field in ("quantity", "unit_price"):
        return Decimal(str(declared)) == Decimal(str(found))
    return str(declared).strip().upper() == str(found).strip().upper()


def _findings_kept(declaration: Declaration, data: DeclarationInput) -> list[FieldProblem]:
    """An amendment cannot undo what an officer found on a check: each corrected value (the
    latest check's, per line and field) must stay as found, and a corrected line must stay."""
    found: dict[tuple[int, str], tuple[Any, CheckResult]] = {}
    for check in declaration.checks.filter(outcome=CheckOutcome.DISCREPANCY).order_by(
        "recorded_at", "pk"
    ):
        for c in check.corrections or []:
            for field in FINDING_FIELDS:
                if c.get(field) is not None:
                    found[(int(c["line_no"]), field)] = (c[field], check)
    problems: list[FieldProblem] = []
    for (line_no, field), (value, check) in sorted(found.items()):
        kind = CheckKind(check.kind).label
        if line_no > len(data.lines):
            problems.append(
                FieldProblem(
                    "lines",
                    _(
                        "line %(n)d was corrected on the %(kind)s and cannot be removed by an "
                        "amendment"
                    )
                    % {"n": line_no, "kind": kind},
                    "finding-kept",
                )
            )
            continue
        declared = getattr(data.lines[line_no - 1], field)
        if not _same(field, declared, value):
            problems.append(
                FieldProblem(
                    f"lines[{line_no - 1}].{field}",
                    _(
                        "the %(kind)s of %(day)s found %(value)s; an amendment cannot change an "
                        "officer's finding"
                    )
                    % {
                        "kind": kind,
                        "day": formats.date_format(
                            timezone.localdate(check.recorded_at), "SHORT_DATE_FORMAT"
                        ),
                        "value": value,
                    },
                    "finding-kept",
                )
            )
    return problems


def _amendment_problems(
    declaration: Declaration, data: DeclarationInput, reason: str
) -> list[FieldProblem]:
    """What is wrong with an amendment besides its content: the reason, what an amendment
    cannot change, and what an officer found."""
    errors = []
    if not reason.strip():
        errors.append(FieldProblem("reason", _("say why the declaration is amended"), "required"))
    for field, old in (
        ("type_code", declaration.type_id),
        ("office_code", declaration.office.code),
        ("enterprise_mst", declaration.enterprise.mst),
    ):
        if getattr(data, field).upper() != old:
            errors.append(
                FieldProblem(
                    field,
                    _(
                        "cannot be changed by an amendment (was %(v)s); cancel "
                        "the declaration and declare again"
                    )
                    % {"v": old},
                    "immutable",
                )
            )
    errors.extend(_findings_kept(declaration, data))
    return errors


def _lane_raised(
    declaration: Declaration, resolved: ResolvedDeclaration, duties: DeclarationDuties, version: int
) -> None:
    """Before clearance the selectivity runs again on the amended content; a higher lane moves
    the declaration to its check (the workflow table's RAISE_LANE rows), a lower one is ignored."""
    if declaration.status not in states(Action.RAISE_LANE, By.SYSTEM):
        return
    result = lane_decide(facts_of(declaration, resolved, duties))
    if LANE_SEVERITY[Lane(result.lane)] <= LANE_SEVERITY[Lane(declaration.lane)]:
        return
    step = transition(declaration.status, Action.RAISE_LANE, By.SYSTEM, result.lane)
    assert step is not None
    apply_lane(declaration, result)
    record_event(
        declaration,
        step.emits[0],
        None,
        {
            "lane": result.lane,
            "after_amendment": version,
            "reasons": [r["code"] for r in declaration.lane_reasons],
        },
        party=Party.CUSTOMS,
        actor_label="selectivity",
    )


def declaration_amend(
    *,
    actor: User,
    declaration: Declaration,
    data: DeclarationInput,
    reason: str,
    expected_version: int | None = None,
) -> Declaration:
    """Amend a registered declaration (khai bổ sung), before or after clearance.

    The type, office and enterprise cannot change (cancel and declare again for that). Duties are
    recomputed at the registration day's rate; the difference is owed or refunded. Before
    clearance the selectivity runs again and the lane can only rise. A new version is kept and
    every earlier version stays readable."""
    with transaction.atomic():
        declaration = declaration_locked(declaration, expected_version)
        require_trader_of(actor, declaration)
        step = transition(declaration.status, Action.AMEND, By.TRADER)
        if step is None:
            raise Conflict(
                _("A %(s)s declaration cannot be amended.")
                % {"s": declaration.get_status_display()},
                code="wrong-state",
            )
        # Every problem at once: the reason, what an amendment cannot change, and the content.
        data = hs_codes_convert(data)[0]  # an AHTN 2017 code compared as the line it became
        errors = _amendment_problems(declaration, data, reason)
        try:
            resolved, duties = reassess(declaration, data, lock_quotas=True)
        except ValidationFailed as exc:
            raise ValidationFailed(errors + exc.errors) from None
        if errors:
            raise ValidationFailed(errors)
        refuse_duplicates(duplicates_of(declaration, resolved), resolved)
        before = declaration.total_duties_vnd
        write_content(declaration, resolved)
        set_totals(declaration, duties)
        declaration.save()
        replace_lines(declaration, data, duties)
        replace_containers(declaration, resolved.containers)
        quota_draw(declaration, data, duties)
        declaration_written(declaration)
        version = new_version(declaration, data, duties, actor, reason)
        declaration.amendment_count += 1  # officers' corrections make versions, not amendments
        _lane_raised(declaration, resolved, duties, version.number)
        save_fields(
            declaration,
            "amendment_count",
            "lane",
            "lane_reasons",
            "risk_score",
            "status",
            "checks_pending",
        )
        record_event(
            declaration,
            step.emits[0],
            actor,
            {
                "version": version.number,
                "reason": reason,
                "duties_before_vnd": before,
                "duties_after_vnd": duties.total_vnd,
                "difference_vnd": duties.total_vnd - before,
            },
        )
        clear_if_ready(declaration, None)
    return declaration
