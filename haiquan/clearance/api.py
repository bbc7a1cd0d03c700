"""/api/v1/declarations: filing, reading, officers' actions. Thin: parse, call a service, answer."""

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status
from ninja.pagination import paginate

from haiquan.accounts.apiauth import API_AUTH
from haiquan.audit.choices import Part, Via
from haiquan.audit.services import declaration_access_record
from haiquan.core.api import ObjectId, Pagination
from haiquan.core.dbrouter import reads_from_standby
from haiquan.core.idempotency import request_fingerprint, run_idempotent
from haiquan.core.prepared import server_binding
from haiquan.core.web import user_of
from haiquan.eventlog.selectors import events_for_declaration
from haiquan.outage.schemas import QueuedFilingOut, queued_filing_out
from haiquan.outage.selectors import outage_in_force_for

from . import services
from .choices import CancellationState, CheckKind
from .choices import Status as DeclarationStatus
from .models import Declaration, DeclarationLine
from .outage_queue import filing_queue
from .progress import declaration_progress
from .schemas import (
    AmendIn,
    CancellationDecisionIn,
    CheckIn,
    CheckOut,
    CheckPreviewIn,
    CheckPreviewOut,
    DeclarationCreateIn,
    DeclarationFilter,
    DeclarationIn,
    DeclarationOut,
    DeclarationSummaryOut,
    DutyPreviewOut,
    EventOut,
    PenaltyIn,
    ReasonIn,
    VersionIn,
    VersionOut,
    declaration_out,
    duty_lines_out,
    summary_out,
)
from .selectors import declaration_get_for, officer_queue

router = Router(tags=["declarations"], auth=API_AUTH)


def _full(request: HttpRequest, pk: int) -> Declaration:
    return declaration_get_for(user_of(request), pk=pk)


def _read(request: HttpRequest, pk: int, part: Part) -> Declaration:
    """A declaration shown to the caller; a customs user's read goes into the access trail."""
    declaration = _full(request, pk)
    declaration_access_record(
        user=user_of(request),
        declaration=declaration,
        via=Via.API,
        part=part,
        address=request.META.get("REMOTE_ADDR"),
    )
    return declaration


def _answer(request: HttpRequest, declaration: Declaration) -> dict[str, Any]:
    """The declaration with what it waits for, its cancellation request and penalties."""
    cache = getattr(declaration, "_prefetched_objects_cache", {})
    if "lines" in cache and "containers" in cache:
        # Just registered: no request, no check, no penalty yet (no need to read them).
        return declaration_out(
            declaration,
            user_of(request),
            progress=declaration_progress(declaration, pending=None, last_check=None),
        )
    fresh = (
        Declaration.objects.select_related("type", "office", "enterprise", "broker", "currency")
        .prefetch_related(
            Prefetch("lines", queryset=DeclarationLine.objects.order_by("line_no")), "containers"
        )
        .get(pk=declaration.pk)
    )
    fresh.registration_warnings = declaration.registration_warnings
    latest = fresh.cancellation_requests.order_by("-requested_at", "-pk").first()
    pending = latest if latest is not None and latest.state == CancellationState.PENDING else None
    return declaration_out(
        fresh,
        user_of(request),
        progress=declaration_progress(fresh, pending=pending),
        request=latest,
        penalties=list(fresh.penalties.order_by("decided_at", "pk")),
    )


