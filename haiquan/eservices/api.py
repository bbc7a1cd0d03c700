"""The online public services API, mounted at /api/v1/eservices.

Enterprises' software files, attaches documents, submits, orders the fee and answers
requests; banks confirm fees with the same signed messages as duties; officers receive, ask
for more and decide; anyone verifies a signed result by its code."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from haiquan.accounts.apiauth import API_AUTH
from haiquan.audit.choices import Via
from haiquan.core.api import ObjectId, Pagination
from haiquan.core.problems import NotFound, invalid
from haiquan.core.web import user_of
from haiquan.payments.models import BankConfirmation, PaymentOrder
from haiquan.payments.services import confirmation_receive

from . import services
from .catalogue import form_hs_notes, form_spec
from .choices import FEE_PURPOSE, FilingStatus
from .downloads import document_response, filing_pdf_response, upload_size_guard
from .fees import fee_confirmation_filing
from .models import AdvanceRuling, Filing, FilingDocument, Procedure
from .result import result_document
from .selectors import (
    filing_document_get,
    filing_events,
    filing_get_for,
    filing_list,
    on_time_rates,
    procedure_get,
    procedures_active,
    result_verify,
)

router = Router(tags=["Online public services"])


# --- Schemas -----------------------------------------------------------------------------------


class ProcedureOut(Schema):
    code: str
    name_vi: str
    name_en: str
    description_vi: str
    description_en: str
    legal_basis: str
    level: int
    result_kind: str
    fee_vnd: int
    time_limit_days: int = Field(
        description="Legal time limit in working days (Mon–Fri, not public holidays)."
    )
    office_code: str
    office_pick: bool = Field(description="The filer names an office under office_code.")
    form: dict[str, Any]

    @staticmethod
    def resolve_office_code(obj: Procedure) -> str:
        return obj.office.code


class FilingIn(Schema):
    procedure_code: str = Field(max_length=40)
    enterprise_mst: str = Field(max_length=14)
    office_code: str = Field("", max_length=16)
    data: dict[str, Any] = Field(default_factory=dict)


class FilingDataIn(Schema):
    data: dict[str, Any]


class DocumentOut(Schema):
    id: int
    slot: str
    stage: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    download_url: str

    @staticmethod
    def resolve_download_url(obj: FilingDocument) -> str:
        return f"/api/v1/eservices/filings/{obj.filing_id}/documents/{obj.pk}"


class FilingMessageOut(Schema):
    kind: str
    text: str
    created_at: datetime
    author: str

    @staticmethod
    def resolve_author(obj: Any) -> str:
        return str(obj.author.get_username())


class HsCandidateOut(Schema):
    code: str
    description: str = Field(description="The line's text read with its parents'")


class HsNoteOut(Schema):
    field: str = Field(description="The form's HS field")
    text: str = Field(description="What the trader is told, in the request's language")
    candidates: list[HsCandidateOut] = Field(
        default_factory=list,
        description="For a proposed AHTN 2017 code the tariff in force divided: its lines",
    )


class FilingOut(Schema):
    id: int
    reference: str
    procedure_code: str
    enterprise_mst: str
    office_code: str
    status: str
    data: dict[str, Any]
    fee_vnd: int
    created_at: datetime
    submitted_at: datetime | None
    paid_at: datetime | None
    received_at: datetime | None
    decided_at: datetime | None
    decision_text: str
    time_limit_days: int
    clock_started_on: date | None
    paused_since: date | None
    paused_working_days: int
    due_on: date | None
    decided_on: date | None
    working_days_used: int | None
    on_time: bool | None
    ruling_number: str | None
    result_code: str | None
    documents: list[DocumentOut]
    messages: list[FilingMessageOut]
    hs_notes: list[HsNoteOut] = Field(
        description="AHTN 2017 codes in `data`: converted to a line, or divided (a proposal)"
    )

    @staticmethod
    def resolve_procedure_code(obj: Filing) -> str:
        return obj.procedure.code

    @staticmethod
    def resolve_enterprise_mst(obj: Filing) -> str:
        return obj.enterprise.mst

    @staticmethod
    def resolve_office_code(obj: Filing) -> str:
        return obj.office.code

    @staticmethod
    def resolve_ruling_number(obj: Filing) -> str | None:
        ruling = AdvanceRuling.objects.filter(filing=obj).values_list("number", flat=True).first()
        return ruling

    @staticmethod
    def resolve_result_code(obj: Filing) -> str | None:
        return obj.result_code or None

    @staticmethod
    def resolve_documents(obj: Filing) -> list[FilingDocument]:
        return list(obj.documents.all())

    @staticmethod
    def resolve_messages(obj: Filing) -> list[Any]:
        return list(obj.messages.select_related("author"))

    @staticmethod
    def resolve_hs_notes(obj: Filing) -> list[dict[str, Any]]:
        return [
            {
                "field": note.field,
                "text": note.text,
                "candidates": [
                    {"code": line.code, "description": line.full_description}
                    for line in (note.divided.lines if note.divided else ())
                ],
            }
            for note in form_hs_notes(form_spec(obj.procedure), obj.data or {})
        ]


class FilingListOut(Schema):
    id: int
    reference: str
    procedure_code: str
    enterprise_mst: str
    office_code: str
    status: str
    created_at: datetime
    due_on: date | None
    on_time: bool | None

    @staticmethod
    def resolve_procedure_code(obj: Filing) -> str:
        return obj.procedure.code

    @staticmethod
    def resolve_enterprise_mst(obj: Filing) -> str:
        return obj.enterprise.mst

    @staticmethod
    def resolve_office_code(obj: Filing) -> str:
        return obj.office.code


class FilingFilter(Schema):
    status: FilingStatus | None = None
    procedure_code: str | None = Field(None, max_length=40)


class FeeOrderOut(Schema):
    reference: str
    filing_reference: str
    amount_vnd: int
    status: str
    created_at: datetime
    paid_at: datetime | None

    @staticmethod
    def resolve_filing_reference(obj: PaymentOrder) -> str:
        assert obj.subject_id is not None  # a fee order names its filing
        return Filing.objects.values_list("reference", flat=True).get(pk=obj.subject_id)


class FeeConfirmationOut(Schema):
    order_reference: str
    filing_reference: str
    filing_status: str
    bank_code: str
    bank_transaction_id: str
    amount_vnd: int
    paid_at: datetime
    due_on: date | None

    @staticmethod
    def resolve_order_reference(obj: BankConfirmation) -> str:
        return obj.order.reference

    @staticmethod
    def resolve_filing_reference(obj: BankConfirmation) -> str:
        return fee_confirmation_filing(obj).reference

    @staticmethod
    def resolve_filing_status(obj: BankConfirmation) -> str:
        return fee_confirmation_filing(obj).status

    @staticmethod
    def resolve_bank_code(obj: BankConfirmation) -> str:
        return obj.bank.code

    @staticmethod
    def resolve_due_on(obj: BankConfirmation) -> date | None:
        return fee_confirmation_filing(obj).due_on


class TextIn(Schema):
    text: str = Field(max_length=5000)


class DecisionIn(Schema):
    outcome: str = Field(description="approved or refused")
    text: str = Field(max_length=5000, description="The decision and its reasons.")
    hs_code: str = Field("", max_length=10, description="Advance rulings: the HS code ruled.")
    origin: str = Field("", max_length=2, description="Origin rulings: the origin ruled.")
    valid_to: date | None = Field(None, description="Rulings: last day of validity (≤ 3 years).")


class RulingOut(Schema):
    number: str
    kind: str
    enterprise_mst: str
    goods_description: str
    hs_code: str
    origin: str
    valid_from: date
    valid_to: date
    revoked: bool

    @staticmethod
    def resolve_enterprise_mst(obj: AdvanceRuling) -> str:
        return obj.enterprise.mst

    @staticmethod
    def resolve_revoked(obj: AdvanceRuling) -> bool:
        return obj.revoked_at is not None


class VerifyOut(Schema):
    code: str
    reference: str
    procedure_code: str
    procedure_name: str
    enterprise_mst: str
    enterprise_name: str
    office_code: str
    outcome: str
    decided_on: date | None
    result_sha256: str = Field(description="SHA-256 of the signed PDF (empty until first printed).")
    ruling_number: str | None


class FilingEventOut(Schema):
    occurred_at: datetime
    kind: str
    party: str
    actor_label: str
    data: dict[str, Any]


class PerformanceFilter(Schema):
    date_from: date | None = None
    date_to: date | None = None


class PerformanceOut(Schema):
    procedure_code: str
    procedure_name: str
    office_code: str
    decided: int
    on_time: int
    late: int
    on_time_rate: float | None
    open_overdue: int


def _today() -> date:
    return services._today()


# --- Catalogue ---------------------------------------------------------------------------------


@router.get("/procedures", auth=None, response=list[ProcedureOut], summary="The catalogue")
def procedure_list(request: HttpRequest) -> Any:
    """Every procedure offered online, with its form (fields and attachments), fee, time limit
    in working days, handling office and level."""
    return list(procedures_active())


@router.get("/procedures/{code}", auth=None, response=ProcedureOut, summary="One procedure")
def procedure_detail(request: HttpRequest, code: str) -> Any:
    return procedure_get(code=code)


# --- Enterprises -------------------------------------------------------------------------------


@router.post("/filings", auth=API_AUTH, response={201: FilingOut}, summary="Start a filing")
def filing_create(request: HttpRequest, payload: FilingIn) -> Any:
    """A draft application with the form's values (`data`), checked against the procedure's
    form: every problem is named (`data.goods_name`, `office_code`, ...). Attach documents,
    then submit."""
    try:
        procedure = procedure_get(code=payload.procedure_code)
    except NotFound:
        raise invalid(
            "procedure_code",
            _("No procedure %(code)s in the catalogue.") % {"code": payload.procedure_code},
            "unknown-procedure",
        ) from None
    filing = services.filing_create(
        actor=user_of(request),
        procedure=procedure,
        enterprise_mst=payload.enterprise_mst,
        office_code=payload.office_code,
        data=payload.data,
    )
    return Status(201, filing)


@router.get("/filings", auth=API_AUTH, response=list[FilingListOut], summary="Filings")
@paginate(Pagination)
def filing_index(request: HttpRequest, filters: Query[FilingFilter]) -> Any:
    return filing_list(
        user_of(request), status=filters.status, procedure_code=filters.procedure_code
    )


@router.get("/filings/{filing_id}", auth=API_AUTH, response=FilingOut, summary="One filing")
def filing_detail(request: HttpRequest, filing_id: ObjectId) -> Any:
    filing = filing_get_for(user_of(request), pk=filing_id)
    services.filing_access_record(
        user=user_of(request), filing=filing, via=Via.API, address=request.META.get("REMOTE_ADDR")
    )
    return filing


@router.put("/filings/{filing_id}", auth=API_AUTH, response=FilingOut, summary="Change a draft")
def filing_change(request: HttpRequest, filing_id: ObjectId, payload: FilingDataIn) -> Any:
    filing = filing_get_for(user_of(request), pk=filing_id)
    return services.filing_update(actor=user_of(request), filing=filing, data=payload.data)


@router.post(
    "/filings/{filing_id}/documents",
    auth=API_AUTH,
    response={201: DocumentOut},
    summary="Attach a document",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["slot", "file"],
                        "properties": {
                            "slot": {"type": "string", "description": "An attachment of the form"},
                            "file": {"type": "string", "format": "binary"},
                        },
                    }
                }
            },
        }
    },
)
def document_upload(request: HttpRequest, filing_id: ObjectId) -> Any:
    """multipart/form-data with `slot` (an attachment of the procedure's form) and `file`.
    The type is read from the content and must be one the attachment accepts (e.g. PDF);
    a file too large or of another type is refused naming `file`. A body larger than any
    attachment may be is refused before it is read."""
    filing = filing_get_for(user_of(request), pk=filing_id)
    upload_size_guard(request)
    file = request.FILES.get("file")
    if file is None:
        raise invalid("file", _("Send the document as the multipart part 'file'."), "required")
    slot = str(request.POST.get("slot", ""))
    doc = services.document_upload(actor=user_of(request), filing=filing, slot=slot, file=file)
    return Status(201, doc)


@router.get(
    "/filings/{filing_id}/documents/{document_id}",
    auth=API_AUTH,
    summary="Download a document",
    response={200: None},
)
def document_download(request: HttpRequest, filing_id: ObjectId, document_id: ObjectId) -> Any:
    doc = filing_document_get(user_of(request), filing_pk=filing_id, pk=document_id)
    services.filing_access_record(
        user=user_of(request),
        filing=doc.filing,
        document=doc,
        via=Via.API,
        address=request.META.get("REMOTE_ADDR"),
    )
    return document_response(doc)


@router.post("/filings/{filing_id}/submit", auth=API_AUTH, response=FilingOut, summary="Submit")
def filing_submit(request: HttpRequest, filing_id: ObjectId) -> Any:
    """Send the draft to customs. Missing required attachments are named `documents.<slot>`.
    A level-4 procedure with a fee becomes `awaiting_fee`; otherwise `submitted`, and the time
    limit starts."""
    filing = filing_get_for(user_of(request), pk=filing_id)
    return services.filing_submit(actor=user_of(request), filing=filing)


@router.post(
    "/filings/{filing_id}/fee-order",
    auth=API_AUTH,
    response={201: FeeOrderOut},
    summary="Order the fee",
)
def fee_order(request: HttpRequest, filing_id: ObjectId) -> Any:
    """The order to pay the fee at any partner bank; the bank confirms it to
    POST /api/v1/eservices/fee-confirmations."""
    filing = filing_get_for(user_of(request), pk=filing_id)
    return Status(201, services.fee_order_create(actor=user_of(request), filing=filing))


@router.post(
    "/filings/{filing_id}/answer", auth=API_AUTH, response=FilingOut, summary="Answer a request"
)
def filing_answer(request: HttpRequest, filing_id: ObjectId, payload: TextIn) -> Any:
    """Answer the officer's request for more information (attach documents first); the time
    limit runs again."""
    filing = filing_get_for(user_of(request), pk=filing_id)
    services.filing_info_answer(actor=user_of(request), filing=filing, text=payload.text)
    return filing_get_for(user_of(request), pk=filing_id)


@router.get(
    "/filings/{filing_id}/result",
    auth=API_AUTH,
    summary="Download the signed result (PDF)",
    response={200: None},
)
def filing_result(request: HttpRequest, filing_id: ObjectId) -> Any:
    filing = filing_get_for(user_of(request), pk=filing_id)
    pdf = result_document(filing=filing, base_url=request.build_absolute_uri("/"))
    return filing_pdf_response(filing, pdf)


@router.get(
    "/filings/{filing_id}/events", auth=API_AUTH, response=list[FilingEventOut], summary="History"
)
def filing_history(request: HttpRequest, filing_id: ObjectId) -> Any:
    filing = filing_get_for(user_of(request), pk=filing_id)
    return list(filing_events(filing=filing))


# --- Banks -------------------------------------------------------------------------------------


@router.post(
    "/fee-confirmations",
    auth=None,
    response={200: FeeConfirmationOut, 201: FeeConfirmationOut},
    summary="A bank confirms a fee payment",
    openapi_extra={
        "parameters": [
            {"in": "header", "name": h, "required": True, "schema": {"type": "string"}}
            for h in ("X-Bank-Code", "X-Timestamp", "X-Signature")
        ],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "object"},
                    "example": {
                        "order_reference": "LP202600001201",
                        "bank_transaction_id": "FT26060123456",
                        "amount_vnd": 200000,
                        "paid_at": "2026-03-01T09:30:00+07:00",
                    },
                }
            },
        },
    },
)
def fee_confirmation(request: HttpRequest) -> Any:
    """Signed exactly as a duty payment (see POST /api/v1/payments/confirmations), and checked
    on the same path: `paid_at` may not be in the future. 201 when recorded, 200 with the same
    answer for the identical message sent again (the fee is settled once)."""
    confirmation, created = confirmation_receive(
        purpose=FEE_PURPOSE,
        bank_code=request.headers.get("X-Bank-Code", ""),
        timestamp=request.headers.get("X-Timestamp", ""),
        signature=request.headers.get("X-Signature", ""),
        raw_body=request.body,
    )
    return Status(201 if created else 200, confirmation)


# --- Officers ----------------------------------------------------------------------------------


@router.post("/filings/{filing_id}/receive", auth=API_AUTH, response=FilingOut, summary="Receive")
def filing_receive(request: HttpRequest, filing_id: ObjectId) -> Any:
    filing = filing_get_for(user_of(request), pk=filing_id)
    return services.filing_receive(actor=user_of(request), filing=filing)


@router.post(
    "/filings/{filing_id}/info-requests",
    auth=API_AUTH,
    response=FilingOut,
    summary="Ask for more information",
)
def filing_info_request(request: HttpRequest, filing_id: ObjectId, payload: TextIn) -> Any:
    """The time limit stops until the enterprise answers."""
    filing = filing_get_for(user_of(request), pk=filing_id)
    services.filing_info_request(actor=user_of(request), filing=filing, text=payload.text)
    return filing_get_for(user_of(request), pk=filing_id)


@router.post("/filings/{filing_id}/decision", auth=API_AUTH, response=FilingOut, summary="Decide")
def filing_decision(request: HttpRequest, filing_id: ObjectId, payload: DecisionIn) -> Any:
    """Approve or refuse with reasons. Advance rulings: the HS code (and origin) ruled and the
    last day of validity (default and at most 3 years). The answer says the working days used
    and whether it came on time."""
    filing = filing_get_for(user_of(request), pk=filing_id)
    services.filing_decide(
        actor=user_of(request),
        filing=filing,
        outcome=payload.outcome,
        text=payload.text,
        ruling=services.RulingTerms(
            hs_code=payload.hs_code, origin=payload.origin, valid_to=payload.valid_to
        ),
    )
    return filing_get_for(user_of(request), pk=filing_id)


@router.get("/performance", auth=API_AUTH, response=list[PerformanceOut], summary="On-time rates")
def performance(request: HttpRequest, filters: Query[PerformanceFilter]) -> Any:
    """Per procedure and office: filings decided in the period, how many within the time
    limit (working days, pauses excluded), and open ones already late. Leaders: their offices."""
    rows = on_time_rates(
        user_of(request), date_from=filters.date_from, date_to=filters.date_to, today=_today()
    )
    return [{**row.__dict__, "on_time_rate": row.rate} for row in rows]


# --- Rulings and verification ------------------------------------------------------------------


@router.get("/rulings", auth=API_AUTH, response=list[RulingOut], summary="Advance rulings")
@paginate(Pagination)
def ruling_list(request: HttpRequest) -> Any:
    """An enterprise's own rulings; officers: all."""
    return AdvanceRuling.objects.select_related("enterprise", "filing").visible_to(user_of(request))


@router.get("/verify/{code}", auth=None, response=VerifyOut, summary="Verify a signed result")
def verify(request: HttpRequest, code: str) -> Any:
    """What customs decided under this verification code (printed on the result with a QR
    code), and the SHA-256 of the PDF issued."""
    filing = result_verify(code=code.strip().upper())
    if filing is None:
        raise NotFound(_("No result carries this verification code."))
    return {
        "code": filing.result_code,
        "reference": filing.reference,
        "procedure_code": filing.procedure.code,
        "procedure_name": filing.procedure.name,
        "enterprise_mst": filing.enterprise.mst,
        "enterprise_name": filing.enterprise.name,
        "office_code": filing.office.code,
        "outcome": filing.status,
        "decided_on": filing.decided_on,
        "result_sha256": filing.result_sha256,
        "ruling_number": AdvanceRuling.objects.filter(filing=filing)
        .values_list("number", flat=True)
        .first(),
    }
