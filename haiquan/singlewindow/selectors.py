"""Reads for the single window. Who sees which row is each model's `visibility` (an agency its
own documents and the requests addressed to it; a trader its enterprises' (or a broker's
principals') declarations, documents and e-C/O; officers and leaders their offices'; analysts and
administrators everything; a partner country's endpoint the e-C/O it sent)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet

from haiquan.accounts.models import User
from haiquan.clearance.models import Declaration, DeclarationLine
from haiquan.core.problems import NotFound

from .asw import item_remaining
from .models import Agency, Certificate, Document, Request, Requirement
from .permissions import agency_of
from .services import goods_remaining


def agencies_list() -> QuerySet[Agency]:
    return Agency.objects.filter(active=True).order_by("code")


def requirements_list(*, include_inactive: bool = False) -> QuerySet[Requirement]:
    qs = Requirement.objects.select_related("agency").order_by("hs_prefix", "agency__code", "kind")
    return qs if include_inactive else qs.filter(active=True)


# What the lists and pages show beside each row (the rows themselves: `Model.objects.visible_to`).
DOCUMENT_RELATED = ("agency", "holder", "declaration")
REQUEST_RELATED = ("agency", "declaration", "declaration__enterprise", "goods__document")
CERTIFICATE_RELATED = ("issuing_country", "endpoint")


def document_get_for(user: User, pk: int) -> Document:
    doc = Document.objects.select_related(*DOCUMENT_RELATED).visible_to(user).filter(pk=pk).first()
    if doc is None:
        raise NotFound(f"document {pk} not found")
    return doc


def certificate_get_for(user: User, pk: int) -> Certificate:
    cert = (
        Certificate.objects.select_related(*CERTIFICATE_RELATED)
        .visible_to(user)
        .filter(pk=pk)
        .first()
    )
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
    "CERTIFICATE_RELATED",
    "DOCUMENT_RELATED",
    "REQUEST_RELATED",
    "agencies_list",
    "certificate_get_for",
    "declaration_for_agency_or_scope",
    "declaration_single_window",
    "document_get_for",
    "goods_remaining",
    "item_remaining",
    "requirements_list",
]
