"""The National Single Window (Cơ chế một cửa quốc gia): the requirements table, the permits and
specialised-inspection results (kết quả kiểm tra chuyên ngành) partner agencies send, and the
link between them and the declaration lines that need them.

How a line gets what it needs:
    registration / amendment ─(written observer)→ one `Request` per (line, requirement),
        linked at once to a valid matching document when the holder already has one
    agency message (original / amendment / revocation) → the holder's open declarations are
        linked again, and clearance is retried for those awaiting it
A document matches when it is from the requirement's agency and of its kind, held by the
declaration's enterprise, valid today, not for another declaration, and has a goods item whose
HS code starts the line's HS code, in the line's unit, with enough quantity left (permits are
drawn down across declarations; cancelled declarations give theirs back). A failed inspection
result links too, and blocks clearance with the agency's notes.

Every request and answer is an event with party "agency" (`singlewindow.*`), so time-release
measurement counts the wait as other-agency time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.accounts.models import User
from haiquan.audit.choices import Part
from haiquan.audit.services import access_record
from haiquan.clearance.choices import OPEN_STATUSES, Status
from haiquan.clearance.models import Declaration, DeclarationLine
from haiquan.clearance.services import declaration_clearance_retry
from haiquan.core.problems import Conflict, FieldProblem, ValidationFailed
from haiquan.eventlog.choices import Party
from haiquan.eventlog.services import event_record
from haiquan.refdata.models import Country, DeclarationType, Enterprise
from haiquan.tariff.normalise import hs_code_normalise, unit_is_known, unit_normalise

from .choices import DocumentKind, DocumentState, Flow, MessageFunction, RequestState, Result
from .inputs import DocumentMessage, GoodsInput, quantity_text
from .models import (
    Agency,
    AgencyMessage,
    Certificate,
    Document,
    DocumentGoods,
    Request,
    Requirement,
)
from .permissions import require_agency, require_requirements_editor

# ---------------------------------------------------------------------------------------------
# The requirements table


def _active_requirements(on_day: date, codes: Iterable[str] | None = None) -> list[Requirement]:
    """The requirements in force on `on_day`; with `codes`, only those whose prefix starts one
    of them (the table holds thousands of rows built from the inspection lists: a declaration
    reads the few that concern its lines, by the indexed prefix)."""
    qs = Requirement.objects.filter(active=True, agency__active=True)
    if codes is not None:
        prefixes = {code[:n] for code in codes for n in range(1, len(code) + 1)}
        qs = qs.filter(hs_prefix__in=sorted(prefixes))
    return list(
        qs.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on_day))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on_day))
        .select_related("agency")
    )


def requirement_applies(
    req: Requirement, *, flow: str, type_code: str, hs_code: str, origin: str
) -> bool:
    """Whether a goods line (HS code, origin) on a declaration (flow, type) needs `req`."""
    return (
        hs_code.startswith(req.hs_prefix)
        and (not req.flow or req.flow == flow)
        and (not req.type_codes or type_code in req.type_codes)
        and (not req.origins or origin in req.origins)
    )


def requirements_for_lines(
    *, flow: str, type_code: str, lines: Iterable[tuple[int, str, str]], on_day: date
) -> dict[int, list[Requirement]]:
    """line_no → the requirements that line needs, for (line_no, hs_code, origin) triples."""
    lines = list(lines)
    table = _active_requirements(on_day, [hs for _n, hs, _o in lines])
    out: dict[int, list[Requirement]] = {}
    if not table:
        return out
    for line_no, hs_code, origin in lines:
        found = [
            r
            for r in table
            if requirement_applies(
                r, flow=flow, type_code=type_code, hs_code=hs_code, origin=origin
            )
        ]
        if found:
            out[line_no] = found
    return out


@dataclass(frozen=True)
class RequirementInput:
    agency_code: str
    kind: str
    title: str
    hs_prefix: str
    flow: str = ""
    type_codes: tuple[str, ...] = ()
    origins: tuple[str, ...] = ()
    valid_from: date | None = None
    valid_to: date | None = None
    active: bool = True
    legal_basis: str = ""


def _requirement_clean(data: RequirementInput) -> tuple[Agency, dict[str, Any]]:
    errors: list[FieldProblem] = []
    agency = Agency.objects.filter(code=data.agency_code.strip().upper()).first()
    if agency is None:
        errors.append(
            FieldProblem(
                "agency_code",
                _("no partner agency with code %(c)s") % {"c": data.agency_code},
                "unknown-agency",
            )
        )
    if data.kind not in DocumentKind.values:
        errors.append(
            FieldProblem("kind", _("must be one of %(v)s") % {"v": ", ".join(DocumentKind.values)})
        )
    if not data.title.strip():
        errors.append(FieldProblem("title", _("give the requirement a title"), "required"))
    prefix = hs_code_normalise(data.hs_prefix.strip())
    if not (prefix.isascii() and prefix.isdigit() and 2 <= len(prefix) <= 8):
        errors.append(
            FieldProblem("hs_prefix", _("an HS code prefix is 2 to 8 digits, e.g. 0810 or 02"))
        )
    if data.flow not in Flow.values:
        errors.append(FieldProblem("flow", _("must be 'import', 'export' or empty")))
    types = tuple(sorted({t.strip().upper() for t in data.type_codes if t.strip()}))
    known_types = set(DeclarationType.objects.filter(code__in=types).values_list("code", flat=True))
    for t in types:
        if t not in known_types:
            errors.append(
                FieldProblem("type_codes", _("%(t)s is not a declaration type") % {"t": t})
            )
    origins = tuple(sorted({o.strip().upper() for o in data.origins if o.strip()}))
    known = set(Country.objects.filter(code__in=origins).values_list("code", flat=True))
    for o in origins:
        if o not in known:
            errors.append(FieldProblem("origins", _("%(o)s is not a country code") % {"o": o}))
    if data.valid_from and data.valid_to and data.valid_to < data.valid_from:
        errors.append(FieldProblem("valid_to", _("ends before it starts")))
    if errors:
        raise ValidationFailed(errors)
    assert agency is not None
    return agency, {
        "kind": data.kind,
        "title": data.title.strip(),
        "hs_prefix": prefix,
        "flow": data.flow,
        "type_codes": list(types),
        "origins": list(origins),
        "valid_from": data.valid_from,
        "valid_to": data.valid_to,
        "active": data.active,
        "legal_basis": data.legal_basis.strip(),
    }


@transaction.atomic
def requirement_create(*, actor: User, data: RequirementInput) -> Requirement:
    """Add a row to the requirements table (administrators)."""
    require_requirements_editor(actor)
    agency, fields = _requirement_clean(data)
    req = Requirement.objects.create(agency=agency, **fields)
    _requirement_event(req, "singlewindow.requirement_created", actor)
    return req


@transaction.atomic
def requirement_update(
    *, actor: User, requirement: Requirement, data: RequirementInput
) -> Requirement:
    """Change a row of the requirements table. Declarations already registered keep the
    requests they have; new registrations and amendments follow the new row."""
    require_requirements_editor(actor)
    agency, fields = _requirement_clean(data)
    requirement.agency = agency
    for k, v in fields.items():
        setattr(requirement, k, v)
    requirement.save()
    _requirement_event(requirement, "singlewindow.requirement_changed", actor)
    return requirement


def _requirement_event(req: Requirement, kind: str, actor: User) -> None:
    event_record(
        kind=kind,
        subject_type="sw_requirement",
        subject_id=req.pk,
        party=Party.CUSTOMS,
        actor=actor,
        data={
            "agency": req.agency.code,
            "kind": req.kind,
            "hs_prefix": req.hs_prefix,
            "flow": req.flow,
            "type_codes": req.type_codes,
            "origins": req.origins,
            "active": req.active,
        },
    )


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
    lines = list(
        DeclarationLine.objects.filter(declaration=declaration).values_list(
            "line_no", "hs_code", "origin_id", "quantity", "unit"
        )
    )
    needs = requirements_for_lines(
        flow=declaration.flow,
        type_code=declaration.type_id,
        lines=[(n, hs, o) for n, hs, o, _q, _u in lines],
        on_day=on_day,
    )
    existing = {
        (r.line_no, r.requirement_id): r
        for r in Request.objects.filter(declaration=declaration).select_related(
            "goods__document", "agency"
        )
    }
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
    # Lines that no longer need what they needed (amended): their draw is given back.
    for gone in existing.values():
        gone.delete()
    _sync_events(declaration, result, actor)
    return result


def _sync_events(declaration: Declaration, result: SyncResult, actor: User | None) -> None:
    if result.requested:
        event_record(
            kind="singlewindow.requested",
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
        event_record(
            kind="singlewindow.answered",
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
    from .asw import declaration_uses_sync

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


# ---------------------------------------------------------------------------------------------
# Agencies' messages: permits and inspection results


@dataclass(frozen=True)
class MessageAnswer:
    document: Document
    function: str
    linked: list[Request] = field(default_factory=list)
    cleared: list[Declaration] = field(default_factory=list)


@dataclass
class _Clean:
    kind: str
    holder: Enterprise
    declaration: Declaration | None
    issued_on: date
    valid_from: date
    valid_to: date | None
    result: str
    notes: str
    goods: list[GoodsInput]


def _clean_content(msg: DocumentMessage, today: date) -> _Clean:
    """Check an original or an amendment's content; every problem at once, naming the field."""
    errors: list[FieldProblem] = []
    if msg.kind not in DocumentKind.values:
        errors.append(
            FieldProblem(
                "kind",
                _("must be 'permit' or 'inspection'"),
                "required" if not msg.kind else "invalid",
            )
        )
    if msg.result not in Result.values:
        errors.append(
            FieldProblem(
                "result", _("must be 'pass' or 'fail'"), "required" if not msg.result else "invalid"
            )
        )
    if msg.result == Result.FAIL and not msg.notes.strip():
        errors.append(FieldProblem("notes", _("say why the goods failed"), "required"))
    mst = msg.holder_mst.strip()
    holder = Enterprise.objects.filter(mst=mst).first() if mst else None
    if not mst:
        errors.append(
            FieldProblem("holder_mst", _("the holder's tax code is required"), "required")
        )
    elif holder is None:
        errors.append(
            FieldProblem(
                "holder_mst",
                _("no enterprise with tax code %(mst)s is known to customs") % {"mst": mst},
                "unknown-enterprise",
            )
        )
    declaration = None
    number = msg.declaration_number.strip()
    if number:
        declaration = (
            Declaration.objects.select_related("enterprise", "office").filter(number=number).first()
        )
        if declaration is None:
            errors.append(
                FieldProblem(
                    "declaration_number",
                    _("no registered declaration has number %(n)s") % {"n": number},
                    "unknown-declaration",
                )
            )
        elif declaration.status == Status.CANCELLED:
            errors.append(
                FieldProblem(
                    "declaration_number",
                    _("declaration %(n)s is cancelled") % {"n": number},
                    "cancelled-declaration",
                )
            )
        elif holder is not None and declaration.enterprise_id != holder.pk:
            errors.append(
                FieldProblem(
                    "holder_mst",
                    _(
                        "declaration %(n)s is declared by tax code %(decl)s, not by the holder "
                        "%(mst)s"
                    )
                    % {"n": number, "decl": declaration.enterprise.mst, "mst": mst},
                    "holder-mismatch",
                )
            )
    if msg.issued_on is None:
        errors.append(FieldProblem("issued_on", _("the issue date is required"), "required"))
    elif msg.issued_on > today:
        errors.append(FieldProblem("issued_on", _("cannot be in the future"), "in-future"))
    valid_from = msg.valid_from or msg.issued_on
    if valid_from is None:
        errors.append(
            FieldProblem("valid_from", _("the start of validity is required"), "required")
        )
    if msg.valid_to is not None and valid_from is not None and msg.valid_to < valid_from:
        errors.append(FieldProblem("valid_to", _("ends before the validity starts")))
    if not msg.goods:
        errors.append(
            FieldProblem("goods", _("list the goods covered (at least one item)"), "required")
        )
    goods: list[GoodsInput] = []
    for i, g in enumerate(msg.goods):
        at = f"goods[{i}]"
        hs = hs_code_normalise(g.hs_code.strip())
        if not (hs.isascii() and hs.isdigit() and len(hs) in (4, 6, 8)):
            errors.append(
                FieldProblem(f"{at}.hs_code", _("an HS code of 4, 6 or 8 digits, e.g. 08109092"))
            )
        if g.quantity is None or not g.quantity.is_finite() or g.quantity <= 0:
            errors.append(FieldProblem(f"{at}.quantity", _("must be more than zero")))
        elif g.quantity >= Decimal("1e15"):
            errors.append(FieldProblem(f"{at}.quantity", _("is too large")))
        unit = unit_normalise(g.unit)
        if not unit_is_known(unit):
            errors.append(
                FieldProblem(
                    f"{at}.unit",
                    _("'%(u)s' is not a unit code (UN/ECE Rec. 20: KGM, TNE, PCE, LTR...)")
                    % {"u": g.unit},
                    "unknown-unit",
                )
            )
        goods.append(
            GoodsInput(
                hs_code=hs, quantity=g.quantity, unit=unit, description=g.description.strip()
            )
        )
    if errors:
        raise ValidationFailed(errors)
    assert holder is not None and msg.issued_on is not None and valid_from is not None
    return _Clean(
        kind=msg.kind,
        holder=holder,
        declaration=declaration,
        issued_on=msg.issued_on,
        valid_from=valid_from,
        valid_to=msg.valid_to,
        result=msg.result,
        notes=msg.notes.strip(),
        goods=goods,
    )


