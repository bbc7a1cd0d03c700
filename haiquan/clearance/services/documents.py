"""A declaration's documents (hồ sơ hải quan) and customs' requests for more (yêu cầu bổ sung hồ
sơ): uploads and replacements by the declarant, requests made by the officer during the check,
answered by the declarant, accepted by the officer, escalated when late. Which state allows
which of these, by whom, and what each writes is the workflow table's."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import IO, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.accounts.models import User
from haiquan.core.problems import Conflict, FieldProblem, ValidationFailed, invalid
from haiquan.core.uploads import StoredUpload, discard_on_error, upload_store
from haiquan.eventlog.choices import Party

from ..choices import DocumentKind, RequestState, Status
from ..models import Declaration, DeclarationDocument, DocumentRequest
from ..selectors import document_request_unsettled
from ..workflow import Action, By, require_officer_of, require_trader_of, transition
from .common import declaration_locked, record_event, save_fields

STORAGE_PREFIX = "clearance/documents"

_PDF = "application/pdf"
_IMAGES = frozenset({"image/jpeg", "image/png", "image/tiff"})
_XML = "application/xml"
_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SCANS = frozenset({_PDF, *_IMAGES})
# What each document may be, read from its content: scans (PDF or images) always; the electronic
# forms traders' systems produce where they exist (XML invoices, e-C/O and e-B/L; Excel packing
# lists; Word contracts and explanations). Nothing that runs: no archives, no macros, no HTML.
DOCUMENT_TYPES: dict[str, frozenset[str]] = {
    DocumentKind.INVOICE: _SCANS | {_XML, _XLSX},
    DocumentKind.PACKING_LIST: _SCANS | {_XML, _XLSX},
    DocumentKind.BILL_OF_LADING: _SCANS | {_XML},
    DocumentKind.CONTRACT: _SCANS | {_DOCX},
    DocumentKind.ORIGIN: _SCANS | {_XML},
    DocumentKind.PERMIT: _SCANS | {_XML},
    DocumentKind.INSPECTION: _SCANS | {_XML},
    DocumentKind.PHOTO: frozenset({"image/jpeg", "image/png", "image/webp"}),
    DocumentKind.EXPLANATION: _SCANS | {_DOCX},
    DocumentKind.OTHER: _SCANS,
}
MAX_REFERENCE = 60
MAX_MESSAGE = 5000
# A request's deadline: at least an hour ahead, at most this many days.
MAX_REQUEST_DAYS = 30


def document_max_bytes() -> int:
    """The largest document accepted (`HAIQUAN_DOCUMENT_MAX_MB`, 20 MB by default)."""
    return int(settings.HAIQUAN.get("DOCUMENT_MAX_BYTES", 20 * 1024 * 1024))


def _kind(kind: str, field: str = "kind") -> DocumentKind:
    if kind not in DocumentKind.values:
        raise invalid(
            field,
            _("Choose one of the documents: %(kinds)s.")
            % {"kinds": ", ".join(str(k.label) for k in DocumentKind)},
            "required" if not kind else "invalid",
        )
    return DocumentKind(kind)


def unsettled_request(declaration: Declaration) -> DocumentRequest | None:
    return document_request_unsettled(declaration)


def declaration_document_upload(
    *,
    actor: User,
    declaration: Declaration,
    kind: str,
    file: IO[bytes] | Any,
    reference: str = "",
    replaces: DeclarationDocument | None = None,
) -> DeclarationDocument:
    """Attach a document to the declaration's file, or a new version of one (`replaces`): the
    earlier version stays in the record, marked as replaced.

    Only the declarant (or its broker) uploads, from the draft until release. The file's type
    is read from its content and must be one the document may be (`DOCUMENT_TYPES`); its size at
    most `document_max_bytes()`. While customs' request for documents is open, the upload goes
    with the answer to it."""
    require_trader_of(actor, declaration)
    if replaces is not None:
        if replaces.declaration_id != declaration.pk:
            raise invalid("replaces", _("That document is not one of this declaration's."))
        kind = replaces.kind
    document_kind = _kind(kind)
    reference = (reference or "").strip()
    if len(reference) > MAX_REFERENCE:
        raise invalid(
            "reference",
            _("At most %(n)d characters.") % {"n": MAX_REFERENCE},
            "too-long",
        )
    if transition(declaration.status, Action.UPLOAD_DOCUMENT, By.TRADER) is None:
        raise _no_more_documents(declaration)
    upload = upload_store(
        file,
        prefix=STORAGE_PREFIX,
        types=DOCUMENT_TYPES[document_kind],
        max_bytes=document_max_bytes(),
        label=str(document_kind.label),
    )
    with discard_on_error(upload), transaction.atomic():
        declaration = declaration_locked(declaration, None)
        step = transition(declaration.status, Action.UPLOAD_DOCUMENT, By.TRADER)
        if step is None:
            raise _no_more_documents(declaration)
        if replaces is not None:
            replaces = _replaceable_locked(replaces)
        document = _document_create(actor, declaration, document_kind, reference, replaces, upload)
        record_event(
            declaration,
            step.emits[0],
            actor,
            {
                "document": document.pk,
                "kind": document_kind.value,
                "version": document.version,
                "replaces": replaces.pk if replaces is not None else None,
                "request": document.request_id,
                "size": upload.size,
                "type": upload.content_type,
                "sha256": upload.sha256,
            },
        )
    return document


def _no_more_documents(declaration: Declaration) -> Conflict:
    return Conflict(
        _("Documents can no longer be attached: the declaration is %(s)s.")
        % {"s": declaration.get_status_display()},
        code="wrong-state",
    )


def _replaceable_locked(replaces: DeclarationDocument) -> DeclarationDocument:
    """The version to replace, locked; refused when a newer version already replaced it."""
    replaces = DeclarationDocument.objects.select_for_update().get(pk=replaces.pk)
    newer = DeclarationDocument.objects.filter(replaces=replaces).first()
    if newer is not None:
        raise Conflict(
            _("Version %(v)d was already replaced by version %(n)d: replace that one.")
            % {"v": replaces.version, "n": newer.version},
            code="already-replaced",
        )
    return replaces


def _document_create(
    actor: User,
    declaration: Declaration,
    kind: DocumentKind,
    reference: str,
    replaces: DeclarationDocument | None,
    upload: StoredUpload,
) -> DeclarationDocument:
    """The new document (or version), with the open request for documents it answers."""
    request = unsettled_request(declaration)
    try:
        with transaction.atomic():
            return DeclarationDocument.objects.create(
                declaration=declaration,
                kind=kind,
                reference=reference or (replaces.reference if replaces else ""),
                version=replaces.version + 1 if replaces is not None else 1,
                replaces=replaces,
                request=request
                if request is not None and request.state == RequestState.OPEN
                else None,
                original_name=upload.original_name,
                content_type=upload.content_type,
                size=upload.size,
                sha256=upload.sha256,
                storage_name=upload.storage_name,
                uploaded_by=actor,
            )
    except IntegrityError as exc:  # another replacement of the same version won the race
        raise Conflict(
            _("That version was just replaced by someone else: reload the page."),
            code="already-replaced",
        ) from exc


def _due_problems(due_at: datetime | None, now: datetime) -> list[FieldProblem]:
    if due_at is None:
        return [FieldProblem("due_at", _("Give the deadline for the answer."), "required")]
    if timezone.is_naive(due_at):
        due_at = timezone.make_aware(due_at)
    if due_at < now + timedelta(hours=1):
        return [
            FieldProblem("due_at", _("The deadline must be at least an hour from now."), "too-soon")
        ]
    if due_at > now + timedelta(days=MAX_REQUEST_DAYS):
        return [
            FieldProblem(
                "due_at",
                _("The deadline may be at most %(n)d days from now.") % {"n": MAX_REQUEST_DAYS},
                "too-late",
            )
        ]
    return []


def document_request_make(
    *,
    actor: User,
    declaration: Declaration,
    kinds: list[str],
    message: str,
    due_at: datetime | None,
    expected_version: int | None = None,
) -> DocumentRequest:
    """The officer asks, during the document check or the inspection, for named documents or
    explanations by a deadline. The declaration then waits for the declarant (its time, in
    time-release measurement) until it answers."""
    now = timezone.now()
    errors: list[FieldProblem] = []
    chosen: list[str] = []
    for i, k in enumerate(kinds):
        if k not in DocumentKind.values:
            errors.append(
                FieldProblem(f"documents[{i}]", _("This is not a document haiquan knows."))
            )
        elif k not in chosen:
            chosen.append(k)
    message = (message or "").strip()
    if not message:
        errors.append(
            FieldProblem(
                "message", _("Say what the declarant must send or explain, and why."), "required"
            )
        )
    elif len(message) > MAX_MESSAGE:
        errors.append(
            FieldProblem("message", _("At most %(n)d characters.") % {"n": MAX_MESSAGE}, "too-long")
        )
    errors.extend(_due_problems(due_at, now))
    if errors:
        raise ValidationFailed(errors)
    assert due_at is not None
    if timezone.is_naive(due_at):
        due_at = timezone.make_aware(due_at)
    with transaction.atomic():
        declaration = declaration_locked(declaration, expected_version)
        require_officer_of(actor, declaration)
        step = transition(declaration.status, Action.REQUEST_DOCUMENTS, By.OFFICER)
        if step is None or not declaration.checks_pending:
            raise Conflict(
                _(
                    "Documents can be requested only during the document check or the "
                    "inspection (the declaration is %(s)s)."
                )
                % {"s": declaration.get_status_display()},
                code="wrong-state",
            )
        if unsettled_request(declaration) is not None:
            raise Conflict(
                _("A request for documents is still open: accept its answer first."),
                code="request-open",
            )
        request = DocumentRequest.objects.create(
            declaration=declaration,
            kinds=chosen,
            message=message,
            due_at=due_at,
            requested_by=actor,
        )
        declaration.status = step.target
        save_fields(declaration, "status")
        record_event(
            declaration,
            step.emits[0],
            actor,
            {"request": request.pk, "documents": chosen, "due_at": due_at.isoformat()},
        )
    return request


def document_request_answer(
    *,
    actor: User,
    declaration: Declaration,
    request: DocumentRequest,
    message: str,
    expected_version: int | None = None,
) -> DocumentRequest:
    """The declarant answers customs' request: the documents it uploaded meanwhile and a
    message. Each document named must be attached, or the message must say why it is not.
    The declaration returns to the check of its lane, where the officer reads the answer."""
    message = (message or "").strip()
    if len(message) > MAX_MESSAGE:
        raise invalid("message", _("At most %(n)d characters.") % {"n": MAX_MESSAGE}, "too-long")
    with transaction.atomic():
        declaration = declaration_locked(declaration, expected_version)
        require_trader_of(actor, declaration)
        request = DocumentRequest.objects.select_for_update().get(pk=request.pk)
        if request.declaration_id != declaration.pk or request.state != RequestState.OPEN:
            raise Conflict(_("This request is not waiting for an answer."), code="wrong-state")
        step = transition(
            declaration.status, Action.ANSWER_REQUEST, By.TRADER, declaration.lane or None
        )
        if step is None:
            raise Conflict(
                _("The declaration is not waiting for documents (it is %(s)s).")
                % {"s": declaration.get_status_display()},
                code="wrong-state",
            )
        attached = list(request.documents.order_by("uploaded_at", "pk"))
        have = {d.kind for d in attached}
        missing = [DocumentKind(k).label for k in request.kinds if k not in have]
        if missing and not message:
            raise invalid(
                "message",
                _("Attach %(docs)s, or explain here why you cannot.")
                % {"docs": ", ".join(str(m) for m in missing)},
                "required",
            )
        if not attached and not message:
            raise invalid("message", _("Attach the documents asked for or write an answer."))
        now = timezone.now()
        request.state = RequestState.ANSWERED
        request.answer = message
        request.answered_by = actor
        request.answered_at = now
        request.save(update_fields=["state", "answer", "answered_by", "answered_at"])
        declaration.status = step.target
        save_fields(declaration, "status")
        record_event(
            declaration,
            step.emits[0],
            actor,
            {
                "request": request.pk,
                "documents": [d.pk for d in attached],
                "late": now > request.due_at,
            },
        )
    return request


def document_request_accept(
    *,
    actor: User,
    declaration: Declaration,
    request: DocumentRequest,
    note: str = "",
    expected_version: int | None = None,
) -> DocumentRequest:
    """The officer accepts the declarant's answer; the check goes on (and may then be
    recorded, or another request made)."""
    note = (note or "").strip()
    if len(note) > MAX_MESSAGE:
        raise invalid("note", _("At most %(n)d characters.") % {"n": MAX_MESSAGE}, "too-long")
    with transaction.atomic():
        declaration = declaration_locked(declaration, expected_version)
        require_officer_of(actor, declaration)
        request = DocumentRequest.objects.select_for_update().get(pk=request.pk)
        step = transition(declaration.status, Action.ACCEPT_ANSWER, By.OFFICER)
        if (
            step is None
            or request.declaration_id != declaration.pk
            or request.state != RequestState.ANSWERED
        ):
            raise Conflict(
                _("Only an answered request can be accepted (this one is %(s)s).")
                % {"s": request.get_state_display()},
                code="wrong-state",
            )
        request.state = RequestState.ACCEPTED
        request.accepted_by = actor
        request.accepted_at = timezone.now()
        request.note = note
        request.save(update_fields=["state", "accepted_by", "accepted_at", "note"])
        save_fields(declaration)
        record_event(declaration, step.emits[0], actor, {"request": request.pk, "note": note})
    return request


def document_requests_escalate(*, now: datetime | None = None) -> int:
    """Escalate each request whose deadline passed without an answer (once): the office's
    queue shows it overdue and the event tells whoever subscribes (the leaders). The time up
    to the escalation was the declarant's, so the event is recorded for the trader's party."""
    now = now or timezone.now()
    due = list(
        DocumentRequest.objects.filter(
            state=RequestState.OPEN,
            escalated_at__isnull=True,
            due_at__lt=now,
            declaration__status=Status.AWAITING_DOCUMENTS,
        )
        .order_by("due_at", "pk")
        .values_list("pk", "declaration_id")
    )
    done = 0
    for request_pk, declaration_pk in due:
        with transaction.atomic():
            declaration = declaration_locked(Declaration(pk=declaration_pk), None)
            request = DocumentRequest.objects.select_for_update().get(pk=request_pk)
            step = transition(declaration.status, Action.ESCALATE_REQUEST, By.SYSTEM)
            if (
                step is None
                or request.state != RequestState.OPEN
                or request.escalated_at is not None
                or request.due_at >= now
            ):
                continue  # answered (or escalated) meanwhile
            request.escalated_at = now
            request.save(update_fields=["escalated_at"])
            record_event(
                declaration,
                step.emits[0],
                None,
                {"request": request.pk, "due_at": request.due_at.isoformat()},
                party=Party.TRADER,
                actor_label="deadline",
            )
            done += 1
    return done
