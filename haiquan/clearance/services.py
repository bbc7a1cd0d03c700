"""The clearance workflow (VNACCS): registration, lanes, checks, payment, clearance, release,
amendment and cancellation. Every change is one transaction that also writes its event.

States:
    draft ─register→ (green) awaiting_payment ─settled→ cleared ─→ released
                     (yellow) document_check ─result→ awaiting_payment/cleared
                                   └─escalate→ inspection
                     (red) inspection ─result→ awaiting_payment/cleared
    registered, goods not yet out ─cancel (at once, or on an officer's decision)→ cancelled
A declaration is cleared the moment its checks are done and its duties (and penalties) are paid
or guaranteed, at any hour (`_clear_if_ready`). Who may cancel when, and with whose approval, is
said in `rules.py`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from haiquan.accounts.choices import Role
from haiquan.accounts.models import User
from haiquan.accounts.selectors import enterprises_user_may_declare_for, offices_in_scope
from haiquan.core.models import prefetched_set
from haiquan.core.problems import Conflict, FieldProblem, Forbidden, ValidationFailed, invalid
from haiquan.eventlog.choices import Party
from haiquan.eventlog.models import Event
from haiquan.eventlog.services import event_build, event_record, events_append
from haiquan.refdata.choices import Flow
from haiquan.refdata.selectors import Reference, reference_current, reference_tokens_sql
from haiquan.risk.choices import ReasonSource
from haiquan.risk.engine import DeclarationFacts, LaneResult, LineFacts, Reason, lane_decide
from haiquan.tariff.assistant import disagreements as classification_disagreements
from haiquan.tariff.duties import DeclarationDuties, DeclarationIn, LineIn, compute_duties
from haiquan.tariff.quotas import quota_balances, quota_draws_release, quota_draws_replace
from haiquan.tariff.snapshot import Tariff, tariff_token_sql

from .choices import (
    LANE_SEVERITY,
    SETTLED_PAYMENT_STATES,
    CancellationState,
    CheckKind,
    CheckOutcome,
    Lane,
    PaymentState,
    Status,
)
from .hooks import (
    PreferenceClaim,
    PreferenceVerdict,
    clearance_blockers,
    declaration_written,
    preference_verdict,
    preference_verifiers_present,
)
from .inputs import DeclarationInput, LineCorrection, LineInput
from .models import (
    CancellationRequest,
    CheckResult,
    Container,
    Declaration,
    DeclarationLine,
    DeclarationVersion,
    PenaltyDecision,
)
from .numbering import number_next
from .rules import CancelRoute, penalty_refusal
from .selectors import (
    DuplicateMatch,
    cancellation_pending,
    declaration_cancellation_terms,
    declaration_duplicates,
)
from .validation import ResolvedDeclaration, declaration_validate

# ---------------------------------------------------------------------------------------------
# Who may do what


def _party_of(user: User | None) -> Party:
    if user is None:
        return Party.SYSTEM
    if user.role in (Role.DECLARANT, Role.BROKER):
        return Party.TRADER
    if user.role == Role.BANK:
        return Party.BANK
    if user.role == Role.AGENCY:
        return Party.AGENCY
    if user.role == Role.OPERATOR:
        return Party.MOVEMENT
    return Party.CUSTOMS


def _require_may_declare_for(actor: User, resolved: ResolvedDeclaration) -> None:
    if not enterprises_user_may_declare_for(actor).filter(pk=resolved.enterprise.pk).exists():
        raise Forbidden(
            _(
                "You may not declare for enterprise %(mst)s: it is not yours and has not authorised "
                "your firm as its customs broker."
            )
            % {"mst": resolved.enterprise.mst}
        )


def _require_trader_of(actor: User, declaration: Declaration) -> None:
    if (
        actor.role == Role.DECLARANT
        and actor.enterprises.filter(pk=declaration.enterprise_id).exists()
    ):
        return
    if (
        actor.role == Role.BROKER
        and actor.enterprise_id
        and actor.enterprise_id == declaration.broker_id
    ):
        return
    raise Forbidden(_("Only the declarant of this declaration may do this."))


def _require_officer_of(actor: User, declaration: Declaration) -> None:
    if actor.role not in (Role.OFFICER, Role.LEADER):
        raise Forbidden(_("Only a customs officer of the declaration's office may do this."))
    path = declaration.office.path
    if not any(path.startswith(o.path) for o in offices_in_scope(actor)):
        raise Forbidden(_("This declaration belongs to an office outside your scope."))


# ---------------------------------------------------------------------------------------------
# Duties


def _verdicts(
    resolved: ResolvedDeclaration, *, on_day: date, declaration_id: int | None
) -> dict[int, PreferenceVerdict]:
    """What the registered preference verifiers say of each import line's FTA claim."""
    if resolved.type.flow != Flow.IMPORT or not preference_verifiers_present():
        return {}
    out: dict[int, PreferenceVerdict] = {}
    for i, ln in enumerate(resolved.data.lines):
        if not (ln.preference.strip() and ln.co_number.strip()):
            continue
        verdict = preference_verdict(
            PreferenceClaim(
                enterprise_mst=resolved.enterprise.mst,
                flow=resolved.type.flow,
                on_day=on_day,
                line_no=i + 1,
                hs_code=ln.hs_code,
                origin=ln.origin.upper(),
                quantity=ln.quantity,
                unit=ln.unit,
                preference=ln.preference.strip().upper(),
                co_number=ln.co_number.strip(),
                co_date=ln.co_date,
                declaration_id=declaration_id,
            )
        )
        if verdict is not None:
            out[i] = verdict
    return out