@router.post(
    "",
    response={200: DeclarationOut, 201: DeclarationOut, 202: QueuedFilingOut},
    summary="File a declaration",
)
def declaration_create(
    request: HttpRequest, response: HttpResponse, payload: DeclarationCreateIn
) -> Any:
    """Register a declaration (or save a draft with `draft: true`). Registration answers with the
    number, the duties and the lane in one call. Send an `Idempotency-Key` header so that a retry
    returns the first answer instead of filing twice. While an outage is declared for the
    office (`GET /api/v1/outages`), the declaration is queued (202, a ticket) and registered in
    the order received when the outage ends; the same request afterwards returns it."""
    outage = None if payload.draft else outage_in_force_for(payload.office_code.strip().upper())
    if outage is not None:
        queued = filing_queue(
            sender=user_of(request),
            key=request.headers.get("Idempotency-Key"),
            outage=outage,
            body=payload.model_dump(mode="json"),
        )
        return Status(202, queued_filing_out(queued))
    data = payload.to_input()
    answer: DeclarationOut | None = None
    idempotency_key = request.headers.get("Idempotency-Key")

    def work() -> tuple[int, dict[str, Any]]:
        nonlocal answer
        if payload.draft:
            decl = services.declaration_draft_save(actor=user_of(request), data=data)
        else:
            # With a key, inside run_idempotent's transaction, which a refusal rolls back
            # whole: no savepoint of its own is needed (without a key there may be an outer
            # transaction that carries on after a refusal).
            decl = services.declaration_register(
                actor=user_of(request), data=data, savepoint=not idempotency_key
            )
        answer = DeclarationOut.model_validate(_answer(request, decl))
        return 201, answer.model_dump(mode="json")

    # The same statements on every filing: bound on the server, prepared once per connection.
    with server_binding():
        status, body, replayed = run_idempotent(
            user=user_of(request),
            key=request.headers.get("Idempotency-Key"),
            scope="declaration.create",
            fingerprint=request_fingerprint(payload.model_dump(mode="json")),
            work=work,
        )
    if replayed:
        response["Idempotent-Replayed"] = "true"
    # The answer just validated goes out as it is (ninja does not validate a model instance of
    # the response schema again); a replay is the stored JSON, validated on the way out.
    return Status(status, answer if answer is not None else body)


@router.get("", response=list[DeclarationSummaryOut], summary="List declarations you may see")
@reads_from_standby
@paginate(Pagination)
def declaration_list(request: HttpRequest, filters: Query[DeclarationFilter]) -> Any:
    qs = filters.filter(Declaration.objects.visible_to(user_of(request)))
    qs = qs.select_related("enterprise", "office").order_by("-registered_at", "-id")
    return _SummaryList(qs)


class _SummaryList:
    """A lazily sliced queryset whose items are rendered as summaries (ninja paginates it)."""

    def __init__(self, qs: QuerySet[Declaration]) -> None:
        self.qs = qs

    def __len__(self) -> int:
        return self.qs.count()

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, item: Any) -> Any:
        return [summary_out(d) for d in self.qs[item]]


@router.get(
    "/queue", response=list[DeclarationSummaryOut], summary="Officer's queue, longest waiting first"
)
@paginate(Pagination)
def declaration_queue(request: HttpRequest) -> Any:
    return _SummaryList(officer_queue(user_of(request)))


@router.post(
    "/duty-preview", response=DutyPreviewOut, summary="Duties a declaration would owe, not saved"
)
def declaration_duty_preview(request: HttpRequest, payload: DeclarationIn) -> Any:
    rate, duties = services.declaration_duty_preview(
        actor=user_of(request), data=payload.to_input()
    )
    return {
        "exchange_rate": rate,
        "customs_value_vnd": int(duties.customs_value_vnd),
        "import_duty_vnd": int(duties.import_duty_vnd),
        "export_duty_vnd": int(duties.export_duty_vnd),
        "sct_vnd": int(duties.sct_vnd),
        "env_tax_vnd": int(duties.env_tax_vnd),
        "vat_vnd": int(duties.vat_vnd),
        "total_vnd": int(duties.total_vnd),
        "lines": duty_lines_out(duties),
    }


@router.get("/{declaration_id}", response=DeclarationOut)
def declaration_detail(request: HttpRequest, declaration_id: ObjectId) -> Any:
    return _answer(request, _read(request, declaration_id, Part.DETAIL))


@router.put("/{declaration_id}", response=DeclarationOut, summary="Change a draft")
def declaration_update_draft(
    request: HttpRequest, declaration_id: ObjectId, payload: DeclarationIn
) -> Any:
    decl = services.declaration_draft_save(
        actor=user_of(request),
        data=payload.to_input(),
        declaration=_full(request, declaration_id),
    )
    return _answer(request, decl)