def _check_envelope(msg: DocumentMessage) -> None:
    errors = []
    if not msg.message_id.strip():
        errors.append(FieldProblem("message_id", _("a message id is required"), "required"))
    elif len(msg.message_id.strip()) > 100:
        errors.append(FieldProblem("message_id", _("at most 100 characters")))
    if not msg.reference.strip():
        errors.append(
            FieldProblem("reference", _("the document's reference is required"), "required")
        )
    elif len(msg.reference.strip()) > 50:
        errors.append(FieldProblem("reference", _("at most 50 characters")))
    if msg.function not in MessageFunction.values:
        errors.append(
            FieldProblem(
                "function", _("must be 'original', 'amendment' or 'revocation'"), "invalid"
            )
        )
    if msg.function == MessageFunction.REVOCATION and not msg.reason.strip():
        errors.append(FieldProblem("reason", _("say why the document is revoked"), "required"))
    if errors:
        raise ValidationFailed(errors)


def _replayed(prior: AgencyMessage, msg: DocumentMessage) -> Conflict:
    if prior.digest != msg.content_digest():
        return Conflict(
            _(
                "Message id %(m)s was already used for reference %(r)s with different content; "
                "nothing changed. Send a new message id."
            )
            % {"m": msg.message_id, "r": msg.reference},
            code="message-id-reused",
        )
    doc = prior.document
    return Conflict(
        _(
            "Message %(m)s for reference %(r)s was already received at %(t)s; this replay changed "
            "nothing (the document is at version %(v)s, %(s)s)."
        )
        % {
            "m": msg.message_id,
            "r": msg.reference,
            "t": prior.received_at.isoformat(timespec="seconds"),
            "v": doc.version if doc else "-",
            "s": doc.get_state_display() if doc else "-",
        },
        code="replayed-message",
    )