def _duty_request(
    resolved: ResolvedDeclaration,
    *,
    exchange_rate: Decimal,
    on_day: date,
    declaration_id: int | None = None,
    balances: dict[str, Decimal] | None = None,
) -> DeclarationIn:
    d = resolved.data
    verdicts = _verdicts(resolved, on_day=on_day, declaration_id=declaration_id)
    none = PreferenceVerdict()
    return DeclarationIn(
        flow=resolved.type.flow,
        duty_treatment=resolved.type.duty_treatment,
        incoterm=d.incoterm,
        exchange_rate=exchange_rate,
        freight=d.freight,
        insurance=d.insurance,
        on_day=on_day,
        lines=tuple(
            LineIn(
                hs_code=ln.hs_code,
                origin=ln.origin.upper(),
                quantity=ln.quantity,
                unit=ln.unit,
                value=ln.value,
                preference=ln.preference.upper(),
                co_number=ln.co_number,
                co_date=ln.co_date,
                preference_refused=str(verdicts.get(i, none).refused),
                preference_note=str(verdicts.get(i, none).note),
                document_check=str(verdicts.get(i, none).document_check),
            )
            for i, ln in enumerate(d.lines)
        ),
        exporter=d.partner_name,
        quota_balances=balances,
    )


def _quota_balances(
    resolved: ResolvedDeclaration,
    tariff: Tariff,
    on_day: date,
    declaration_id: int | None = None,
    lock: bool = False,
) -> dict[str, Decimal] | None:
    """What is left of the importer's tariff-quota allocations for the lines under a quota
    (no query when there are none); `lock`: held until the transaction ends."""
    if resolved.type.flow != Flow.IMPORT:
        return None
    return quota_balances(
        enterprise_id=resolved.enterprise.pk,
        codes=[ln.hs_code for ln in resolved.data.lines],
        on_day=on_day,
        tariff=tariff,
        declaration_id=declaration_id,
        lock=lock,
    )


def _quota_draw(
    declaration: Declaration,
    data: DeclarationInput,
    duties: DeclarationDuties,
    fresh: bool = False,
) -> None:
    """Draw the lines' in-quota quantities from the allocation, replacing what the declaration
    drew before (nothing to do for a new declaration with no line under a quota)."""
    if fresh and not any(ld.quota for ld in duties.lines):
        return
    quota_draws_replace(
        declaration_id=declaration.pk,
        enterprise_id=declaration.enterprise_id,
        lines=[
            (i + 1, ln.hs_code, ld.quota, ld.in_quota_quantity)
            for i, (ln, ld) in enumerate(zip(data.lines, duties.lines, strict=True))
            if ld.quota
        ],
    )


def _cached_data() -> tuple[Reference, str | None]:
    """The reference data and the tariff token, their revision tokens read in one statement:
    both copies are kept per process and checked against the database on each use."""
    ref_token, rates_token = reference_tokens_sql()
    with connection.cursor() as cur:
        cur.execute(f"SELECT {ref_token}, {rates_token}, {tariff_token_sql()}")
        row = cur.fetchone()
    return reference_current(tokens=(row[0], row[1])), row[2]


def _assess(
    resolved: ResolvedDeclaration,
    *,
    on_day: date,
    reference: Reference | None = None,
    tariff_token: str | None = None,
    lock_quotas: bool = False,
) -> tuple[Decimal, DeclarationDuties]:
    ref = reference or reference_current()
    rate = ref.exchange_rate(currency=resolved.currency.code, day=on_day)
    tariff = Tariff.load((ln.hs_code for ln in resolved.data.lines), token=tariff_token)
    balances = _quota_balances(resolved, tariff, on_day, lock=lock_quotas)
    request = _duty_request(resolved, exchange_rate=rate, on_day=on_day, balances=balances)
    return rate, compute_duties(request, tariff)


def declaration_duty_preview(
    *, actor: User, data: DeclarationInput
) -> tuple[Decimal, DeclarationDuties]:
    """The duties a declaration would owe if registered now; nothing is saved."""
    on_day = timezone.localdate()
    ref, tariff_token = _cached_data()
    resolved = declaration_validate(data, on_day=on_day, reference=ref)
    _require_may_declare_for(actor, resolved)
    return _assess(resolved, on_day=on_day, reference=ref, tariff_token=tariff_token)


# ---------------------------------------------------------------------------------------------
# Writing the declaration's content


