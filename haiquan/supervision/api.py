"""/api/v1/supervision: control zones, gate events, bonded warehouses, alerts. Thin: parse,
call a service or a selector, answer."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from haiquan.accounts.apiauth import API_AUTH
from haiquan.core.api import Pagination
from haiquan.core.problems import ProblemError
from haiquan.core.web import user_of

from . import bonded, services
from .alerts import alert_acknowledge, alert_resolve
from .models import Alert, ControlZone, StockLedgerEntry, WarehouseIssue, WarehouseReceipt
from .schemas import (
    AlertNoteIn,
    AlertOut,
    CancelReasonIn,
    DiscrepanciesOut,
    GateBatchIn,
    GateBatchOut,
    GateEventIn,
    GateEventOut,
    InsideOut,
    LedgerOut,
    LotOut,
    ReconOut,
    StockOut,
    WarehouseDocumentIn,
    WarehouseDocumentOut,
    ZoneIn,
    ZoneOut,
    alert_out,
    gate_event_out,
    inside_out,
    recon_out,
    stock_out,
    zone_out,
)
from .selectors import (
    alert_get_for,
    bonded_ledger,
    bonded_lots,
    bonded_reconciliation,
    bonded_stock,
    gate_events_of,
    zone_discrepancies,
    zone_get_for,
    zone_inventory,
)

router = Router(tags=["supervision"], auth=API_AUTH)


# ---------------------------------------------------------------------------------------------
# Zones


@router.get("/zones", response=list[ZoneOut], summary="Control zones you may see")
def zone_list(request: HttpRequest) -> Any:
    return [
        zone_out(z)
        for z in ControlZone.objects.select_related("office", "operator").visible_to(
            user_of(request)
        )
    ]


@router.post("/zones", response={201: ZoneOut}, summary="Register a control zone")
def zone_create(request: HttpRequest, payload: ZoneIn) -> Any:
    zone = services.zone_create(actor=user_of(request), **payload.dict())
    return Status(201, zone_out(zone))


@router.get("/zones/{code}", response=ZoneOut, summary="A control zone")
def zone_detail(request: HttpRequest, code: str) -> Any:
    return zone_out(zone_get_for(user_of(request), code))


# ---------------------------------------------------------------------------------------------
# Gate events


@router.post(
    "/zones/{code}/gate-events",
    response={200: GateEventOut, 201: GateEventOut},
    summary="Report a get-in or get-out",
)
def gate_event_create(
    request: HttpRequest, response: HttpResponse, code: str, payload: GateEventIn
) -> Any:
    """Record a get-in or a get-out. A get-out is answered at once: `allowed` true (with the
    declaration or transit movement that covers it) or false with the `reason`. The same
    `message_id` sent again is answered with the first answer (200, `replayed`)."""
    zone = zone_get_for(user_of(request), code)
    answer = services.gate_event_report(
        actor=user_of(request), zone=zone, report=payload.to_report()
    )
    if answer.replayed:
        response["Idempotent-Replayed"] = "true"
        return Status(200, gate_event_out(answer.event, replayed=True))
    return Status(201, gate_event_out(answer.event))


@router.post(
    "/zones/{code}/gate-events/batch",
    response=GateBatchOut,
    summary="Report several gate events at once",
)
def gate_event_batch(request: HttpRequest, code: str, payload: GateBatchIn) -> Any:
    """Each report is recorded and answered on its own, in order; a bad one carries its
    problems (fields named `events[i].…`) and does not hold back the others."""
    zone = zone_get_for(user_of(request), code)
    answers = services.gate_events_report(
        actor=user_of(request), zone=zone, reports=[e.to_report() for e in payload.events]
    )
    results: list[dict[str, Any]] = []
    for i, a in enumerate(answers):
        if isinstance(a, ProblemError):
            results.append(
                {
                    "index": i,
                    "status": a.status,
                    "detail": str(a.detail),
                    "errors": [
                        {
                            "field": f"events[{i}].{e.field}",
                            "problem": str(e.problem),
                            "code": e.code,
                        }
                        for e in a.errors
                    ],
                }
            )
        else:
            results.append(
                {
                    "index": i,
                    "status": 200 if a.replayed else 201,
                    "event": gate_event_out(a.event, replayed=a.replayed),
                }
            )
    return {"results": results}


@router.get(
    "/zones/{code}/gate-events", response=list[GateEventOut], summary="Gate events of a zone"
)
@paginate(Pagination)
def gate_event_list(request: HttpRequest, code: str) -> Any:
    zone = zone_get_for(user_of(request), code)
    return _Rendered(gate_events_of(zone).select_related("zone"), gate_event_out)


@router.get("/zones/{code}/inventory", response=list[InsideOut], summary="What is inside now")
def zone_inventory_api(request: HttpRequest, code: str) -> Any:
    return [inside_out(r) for r in zone_inventory(zone_get_for(user_of(request), code))]


class DiscrepancyFilter(Schema):
    days: int = 30


@router.get(
    "/zones/{code}/discrepancies",
    response=DiscrepanciesOut,
    summary="Declared against gated: the differences",
)
def zone_discrepancies_api(
    request: HttpRequest, code: str, filters: Query[DiscrepancyFilter]
) -> Any:
    d = zone_discrepancies(
        zone_get_for(user_of(request), code), days=max(1, min(filters.days, 366))
    )
    return {
        "declared_not_gated_in": [
            {
                "container_number": n,
                "declaration_number": decl.number,
                "registered_at": decl.registered_at,
            }
            for n, decl in d.declared_not_gated_in
        ],
        "inside_undeclared": [p.container_number for p in d.inside_undeclared],
        "out_without_gate_in": [gate_event_out(e) for e in d.out_without_gate_in],
        "refused_exits": [gate_event_out(e) for e in d.refused_exits],
        "overdue": [inside_out(r) for r in d.overdue],
        "total": d.total,
    }


class _Rendered:
    """A lazily sliced queryset whose items are rendered by `render` (ninja paginates it)."""

    def __init__(self, qs: Any, render: Any) -> None:
        self.qs, self.render = qs, render

    def __len__(self) -> int:
        return int(self.qs.count())

    def count(self) -> int:
        return int(self.qs.count())

    def __getitem__(self, item: Any) -> Any:
        return [self.render(x) for x in self.qs[item]]


# ---------------------------------------------------------------------------------------------
# Bonded warehouses


def _document_out(doc: WarehouseReceipt | WarehouseIssue) -> dict[str, Any]:
    if isinstance(doc, WarehouseReceipt):
        lines = [
            {"lot": lot.pk, "hs_code": lot.hs_code, "quantity": lot.quantity_received, "unit": lot.unit,
             "value_vnd": lot.value_received_vnd, "expires_on": lot.expires_on}
            for lot in doc.lots.order_by("id")
        ]  # fmt: skip
        at = doc.received_at
    else:
        lines = [
            {"lot": il.lot_id, "hs_code": il.lot.hs_code, "quantity": il.quantity, "unit": il.lot.unit,
             "value_vnd": il.value_vnd}
            for il in doc.lines.select_related("lot").order_by("id")
        ]  # fmt: skip
        at = doc.issued_at
    return {
        "id": doc.pk,
        "document_number": doc.document_number,
        "declaration_number": doc.declaration.number,
        "declaration_type": doc.declaration.type_id,
        "owner_mst": doc.owner.mst,
        "occurred_at": at,
        "state": doc.state,
        "lines": lines,
    }


@router.post(
    "/zones/{code}/receipts", response={201: WarehouseDocumentOut}, summary="Receive goods (C11)"
)
def receipt_create(request: HttpRequest, code: str, payload: WarehouseDocumentIn) -> Any:
    receipt = bonded.bonded_receipt_create(
        actor=user_of(request),
        zone=zone_get_for(user_of(request), code),
        declaration_number=payload.declaration_number,
        document_number=payload.document_number,
        received_at=payload.occurred_at,
        lines=payload.document_lines(),
    )
    return Status(201, _document_out(receipt))


@router.post(
    "/zones/{code}/receipts/{document_number}/cancel",
    response=WarehouseDocumentOut,
    summary="Cancel a receipt (reverses it)",
)
def receipt_cancel(
    request: HttpRequest, code: str, document_number: str, payload: CancelReasonIn
) -> Any:
    zone = zone_get_for(user_of(request), code)
    receipt = get_object_or_404(WarehouseReceipt, zone=zone, document_number=document_number)
    return _document_out(
        bonded.bonded_receipt_cancel(actor=user_of(request), receipt=receipt, reason=payload.reason)
    )


@router.post(
    "/zones/{code}/issues",
    response={201: WarehouseDocumentOut},
    summary="Issue goods (C12 abroad, or an import declaration into the domestic market)",
)
def issue_create(request: HttpRequest, code: str, payload: WarehouseDocumentIn) -> Any:
    issue = bonded.bonded_issue_create(
        actor=user_of(request),
        zone=zone_get_for(user_of(request), code),
        declaration_number=payload.declaration_number,
        document_number=payload.document_number,
        issued_at=payload.occurred_at,
        lines=payload.document_lines(),
    )
    return Status(201, _document_out(issue))


@router.post(
    "/zones/{code}/issues/{document_number}/cancel",
    response=WarehouseDocumentOut,
    summary="Cancel an issue (its goods go back into stock)",
)
def issue_cancel(
    request: HttpRequest, code: str, document_number: str, payload: CancelReasonIn
) -> Any:
    zone = zone_get_for(user_of(request), code)
    issue = get_object_or_404(WarehouseIssue, zone=zone, document_number=document_number)
    return _document_out(
        bonded.bonded_issue_cancel(actor=user_of(request), issue=issue, reason=payload.reason)
    )


@router.get("/zones/{code}/stock", response=list[StockOut], summary="Stock per owner and item")
def stock(request: HttpRequest, code: str) -> Any:
    return [stock_out(r) for r in bonded_stock(zone_get_for(user_of(request), code))]


@router.get(
    "/zones/{code}/lots", response=list[LotOut], summary="Lots held, soonest to expire first"
)
def lots(request: HttpRequest, code: str) -> Any:
    return [
        {
            "id": lot.pk,
            "receipt": lot.receipt.document_number,
            "owner_mst": lot.owner.mst,
            "hs_code": lot.hs_code,
            "description": lot.description,
            "unit": lot.unit,
            "quantity_received": lot.quantity_received,
            "quantity_held": lot.quantity_held,
            "value_held_vnd": lot.value_held_vnd,
            "received_at": lot.received_at,
            "expires_on": lot.expires_on,
        }
        for lot in bonded_lots(zone_get_for(user_of(request), code))
    ]


@router.get(
    "/zones/{code}/reconciliation", response=list[ReconOut], summary="Declared against held"
)
def reconciliation(request: HttpRequest, code: str) -> Any:
    return [recon_out(r) for r in bonded_reconciliation(zone_get_for(user_of(request), code))]


def _ledger_out(e: StockLedgerEntry) -> dict[str, Any]:
    doc = e.receipt or e.issue
    return {
        "id": e.pk,
        "occurred_at": e.occurred_at,
        "kind": e.kind,
        "owner_mst": e.owner.mst,
        "hs_code": e.lot.hs_code,
        "unit": e.lot.unit,
        "quantity": e.quantity,
        "value_vnd": e.value_vnd,
        "document": doc.document_number if doc else "",
        "actor": e.actor.get_username(),
    }


@router.get("/zones/{code}/ledger", response=list[LedgerOut], summary="Every stock movement")
@paginate(Pagination)
def ledger(request: HttpRequest, code: str) -> Any:
    return _Rendered(bonded_ledger(zone_get_for(user_of(request), code)), _ledger_out)


# ---------------------------------------------------------------------------------------------
# Alerts


class AlertFilter(Schema):
    state: str | None = None
    kind: str | None = None
    office_code: str | None = None
    subject_type: str | None = None
    subject_id: int | None = None


@router.get("/alerts", response=list[AlertOut], summary="Alerts of your offices, newest first")
@paginate(Pagination)
def alert_list(request: HttpRequest, filters: Query[AlertFilter]) -> Any:
    qs = Alert.objects.select_related(
        "office", "zone", "acknowledged_by", "resolved_by"
    ).visible_to(user_of(request))
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.office_code:
        qs = qs.filter(office__code=filters.office_code)
    if filters.subject_type:
        qs = qs.filter(subject_type=filters.subject_type)
    if filters.subject_id is not None:
        qs = qs.filter(subject_id=filters.subject_id)
    return _Rendered(qs.order_by("-raised_at", "-id"), alert_out)


@router.get("/alerts/{alert_id}", response=AlertOut, summary="An alert")
def alert_detail(request: HttpRequest, alert_id: int) -> Any:
    return alert_out(alert_get_for(user_of(request), alert_id))


@router.post("/alerts/{alert_id}/acknowledge", response=AlertOut, summary="Acknowledge an alert")
def alert_acknowledge_api(request: HttpRequest, alert_id: int, payload: AlertNoteIn) -> Any:
    alert = alert_get_for(user_of(request), alert_id)
    return alert_out(alert_acknowledge(actor=user_of(request), alert=alert, note=payload.note))


@router.post(
    "/alerts/{alert_id}/resolve", response=AlertOut, summary="Resolve an alert, with notes"
)
def alert_resolve_api(request: HttpRequest, alert_id: int, payload: AlertNoteIn) -> Any:
    alert = alert_get_for(user_of(request), alert_id)
    return alert_out(alert_resolve(actor=user_of(request), alert=alert, note=payload.note))