def _write_goods(document: Document, goods: list[GoodsInput]) -> None:
    existing = {g.item_no: g for g in document.goods.all()}
    for i, g in enumerate(goods, start=1):
        row = existing.pop(i, None)
        if row is None:
            DocumentGoods.objects.create(
                document=document,
                item_no=i,
                hs_code=g.hs_code,
                description=g.description,
                quantity=g.quantity,
                unit=g.unit,
            )
            continue
        if (row.hs_code, row.unit) != (g.hs_code, g.unit) or g.quantity < row.quantity:
            _unlink_open(row)
            _refuse_if_overdrawn(row, g, i)
        row.hs_code, row.unit, row.quantity, row.description = (
            g.hs_code,
            g.unit,
            g.quantity,
            g.description,
        )
        row.save()
    for row in existing.values():
        _unlink_open(row)
        if Request.objects.filter(goods=row).exists():
            raise Conflict(
                _(
                    "Item %(i)d was used by declarations already cleared; it cannot be removed "
                    "(revoke the document instead)."
                )
                % {"i": row.item_no},
                code="item-in-use",
            )
        row.delete()


def _refuse_if_overdrawn(row: DocumentGoods, g: GoodsInput, i: int) -> None:
    used = _drawn(row)
    if used and ((row.hs_code, row.unit) != (g.hs_code, g.unit) or g.quantity < used):
        raise ValidationFailed(
            [
                FieldProblem(
                    f"goods[{i - 1}]",
                    _(
                        "declarations already cleared drew %(q)s %(u)s on this item; it cannot "
                        "change HS code or unit nor fall below that quantity"
                    )
                    % {"q": quantity_text(used), "u": row.unit},
                    "item-in-use",
                )
            ]
        )