def _write_content(declaration: Declaration, resolved: ResolvedDeclaration) -> None:
    d = resolved.data
    declaration.flow = resolved.type.flow
    declaration.type = resolved.type
    declaration.office = resolved.office
    declaration.enterprise = resolved.enterprise
    declaration.transport_mode = d.transport_mode
    declaration.bill_of_lading = d.bill_of_lading.strip()
    declaration.arrival_date = d.arrival_date
    declaration.invoice_number = d.invoice_number
    declaration.invoice_date = d.invoice_date
    declaration.incoterm = d.incoterm
    declaration.currency = resolved.currency
    declaration.invoice_value = d.invoice_value
    declaration.freight = d.freight
    declaration.insurance = d.insurance
    declaration.partner_name = d.partner_name
    declaration.partner_country = resolved.partner_country


def _replace_lines(
    declaration: Declaration,
    data: DeclarationInput,
    duties: DeclarationDuties | None,
    fresh: bool = False,
) -> list[DeclarationLine]:
    if not fresh:
        declaration.lines.all().delete()
    rows = []
    for i, ln in enumerate(data.lines):
        row = DeclarationLine(
            declaration=declaration,
            line_no=i + 1,
            hs_code=ln.hs_code,
            description=ln.description.strip(),
            origin_id=ln.origin.upper(),
            quantity=ln.quantity,
            unit=ln.unit,
            unit_price=ln.unit_price,
            value=ln.value,
            preference=ln.preference.upper(),
            co_number=ln.co_number,
            co_date=ln.co_date,
            ruling_number=ln.ruling_number,
        )
        if duties is not None:
            _set_line_duties(row, duties.lines[i])
        rows.append(row)
    return DeclarationLine.objects.bulk_create(rows)


def _set_line_duties(row: DeclarationLine, ld: Any) -> None:
    row.customs_value_vnd = ld.customs_value_vnd
    row.import_rate = ld.import_rate
    row.import_rate_kind = ld.import_rate_kind + (f":{ld.agreement}" if ld.agreement else "")
    row.import_duty_vnd = ld.import_duty_vnd
    row.export_rate = ld.export_rate
    row.export_duty_vnd = ld.export_duty_vnd
    row.sct_rate = ld.sct_rate
    row.sct_vnd = ld.sct_vnd
    row.env_tax_vnd = ld.env_tax_vnd
    row.vat_rate = ld.vat_rate
    row.vat_vnd = ld.vat_vnd
    row.total_vnd = ld.total_vnd
    row.duty_notes = [str(n) for n in ld.notes]


def _set_totals(declaration: Declaration, duties: DeclarationDuties) -> None:
    declaration.customs_value_vnd = duties.customs_value_vnd
    declaration.import_duty_vnd = duties.import_duty_vnd
    declaration.export_duty_vnd = duties.export_duty_vnd
    declaration.sct_vnd = duties.sct_vnd
    declaration.env_tax_vnd = duties.env_tax_vnd
    declaration.vat_vnd = duties.vat_vnd
    declaration.total_duties_vnd = duties.total_vnd
    declaration.payment_state = _payment_state(declaration)


def _replace_containers(
    declaration: Declaration, containers: tuple[str, ...], fresh: bool = False
) -> list[Container]:
    if not fresh:
        declaration.containers.all().delete()
    return Container.objects.bulk_create(
        [Container(declaration=declaration, number=c) for c in containers]
    )


def _payment_state(d: Declaration) -> str:
    """Of everything owed: duties and taxes, and penalties."""
    owed = d.owed_vnd
    if owed <= 0:
        return PaymentState.NONE_DUE
    if d.paid_vnd >= owed:
        return PaymentState.PAID
    if d.paid_vnd + d.guaranteed_vnd >= owed:
        return PaymentState.GUARANTEED
    if d.paid_vnd > 0:
        return PaymentState.PARTIAL
    return PaymentState.UNPAID


def _snapshot(
    declaration: Declaration, data: DeclarationInput, duties: DeclarationDuties | None
) -> dict:
    content = data.as_json()
    content["containers"] = list(data.containers)
    if duties is not None:
        content["duties"] = {
            "customs_value_vnd": duties.customs_value_vnd,
            "import_duty_vnd": duties.import_duty_vnd,
            "export_duty_vnd": duties.export_duty_vnd,
            "sct_vnd": duties.sct_vnd,
            "env_tax_vnd": duties.env_tax_vnd,
            "vat_vnd": duties.vat_vnd,
            "total_vnd": duties.total_vnd,
        }
        content["exchange_rate"] = declaration.exchange_rate
    return content


def _event_build(
    declaration: Declaration,
    kind: str,
    actor: User | None,
    data: dict | None = None,
    party: Party | None = None,
    actor_label: str = "",
) -> Event:
    return event_build(
        kind=kind,
        subject_type="declaration",
        subject_id=declaration.pk,
        declaration_id=declaration.pk,
        office_code=declaration.office.code,
        actor=actor,
        actor_label=actor_label,
        party=party or _party_of(actor),
        data={"number": declaration.number, **(data or {})},
    )


