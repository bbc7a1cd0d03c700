"""/api/v1/manifests: carriers file cargo reports (JSON or CUSCAR), amend them, notify arrivals;
customs read them. Thin: parse, call a service or a selector, answer."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from haiquan.accounts.apiauth import API_AUTH
from haiquan.accounts.models import User
from haiquan.core.problems import ProblemError

from . import services
from .cuscar import MAX_BYTES
from .schemas import (
    AmendmentIn,
    AmendmentOut,
    ArrivalIn,
    BillOut,
    CargoReportIn,
    CuscarAcceptedOut,
    VoyageOut,
    amendment_out,
    bill_out,
    voyage_out,
)
from .selectors import bills_of, voyage_get_for, voyages_visible_to

router = Router(tags=["manifests"], auth=API_AUTH)


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


@router.post("/voyages", response={201: VoyageOut}, summary="File a cargo manifest (JSON)")
def voyage_file(request: HttpRequest, payload: CargoReportIn) -> Any:
    voyage = services.voyage_file(actor=_user(request), data=payload.to_input())
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
    voyage = services.cuscar_file(actor=_user(request), text=text)
    return Status(201, {"accepted": True, "voyage": voyage_out(voyage)})


@router.get("/voyages", response=list[VoyageOut], summary="Voyages you may see")
def voyage_list(request: HttpRequest) -> Any:
    qs = voyages_visible_to(_user(request)).prefetch_related("amendments")[:200]
    return [voyage_out(v) for v in qs]


@router.get("/voyages/{voyage_id}", response=VoyageOut, summary="A voyage's manifest")
def voyage_detail(request: HttpRequest, voyage_id: int) -> Any:
    return voyage_out(voyage_get_for(_user(request), voyage_id))


@router.get(
    "/voyages/{voyage_id}/bills",
    response=list[BillOut],
    summary="The voyage's bills of lading and what is declared of them",
)
def voyage_bills(request: HttpRequest, voyage_id: int) -> Any:
    return [bill_out(s) for s in bills_of(voyage_get_for(_user(request), voyage_id))]


@router.post(
    "/voyages/{voyage_id}/amendments",
    response={201: AmendmentOut},
    summary="Amend a manifest (before or after arrival), with the reason",
)
def voyage_amend(request: HttpRequest, voyage_id: int, payload: AmendmentIn) -> Any:
    voyage = voyage_get_for(_user(request), voyage_id)
    amendment = services.voyage_amend(actor=_user(request), voyage=voyage, data=payload.to_input())
    return Status(201, amendment_out(amendment))


@router.post(
    "/voyages/{voyage_id}/arrival",
    response=VoyageOut,
    summary="Notify the arrival of the means of transport",
)
def voyage_arrival(request: HttpRequest, voyage_id: int, payload: ArrivalIn) -> Any:
    voyage = voyage_get_for(_user(request), voyage_id)
    voyage = services.voyage_arrival_record(
        actor=_user(request), voyage=voyage, arrived_at=payload.arrived_at
    )
    return voyage_out(voyage)
