"""/api/v1/declarations/{id}/documents and /document-requests: a declaration's documents
(multipart uploads, versions, downloads recorded in the access trail) and customs' requests for
more. Mounted under the declarations' router. Thin: parse, call a service, answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from haiquan.accounts.apiauth import API_AUTH
from haiquan.accounts.models import User
from haiquan.audit.choices import Part, Via
from haiquan.audit.services import access_record, declaration_access_record
from haiquan.core.api import ObjectId
from haiquan.core.problems import invalid
from haiquan.core.uploads import stored_file_response, upload_size_guard
from haiquan.core.web import user_of

from . import services
from .models import Declaration, DeclarationDocument, DocumentRequest
from .selectors import (
    declaration_document_get,
    declaration_documents,
    declaration_get_for,
    document_request_get,
    document_requests,
)
from .services.documents import document_max_bytes

router = Router(tags=["declaration documents"], auth=API_AUTH)


class DeclarationDocumentOut(Schema):
    id: int
    kind: str = Field(description="invoice, packing_list, bill_of_lading, contract, origin, ...")
    reference: str
    version: int
    replaces: int | None = Field(None, description="The earlier version this one replaced")
    current: bool = Field(description="False once a later version replaced it")
    request: int | None = Field(None, description="The request for documents it answers")
    original_name: str
    content_type: str = Field(description="Read from the file's content")
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime
    download_url: str


class DocumentRequestIn(Schema):
    documents: list[str] = Field(
        default_factory=list,
        description="The documents asked for (kinds, as in DeclarationDocumentOut)",
    )
    message: str = Field(description="What the declarant must send or explain, and why")
    due_at: datetime | None = Field(description="The deadline of the answer")
    version: int | None = Field(None, description="The declaration's version you saw")


class AnswerIn(Schema):
    message: str = ""
    version: int | None = None


class AcceptIn(Schema):
    note: str = ""
    version: int | None = None


class DocumentRequestOut(Schema):
    id: int
    state: str = Field(description="open, answered or accepted")
    documents: list[str]
    message: str
    due_at: datetime
    overdue: bool
    escalated_at: datetime | None
    requested_by: str
    requested_at: datetime
    answer: str
    answered_by: str | None
    answered_at: datetime | None
    attached: list[int] = Field(description="The documents uploaded in answer")
    accepted_by: str | None
    accepted_at: datetime | None
    note: str


def _document_out(doc: DeclarationDocument, current: bool) -> dict[str, Any]:
    return {
        "id": doc.pk,
        "kind": doc.kind,
        "reference": doc.reference,
        "version": doc.version,
        "replaces": doc.replaces_id,
        "current": current,
        "request": doc.request_id,
        "original_name": doc.original_name,
        "content_type": doc.content_type,
        "size": doc.size,
        "sha256": doc.sha256,
        "uploaded_by": doc.uploaded_by.get_username(),
        "uploaded_at": doc.uploaded_at,
        "download_url": f"/api/v1/declarations/{doc.declaration_id}/documents/{doc.pk}",
    }


def _request_out(req: DocumentRequest) -> dict[str, Any]:
    def name(user: User | None) -> str | None:
        return user.get_username() if user is not None else None

    return {
        "id": req.pk,
        "state": req.state,
        "documents": list(req.kinds),
        "message": req.message,
        "due_at": req.due_at,
        "overdue": req.overdue_at(timezone.now()),
        "escalated_at": req.escalated_at,
        "requested_by": req.requested_by.get_username(),
        "requested_at": req.requested_at,
        "answer": req.answer,
        "answered_by": name(req.answered_by),
        "answered_at": req.answered_at,
        "attached": sorted(d.pk for d in req.documents.all()),
        "accepted_by": name(req.accepted_by),
        "accepted_at": req.accepted_at,
        "note": req.note,
    }


def _read(request: HttpRequest, pk: int) -> Declaration:
    declaration = declaration_get_for(user_of(request), pk=pk)
    declaration_access_record(
        user=user_of(request),
        declaration=declaration,
        via=Via.API,
        part=Part.DOCUMENTS,
        address=request.META.get("REMOTE_ADDR"),
    )
    return declaration


_MULTIPART = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "kind": {"type": "string", "description": "The document (a new one)"},
                        "reference": {"type": "string", "description": "Its number, if any"},
                        "file": {"type": "string", "format": "binary"},
                    },
                }
            }
        },
    }
}


def _upload(
    request: HttpRequest, declaration_id: int, replaces: DeclarationDocument | None = None
) -> Any:
    declaration = declaration_get_for(user_of(request), pk=declaration_id)
    upload_size_guard(request, document_max_bytes())
    file = request.FILES.get("file")
    if file is None:
        raise invalid("file", _("Send the document as the multipart part 'file'."), "required")
    doc = services.declaration_document_upload(
        actor=user_of(request),
        declaration=declaration,
        kind=str(request.POST.get("kind", "")),
        reference=str(request.POST.get("reference", "")),
        file=file,
        replaces=replaces,
    )
    return Status(201, _document_out(doc, current=True))


@router.get(
    "/{declaration_id}/documents",
    response=list[DeclarationDocumentOut],
    summary="The declaration's documents, every version",
)
def documents_list(request: HttpRequest, declaration_id: ObjectId) -> Any:
    declaration = _read(request, declaration_id)
    return [
        _document_out(d, current=not getattr(d, "replaced", False))
        for d in declaration_documents(declaration)
    ]


@router.post(
    "/{declaration_id}/documents",
    response={201: DeclarationDocumentOut},
    summary="Attach a document",
    openapi_extra=_MULTIPART,
)
def document_upload(request: HttpRequest, declaration_id: ObjectId) -> Any:
    """multipart/form-data with `kind`, `file` and optionally `reference`. The file's type is
    read from its content and must be one the document may be (PDF or images; XML, Word or
    Excel for some); a file too large or of another type is refused naming `file`. While a
    request for documents is open the document goes with the answer to it."""
    return _upload(request, declaration_id)


@router.post(
    "/{declaration_id}/documents/{document_id}/replace",
    response={201: DeclarationDocumentOut},
    summary="Replace a document (the earlier version is kept)",
    openapi_extra=_MULTIPART,
)
def document_replace(request: HttpRequest, declaration_id: ObjectId, document_id: ObjectId) -> Any:
    _declaration, doc = declaration_document_get(
        user_of(request), declaration_pk=declaration_id, pk=document_id
    )
    return _upload(request, declaration_id, replaces=doc)


@router.get(
    "/{declaration_id}/documents/{document_id}",
    summary="Download a document",
    response={200: None},
)
def document_download(request: HttpRequest, declaration_id: ObjectId, document_id: ObjectId) -> Any:
    declaration, doc = declaration_document_get(
        user_of(request), declaration_pk=declaration_id, pk=document_id
    )
    document_read_record(request, declaration, doc, Via.API)
    return stored_file_response(
        storage_name=doc.storage_name,
        content_type=doc.content_type,
        name=doc.original_name,
        size=doc.size,
    )


def document_read_record(
    request: HttpRequest, declaration: Declaration, doc: DeclarationDocument, via: Via
) -> None:
    """A customs user's download, in the access trail: the declaration, and which document."""
    access_record(
        user=cast(User, request.user),
        part=Part.DOCUMENT,
        subject_id=declaration.pk,
        enterprise_id=declaration.enterprise_id,
        reference=f"{declaration.number or declaration.pk} #{doc.pk} v{doc.version}",
        office_code=declaration.office.code,
        via=via,
        address=request.META.get("REMOTE_ADDR"),
    )


