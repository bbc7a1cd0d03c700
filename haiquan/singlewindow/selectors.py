"""Reads for the single window, restricted to what the user may see: an agency its own documents
and the requests addressed to it; a trader its enterprises' (or broker firm's) declarations and
documents; officers and leaders their offices'; analysts and administrators everything; a
partner country's endpoint the e-C/O it sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet

from haiquan.accounts.choices import Role
from haiquan.accounts.models import User
from haiquan.accounts.selectors import enterprises_user_may_declare_for
from haiquan.clearance.models import Declaration, DeclarationLine
from haiquan.core.problems import NotFound

from .asw import item_remaining
from .models import Agency, Certificate, Document, Request, Requirement
from .permissions import agency_of, endpoint_of
from .services import goods_remaining


def agencies_list() -> QuerySet[Agency]:
    return Agency.objects.filter(active=True).order_by("code")


def requirements_list(*, include_inactive: bool = False) -> QuerySet[Requirement]:
    qs = Requirement.objects.select_related("agency").order_by("hs_prefix", "agency__code", "kind")
    return qs if include_inactive else qs.filter(active=True)


def _trader_q(user: User, field: str) -> Q:
    if user.role == Role.DECLARANT:
        return Q(**{f"{field}__in": user.enterprises.all()})
    if user.role == Role.BROKER:
        # A broker sees what concerns the principals that authorised its firm.
        return Q(**{f"{field}__in": enterprises_user_may_declare_for(user)})
    return Q(pk__in=[])


def documents_visible_to(user: User) -> QuerySet[Document]:
    qs = Document.objects.select_related("agency", "holder", "declaration")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    agency = agency_of(user)
    if agency is not None:
        return qs.filter(agency=agency)
    if user.role in (Role.DECLARANT, Role.BROKER):
        return qs.filter(_trader_q(user, "holder"))
    if user.role in (Role.OFFICER, Role.LEADER):
        # Documents of the enterprises whose declarations the officer works.
        holders = Declaration.objects.visible_to(user).values("enterprise_id")
        return qs.filter(holder_id__in=holders)
    if user.role in (Role.ANALYST, Role.ADMIN):
        return qs
    return qs.none()


def document_get_for(user: User, pk: int) -> Document:
    doc = documents_visible_to(user).filter(pk=pk).first()
    if doc is None:
        raise NotFound(f"document {pk} not found")
    return doc


def requests_visible_to(user: User) -> QuerySet[Request]:
    qs = Request.objects.select_related(
        "agency", "declaration", "declaration__enterprise", "goods__document"
    )
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    agency = agency_of(user)
    if agency is not None:
        return qs.filter(agency=agency)
    if user.role in (Role.DECLARANT, Role.BROKER, Role.OFFICER, Role.LEADER):
        return qs.filter(declaration__in=Declaration.objects.visible_to(user))
    if user.role in (Role.ANALYST, Role.ADMIN):
        return qs
    return qs.none()


def certificates_visible_to(user: User) -> QuerySet[Certificate]:
    qs = Certificate.objects.select_related("issuing_country", "endpoint")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    endpoint = endpoint_of(user)
    if endpoint is not None:
        return qs.filter(endpoint=endpoint)
    if user.role in (Role.DECLARANT, Role.BROKER):
        msts = (
            user.enterprises.values_list("mst", flat=True)
            if user.role == Role.DECLARANT
            else enterprises_user_may_declare_for(user).values_list("mst", flat=True)
        )
        return qs.filter(importer_mst__in=list(msts))
    if user.role in (Role.OFFICER, Role.LEADER, Role.ANALYST, Role.ADMIN):
        return qs
    return qs.none()


def certificate_get_for(user: User, pk: int) -> Certificate:
    cert = certificates_visible_to(user).filter(pk=pk).first()
    if cert is None:
        raise NotFound(f"e-C/O {pk} not found")
    return cert


def declaration_for_agency_or_scope(user: User, pk: int) -> Declaration:
    """The declaration if the user may see it: through clearance's scope, or as the agency a
    request of it is addressed to. 404 otherwise."""
    related = ("office", "enterprise", "type")
    decl = Declaration.objects.visible_to(user).select_related(*related).filter(pk=pk).first()
    if decl is None:
        agency = agency_of(user)
        if agency is not None:
            decl = (
                Declaration.objects.select_related(*related)
                .filter(pk=pk, agency_requests__agency=agency)
                .first()
            )
    if decl is None:
        raise NotFound(f"declaration {pk} not found")
    return decl


@dataclass
class LineStatus:
    line: DeclarationLine
    requests: list[Request] = field(default_factory=list)
    # e-C/O drawn by this line, as (reference, item no, quantity)
    eco: list[tuple[str, int, Decimal]] = field(default_factory=list)


def declaration_single_window(
    declaration: Declaration, *, agency: Agency | None = None
) -> list[LineStatus]:
    """Per line: what it needs from agencies and where each stands, and the e-C/O it drew on.
    An agency sees only the requests addressed to it."""
    lines = {
        ln.line_no: LineStatus(line=ln)
        for ln in DeclarationLine.objects.filter(declaration=declaration)
        .select_related("origin")
        .order_by("line_no")
    }
    reqs = Request.objects.filter(declaration=declaration).select_related(
        "agency", "goods__document", "requirement"
    )
    if agency is not None:
        reqs = reqs.filter(agency=agency)
    for r in reqs.order_by("line_no", "agency__code"):
        if r.line_no in lines:
            lines[r.line_no].requests.append(r)
    for use in declaration.certificate_uses.select_related("item__certificate"):
        if use.line_no in lines:
            lines[use.line_no].eco.append(
                (use.item.certificate.reference_number, use.item.item_no, use.quantity)
            )
    out = list(lines.values())
    if agency is not None:
        out = [s for s in out if s.requests]
    return out


__all__ = [
    "agencies_list",
    "certificate_get_for",
    "certificates_visible_to",
    "declaration_for_agency_or_scope",
    "declaration_single_window",
    "document_get_for",
    "documents_visible_to",
    "goods_remaining",
    "item_remaining",
    "requests_visible_to",
    "requirements_list",
]
