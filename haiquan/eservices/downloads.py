"""Streaming stored documents to whoever the caller checked may have them (never a public
URL: the files live under random names in private storage)."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse

from haiquan.core.uploads import content_disposition, stored_file_response
from haiquan.core.uploads import upload_size_guard as shared_size_guard

from .catalogue import MAX_ATTACHMENT_BYTES
from .models import Filing, FilingDocument


def document_response(doc: FilingDocument) -> FileResponse:
    """The document as an attachment (never rendered inline), of the type read from its
    content when it was uploaded."""
    return stored_file_response(
        storage_name=doc.storage_name,
        content_type=doc.content_type,
        name=doc.original_name,
        size=doc.size,
    )


def pdf_response(filing: Filing, pdf: bytes) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition("inline", f"{filing.reference}.pdf")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def upload_size_guard(request: HttpRequest) -> None:
    """Refuse, before Django reads it, a body larger than any attachment may be."""
    shared_size_guard(request, MAX_ATTACHMENT_BYTES)
