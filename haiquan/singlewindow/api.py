"""/api/v1/single-window: partner agencies' permits and inspection results (National Single
Window) and partner countries' e-C/O (ASEAN Single Window). Thin: parse, call a service or a
selector, answer."""

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from haiquan.accounts.apiauth import API_AUTH
from haiquan.audit.choices import Via
from haiquan.audit.services import declaration_access_record
from haiquan.core.api import ObjectId, Pagination
from haiquan.core.problems import NotFound
from haiquan.core.web import user_of

from . import asw, services
from .choices import RequestState
from .models import Certificate, Document, Request, Requirement
from .permissions import agency_of
from .schemas import (
    AgencyDocumentOut,
    AgencyMessageAnswerOut,
    AgencyMessageIn,
    AgencyOut,
    AgencyRequestOut,
    AgencyRequirementIn,
    AgencyRequirementOut,
    DeclarationRequirementsOut,
    EcoIn,
    EcoOut,
    agency_out,
    certificate_out,
    document_out,
    request_out,
    requirement_out,
)
from .selectors import (
    CERTIFICATE_RELATED,
    DOCUMENT_RELATED,
    REQUEST_RELATED,
    agencies_list,
    certificate_get_for,
    declaration_for_agency_or_scope,
    declaration_single_window,
    document_get_for,
    requirements_list,
)

router = Router(tags=["National and ASEAN Single Window"], auth=API_AUTH)


class _Mapped:
    """A queryset whose page, once sliced by the pagination, is turned into answers: only the
    rows of the page are read and mapped."""

    def __init__(self, qs: QuerySet[Any], fn: Callable[[Any], dict[str, Any]]) -> None:
        self.qs, self.fn = qs, fn

    def __len__(self) -> int:
        return self.qs.count()

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        return [self.fn(x) for x in self.qs[page]]


# ---------------------------------------------------------------------------------------------
# Agencies and the requirements table


@router.get("/agencies", response=list[AgencyOut], summary="Partner agencies")
def agency_list(request: HttpRequest) -> Any:
    return [agency_out(a) for a in agencies_list()]


@router.get(
    "/requirements",
    response=list[AgencyRequirementOut],
    summary="Which goods need which permit or inspection result",
)
def requirement_list(request: HttpRequest) -> Any:
    return [requirement_out(r) for r in requirements_list()]


@router.post(
    "/requirements", response={201: AgencyRequirementOut}, summary="Add a requirement (admin)"
)
def requirement_create(request: HttpRequest, payload: AgencyRequirementIn) -> Any:
    req = services.requirement_create(actor=user_of(request), data=payload.to_input())
    return Status(201, requirement_out(req))


@router.put(
    "/requirements/{requirement_id}",
    response=AgencyRequirementOut,
    summary="Change a requirement (admin)",
)
def requirement_update(
    request: HttpRequest, requirement_id: ObjectId, payload: AgencyRequirementIn
) -> Any:
    req = Requirement.objects.select_related("agency").filter(pk=requirement_id).first()
    if req is None:
        raise NotFound(f"requirement {requirement_id} not found")
    req = services.requirement_update(
        actor=user_of(request), requirement=req, data=payload.to_input()
    )
    return requirement_out(req)


# ---------------------------------------------------------------------------------------------
# Agencies' permits and inspection results


@router.post(
    "/documents",
    response={200: AgencyMessageAnswerOut, 201: AgencyMessageAnswerOut},
    summary="Send a permit or inspection result (original, amendment or revocation)",
)
def document_message(request: HttpRequest, payload: AgencyMessageIn) -> Any:
    """An agency's system sends a permit or a specialised-inspection result. `function`
    "original" creates it (201); "amendment" replaces its content and "revocation" ends it
    (200). The declarations waiting for it are linked at once and the answer lists them, and
    those it let clear. A message is recorded once per (agency, reference, message_id): a
    replay is refused with 409 `replayed-message` and changes nothing."""
    answer = services.document_message_receive(actor=user_of(request), message=payload.to_input())
    body = {
        "function": answer.function,
        "document": document_out(answer.document),
        "linked": [
            {
                "declaration_number": r.declaration.number,
                "line_no": r.line_no,
                "state": r.state,
                "quantity_drawn": r.quantity_drawn,
            }
            for r in answer.linked
        ],
        "cleared": [d.number for d in answer.cleared if d.number],
    }
    return Status(201 if answer.function == "original" else 200, body)


class DocumentFilter(Schema):
    holder_mst: str | None = None
    reference: str | None = None