@router.post("/{declaration_id}/register", response=DeclarationOut, summary="Register a draft")
def declaration_register_draft(request: HttpRequest, declaration_id: ObjectId) -> Any:
    decl = services.declaration_register(
        actor=user_of(request), draft=_full(request, declaration_id)
    )
    return _answer(request, decl)


@router.post("/{declaration_id}/amend", response=DeclarationOut, summary="Amend (khai bổ sung)")
def declaration_amend(request: HttpRequest, declaration_id: ObjectId, payload: AmendIn) -> Any:
    decl = services.declaration_amend(
        actor=user_of(request),
        declaration=_full(request, declaration_id),
        data=payload.to_input(),
        reason=payload.reason,
        expected_version=payload.version,
    )
    return _answer(request, decl)


@router.post(
    "/{declaration_id}/cancel",
    response={200: DeclarationOut, 202: DeclarationOut},
    summary="Cancel (hủy tờ khai), or ask customs to",
)
def declaration_cancel(request: HttpRequest, declaration_id: ObjectId, payload: ReasonIn) -> Any:
    """The declarant's request cancels a draft or a green declaration not yet cleared at once
    (200). A declaration selected for a check, or cleared with its goods still in the customs
    area, is cancelled only by an officer's decision: the request is kept (202, see
    `cancellation_request`) until an officer of the office approves or refuses it. Officers
    cancel on the office's own decision only before clearance. Nothing is cancelled once the
    goods are out (409). Duties paid are not returned by the cancellation: they are refunded or
    set off on the enterprise's request."""
    decl = services.declaration_cancel(
        actor=user_of(request),
        declaration=_full(request, declaration_id),
        reason=payload.reason,
        expected_version=payload.version,
    )
    cancelled = decl.status == DeclarationStatus.CANCELLED
    return Status(200 if cancelled else 202, _answer(request, decl))


@router.post(
    "/{declaration_id}/cancellation-decision",
    response=DeclarationOut,
    summary="Approve or refuse the declarant's cancellation request",
)
def declaration_cancellation_decision(
    request: HttpRequest, declaration_id: ObjectId, payload: CancellationDecisionIn
) -> Any:
    """An officer of the office decides, with the reason. Approval cancels the declaration if
    its goods are still in the customs area and no penalty on it is unpaid (409 otherwise: the
    request can then only be refused)."""
    decl = _full(request, declaration_id)
    services.declaration_cancellation_decide(
        actor=user_of(request),
        declaration=decl,
        approve=payload.decision == "approve",
        reason=payload.reason,
        expected_version=payload.version,
    )
    return _answer(request, decl)


@router.post(
    "/{declaration_id}/penalties",
    response={201: DeclarationOut},
    summary="Record a penalty decision (quyết định xử phạt)",
)
def declaration_penalty(request: HttpRequest, declaration_id: ObjectId, payload: PenaltyIn) -> Any:
    """An officer of the office records the decision's number, the fine (whole VND), the legal
    basis and the violation. The fine is added to what the declaration owes, paid through the
    bank with the duties; the goods are cleared only once it is paid or guaranteed."""
    decl = _full(request, declaration_id)
    services.declaration_penalty_record(
        actor=user_of(request),
        declaration=decl,
        number=payload.number,
        amount_vnd=payload.amount_vnd,
        legal_basis=payload.legal_basis,
        reason=payload.reason,
        expected_version=payload.version,
    )
    return Status(201, _answer(request, decl))


def _check(request: HttpRequest, declaration_id: int, payload: CheckIn, kind: CheckKind) -> Any:
    services.declaration_check_record(
        actor=user_of(request),
        declaration=_full(request, declaration_id),
        kind=kind,
        outcome=payload.outcome,
        findings=payload.findings,
        corrections=[c.to_input() for c in payload.corrections],
        expected_version=payload.version,
        fraud_kind=payload.fraud_kind,
    )
    return _answer(request, _full(request, declaration_id))