def _unlink_open(goods: DocumentGoods) -> None:
    """Undo the links of declarations not cleared yet, so that they link again."""
    Request.objects.filter(goods=goods, declaration__status__in=OPEN_STATUSES).update(
        goods=None, quantity_drawn=0, state=RequestState.WAITING, answered_at=None
    )


def _document_event(document: Document, kind: str, actor: User, data: dict[str, Any]) -> None:
    decl = document.declaration
    event_record(
        kind=kind,
        subject_type="sw_document",
        subject_id=document.pk,
        declaration_id=decl.pk if decl else None,
        office_code=decl.office.code if decl else "",
        party=Party.AGENCY,
        actor=actor,
        data={
            "agency": document.agency.code,
            "reference": document.reference,
            "kind": document.kind,
            "holder": document.holder.mst,
            "result": document.result,
            "version": document.version,
            **data,
        },
    )


def _relink_holder(document: Document, actor: User) -> tuple[list[Request], list[Declaration]]:
    """Link again the holder's open declarations that wait for this agency, then retry the
    clearance of those that wait only for that."""
    decls = Declaration.objects.select_related("office").filter(
        enterprise_id=document.holder_id, status__in=OPEN_STATUSES
    )
    if document.declaration_id:
        decls = decls.filter(pk=document.declaration_id)
    else:
        decls = decls.filter(
            agency_requests__agency_id=document.agency_id,
            agency_requests__kind=document.kind,
            agency_requests__state=RequestState.WAITING,
        )
    linked: list[Request] = []
    cleared: list[Declaration] = []
    for decl in decls.distinct().order_by("registered_at", "pk"):
        sync = declaration_requests_sync(declaration=decl, actor=actor)
        linked.extend(sync.answered)
        if decl.status == Status.AWAITING_PAYMENT:
            after = declaration_clearance_retry(declaration=decl)
            if after.status == Status.CLEARED:
                cleared.append(after)
    return linked, cleared


