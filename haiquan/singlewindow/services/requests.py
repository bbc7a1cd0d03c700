"""A declaration's requests to partner agencies: one per (line, requirement), linked to a
matching document and drawn down on it; kept in line with the declaration by clearance's
written observer, and read by clearance's guard (what still holds a declaration)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.accounts.models import User
from haiquan.clearance.choices import OPEN_STATUSES, Status
from haiquan.clearance.hooks import written_declaration_is_new
from haiquan.clearance.models import Declaration, DeclarationLine
from haiquan.core.models import prefetched_set
from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party

from ..choices import DocumentKind, DocumentState, RequestState, Result
from ..inputs import quantity_text
from ..models import (
    DocumentGoods,
    Request,
)
from .requirements import requirements_for_lines

# ---------------------------------------------------------------------------------------------
# Linking declaration lines to documents


def _drawn(goods: DocumentGoods, *, excluding: Request | None = None) -> Decimal:
    """What open or finished (not cancelled) declarations have drawn on a document item."""
    qs = Request.objects.filter(goods=goods).exclude(declaration__status=Status.CANCELLED)
    if excluding is not None and excluding.pk:
        qs = qs.exclude(pk=excluding.pk)
    return qs.aggregate(s=Sum("quantity_drawn"))["s"] or Decimal(0)


def goods_remaining(goods: DocumentGoods) -> Decimal:
    return goods.quantity - _drawn(goods)


def _candidates(request: Request, declaration: Declaration, today: date) -> list[DocumentGoods]:
    qs = (
        DocumentGoods.objects.select_for_update(of=("self",))
        .select_related("document", "document__agency")
        .filter(
            document__agency_id=request.agency_id,
            document__kind=request.kind,
            document__holder_id=declaration.enterprise_id,
            document__state=DocumentState.VALID,
            document__valid_from__lte=today,
            unit=request.unit,
        )
        .filter(Q(document__valid_to__isnull=True) | Q(document__valid_to__gte=today))
        .filter(Q(document__declaration__isnull=True) | Q(document__declaration=declaration))
        .order_by("-document__issued_on", "-document_id", "item_no")
    )
    found = [g for g in qs if request.hs_code.startswith(g.hs_code)]
    # A document made for this very declaration comes first (an inspection of its goods).
    found.sort(key=lambda g: g.document.declaration_id != declaration.pk)
    return found


def _link(request: Request, declaration: Declaration, today: date) -> bool:
    """Link the request to the first matching document item; True when it was answered."""
    shortfalls: list[str] = []
    for goods in _candidates(request, declaration, today):
        doc = goods.document
        if doc.result == Result.FAIL:
            request.goods = goods
            request.quantity_drawn = Decimal(0)
            request.state = RequestState.FAILED
            request.note = doc.notes
            return True
        left = goods.quantity - _drawn(goods, excluding=request)
        if left >= request.quantity:
            request.goods = goods
            request.quantity_drawn = request.quantity
            request.state = RequestState.SATISFIED
            request.note = ""
            return True
        shortfalls.append(
            _("%(ref)s item %(item)d has %(left)s %(unit)s left, %(need)s needed")
            % {
                "ref": doc.reference,
                "item": goods.item_no,
                "left": quantity_text(max(left, Decimal(0))),
                "unit": goods.unit,
                "need": quantity_text(request.quantity),
            }
        )
    request.goods = None
    request.quantity_drawn = Decimal(0)
    request.state = RequestState.WAITING
    request.note = (
        _("Quantity exhausted: %(list)s.") % {"list": "; ".join(shortfalls)} if shortfalls else ""
    )
    return False


def _still_holds(request: Request) -> bool:
    """A link stands while its document is not revoked (expiry after use does not undo it)."""
    return request.goods is not None and request.goods.document.state == DocumentState.VALID


@dataclass
class SyncResult:
    requested: list[Request] = field(default_factory=list)
    answered: list[Request] = field(default_factory=list)


def declaration_requests_sync(
    *, declaration: Declaration, actor: User | None = None, today: date | None = None
) -> SyncResult:
    """Bring a registered declaration's requests in line with its lines and the requirements
    table, and link each unanswered one to a matching document. Runs inside the caller's
    transaction (registration, amendment, an agency's message)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("declaration_requests_sync must run inside a transaction")
    today = today or timezone.localdate()
    result = SyncResult()
    if declaration.status in (Status.DRAFT, Status.CANCELLED):
        return result
    on_day = timezone.localdate(declaration.registered_at) if declaration.registered_at else today
    lines = _lines_of(declaration)
    needs = requirements_for_lines(
        flow=declaration.flow,
        type_code=declaration.type_id,
        lines=[(n, hs, o) for n, hs, o, _q, _u in lines],
        on_day=on_day,
    )
    if written_declaration_is_new(declaration):
        # Registered by this very change: it has no request yet, and none is needed unless a
        # line falls under the table (most declarations: no statement at all).
        existing: dict[tuple[int, int], Request] = {}
        if not needs:
            prefetched_set(declaration, "agency_requests", [])
            return result
    else:
        existing = {
            (r.line_no, r.requirement_id): r
            for r in Request.objects.filter(declaration=declaration).select_related(
                "goods__document", "agency"
            )
        }
    kept: list[Request] = []
    open_decl = declaration.status in OPEN_STATUSES
    now = timezone.now()
    for line_no, hs_code, _origin, quantity, unit in lines:
        for req in needs.get(line_no, []):
            r = existing.pop((line_no, req.pk), None)
            if r is None:
                r = Request(
                    declaration=declaration,
                    line_no=line_no,
                    requirement=req,
                    agency=req.agency,
                    kind=req.kind,
                    hs_code=hs_code,
                    quantity=quantity,
                    unit=unit,
                    requested_at=now,
                )
                result.requested.append(r)
            elif (r.hs_code, r.quantity, r.unit) != (hs_code, quantity, unit):
                # The line changed (amendment, officer's correction): draw again.
                r.hs_code, r.quantity, r.unit = hs_code, quantity, unit
                r.goods, r.quantity_drawn, r.state = None, Decimal(0), RequestState.WAITING
                r.answered_at = None
            elif r.goods is not None and not _still_holds(r) and open_decl:
                r.goods, r.quantity_drawn, r.state = None, Decimal(0), RequestState.WAITING
                r.note = _("The document linked before was revoked.")
                r.answered_at = None
            if r.goods is None and _link(r, declaration, today):
                r.answered_at = now
                result.answered.append(r)
            r.save()
            kept.append(r)
    # Lines that no longer need what they needed (amended): their draw is given back.
    for gone in existing.values():
        gone.delete()
    # The declaration's requests as they now stand, for its blockers (no second read).
    prefetched_set(declaration, "agency_requests", kept)
    _sync_events(declaration, result, actor)
    return result


def _lines_of(declaration: Declaration) -> list[tuple[int, str, str, Decimal, str]]:
    """(line_no, hs_code, origin, quantity, unit) of each line: from the lines the writer just
    attached (clearance's `replace_lines`), else read."""
    written = getattr(declaration, "_prefetched_objects_cache", {}).get("lines")
    if written is not None:
        return [(ln.line_no, ln.hs_code, ln.origin_id, ln.quantity, ln.unit) for ln in written]
    return list(
        DeclarationLine.objects.filter(declaration=declaration)
        .order_by("line_no")
        .values_list("line_no", "hs_code", "origin_id", "quantity", "unit")
    )


def _sync_events(declaration: Declaration, result: SyncResult, actor: User | None) -> None:
    if result.requested:
        kinds.SINGLEWINDOW_REQUESTED.record(
            subject_type="declaration",
            subject_id=declaration.pk,
            declaration_id=declaration.pk,
            office_code=declaration.office.code,
            party=Party.AGENCY,
            actor_label="single window",
            data={
                "number": declaration.number,
                "requests": [
                    {
                        "line_no": r.line_no,
                        "agency": r.agency.code,
                        "kind": r.kind,
                        "answered": r.state != RequestState.WAITING,
                    }
                    for r in result.requested
                ],
            },
        )
    if result.answered:
        kinds.SINGLEWINDOW_ANSWERED.record(
            subject_type="declaration",
            subject_id=declaration.pk,
            declaration_id=declaration.pk,
            office_code=declaration.office.code,
            party=Party.AGENCY,
            actor=actor,
            actor_label=""
            if actor
            else ", ".join(sorted({r.agency.code for r in result.answered})),
            data={
                "number": declaration.number,
                "answers": [
                    {
                        "line_no": r.line_no,
                        "agency": r.agency.code,
                        "reference": r.goods.document.reference if r.goods else "",
                        "state": r.state,
                        "quantity_drawn": r.quantity_drawn,
                    }
                    for r in result.answered
                ],
            },
        )


def declaration_written(declaration: Declaration) -> None:
    """clearance's written observer: a registration, an amendment or an officer's correction
    wrote the lines. Requests follow the lines; e-C/O quantities are drawn down."""
    from ..asw import declaration_uses_sync

    declaration_requests_sync(declaration=declaration)
    declaration_uses_sync(declaration=declaration)


# ---------------------------------------------------------------------------------------------
# What holds a declaration (the clearance guard)


def _kind_label(kind: str) -> str:
    return str(DocumentKind(kind).label) if kind in DocumentKind.values else kind


def declaration_blockers(declaration: Declaration) -> list[str]:
    """Why a declaration may not be cleared yet as far as the single window knows: a line
    waiting for a permit or result, or a failed result, each in plain words for the trader."""
    reasons: list[str] = []
    synced = getattr(declaration, "_prefetched_objects_cache", {}).get("agency_requests")
    if synced is not None:
        # Just brought in line with the table by `declaration_requests_sync` in this change.
        requests = sorted(synced, key=lambda r: (r.line_no, r.agency.code))
    else:
        requests = list(
            Request.objects.filter(declaration=declaration)
            .select_related("agency", "goods__document")
            .order_by("line_no", "agency__code")
        )
    have = {(r.line_no, r.requirement_id) for r in requests}
    for r in requests:
        params = {
            "line": r.line_no,
            "hs": r.hs_code,
            "kind": _kind_label(r.kind).lower(),
            "agency": r.agency.name,
        }
        if r.state == RequestState.FAILED and r.goods is not None:
            doc = r.goods.document
            reasons.append(
                _("Line %(line)d (HS %(hs)s): %(agency)s's result %(ref)s is a fail: %(notes)s")
                % {**params, "ref": doc.reference, "notes": doc.notes or "-"}
            )
        elif r.state != RequestState.SATISFIED or not _still_holds(r):
            text = _("Line %(line)d (HS %(hs)s) needs a %(kind)s from %(agency)s.") % params
            if r.note:
                text += " " + r.note
            reasons.append(text)
    if synced is not None:
        return reasons  # the sync made a request for every line the table names
    # Lines the table names that have no request yet (e.g. registered before the row existed).
    lines = list(
        DeclarationLine.objects.filter(declaration=declaration).values_list(
            "line_no", "hs_code", "origin_id"
        )
    )
    on_day = (
        timezone.localdate(declaration.registered_at)
        if declaration.registered_at
        else timezone.localdate()
    )
    needs = requirements_for_lines(
        flow=declaration.flow, type_code=declaration.type_id, lines=lines, on_day=on_day
    )
    hs_of = {n: hs for n, hs, _o in lines}
    for line_no, reqs in sorted(needs.items()):
        for req in reqs:
            if (line_no, req.pk) not in have:
                reasons.append(
                    _("Line %(line)d (HS %(hs)s) needs a %(kind)s from %(agency)s.")
                    % {
                        "line": line_no,
                        "hs": hs_of[line_no],
                        "kind": _kind_label(req.kind).lower(),
                        "agency": req.agency.name,
                    }
                )
    return reasons
