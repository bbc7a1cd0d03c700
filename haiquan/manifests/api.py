"""/api/v1/manifests: carriers file cargo reports (JSON or CUSCAR), amend them, notify arrivals;
customs read them. Thin: parse, call a service or a selector, answer."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from haiquan.accounts.apiauth import API_AUTH
from haiquan.core.problems import ProblemError
from haiquan.core.web import user_of

from . import services
from .abandoned import abandoned_handling_record, bills_abandoned
from .cuscar import MAX_BYTES
from .models import AbandonedNotice, Hold
from .schemas import (
    AbandonedHandlingIn,
    AbandonedOut,
    AmendmentIn,
    AmendmentOut,
    ArrivalIn,
    BillOut,
    CargoReportIn,
    CuscarAcceptedOut,
    HoldIn,
    HoldOut,
    HoldReleaseIn,
    VoyageOut,
    abandoned_out,
    amendment_out,
    bill_out,
    hold_out,
    voyage_out,
)
from .selectors import bill_get_for, bills_of, voyage_get_for, voyages_seen_by

router = Router(tags=["manifests"], auth=API_AUTH)


@router.post("/voyages", response={201: VoyageOut}, summary="File a cargo manifest (JSON)")
def voyage_file(request: HttpRequest, payload: CargoReportIn) -> Any:
    voyage = services.voyage_file(actor=user_of(request), data=payload.to_input())
    return Status(201, voyage_out(voyage))


@router.post(
    "/cuscar",
    response={201: CuscarAcceptedOut},
    summary="File a cargo manifest as a UN/EDIFACT CUSCAR file (the request body)",
)
def cuscar_file(request: HttpRequest) -> Any:
    if len(request.body) > MAX_BYTES:
        raise ProblemError(
            detail=_("The file is larger than %(n)s MB.") % {"n": MAX_BYTES // (1024 * 1024)},
            status=413,
            code="too-large",
        )
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProblemError(
            detail=_("The file is not UTF-8 text (UNOC/UNOW character sets are read as UTF-8)."),
            status=415,
            code="not-text",
        ) from exc
    voyage = services.cuscar_file(actor=user_of(request), text=text)
    return Status(201, {"accepted": True, "voyage": voyage_out(voyage)})


@router.get("/voyages", response=list[VoyageOut], summary="Voyages you may see")
def voyage_list(request: HttpRequest) -> Any:
    qs = voyages_seen_by(user_of(request)).prefetch_related("amendments")[:200]
    return [voyage_out(v) for v in qs]


@router.get("/voyages/{voyage_id}", response=VoyageOut, summary="A voyage's manifest")
def voyage_detail(request: HttpRequest, voyage_id: int) -> Any:
    return voyage_out(voyage_get_for(user_of(request), voyage_id))


@router.get(
    "/voyages/{voyage_id}/bills",
    response=list[BillOut],
    summary="The voyage's bills of lading and what is declared of them",
)
def voyage_bills(request: HttpRequest, voyage_id: int) -> Any:
    return [bill_out(s) for s in bills_of(voyage_get_for(user_of(request), voyage_id))]


@router.post(
    "/voyages/{voyage_id}/amendments",
    response={201: AmendmentOut},
    summary="Amend a manifest (before or after arrival), with the reason",
)
def voyage_amend(request: HttpRequest, voyage_id: int, payload: AmendmentIn) -> Any:
    voyage = voyage_get_for(user_of(request), voyage_id)
    amendment = services.voyage_amend(
        actor=user_of(request), voyage=voyage, data=payload.to_input()
    )
    return Status(201, amendment_out(amendment))


@router.post(
    "/voyages/{voyage_id}/arrival",
    response=VoyageOut,
    summary="Notify the arrival of the means of transport",
)
def voyage_arrival(request: HttpRequest, voyage_id: int, payload: ArrivalIn) -> Any:
    voyage = voyage_get_for(user_of(request), voyage_id)
    voyage = services.voyage_arrival_record(
        actor=user_of(request), voyage=voyage, arrived_at=payload.arrived_at
    )
    return voyage_out(voyage)


@router.post(
    "/voyages/{voyage_id}/bills/{number}/holds",
    response={201: HoldOut},
    summary="Hold a bill: inspect at arrival, or do not load",
)
def hold_place(request: HttpRequest, voyage_id: int, number: str, payload: HoldIn) -> Any:
    bill = bill_get_for(user_of(request), voyage_id, number)
    hold = services.hold_place(
        actor=user_of(request), bill=bill, kind=payload.kind, reason=payload.reason
    )
    return Status(201, hold_out(hold))


@router.post(
    "/voyages/{voyage_id}/bills/{number}/holds/release",
    response=HoldOut,
    summary="Release a bill's hold with what the inspection found",
)
def hold_release(request: HttpRequest, voyage_id: int, number: str, payload: HoldReleaseIn) -> Any:
    bill = bill_get_for(user_of(request), voyage_id, number)
    hold = Hold.objects.filter(bill=bill, released_at__isnull=True).first()
    if hold is None:
        raise ProblemError(
            detail=_("Bill %(v)s is not held.") % {"v": bill.number}, status=409, code="not-held"
        )
    hold = services.hold_release(
        actor=user_of(request), hold=hold, outcome=payload.outcome, note=payload.outcome_note
    )
    return hold_out(hold)


@router.get(
    "/abandoned",
    response=list[AbandonedOut],
    summary="Bills not declared within the legal time after arrival, in your scope",
)
def abandoned_list(request: HttpRequest) -> Any:
    if not user_of(request).is_customs:
        raise ProblemError(
            detail=_("The list of goods not declared in time is for customs."),
            status=403,
            code="forbidden",
        )
    visible = voyages_seen_by(user_of(request)).values("pk")
    rows = bills_abandoned().filter(voyage__in=visible).select_related("abandoned_notice")[:500]
    return [abandoned_out(b) for b in rows]


@router.post(
    "/voyages/{voyage_id}/bills/{number}/abandoned",
    response=AbandonedOut,
    summary="Record what became of goods not declared in time",
)
def abandoned_handle(
    request: HttpRequest, voyage_id: int, number: str, payload: AbandonedHandlingIn
) -> Any:
    bill = bill_get_for(user_of(request), voyage_id, number)
    notice = AbandonedNotice.objects.filter(bill=bill).first()
    if notice is None:
        raise ProblemError(
            detail=_("Bill %(v)s has had no notice of goods not declared in time.")
            % {"v": bill.number},
            status=409,
            code="not-abandoned",
        )
    abandoned_handling_record(
        actor=user_of(request), notice=notice, handling=payload.handling, note=payload.note
    )
    bill.refresh_from_db()
    return abandoned_out(bill)
