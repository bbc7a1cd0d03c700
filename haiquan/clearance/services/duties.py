"""The duties a declaration owes: assessed at registration (with tariff quotas and the FTA
preference verifiers' verdicts), previewed, and reassessed at the registration day's rate after
a correction or an amendment."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from haiquan.accounts.models import User
from haiquan.core.problems import FieldProblem, ValidationFailed
from haiquan.core.revisions import revision_sql
from haiquan.refdata.choices import Flow
from haiquan.refdata.selectors import Reference, reference_current, reference_tokens_sql
from haiquan.tariff.duties import DeclarationDuties, DeclarationIn, LineIn, compute_duties
from haiquan.tariff.quotas import quota_balances, quota_draws_replace
from haiquan.tariff.snapshot import Tariff, tariff_token_sql

from ..hooks import (
    PreferenceClaim,
    PreferenceVerdict,
    preference_verdict,
    preference_verifiers_present,
)
from ..inputs import DeclarationInput
from ..models import Declaration
from ..validation import ResolvedDeclaration, declaration_validate
from ..workflow import require_may_declare_for

# (names, tokens) of the other revision tokens read with the reference data's.
Revisions = tuple[list[str], list[object]]


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


def quota_draw(
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


def cached_data() -> tuple[Reference, str | None, Revisions]:
    """The reference data and the tariff token, their revision tokens read in one statement:
    both copies are kept per process and checked against the database on each use. The same
    statement reads every other registered revision token (the risk rules, the single window's
    requirements: haiquan.core.revisions), which the caller binds for its operation."""
    ref_token, rates_token = reference_tokens_sql()
    names, others = revision_sql()
    select = ", ".join([ref_token, rates_token, tariff_token_sql(), *others])
    with connection.cursor() as cur:
        cur.execute(f"SELECT {select}")
        row = cur.fetchone()
    return reference_current(tokens=(row[0], row[1])), row[2], (names, list(row[3:]))


def assess(
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
    ref, tariff_token, _others = cached_data()
    resolved = declaration_validate(data, on_day=on_day, reference=ref, tariff_token=tariff_token)
    require_may_declare_for(actor, resolved.enterprise)
    return assess(resolved, on_day=on_day, reference=ref, tariff_token=tariff_token)


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


def reassess(
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
