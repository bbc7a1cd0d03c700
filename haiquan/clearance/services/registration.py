"""Drafts and registration (đăng ký tờ khai): the content checked, the duties assessed, the
12-digit number, the lane decided — and where the declaration starts, as the workflow table says."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.accounts.choices import Role
from haiquan.accounts.models import User
from haiquan.core.models import prefetched_set
from haiquan.core.problems import Conflict
from haiquan.core.revisions import revisions_bound
from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party
from haiquan.eventlog.models import Event
from haiquan.eventlog.services import events_append
from haiquan.refdata.selectors import Reference
from haiquan.risk.choices import Lane, ReasonSource
from haiquan.risk.engine import (
    DeclarationFacts,
    LaneResult,
    LineFacts,
    Reason,
    lane_decide_unnumbered,
    lane_with_draw,
)
from haiquan.tariff.assistant import disagreements as classification_disagreements
from haiquan.tariff.duties import DeclarationDuties

from ..hooks import declaration_written
from ..inputs import DeclarationInput
from ..models import Container, Declaration, DeclarationLine, DeclarationVersion
from ..numbering import number_next
from ..validation import ResolvedDeclaration, declaration_validate
from ..workflow import (
    Action,
    By,
    Transition,
    allows,
    checks_pending_in,
    lane_status,
    require_may_declare_for,
    require_trader_of,
    transition,
)
from .backcapture import PaperCapture, paper_events
from .common import build_event, declaration_locked, record_event
from .content import (
    declaration_input_from,
    replace_containers,
    replace_lines,
    set_totals,
    snapshot,
    write_content,
)
from .duplicates import duplicates_of, refuse_duplicates
from .duties import assess, cached_data, quota_draw
from .payment import clear_if_ready


@transaction.atomic
def declaration_draft_save(
    *, actor: User, data: DeclarationInput, declaration: Declaration | None = None
) -> Declaration:
    """Save a draft: the content is checked in full (so the declarant sees every problem early)
    but no number, lane or duty is assigned, and the draft can be changed freely."""
    resolved = declaration_validate(data, on_day=timezone.localdate())
    require_may_declare_for(actor, resolved.enterprise)
    if declaration is None:
        step = transition(None, Action.SAVE_DRAFT, By.TRADER)
        assert step is not None
        declaration = Declaration(created_by=actor, status=step.target)
        if actor.role == Role.BROKER:
            declaration.broker_id = actor.enterprise_id
    else:
        declaration = declaration_locked(declaration, None)
        require_trader_of(actor, declaration)
        step = transition(declaration.status, Action.SAVE_DRAFT, By.TRADER)
        if step is None:
            raise Conflict(_("Only a draft can be edited; amend a registered declaration instead."))
        declaration.version += 1
    write_content(declaration, resolved)
    declaration.status = step.target
    declaration.save()
    record_event(declaration, step.emits[0], actor)
    replace_lines(declaration, resolved.data, None)
    replace_containers(declaration, resolved.containers)
    return declaration


def facts_of(
    declaration: Declaration, resolved: ResolvedDeclaration, duties: DeclarationDuties
) -> DeclarationFacts:
    return DeclarationFacts(
        number=declaration.number or "",
        flow=declaration.flow,
        type_code=declaration.type_id,
        office_code=resolved.office.code,
        office_path=resolved.office.path,
        enterprise_mst=resolved.enterprise.mst,
        compliance_rank=resolved.enterprise.compliance_rank,
        transport_mode=declaration.transport_mode,
        partner_country=resolved.partner_country.code if resolved.partner_country else "",
        total_customs_value_vnd=duties.customs_value_vnd,
        registered_at=declaration.registered_at or timezone.now(),
        lines=tuple(
            LineFacts(
                line_no=i + 1,
                hs_code=ln.hs_code,
                origin=ln.origin.upper(),
                quantity=ln.quantity,
                unit=ln.unit,
                customs_value_vnd=duties.lines[i].customs_value_vnd,
                unit_price_vnd=(duties.lines[i].customs_value_vnd / ln.quantity).quantize(
                    Decimal("0.01")
                )
                if ln.quantity
                else Decimal(0),
                preference=ln.preference.upper(),
            )
            for i, ln in enumerate(resolved.data.lines)
        ),
        extra_reasons=tuple(
            Reason(
                source=ReasonSource.DOCUMENT.value,
                code="CO-PAPER",
                lane=Lane.YELLOW.value,
                text=ld.document_check,
                line_no=i + 1,
            )
            for i, ld in enumerate(duties.lines)
            if ld.document_check
        )
        + _classification_reasons(resolved),
        declarant=str(declaration.created_by_id or ""),
        partner_name=declaration.partner_name,
        broker=str(declaration.broker_id or ""),
    )


def _classification_reasons(resolved: ResolvedDeclaration) -> tuple[Reason, ...]:
    """Lines whose declared code the classification assistant is confident is in another
    heading: said to officers, the lane left as the other reasons set it."""
    return tuple(
        Reason(
            source=ReasonSource.CLASSIFICATION.value,
            code="HS-ASSISTANT",
            lane=Lane.GREEN.value,
            text=d.text(),
            line_no=d.line_no,
        )
        for d in classification_disagreements(
            [(i + 1, ln.description, ln.hs_code) for i, ln in enumerate(resolved.data.lines)]
        )
    )


# What the number and the random draw settle, written when the number is taken.
NUMBERED_FIELDS = ("number", "lane", "lane_reasons", "risk_score", "status", "checks_pending")


def apply_lane(declaration: Declaration, result: LaneResult) -> None:
    """The lane decided, and where it puts the declaration (the workflow table's registration
    rows): green waits for payment, yellow for the document check, red for the inspection."""
    declaration.lane = result.lane
    declaration.lane_reasons = result.reasons_json()
    declaration.risk_score = result.score
    declaration.status = lane_status(result.lane)
    declaration.checks_pending = checks_pending_in(result.lane)


def declaration_register(
    *,
    actor: User,
    data: DeclarationInput | None = None,
    draft: Declaration | None = None,
    paper: PaperCapture | None = None,
    savepoint: bool = True,
) -> Declaration:
    """Register a declaration (đăng ký tờ khai): validate everything, compute the duties at the
    day's exchange rate, give it its 12-digit number, decide its lane, and — for a green one with
    nothing to pay — clear it at once. All in one transaction with its events.

    `paper`: a paper declaration taken during a declared outage, captured afterwards by an
    officer (`declaration_back_capture`): registered at its paper time, with the lane decided
    on paper, its events at their original times.

    `savepoint=False`: the caller's transaction ends with a failed registration anyway (the
    API's idempotent filing), so no savepoint is set and released around it (two round trips)."""
    now = paper.registered_at if paper is not None else timezone.now()
    if data is None:
        if draft is None:
            raise ValueError("register needs data or a draft")
        data = declaration_input_from(draft)
    # One statement reads every revision token the registration needs (reference data, tariff,
    # risk rules, single-window requirements); the caches below check theirs against it.
    ref, tariff_token, revisions = cached_data()
    with revisions_bound(*revisions):
        return _register(actor, data, draft, now, ref, tariff_token, paper, savepoint)