@router.get(
    "/{declaration_id}/document-requests",
    response=list[DocumentRequestOut],
    summary="Customs' requests for documents and their answers",
)
def requests_list(request: HttpRequest, declaration_id: ObjectId) -> Any:
    declaration = _read(request, declaration_id)
    return [_request_out(r) for r in document_requests(declaration)]


@router.post(
    "/{declaration_id}/document-requests",
    response={201: DocumentRequestOut},
    summary="Ask the declarant for documents or explanations",
)
def request_make(request: HttpRequest, declaration_id: ObjectId, payload: DocumentRequestIn) -> Any:
    """During the document check (yellow) or the inspection (red): the documents named, what
    to explain, the deadline (an hour to 30 days ahead). The declaration waits for the
    declarant (`awaiting_documents`) until it answers."""
    req = services.document_request_make(
        actor=user_of(request),
        declaration=declaration_get_for(user_of(request), pk=declaration_id),
        kinds=payload.documents,
        message=payload.message,
        due_at=payload.due_at,
        expected_version=payload.version,
    )
    return Status(201, _request_out(req))


@router.post(
    "/{declaration_id}/document-requests/{request_id}/answer",
    response=DocumentRequestOut,
    summary="Answer a request for documents",
)
def request_answer(
    request: HttpRequest, declaration_id: ObjectId, request_id: ObjectId, payload: AnswerIn
) -> Any:
    """Upload the documents first (they go with the open request), then answer with a message;
    a document asked for and not attached needs a message saying why."""
    declaration = declaration_get_for(user_of(request), pk=declaration_id)
    req = services.document_request_answer(
        actor=user_of(request),
        declaration=declaration,
        request=document_request_get(declaration, request_id),
        message=payload.message,
        expected_version=payload.version,
    )
    return _request_out(req)


@router.post(
    "/{declaration_id}/document-requests/{request_id}/accept",
    response=DocumentRequestOut,
    summary="Accept the declarant's answer",
)
def request_accept(
    request: HttpRequest, declaration_id: ObjectId, request_id: ObjectId, payload: AcceptIn
) -> Any:
    declaration = declaration_get_for(user_of(request), pk=declaration_id)
    req = services.document_request_accept(
        actor=user_of(request),
        declaration=declaration,
        request=document_request_get(declaration, request_id),
        note=payload.note,
        expected_version=payload.version,
    )
    return _request_out(req)