@router.post(
    "/{declaration_id}/document-check",
    response=DeclarationOut,
    summary="Record a document check",
)
def declaration_document_check(
    request: HttpRequest, declaration_id: ObjectId, payload: CheckIn
) -> Any:
    return _check(request, declaration_id, payload, CheckKind.DOCUMENT_CHECK)


@router.post(
    "/{declaration_id}/inspection",
    response=DeclarationOut,
    summary="Record a physical inspection",
)
def declaration_inspection(request: HttpRequest, declaration_id: ObjectId, payload: CheckIn) -> Any:
    return _check(request, declaration_id, payload, CheckKind.INSPECTION)


@router.post(
    "/{declaration_id}/check-preview",
    response=CheckPreviewOut,
    summary="Duties after an officer's corrections, before saving them",
)
def declaration_check_preview(
    request: HttpRequest, declaration_id: ObjectId, payload: CheckPreviewIn
) -> Any:
    before, after, duties = services.declaration_check_preview(
        actor=user_of(request),
        declaration=_full(request, declaration_id),
        corrections=[c.to_input() for c in payload.corrections],
    )
    return {
        "duties_before_vnd": int(before),
        "duties_after_vnd": int(after),
        "difference_vnd": int(after - before),
        "lines": duty_lines_out(duties),
    }


@router.post(
    "/{declaration_id}/escalate", response=DeclarationOut, summary="Send to physical inspection"
)
def declaration_escalate(request: HttpRequest, declaration_id: ObjectId, payload: ReasonIn) -> Any:
    decl = services.declaration_escalate(
        actor=user_of(request),
        declaration=_full(request, declaration_id),
        reason=payload.reason,
        expected_version=payload.version,
    )
    return _answer(request, decl)


@router.post("/{declaration_id}/release", response=DeclarationOut, summary="Release the goods")
def declaration_release(request: HttpRequest, declaration_id: ObjectId, payload: VersionIn) -> Any:
    decl = services.declaration_release(
        actor=user_of(request),
        declaration=_full(request, declaration_id),
        expected_version=payload.version,
        note=payload.note,
    )
    return _answer(request, decl)


@router.get(
    "/{declaration_id}/events", response=list[EventOut], summary="The declaration's event log"
)
def declaration_events(request: HttpRequest, declaration_id: ObjectId) -> Any:
    decl = _read(request, declaration_id, Part.EVENTS)
    return [
        {
            "id": e.pk,
            "occurred_at": e.occurred_at,
            "kind": e.kind,
            "party": e.party,
            "actor": e.actor_label,
            "data": _event_data_for(request, e.data),
        }
        for e in events_for_declaration(declaration_id=decl.pk)
    ]


def _event_data_for(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    if getattr(user_of(request), "is_customs", False):
        return data
    return {k: v for k, v in data.items() if k not in ("reasons", "score", "random_selected")}


@router.get("/{declaration_id}/versions", response=list[VersionOut], summary="Every version kept")
def declaration_versions(request: HttpRequest, declaration_id: ObjectId) -> Any:
    decl = _read(request, declaration_id, Part.VERSIONS)
    return [
        {
            "number": v.number,
            "reason": v.reason,
            "created_at": v.created_at,
            "created_by": v.created_by.get_username(),
            "total_duties_vnd": int(v.total_duties_vnd),
            "difference_vnd": int(v.difference_vnd),
            "content": v.content,
        }
        for v in decl.versions.select_related("created_by").order_by("number")
    ]


@router.get(
    "/{declaration_id}/checks",
    response=list[CheckOut],
    summary="Document checks and inspections",
)
def declaration_checks(request: HttpRequest, declaration_id: ObjectId) -> Any:
    decl = _read(request, declaration_id, Part.CHECKS)
    return [
        {
            "id": c.pk,
            "kind": c.kind,
            "outcome": c.outcome,
            "findings": c.findings,
            "officer": c.officer.get_username(),
            "recorded_at": c.recorded_at,
            "duties_before_vnd": int(c.duties_before_vnd),
            "duties_after_vnd": int(c.duties_after_vnd),
            "difference_vnd": int(c.difference_vnd),
        }
        for c in decl.checks.select_related("officer").order_by("recorded_at")
    ]