def _register(
    actor: User,
    data: DeclarationInput,
    draft: Declaration | None,
    now: datetime,
    ref: Reference,
    tariff_token: str | None,
    paper: PaperCapture | None,
    savepoint: bool,
) -> Declaration:
    on_day = timezone.localdate(now)
    # A paper declaration's capture is authorised by back_capture (an officer of the office).
    declarant = actor if paper is None else None
    resolved = declaration_validate(
        data, on_day=on_day, reference=ref, declarant=declarant, tariff_token=tariff_token
    )
    data = resolved.data  # AHTN 2017 codes converted
    if paper is None:
        require_may_declare_for(actor, resolved.enterprise)
    rate, duties = assess(resolved, on_day=on_day, reference=ref, tariff_token=tariff_token)

    with transaction.atomic(savepoint=savepoint):
        declaration = _registering(actor, draft)
        source = None if draft is None else declaration.status
        if any(ld.quota for ld in duties.lines):
            # Lines under a tariff quota: assessed again with the importer's allocations
            # locked, so that two registrations never draw the same quantity.
            rate, duties = assess(
                resolved,
                on_day=on_day,
                reference=ref,
                tariff_token=tariff_token,
                lock_quotas=True,
            )
        unnumbered, lines, containers = _write_unnumbered(
            actor, declaration, resolved, rate, duties, now, paper, fresh=draft is None
        )
        # The number last: the flow's counter row stays locked from here to the commit, so
        # only what needs the number comes after it (docs/scaling.md: the counter's ceiling).
        declaration.number = number_next(declaration.flow)
        # Checked under the flow's counter lock, so two filings of the same goods at the same
        # moment cannot both pass; a refusal rolls the number back.
        matches = duplicates_of(declaration, resolved)
        refuse_duplicates(matches, resolved)
        declaration.registration_warnings = tuple(m for m in matches if not m.refuses)
        result = (
            lane_with_draw(unnumbered, facts_of(declaration, resolved, duties))
            if paper is None
            else unnumbered
        )
        step = transition(source, Action.REGISTER, By.TRADER, result.lane)
        assert step is not None
        apply_lane(declaration, result)
        declaration.save(update_fields=[*NUMBERED_FIELDS])
        # The observers write events that carry the number (the single window's requests).
        declaration_written(declaration, new=draft is None)
        events = _registration_events(step, declaration, actor, result, len(data.lines))
        if paper is not None:
            events = paper_events(events, declaration, actor, paper)
        events_append(events)
        # What was just written, so the answer needs no second read.
        prefetched_set(declaration, "lines", lines)
        prefetched_set(declaration, "containers", containers)
        clear_if_ready(declaration, None)
    return declaration