def document_message_receive(*, actor: User, message: DocumentMessage) -> MessageAnswer:
    """Receive one message from an agency: a new permit or inspection result (original), its
    amendment (the full new content) or its revocation. Idempotent by (agency, reference,
    message id): a replay is refused with 409 and changes nothing.

    Declarations waiting for the agency are linked in the same transaction and, when nothing
    else holds them, cleared at once."""
    agency = require_agency(actor)
    _check_envelope(message)
    reference = message.reference.strip()
    message_id = message.message_id.strip()
    prior = (
        AgencyMessage.objects.filter(agency=agency, reference=reference, message_id=message_id)
        .select_related("document")
        .first()
    )
    if prior is not None:
        raise _replayed(prior, message)
    today = timezone.localdate()
    try:
        with transaction.atomic():
            answer = _apply(agency, actor, message, reference, today)
            AgencyMessage.objects.create(
                agency=agency,
                reference=reference,
                message_id=message_id,
                function=message.function,
                digest=message.content_digest(),
                document=answer.document,
                sent_by=actor,
            )
    except IntegrityError:
        # The same message arrived twice at once: the first one was recorded.
        prior = (
            AgencyMessage.objects.filter(agency=agency, reference=reference, message_id=message_id)
            .select_related("document")
            .first()
        )
        if prior is None:
            raise
        raise _replayed(prior, message) from None
    return answer


