"""Agencies' documents: the permits and inspection results partner agencies send (original,
amendment, revocation), the relinking of the holder's declarations they trigger, and the access
trail of documents and electronic certificates of origin opened by customs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.accounts.models import User
from haiquan.audit.choices import Part
from haiquan.audit.services import access_record
from haiquan.clearance.choices import OPEN_STATUSES, Status
from haiquan.clearance.models import Declaration
from haiquan.clearance.services import declaration_clearance_retry
from haiquan.core.problems import Conflict, FieldProblem, ValidationFailed
from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party
from haiquan.eventlog.kinds import EventKind
from haiquan.refdata.models import Enterprise
from haiquan.tariff.normalise import hs_code_normalise, unit_is_known, unit_normalise

from ..choices import DocumentKind, DocumentState, MessageFunction, RequestState, Result
from ..inputs import DocumentMessage, GoodsInput, quantity_text
from ..models import (
    Agency,
    AgencyMessage,
    Certificate,
    Document,
    DocumentGoods,
    Request,
)
from ..permissions import require_agency
from .requests import _drawn, declaration_requests_sync

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


def _document_event(document: Document, kind: EventKind, actor: User, data: dict[str, Any]) -> None:
    decl = document.declaration
    kind.record(
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
            kinds.SINGLEWINDOW_DOCUMENT_RECEIVED,
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
                doc, kinds.SINGLEWINDOW_DOCUMENT_AMENDED, actor, {"message_id": msg.message_id}
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
                kinds.SINGLEWINDOW_DOCUMENT_REVOKED,
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