def _write_unnumbered(
    actor: User,
    declaration: Declaration,
    resolved: ResolvedDeclaration,
    rate: Decimal,
    duties: DeclarationDuties,
    now: datetime,
    paper: PaperCapture | None,
    *,
    fresh: bool,
) -> tuple[LaneResult, list[DeclarationLine], list[Container]]:
    """Write the declaration's content, totals, lines, containers, quota draws and first
    version with the number still NULL, and decide its lane from everything but the random
    draw (a paper declaration's lane is the one the paper gives)."""
    data = resolved.data
    write_content(declaration, resolved)
    declaration.exchange_rate = rate
    declaration.registered_at = now
    set_totals(declaration, duties)
    unnumbered = (
        lane_decide_unnumbered(facts_of(declaration, resolved, duties))
        if paper is None
        else paper.lane_result()
    )
    apply_lane(declaration, unnumbered)
    declaration.save()
    lines = replace_lines(declaration, data, duties, fresh=fresh)
    containers = replace_containers(declaration, resolved.containers, fresh=fresh)
    quota_draw(declaration, data, duties, fresh=True)
    DeclarationVersion.objects.create(
        declaration=declaration,
        number=1,
        reason="",
        created_by=actor,
        created_at=now,
        content=snapshot(declaration, data, duties),
        total_duties_vnd=duties.total_vnd,
        difference_vnd=duties.total_vnd,
    )
    return unnumbered, lines, containers


def _registering(actor: User, draft: Declaration | None) -> Declaration:
    """The declaration to register: the draft, locked and checked, or a new one."""
    if draft is None:
        declaration = Declaration(created_by=actor)
        if actor.role == Role.BROKER:
            declaration.broker_id = actor.enterprise_id
        return declaration
    declaration = declaration_locked(draft, None)
    require_trader_of(actor, declaration)
    if not allows(declaration.status, Action.REGISTER, By.TRADER):
        raise Conflict(
            _("This declaration is already registered (number %(n)s).") % {"n": declaration.number}
        )
    return declaration


def _registration_events(
    step: Transition, declaration: Declaration, actor: User, result: LaneResult, lines: int
) -> list[Event]:
    """The events of a registration, as its row of the workflow table lists them: lodged (when
    not from a draft), registered, the lane decided."""
    events = []
    for kind in step.emits:
        if kind == kinds.DECLARATION_LODGED:
            events.append(build_event(declaration, kind, actor, {"number": None}))
        elif kind == kinds.DECLARATION_REGISTERED:
            data = {
                "type": declaration.type_id,
                "office": declaration.office.code,
                "lines": lines,
                "customs_value_vnd": declaration.customs_value_vnd,
                "total_duties_vnd": declaration.total_duties_vnd,
                "exchange_rate": declaration.exchange_rate,
            }
            events.append(build_event(declaration, kind, actor, data))
        else:
            data = {
                "lane": result.lane,
                "random_selected": result.random_selected,
                "reasons": [r["code"] for r in declaration.lane_reasons],
                "score": result.score,
            }
            events.append(
                build_event(
                    declaration,
                    kind,
                    None,
                    data,
                    party=Party.CUSTOMS,
                    actor_label="selectivity",
                )
            )
    return events