def _apply(
    agency: Agency, actor: User, msg: DocumentMessage, reference: str, today: date
) -> MessageAnswer:
    existing = (
        Document.objects.select_for_update(of=("self",))
        .filter(agency=agency, reference=reference)
        .select_related("holder", "declaration__office", "agency")
        .first()
    )
    if msg.function == MessageFunction.ORIGINAL:
        if existing is not None:
            raise Conflict(
                _(
                    "Reference %(r)s was already sent as a %(k)s; send an amendment or a "
                    "revocation for it, or a new reference."
                )
                % {"r": reference, "k": existing.get_kind_display()},
                code="duplicate-reference",
            )
        clean = _clean_content(msg, today)
        doc = Document.objects.create(
            agency=agency,
            kind=clean.kind,
            reference=reference,
            holder=clean.holder,
            declaration=clean.declaration,
            issued_on=clean.issued_on,
            valid_from=clean.valid_from,
            valid_to=clean.valid_to,
            result=clean.result,
            notes=clean.notes,
            received_by=actor,
        )
        _write_goods(doc, clean.goods)
        _document_event(
            doc,
            "singlewindow.document_received",
            actor,
            {"message_id": msg.message_id, "items": len(clean.goods)},
        )
    else:
        if existing is None:
            raise ValidationFailed(
                [
                    FieldProblem(
                        "reference",
                        _("no document with reference %(r)s was received from your agency")
                        % {"r": reference},
                        "unknown-reference",
                    )
                ]
            )
        doc = existing
        if doc.state == DocumentState.REVOKED:
            raise Conflict(
                _("Document %(r)s is revoked; it cannot change any more.") % {"r": reference},
                code="revoked",
            )
        if msg.function == MessageFunction.AMENDMENT:
            clean = _clean_content(msg, today)
            problems = []
            if clean.kind != doc.kind:
                problems.append(
                    FieldProblem(
                        "kind", _("cannot change (was %(v)s)") % {"v": doc.kind}, "immutable"
                    )
                )
            if clean.holder.pk != doc.holder_id:
                problems.append(
                    FieldProblem(
                        "holder_mst",
                        _("cannot change (was %(v)s)") % {"v": doc.holder.mst},
                        "immutable",
                    )
                )
            if problems:
                raise ValidationFailed(problems)
            doc.declaration = clean.declaration
            doc.issued_on = clean.issued_on
            doc.valid_from = clean.valid_from
            doc.valid_to = clean.valid_to
            if clean.result != doc.result:
                for g in doc.goods.all():
                    _unlink_open(g)
            doc.result = clean.result
            doc.notes = clean.notes
            doc.version += 1
            doc.save()
            _write_goods(doc, clean.goods)
            _document_event(
                doc, "singlewindow.document_amended", actor, {"message_id": msg.message_id}
            )
        else:
            doc.state = DocumentState.REVOKED
            doc.revoke_reason = msg.reason.strip()
            doc.version += 1
            doc.save()
            for g in doc.goods.all():
                _unlink_open(g)
            _document_event(
                doc,
                "singlewindow.document_revoked",
                actor,
                {"message_id": msg.message_id, "reason": doc.revoke_reason},
            )
    linked, cleared = _relink_holder(doc, actor)
    return MessageAnswer(document=doc, function=msg.function, linked=linked, cleared=cleared)


def document_access_record(
    *, user: User, document: Document, via: str, address: str | None = None
) -> None:
    """The access trail: a customs user opened an enterprise's permit or inspection result
    (an agency sees only the documents it issued: its reads are not recorded)."""
    if not user.is_customs:
        return
    access_record(
        user=user,
        part=Part.SW_DOCUMENT,
        subject_id=document.pk,
        enterprise_id=document.holder_id,
        reference=document.reference,
        via=via,
        address=address,
    )


def certificate_access_record(
    *, user: User, certificate: Certificate, via: str, address: str | None = None
) -> None:
    """The access trail: a customs user opened an importer's electronic certificate of origin
    (the importer's enterprise, where it is registered here)."""
    if not user.is_customs:
        return  # traders see their own; a partner endpoint its own messages
    access_record(
        user=user,
        part=Part.CERTIFICATE,
        subject_id=certificate.pk,
        enterprise_id=Enterprise.objects.filter(mst=certificate.importer_mst)
        .values_list("pk", flat=True)
        .first(),
        reference=certificate.reference_number,
        via=via,
        address=address,
    )
