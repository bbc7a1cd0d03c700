"""Agencies' documents: the permits and inspection results partner agencies send (original,
amendment, revocation), the relinking of the holder's declarations they trigger, and the access
trail of documents and electronic certificates of origin opened by customs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
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

from ..choices import DocumentState, MessageFunction, RequestState
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
from .document_checks import content_clean, envelope_check
from .requests import _drawn, declaration_requests_sync

# ---------------------------------------------------------------------------------------------
# Agencies' messages: permits and inspection results


@dataclass(frozen=True)
class MessageAnswer:
    document: Document
    function: str
    linked: list[Request] = field(default_factory=list)
    cleared: list[Declaration] = field(default_factory=list)


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
    envelope_check(message)
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
        doc = _original_receive(agency, actor, msg, reference, today, existing)
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
            _amendment_apply(doc, actor, msg, today)
        else:
            _revocation_apply(doc, actor, msg)
    linked, cleared = _relink_holder(doc, actor)
    return MessageAnswer(document=doc, function=msg.function, linked=linked, cleared=cleared)


def _original_receive(
    agency: Agency,
    actor: User,
    msg: DocumentMessage,
    reference: str,
    today: date,
    existing: Document | None,
) -> Document:
    """A new document: its reference not used before by the agency."""
    if existing is not None:
        raise Conflict(
            _(
                "Reference %(r)s was already sent as a %(k)s; send an amendment or a "
                "revocation for it, or a new reference."
            )
            % {"r": reference, "k": existing.get_kind_display()},
            code="duplicate-reference",
        )
    clean = content_clean(msg, today)
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
    return doc


def _amendment_apply(doc: Document, actor: User, msg: DocumentMessage, today: date) -> None:
    """The document's full new content; its kind and holder cannot change. A changed result
    unlinks the declarations not cleared yet, so that they link again."""
    clean = content_clean(msg, today)
    problems = []
    if clean.kind != doc.kind:
        problems.append(
            FieldProblem("kind", _("cannot change (was %(v)s)") % {"v": doc.kind}, "immutable")
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
    _document_event(doc, kinds.SINGLEWINDOW_DOCUMENT_AMENDED, actor, {"message_id": msg.message_id})


def _revocation_apply(doc: Document, actor: User, msg: DocumentMessage) -> None:
    """The document revoked, with the reason; declarations not cleared yet are unlinked."""
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