@router.get("/documents", response=list[AgencyDocumentOut], summary="Permits and results")
@paginate(Pagination)
def document_list(request: HttpRequest, filters: Query[DocumentFilter]) -> Any:
    qs = (
        Document.objects.select_related(*DOCUMENT_RELATED)
        .visible_to(user_of(request))
        .prefetch_related("goods")
    )
    if filters.holder_mst:
        qs = qs.filter(holder__mst=filters.holder_mst)
    if filters.reference:
        qs = qs.filter(reference=filters.reference)
    return _Mapped(qs.order_by("-received_at", "-id"), document_out)


@router.get("/documents/{document_id}", response=AgencyDocumentOut, summary="A permit or result")
def document_detail(request: HttpRequest, document_id: ObjectId) -> Any:
    doc = document_get_for(user_of(request), document_id)
    services.document_access_record(
        user=user_of(request), document=doc, via=Via.API, address=request.META.get("REMOTE_ADDR")
    )
    return document_out(doc)


class RequestFilter(Schema):
    state: RequestState | None = None
    declaration_number: str | None = None


@router.get(
    "/requests",
    response=list[AgencyRequestOut],
    summary="What declaration lines need from agencies",
)
@paginate(Pagination)
def request_list(request: HttpRequest, filters: Query[RequestFilter]) -> Any:
    """An agency sees the requests addressed to it (waiting ones first); a trader those of its
    declarations; an officer those of its offices."""
    qs = Request.objects.select_related(*REQUEST_RELATED).visible_to(user_of(request))
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.declaration_number:
        qs = qs.filter(declaration__number=filters.declaration_number)
    return _Mapped(qs.order_by("-requested_at", "-id"), request_out)


@router.get(
    "/declarations/{declaration_id}",
    response=DeclarationRequirementsOut,
    summary="What a declaration needs from agencies and what holds its clearance",
)
def declaration_requirements(request: HttpRequest, declaration_id: ObjectId) -> Any:
    user = user_of(request)
    decl = declaration_for_agency_or_scope(user, declaration_id)
    declaration_access_record(
        user=user, declaration=decl, via=Via.API, address=request.META.get("REMOTE_ADDR")
    )
    agency = agency_of(user)
    lines = declaration_single_window(decl, agency=agency)
    return {
        "declaration_id": decl.pk,
        "number": decl.number,
        "status": decl.status,
        "blockers": [] if agency else services.declaration_blockers(decl),
        "lines": [
            {
                "line_no": s.line.line_no,
                "hs_code": s.line.hs_code,
                "requests": [request_out(r) for r in s.requests],
                "eco_drawn": [
                    {"reference": ref, "item": item, "quantity": str(q)} for ref, item, q in s.eco
                ],
            }
            for s in lines
        ],
    }


# ---------------------------------------------------------------------------------------------
# ASEAN Single Window: e-C/O


@router.post(
    "/certificates",
    response={201: EcoOut},
    by_alias=True,
    summary="Receive an e-C/O from a partner country's ASW gateway",
)
def certificate_receive(request: HttpRequest, payload: EcoIn) -> Any:
    """A partner country's endpoint sends an electronic certificate of origin (WCO Data Model
    names). The same certificate sent again is refused with 409 `replayed-message`."""
    cert = asw.certificate_receive(actor=user_of(request), data=payload.to_input())
    return Status(201, certificate_out(cert))


class CertificateFilter(Schema):
    reference_number: str | None = None
    importer_mst: str | None = None


@router.get("/certificates", response=list[EcoOut], summary="e-C/O received")
@paginate(Pagination)
def certificate_list(request: HttpRequest, filters: Query[CertificateFilter]) -> Any:
    qs = (
        Certificate.objects.select_related(*CERTIFICATE_RELATED)
        .visible_to(user_of(request))
        .prefetch_related("items")
    )
    if filters.reference_number:
        qs = qs.filter(reference_number__iexact=filters.reference_number)
    if filters.importer_mst:
        qs = qs.filter(importer_mst=filters.importer_mst)
    return _Mapped(qs.order_by("-received_at", "-id"), certificate_out)


@router.get("/certificates/{certificate_id}", response=EcoOut, summary="An e-C/O")
def certificate_detail(request: HttpRequest, certificate_id: ObjectId) -> Any:
    cert = certificate_get_for(user_of(request), certificate_id)
    services.certificate_access_record(
        user=user_of(request),
        certificate=cert,
        via=Via.API,
        address=request.META.get("REMOTE_ADDR"),
    )
    return certificate_out(cert)
