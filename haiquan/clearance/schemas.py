"""API schemas for declarations (`...In` for requests, `...Out` for answers)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, FilterLookup, FilterSchema, Schema

from haiquan.accounts.models import User
from haiquan.risk.choices import Lane

from .choices import CancellationState, CheckKind, CheckOutcome, Incoterm, Status, TransportMode
from .hs_codes import hs_code_note
from .inputs import DeclarationInput, LineCorrection, LineInput
from .models import CancellationRequest, Declaration, DeclarationLine, PenaltyDecision
from .progress import Progress
from .selectors import DuplicateMatch

Str35 = Field(default="", max_length=35)


class LineIn(Schema):
    hs_code: str = Field(..., max_length=10, description="8-digit national HS code")
    description: str = Field(..., max_length=500)
    origin: str = Field(..., max_length=2, description="Country of origin, ISO 3166 alpha-2")
    quantity: Decimal = Field(..., max_digits=18, decimal_places=3)
    unit: str = Field(
        ..., max_length=8, description="UN/ECE Rec. 20 unit, as in the tariff (KGM, PCE, LTR...)"
    )
    unit_price: Decimal = Field(..., max_digits=18, decimal_places=4)
    value: Decimal = Field(
        ..., max_digits=18, decimal_places=2, description="quantity × unit price"
    )
    preference: str = Field(
        "", max_length=16, description="FTA claimed (ATIGA, ACFTA, AKFTA, AJCEP, VJEPA, EVFTA...)"
    )
    co_number: str = Field(
        "", max_length=35, description="Certificate of origin backing the preference"
    )
    co_date: date | None = None
    ruling_number: str = Field(
        "",
        max_length=35,
        description="Advance ruling (classification or origin) the line relies on, if any",
    )

    def to_input(self) -> LineInput:
        return LineInput(
            hs_code=self.hs_code.replace(".", "").strip(),
            description=self.description,
            origin=self.origin.strip().upper(),
            quantity=self.quantity,
            unit=self.unit.strip().upper(),
            unit_price=self.unit_price,
            value=self.value,
            preference=self.preference.strip().upper(),
            co_number=self.co_number.strip(),
            co_date=self.co_date,
            ruling_number=self.ruling_number.strip().upper(),
        )


class DeclarationIn(Schema):
    type_code: str = Field(
        ..., max_length=3, description="Declaration type (mã loại hình), e.g. A11, B11"
    )
    office_code: str = Field(..., max_length=16)
    enterprise_mst: str = Field(..., max_length=20, description="Tax code of the importer/exporter")
    transport_mode: TransportMode
    incoterm: Incoterm
    currency: str = Field(..., max_length=3)
    invoice_value: Decimal = Field(..., max_digits=18, decimal_places=2)
    freight: Decimal = Field(Decimal(0), max_digits=18, decimal_places=2)
    insurance: Decimal = Field(Decimal(0), max_digits=18, decimal_places=2)
    bill_of_lading: str = Str35
    arrival_date: date | None = None
    invoice_number: str = Str35
    invoice_date: date | None = None
    partner_name: str = Field("", max_length=255)
    partner_country: str = Field("", max_length=2)
    containers: list[str] = Field(default_factory=list, max_length=200)
    packages: int | None = Field(
        None, ge=1, le=10_000_000, description="Total number of packages (số lượng kiện)"
    )
    lines: list[LineIn] = Field(..., min_length=1, max_length=500)

    def to_input(self) -> DeclarationInput:
        return DeclarationInput(
            type_code=self.type_code.strip().upper(),
            office_code=self.office_code.strip().upper(),
            enterprise_mst=self.enterprise_mst.strip(),
            transport_mode=self.transport_mode.value,
            incoterm=self.incoterm.value,
            currency=self.currency.strip().upper(),
            invoice_value=self.invoice_value,
            freight=self.freight,
            insurance=self.insurance,
            bill_of_lading=self.bill_of_lading,
            arrival_date=self.arrival_date,
            invoice_number=self.invoice_number,
            invoice_date=self.invoice_date,
            partner_name=self.partner_name,
            partner_country=self.partner_country.strip().upper(),
            containers=tuple(c.strip().upper() for c in self.containers),
            packages=self.packages,
            lines=tuple(ln.to_input() for ln in self.lines),
        )


class DeclarationCreateIn(DeclarationIn):
    draft: bool = Field(False, description="Save as a draft instead of registering")


class AmendIn(DeclarationIn):
    reason: str = Field(..., min_length=1, max_length=2000)
    version: int | None = Field(None, description="The version you saw (optimistic locking)")


class ReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=2000)
    version: int | None = None


class CancellationDecisionIn(Schema):
    decision: Literal["approve", "refuse"] = Field(
        ..., description="approve: the declaration is cancelled; refuse: it goes on"
    )
    reason: str = Field(..., min_length=1, max_length=2000)
    version: int | None = None


class PenaltyIn(Schema):
    number: str = Field(..., max_length=40, description="The penalty decision's number")
    amount_vnd: Decimal = Field(..., gt=0, max_digits=18, decimal_places=0)
    legal_basis: str = Field(
        ..., max_length=500, description="The rule applied, e.g. Decree 128/2020/ND-CP, art. 9"
    )
    reason: str = Field(..., max_length=2000, description="The violation")
    version: int | None = None


class VersionIn(Schema):
    version: int | None = None
    note: str = Field("", max_length=2000)


class CorrectionIn(Schema):
    line_no: int = Field(..., ge=1, le=500)
    hs_code: str | None = Field(None, max_length=10)
    origin: str | None = Field(None, max_length=2)
    quantity: Decimal | None = Field(None, gt=0, max_digits=18, decimal_places=3)
    unit_price: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=4)
    preference: str | None = Field(None, max_length=16)
    description: str | None = Field(None, max_length=500)

    def to_input(self) -> LineCorrection:
        return LineCorrection(
            line_no=self.line_no,
            hs_code=self.hs_code.replace(".", "").strip() if self.hs_code is not None else None,
            origin=self.origin.upper() if self.origin is not None else None,
            quantity=self.quantity,
            unit_price=self.unit_price,
            preference=self.preference.upper() if self.preference is not None else None,
            description=self.description,
        )


class CheckIn(Schema):
    outcome: CheckOutcome
    findings: str = Field("", max_length=5000)
    corrections: list[CorrectionIn] = Field(default_factory=list, max_length=500)
    fraud_kind: str = Field(
        "", max_length=32, description="undervaluation, misclassification, false_origin..."
    )
    version: int | None = None


class CheckPreviewIn(Schema):
    corrections: list[CorrectionIn] = Field(..., max_length=500)


class LineDutiesOut(Schema):
    customs_value_vnd: int
    import_rate: Decimal | None
    import_rate_kind: str
    import_duty_vnd: int
    export_rate: Decimal | None
    export_duty_vnd: int
    sct_rate: Decimal | None
    sct_vnd: int
    env_tax_vnd: int
    vat_rate: Decimal | None
    vat_vnd: int
    total_vnd: int
    notes: list[str]


class LineOut(Schema):
    line_no: int
    hs_code: str
    hs_code_as_written: str = Field(
        "", description="The AHTN 2017 code declared, when it was converted to hs_code"
    )
    hs_code_note: str = Field("", description="What the conversion means, in your language")
    description: str
    origin: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    value: Decimal
    preference: str
    co_number: str
    co_date: date | None
    ruling_number: str
    duties: LineDutiesOut


class DutiesOut(Schema):
    exchange_rate: Decimal | None
    customs_value_vnd: int
    import_duty_vnd: int
    export_duty_vnd: int
    sct_vnd: int
    env_tax_vnd: int
    vat_vnd: int
    total_vnd: int


class DutyPreviewOut(DutiesOut):
    lines: list[LineDutiesOut]


class LaneReasonOut(Schema):
    source: str
    code: str
    lane: str
    text: str
    line_no: int | None = None


class PartyOut(Schema):
    mst: str
    name: str


class WaitOut(Schema):
    key: str = Field(
        ...,
        description="registration, cancellation_decision, check, payment, partner_agency, release",
    )
    party: str = Field(..., description="whose move it is: trader, customs, agency")
    text: str
    details: list[str]
    amount_vnd: int | None = None


class CancellationRequestOut(Schema):
    state: CancellationState
    reason: str
    requested_at: datetime
    decided_at: datetime | None
    decision_reason: str


class PenaltyOut(Schema):
    number: str
    amount_vnd: int
    legal_basis: str
    reason: str
    decided_at: datetime


class DeclarationRefOut(Schema):
    id: int
    number: str


class WarningOut(Schema):
    code: str = Field(..., description="possible-duplicate")
    detail: str
    declarations: list[DeclarationRefOut]


class DeclarationOut(Schema):
    id: int
    number: str | None
    flow: str
    type_code: str
    status: Status
    lane: Lane | None
    version: int
    amendments: int
    enterprise: PartyOut
    broker: PartyOut | None
    office_code: str
    transport_mode: str
    bill_of_lading: str
    arrival_date: date | None
    containers: list[str]
    packages: int | None = None
    invoice_number: str
    invoice_date: date | None
    incoterm: str
    currency: str
    invoice_value: Decimal
    freight: Decimal
    insurance: Decimal
    partner_name: str
    partner_country: str | None
    duties: DutiesOut
    payment_state: str
    penalties_vnd: int
    paid_vnd: int
    guaranteed_vnd: int
    amount_due_vnd: int
    # What the declaration waits for now, in order (empty once released or cancelled).
    waiting_for: list[WaitOut]
    cancellation_request: CancellationRequestOut | None = None
    penalties: list[PenaltyOut] = Field(default_factory=list)
    # Earlier declarations that share the invoice, a container or the bill of lading (on
    # registration): not refused, but worth a look.
    warnings: list[WarningOut] = Field(default_factory=list)
    lines: list[LineOut]
    registered_at: datetime | None
    cleared_at: datetime | None
    released_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str
    # Shown to customs only: the selectivity's reasons are not disclosed to traders.
    lane_reasons: list[LaneReasonOut] | None = None
    risk_score: Decimal | None = None


class DeclarationSummaryOut(Schema):
    id: int
    number: str | None
    flow: str
    type_code: str
    status: Status
    lane: Lane | None
    enterprise_mst: str
    enterprise_name: str
    office_code: str
    total_duties_vnd: int
    payment_state: str
    registered_at: datetime | None
    version: int


class DeclarationFilter(FilterSchema):
    status: Status | None = None
    lane: Lane | None = None
    flow: str | None = Field(None, pattern="^(import|export)$")
    office_code: Annotated[str | None, FilterLookup(q="office__code"), Field(max_length=16)] = None
    enterprise_mst: Annotated[
        str | None, FilterLookup(q="enterprise__mst"), Field(max_length=20)
    ] = None
    type_code: Annotated[str | None, FilterLookup(q="type_id"), Field(max_length=3)] = None
    number: str | None = Field(None, max_length=12)
    container: Annotated[str | None, FilterLookup(q="containers__number"), Field(max_length=11)] = (
        None
    )
    invoice_number: Annotated[
        str | None, FilterLookup(q="invoice_number__iexact"), Field(max_length=35)
    ] = None
    registered_from: Annotated[date | None, FilterLookup(q="registered_at__date__gte")] = None
    registered_to: Annotated[date | None, FilterLookup(q="registered_at__date__lte")] = None


class EventOut(Schema):
    id: int
    occurred_at: datetime
    kind: str
    party: str
    actor: str
    data: dict[str, Any]


class VersionOut(Schema):
    number: int
    reason: str
    created_at: datetime
    created_by: str
    total_duties_vnd: int
    difference_vnd: int
    content: dict[str, Any]


class CheckOut(Schema):
    id: int
    kind: CheckKind
    outcome: CheckOutcome
    findings: str
    officer: str
    recorded_at: datetime
    duties_before_vnd: int
    duties_after_vnd: int
    difference_vnd: int


class CheckPreviewOut(Schema):
    duties_before_vnd: int
    duties_after_vnd: int
    difference_vnd: int
    lines: list[LineDutiesOut]


def _line_duties(ln: Any) -> dict[str, Any]:
    return {
        "customs_value_vnd": int(ln.customs_value_vnd),
        "import_rate": ln.import_rate,
        "import_rate_kind": ln.import_rate_kind,
        "import_duty_vnd": int(ln.import_duty_vnd),
        "export_rate": ln.export_rate,
        "export_duty_vnd": int(ln.export_duty_vnd),
        "sct_rate": ln.sct_rate,
        "sct_vnd": int(ln.sct_vnd),
        "env_tax_vnd": int(ln.env_tax_vnd),
        "vat_rate": ln.vat_rate,
        "vat_vnd": int(ln.vat_vnd),
        "total_vnd": int(ln.total_vnd),
        "notes": [str(n) for n in getattr(ln, "duty_notes", None) or getattr(ln, "notes", [])],
    }


def _line_out(ln: DeclarationLine) -> dict[str, Any]:
    return {
        "line_no": ln.line_no,
        "hs_code": ln.hs_code,
        "hs_code_as_written": ln.hs_code_as_written,
        "hs_code_note": hs_code_note(ln.hs_code, ln.hs_code_as_written),
        "description": ln.description,
        "origin": ln.origin_id,
        "quantity": ln.quantity,
        "unit": ln.unit,
        "unit_price": ln.unit_price,
        "value": ln.value,
        "preference": ln.preference,
        "co_number": ln.co_number,
        "co_date": ln.co_date,
        "ruling_number": ln.ruling_number,
        "duties": _line_duties(ln),
    }


def _waits_out(progress: Progress) -> list[dict[str, Any]]:
    return [
        {
            "key": str(w.key),
            "party": str(w.party),
            "text": w.text,
            "details": list(w.details),
            "amount_vnd": int(w.amount_vnd) if w.amount_vnd is not None else None,
        }
        for w in progress.waits
    ]


def _request_out(r: CancellationRequest | None) -> dict[str, Any] | None:
    if r is None:
        return None
    return {
        "state": r.state,
        "reason": r.reason,
        "requested_at": r.requested_at,
        "decided_at": r.decided_at,
        "decision_reason": r.decision_reason,
    }


def _penalty_out(p: PenaltyDecision) -> dict[str, Any]:
    return {
        "number": p.number,
        "amount_vnd": int(p.amount_vnd),
        "legal_basis": p.legal_basis,
        "reason": p.reason,
        "decided_at": p.decided_at,
    }


def warnings_out(d: Declaration, matches: tuple[DuplicateMatch, ...]) -> list[dict[str, Any]]:
    from .services import duplicate_text

    return [
        {
            "code": "possible-duplicate",
            "detail": duplicate_text(
                m, invoice_number=d.invoice_number, bill_of_lading=d.bill_of_lading
            ),
            "declarations": [{"id": m.declaration_id, "number": m.number}],
        }
        for m in matches
    ]


def declaration_out(
    d: Declaration,
    user: User,
    *,
    progress: Progress,
    request: CancellationRequest | None = None,
    penalties: list[PenaltyDecision] | None = None,
) -> dict[str, Any]:
    """The declaration as its reader may see it, with what it waits for (`progress`), its latest
    cancellation request and its penalty decisions."""
    body: dict[str, Any] = {
        "id": d.pk,
        "number": d.number,
        "flow": d.flow,
        "type_code": d.type_id,
        "status": d.status,
        "lane": d.lane or None,
        "version": d.version,
        "amendments": d.amendment_count,
        "enterprise": {"mst": d.enterprise.mst, "name": d.enterprise.name},
        "broker": {"mst": d.broker.mst, "name": d.broker.name}
        if d.broker_id and d.broker
        else None,
        "office_code": d.office.code,
        "transport_mode": d.transport_mode,
        "bill_of_lading": d.bill_of_lading,
        "arrival_date": d.arrival_date,
        "containers": [c.number for c in d.containers.all()],
        "packages": d.packages,
        "invoice_number": d.invoice_number,
        "invoice_date": d.invoice_date,
        "incoterm": d.incoterm,
        "currency": d.currency_id,
        "invoice_value": d.invoice_value,
        "freight": d.freight,
        "insurance": d.insurance,
        "partner_name": d.partner_name,
        "partner_country": d.partner_country_id,
        "duties": {
            "exchange_rate": d.exchange_rate,
            "customs_value_vnd": int(d.customs_value_vnd),
            "import_duty_vnd": int(d.import_duty_vnd),
            "export_duty_vnd": int(d.export_duty_vnd),
            "sct_vnd": int(d.sct_vnd),
            "env_tax_vnd": int(d.env_tax_vnd),
            "vat_vnd": int(d.vat_vnd),
            "total_vnd": int(d.total_duties_vnd),
        },
        "payment_state": d.payment_state,
        "penalties_vnd": int(d.penalties_vnd),
        "paid_vnd": int(d.paid_vnd),
        "guaranteed_vnd": int(d.guaranteed_vnd),
        "amount_due_vnd": int(d.amount_due_vnd),
        "waiting_for": _waits_out(progress),
        "cancellation_request": _request_out(request),
        "penalties": [_penalty_out(p) for p in penalties or []],
        "warnings": warnings_out(d, d.registration_warnings),
        "lines": [_line_out(ln) for ln in sorted(d.lines.all(), key=lambda x: x.line_no)],
        "registered_at": d.registered_at,
        "cleared_at": d.cleared_at,
        "released_at": d.released_at,
        "cancelled_at": d.cancelled_at,
        "cancel_reason": d.cancel_reason,
    }
    if user.is_customs:
        body["lane_reasons"] = d.lane_reasons
        body["risk_score"] = d.risk_score
    return body


def summary_out(d: Declaration) -> dict[str, Any]:
    return {
        "id": d.pk,
        "number": d.number,
        "flow": d.flow,
        "type_code": d.type_id,
        "status": d.status,
        "lane": d.lane or None,
        "enterprise_mst": d.enterprise.mst,
        "enterprise_name": d.enterprise.name,
        "office_code": d.office.code,
        "total_duties_vnd": int(d.total_duties_vnd),
        "payment_state": d.payment_state,
        "registered_at": d.registered_at,
        "version": d.version,
    }


def duty_lines_out(duties: Any) -> list[dict[str, Any]]:
    return [_line_duties(ln) for ln in duties.lines]