def _event(
    declaration: Declaration,
    kind: str,
    actor: User | None,
    data: dict | None = None,
    party: Party | None = None,
    actor_label: str = "",
) -> None:
    event_record(
        kind=kind,
        subject_type="declaration",
        subject_id=declaration.pk,
        declaration_id=declaration.pk,
        office_code=declaration.office.code,
        actor=actor,
        actor_label=actor_label,
        party=party or _party_of(actor),
        data={"number": declaration.number, **(data or {})},
    )


def _locked(declaration: Declaration, expected_version: int | None) -> Declaration:
    """Re-read the declaration under a row lock and check the caller saw its latest version."""
    locked = (
        # OF self: lock the declaration only, not the office, type and currency rows joined
        # to it, which every declaration of that office shares (and would deadlock on).
        Declaration.objects.select_for_update(of=("self",))
        .select_related("office", "type", "enterprise", "currency")
        .get(pk=declaration.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise Conflict(
            _(
                "The declaration changed since you loaded it (you saw version %(a)d, it is now %(b)d). "
                "Reload it and try again."
            )
            % {"a": expected_version, "b": locked.version},
            code="stale-version",
        )
    return locked


def _save(declaration: Declaration, *fields: str) -> None:
    declaration.version += 1
    declaration.save(update_fields=[*fields, "version", "updated_at"])


# ---------------------------------------------------------------------------------------------
# Drafts


@transaction.atomic
def declaration_draft_save(
    *, actor: User, data: DeclarationInput, declaration: Declaration | None = None
) -> Declaration:
    """Save a draft: the content is checked in full (so the declarant sees every problem early)
    but no number, lane or duty is assigned, and the draft can be changed freely."""
    resolved = declaration_validate(data, on_day=timezone.localdate())
    _require_may_declare_for(actor, resolved)
    if declaration is None:
        declaration = Declaration(created_by=actor, status=Status.DRAFT)
        if actor.role == Role.BROKER:
            declaration.broker_id = actor.enterprise_id
        _write_content(declaration, resolved)
        declaration.save()
        _event(declaration, "declaration.draft_created", actor)
    else:
        declaration = _locked(declaration, None)
        _require_trader_of(actor, declaration)
        if declaration.status != Status.DRAFT:
            raise Conflict(_("Only a draft can be edited; amend a registered declaration instead."))
        _write_content(declaration, resolved)
        declaration.version += 1
        declaration.save()
        _event(declaration, "declaration.draft_updated", actor)
    _replace_lines(declaration, data, None)
    _replace_containers(declaration, resolved.containers)
    return declaration


# ---------------------------------------------------------------------------------------------
# Duplicates


class DuplicateDeclaration(Conflict):
    """The same goods (invoice and container) are already declared by the enterprise on a
    declaration that is not cancelled: a second declaration is refused, naming the first."""

    def __init__(self, detail: str, errors: list[FieldProblem], matches: list[DuplicateMatch]):
        super().__init__(detail, code="duplicate-declaration")
        self.errors = errors
        self.matches = matches

    def as_problem(self, instance: str | None = None) -> dict[str, Any]:
        body = super().as_problem(instance)
        body["duplicates"] = [{"id": m.declaration_id, "number": m.number} for m in self.matches]
        return body


def _duplicates(declaration: Declaration, resolved: ResolvedDeclaration) -> list[DuplicateMatch]:
    return declaration_duplicates(
        enterprise_id=resolved.enterprise.pk,
        flow=resolved.type.flow,
        invoice_number=resolved.data.invoice_number,
        bill_of_lading=resolved.data.bill_of_lading,
        containers=resolved.containers,
        exclude_id=declaration.pk,
    )


def duplicate_text(match: DuplicateMatch, *, invoice_number: str, bill_of_lading: str) -> str:
    """'Declaration 100… (Cleared) already declares invoice INV-1 and container CSQU…'."""
    what = []
    if match.same_invoice:
        what.append(_("invoice %(v)s") % {"v": invoice_number})
    if match.same_bill_of_lading:
        what.append(_("bill of lading %(v)s") % {"v": bill_of_lading})
    if match.containers:
        what.append(_("container %(v)s") % {"v": ", ".join(match.containers)})
    return _("Declaration %(number)s (%(status)s) already declares %(what)s.") % {
        "number": match.number,
        "status": Status(match.status).label,
        "what": "; ".join(what),
    }


def _refuse_duplicates(matches: list[DuplicateMatch], resolved: ResolvedDeclaration) -> None:
    refusing = [m for m in matches if m.refuses]
    if not refusing:
        return
    first = refusing[0]
    data = resolved.data
    errors = [
        FieldProblem(
            "invoice_number",
            _(
                "invoice %(invoice)s is already declared with the same container on declaration "
                "%(number)s, which is not cancelled: amend that declaration, or have it "
                "cancelled before declaring these goods again"
            )
            % {"invoice": data.invoice_number, "number": first.number},
            "duplicate-declaration",
        )
    ]
    for i, c in enumerate(resolved.containers):
        holder = next((m for m in refusing if c in m.containers), None)
        if holder is not None:
            errors.append(
                FieldProblem(
                    f"containers[{i}]",
                    _("container %(c)s is already declared with this invoice on %(number)s")
                    % {"c": c, "number": holder.number},
                    "duplicate-declaration",
                )
            )
    raise DuplicateDeclaration(
        _(
            "These goods are already declared on declaration %(number)s (same invoice and "
            "container); a second declaration of them is refused."
        )
        % {"number": ", ".join(m.number for m in refusing)},
        errors,
        refusing,
    )


# ---------------------------------------------------------------------------------------------
# Registration


def _facts(
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


def _apply_lane(declaration: Declaration, result: LaneResult) -> None:
    declaration.lane = result.lane
    declaration.lane_reasons = result.reasons_json()
    declaration.risk_score = result.score
    if result.lane == Lane.GREEN:
        declaration.status = Status.AWAITING_PAYMENT
        declaration.checks_pending = False
    elif result.lane == Lane.YELLOW:
        declaration.status = Status.DOCUMENT_CHECK
        declaration.checks_pending = True
    else:
        declaration.status = Status.INSPECTION
        declaration.checks_pending = True


def declaration_register(
    *, actor: User, data: DeclarationInput | None = None, draft: Declaration | None = None
) -> Declaration:
    """Register a declaration (đăng ký tờ khai): validate everything, compute the duties at the
    day's exchange rate, give it its 12-digit number, decide its lane, and — for a green one with
    nothing to pay — clear it at once. All in one transaction with its events."""
    now = timezone.now()
    on_day = timezone.localdate(now)
    if data is None:
        if draft is None:
            raise ValueError("register needs data or a draft")
        data = declaration_input_from(draft)
    ref, tariff_token = _cached_data()
    resolved = declaration_validate(data, on_day=on_day, reference=ref)
    _require_may_declare_for(actor, resolved)
    rate, duties = _assess(resolved, on_day=on_day, reference=ref, tariff_token=tariff_token)

    with transaction.atomic():
        if draft is not None:
            declaration = _locked(draft, None)
            _require_trader_of(actor, declaration)
            if declaration.status != Status.DRAFT:
                raise Conflict(
                    _("This declaration is already registered (number %(n)s).")
                    % {"n": declaration.number}
                )
        else:
            declaration = Declaration(created_by=actor)
            if actor.role == Role.BROKER:
                declaration.broker_id = actor.enterprise_id
        if any(ld.quota for ld in duties.lines):
            # Lines under a tariff quota: assessed again with the importer's allocations
            # locked, so that two registrations never draw the same quantity.
            rate, duties = _assess(
                resolved,
                on_day=on_day,
                reference=ref,
                tariff_token=tariff_token,
                lock_quotas=True,
            )
        _write_content(declaration, resolved)
        declaration.exchange_rate = rate
        declaration.registered_at = now
        _set_totals(declaration, duties)
        # Number and lane come before the row is written so that it is written once; the
        # counter row stays locked from here to the commit, a few inserts later.
        declaration.number = number_next(declaration.flow)
        # Checked under the flow's counter lock, so two filings of the same goods at the same
        # moment cannot both pass; a refusal rolls the number back.
        matches = _duplicates(declaration, resolved)
        _refuse_duplicates(matches, resolved)
        declaration.registration_warnings = tuple(m for m in matches if not m.refuses)
        result = lane_decide(_facts(declaration, resolved, duties))
        _apply_lane(declaration, result)
        declaration.save()
        lines = _replace_lines(declaration, data, duties, fresh=draft is None)
        containers = _replace_containers(declaration, resolved.containers, fresh=draft is None)
        _quota_draw(declaration, data, duties, fresh=True)
        declaration_written(declaration)
        DeclarationVersion.objects.create(
            declaration=declaration,
            number=1,
            reason="",
            created_by=actor,
            created_at=now,
            content=_snapshot(declaration, data, duties),
            total_duties_vnd=duties.total_vnd,
            difference_vnd=duties.total_vnd,
        )
        events = []
        if draft is None:
            events.append(_event_build(declaration, "declaration.lodged", actor, {"number": None}))
        events.append(
            _event_build(
                declaration,
                "declaration.registered",
                actor,
                {
                    "type": declaration.type_id,
                    "office": resolved.office.code,
                    "lines": len(data.lines),
                    "customs_value_vnd": duties.customs_value_vnd,
                    "total_duties_vnd": duties.total_vnd,
                    "exchange_rate": rate,
                },
            )
        )
        events.append(
            _event_build(
                declaration,
                "declaration.lane_decided",
                None,
                {
                    "lane": result.lane,
                    "random_selected": result.random_selected,
                    "reasons": [r["code"] for r in declaration.lane_reasons],
                    "score": result.score,
                },
                party=Party.CUSTOMS,
                actor_label="selectivity",
            )
        )
        events_append(events)
        # What was just written, so the answer needs no second read.
        prefetched_set(declaration, "lines", lines)
        prefetched_set(declaration, "containers", containers)
        _clear_if_ready(declaration, None)
    return declaration


def declaration_input_from(declaration: Declaration) -> DeclarationInput:
    """The content of a stored declaration as input (to register a draft, or to copy it)."""
    return DeclarationInput(
        type_code=declaration.type_id,
        office_code=declaration.office.code,
        enterprise_mst=declaration.enterprise.mst,
        transport_mode=declaration.transport_mode,
        incoterm=declaration.incoterm,
        currency=declaration.currency_id,
        invoice_value=declaration.invoice_value,
        freight=declaration.freight,
        insurance=declaration.insurance,
        bill_of_lading=declaration.bill_of_lading,
        arrival_date=declaration.arrival_date,
        invoice_number=declaration.invoice_number,
        invoice_date=declaration.invoice_date,
        partner_name=declaration.partner_name,
        partner_country=declaration.partner_country_id or "",
        containers=tuple(declaration.containers.values_list("number", flat=True)),
        lines=tuple(
            LineInput(
                hs_code=ln.hs_code,
                description=ln.description,
                origin=ln.origin_id,
                quantity=ln.quantity,
                unit=ln.unit,
                unit_price=ln.unit_price,
                value=ln.value,
                preference=ln.preference,
                co_number=ln.co_number,
                co_date=ln.co_date,
                ruling_number=ln.ruling_number,
            )
            for ln in declaration.lines.order_by("line_no")
        ),
    )


# ---------------------------------------------------------------------------------------------
# Clearance and payment


def _clear_if_ready(declaration: Declaration, actor: User | None, actor_label: str = "") -> bool:
    """Clear (thông quan) a declaration whose checks are done, whose duties are settled and that
    no other app's guard still holds (e.g. a permit awaited through the single window)."""
    if declaration.status != Status.AWAITING_PAYMENT or declaration.checks_pending:
        return False
    if declaration.payment_state not in SETTLED_PAYMENT_STATES:
        return False
    blockers = clearance_blockers(declaration)
    if blockers:
        _event(
            declaration,
            "declaration.clearance_held",
            None,
            {"reasons": blockers},
            party=Party.SYSTEM,
            actor_label="clearance",
        )
        return False
    declaration.status = Status.CLEARED
    declaration.cleared_at = timezone.now()
    _save(declaration, "status", "cleared_at")
    _event(
        declaration,
        "declaration.cleared",
        actor,
        {
            "lane": declaration.lane,
            "payment_state": declaration.payment_state,
            "automatic": actor is None,
        },
        party=Party.CUSTOMS,
        actor_label=actor_label or ("automatic" if actor is None else ""),
    )
    return True


def declaration_clearance_retry(*, declaration: Declaration) -> Declaration:
    """Try again to clear a declaration after what held it has arrived (called by the app whose
    guard held it, in its own transaction or a new one)."""
    with transaction.atomic():
        locked = _locked(declaration, None)
        _clear_if_ready(locked, None)
    return locked


def declaration_payment_apply(
    *,
    declaration: Declaration,
    paid_vnd: Decimal,
    guaranteed_vnd: Decimal,
    actor: User | None,
    actor_label: str,
    kind: str,
    data: dict,
) -> Declaration:
    """Record the new paid and guaranteed totals reported by the payments app, and clear the
    declaration when that settles it. Call inside the payment's transaction with the row locked."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("declaration_payment_apply must run inside the payment's transaction")
    if declaration.status in (Status.DRAFT, Status.CANCELLED):
        raise Conflict(
            _("A %(s)s declaration takes no payment.") % {"s": declaration.get_status_display()}
        )
    declaration.paid_vnd = paid_vnd
    declaration.guaranteed_vnd = guaranteed_vnd
    declaration.payment_state = _payment_state(declaration)
    _save(declaration, "paid_vnd", "guaranteed_vnd", "payment_state")
    _event(
        declaration,
        kind,
        actor,
        {
            **data,
            "paid_vnd": paid_vnd,
            "guaranteed_vnd": guaranteed_vnd,
            "payment_state": declaration.payment_state,
        },
        party=Party.BANK if actor is None else None,
        actor_label=actor_label,
    )
    _clear_if_ready(declaration, None)
    return declaration


# ---------------------------------------------------------------------------------------------
# Officers' work


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


def _prefix_fields(exc: ValidationFailed, line_map: dict[int, int]) -> ValidationFailed:
    """Map `lines[i].x` problems of a recomputation back to `corrections[j].x` for the officer."""
    errors = []
    for e in exc.errors:
        field = e.field
        for line_idx, corr_idx in line_map.items():
            prefix = f"lines[{line_idx}]"
            if field.startswith(prefix):
                field = f"corrections[{corr_idx}]" + field[len(prefix) :]
        errors.append(FieldProblem(field, e.problem, e.code))
    return ValidationFailed(errors)


def _reassess(
    declaration: Declaration,
    data: DeclarationInput,
    line_map: dict[int, int] | None = None,
    lock_quotas: bool = False,
) -> tuple[ResolvedDeclaration, DeclarationDuties]:
    """Duties of corrected or amended content, at the exchange rate of the registration day."""
    on_day = timezone.localdate(declaration.registered_at)
    try:
        resolved = declaration_validate(data, on_day=on_day)
        tariff = Tariff.load(ln.hs_code for ln in resolved.data.lines)
        # Inside the change's transaction: the allocations stay locked until it commits.
        balances = _quota_balances(
            resolved, tariff, on_day, declaration_id=declaration.pk, lock=lock_quotas
        )
        duties = compute_duties(
            _duty_request(
                resolved,
                exchange_rate=declaration.exchange_rate or Decimal(1),
                on_day=on_day,
                declaration_id=declaration.pk,
                balances=balances,
            ),
            tariff,
        )
    except ValidationFailed as exc:
        raise _prefix_fields(exc, line_map) if line_map else exc from None
    return resolved, duties


def declaration_check_preview(
    *, actor: User, declaration: Declaration, corrections: list[LineCorrection]
) -> tuple[Decimal, Decimal, DeclarationDuties]:
    """What the duties would become with these corrections: (before, after, breakdown)."""
    _require_officer_of(actor, declaration)
    data = _corrected_input(declaration, corrections)
    line_map = {c.line_no - 1: i for i, c in enumerate(corrections)}
    _resolved, duties = _reassess(declaration, data, line_map)
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
        declaration = _locked(declaration, expected_version)
        _require_officer_of(actor, declaration)
        expected_status = (
            Status.DOCUMENT_CHECK if kind == CheckKind.DOCUMENT_CHECK else Status.INSPECTION
        )
        if declaration.status != expected_status or not declaration.checks_pending:
            raise Conflict(
                _("This declaration is not waiting for a %(k)s (it is %(s)s).")
                % {"k": CheckKind(kind).label, "s": declaration.get_status_display()},
                code="wrong-state",
            )
        before = declaration.total_duties_vnd
        after = before
        if corrections:
            data = _corrected_input(declaration, corrections)
            line_map = {c.line_no - 1: i for i, c in enumerate(corrections)}
            _resolved, duties = _reassess(declaration, data, line_map, lock_quotas=True)
            after = duties.total_vnd
            _replace_lines(declaration, data, duties)
            _quota_draw(declaration, data, duties)
            declaration_written(declaration)
            declaration.invoice_value = data.invoice_value
            _set_totals(declaration, duties)
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
            _new_version(
                declaration,
                data,
                duties,
                actor,
                _("Corrected by %(k)s: %(f)s") % {"k": CheckKind(kind).label, "f": findings},
            )
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
        declaration.status = Status.AWAITING_PAYMENT
        _save(declaration, "checks_pending", "status")
        _event(
            declaration,
            f"declaration.{kind}_recorded",
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
        _clear_if_ready(declaration, actor)
    return result


def declaration_escalate(
    *, actor: User, declaration: Declaration, reason: str, expected_version: int | None = None
) -> Declaration:
    """Send a yellow-lane declaration to physical inspection (chuyển luồng đỏ)."""
    if not reason.strip():
        raise invalid("reason", _("say why the goods must be inspected"), "required")
    with transaction.atomic():
        declaration = _locked(declaration, expected_version)
        _require_officer_of(actor, declaration)
        if declaration.status != Status.DOCUMENT_CHECK:
            raise Conflict(
                _("Only a declaration under document check can be escalated."), code="wrong-state"
            )
        declaration.status = Status.INSPECTION
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
        _save(declaration, "status", "lane", "lane_reasons")
        _event(
            declaration,
            "declaration.escalated",
            actor,
            {"reason": reason, "from": "yellow", "to": "red"},
        )
    return declaration


def declaration_release(
    *, actor: User, declaration: Declaration, expected_version: int | None = None, note: str = ""
) -> Declaration:
    """Release the goods (giải phóng hàng) of a cleared declaration from customs control."""
    with transaction.atomic():
        declaration = _locked(declaration, expected_version)
        _require_officer_of(actor, declaration)
        if declaration.status != Status.CLEARED:
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
        declaration.status = Status.RELEASED
        declaration.released_at = timezone.now()
        _save(declaration, "status", "released_at")
        _event(declaration, "declaration.released", actor, {"note": note})
    return declaration


# ---------------------------------------------------------------------------------------------
# Amendment and cancellation


def _new_version(
    declaration: Declaration,
    data: DeclarationInput,
    duties: DeclarationDuties,
    actor: User,
    reason: str,
) -> DeclarationVersion:
    last = declaration.versions.order_by("-number").first()
    previous_total = last.total_duties_vnd if last else Decimal(0)
    return DeclarationVersion.objects.create(
        declaration=declaration,
        number=(last.number + 1) if last else 1,
        reason=reason,
        created_by=actor,
        content=_snapshot(declaration, data, duties),
        total_duties_vnd=duties.total_vnd,
        difference_vnd=duties.total_vnd - previous_total,
    )


AMENDABLE = {
    Status.DOCUMENT_CHECK,
    Status.INSPECTION,
    Status.AWAITING_PAYMENT,
    Status.CLEARED,
    Status.RELEASED,
}


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
        declaration = _locked(declaration, expected_version)
        _require_trader_of(actor, declaration)
        if declaration.status not in AMENDABLE:
            raise Conflict(
                _("A %(s)s declaration cannot be amended.")
                % {"s": declaration.get_status_display()},
                code="wrong-state",
            )
        # Every problem at once: the reason, what an amendment cannot change, and the content.
        errors = []
        if not reason.strip():
            errors.append(
                FieldProblem("reason", _("say why the declaration is amended"), "required")
            )
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
        try:
            resolved, duties = _reassess(declaration, data, lock_quotas=True)
        except ValidationFailed as exc:
            raise ValidationFailed(errors + exc.errors) from None
        if errors:
            raise ValidationFailed(errors)
        _refuse_duplicates(_duplicates(declaration, resolved), resolved)
        before = declaration.total_duties_vnd
        _write_content(declaration, resolved)
        _set_totals(declaration, duties)
        declaration.save()
        _replace_lines(declaration, data, duties)
        _replace_containers(declaration, resolved.containers)
        _quota_draw(declaration, data, duties)
        declaration_written(declaration)
        version = _new_version(declaration, data, duties, actor, reason)
        declaration.amendment_count += 1  # officers' corrections make versions, not amendments
        if declaration.status in (
            Status.DOCUMENT_CHECK,
            Status.INSPECTION,
            Status.AWAITING_PAYMENT,
        ):
            result = lane_decide(_facts(declaration, resolved, duties))
            if LANE_SEVERITY[Lane(result.lane)] > LANE_SEVERITY[Lane(declaration.lane)]:
                _apply_lane(declaration, result)
                _event(
                    declaration,
                    "declaration.lane_decided",
                    None,
                    {
                        "lane": result.lane,
                        "after_amendment": version.number,
                        "reasons": [r["code"] for r in declaration.lane_reasons],
                    },
                    party=Party.CUSTOMS,
                    actor_label="selectivity",
                )
        _save(
            declaration,
            "amendment_count",
            "lane",
            "lane_reasons",
            "risk_score",
            "status",
            "checks_pending",
        )
        _event(
            declaration,
            "declaration.amended",
            actor,
            {
                "version": version.number,
                "reason": reason,
                "duties_before_vnd": before,
                "duties_after_vnd": duties.total_vnd,
                "difference_vnd": duties.total_vnd - before,
            },
        )
        _clear_if_ready(declaration, None)
    return declaration


def _cancel_now(declaration: Declaration, actor: User, reason: str, data: dict[str, Any]) -> None:
    declaration.status = Status.CANCELLED
    declaration.cancelled_at = timezone.now()
    declaration.cancel_reason = reason
    declaration.checks_pending = False
    _save(declaration, "status", "cancelled_at", "cancel_reason", "checks_pending")
    quota_draws_release(declaration_id=declaration.pk)  # tariff-quota draws given back
    # What was paid is not returned by the cancellation: it is an overpayment the enterprise
    # may have refunded or set off on request (rules.py).
    _event(
        declaration,
        "declaration.cancelled",
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
        declaration = _locked(declaration, expected_version)
        trader = actor.role in (Role.DECLARANT, Role.BROKER)
        if trader:
            _require_trader_of(actor, declaration)
        else:
            _require_officer_of(actor, declaration)
        terms = declaration_cancellation_terms(declaration)
        if not trader:
            if not terms.officer:
                raise Conflict(terms.officer_refusal, code="not-cancellable")
            _cancel_now(declaration, actor, reason, {"by": "customs"})
            return declaration
        if terms.trader == CancelRoute.NONE:
            raise Conflict(terms.trader_refusal, code="not-cancellable")
        if terms.trader == CancelRoute.DECISION:
            request = CancellationRequest.objects.create(
                declaration=declaration, reason=reason, requested_by=actor
            )
            _save(declaration)
            _event(
                declaration,
                "declaration.cancellation_requested",
                actor,
                {
                    "reason": reason,
                    "request": request.pk,
                    "after_clearance": terms.after_clearance,
                    "paid_vnd": declaration.paid_vnd,
                },
            )
            return declaration
        _cancel_now(declaration, actor, reason, {"by": "declarant"})
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
        declaration = _locked(declaration, expected_version)
        _require_officer_of(actor, declaration)
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
        request.state = CancellationState.APPROVED if approve else CancellationState.REFUSED
        request.decided_by = actor
        request.decided_at = timezone.now()
        request.decision_reason = reason
        request.save(update_fields=["state", "decided_by", "decided_at", "decision_reason"])
        if approve:
            _cancel_now(
                declaration,
                actor,
                request.reason,
                {"by": "customs", "request": request.pk, "decision_reason": reason},
            )
        else:
            _save(declaration)
            _event(
                declaration,
                "declaration.cancellation_refused",
                actor,
                {"reason": reason, "request": request.pk},
            )
    return request


# ---------------------------------------------------------------------------------------------
# Penalties


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
        declaration = _locked(declaration, expected_version)
        _require_officer_of(actor, declaration)
        refusal = penalty_refusal(declaration.status)
        if refusal:
            raise Conflict(refusal, code="wrong-state")
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
        declaration.payment_state = _payment_state(declaration)
        _save(declaration, "penalties_vnd", "payment_state")
        _event(
            declaration,
            "declaration.penalty_decided",
            actor,
            {
                "decision": number,
                "amount_vnd": amount,
                "legal_basis": penalty.legal_basis,
                "reason": penalty.reason,
            },
        )
    return penalty
