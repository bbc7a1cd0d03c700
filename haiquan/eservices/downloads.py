"""Streaming stored documents to whoever the caller checked may have them (never a public
URL: the files live under random names in private storage)."""

from __future__ import annotations

from urllib.parse import quote

from django.core.files.storage import storages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from haiquan.core.problems import invalid
from haiquan.core.web import pdf_response

from .catalogue import MAX_ATTACHMENT_BYTES
from .models import Filing, FilingDocument


def _disposition(kind: str, name: str) -> str:
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def document_response(doc: FilingDocument) -> FileResponse:
    """The document as an attachment (never rendered inline), of the type read from its
    content when it was uploaded."""
    fh = storages["default"].open(doc.storage_name, "rb")
    response = FileResponse(fh, content_type=doc.content_type)
    response["Content-Disposition"] = _disposition("attachment", doc.original_name)
    response["Content-Length"] = str(doc.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def filing_pdf_response(filing: Filing, pdf: bytes) -> HttpResponse:
    """A filing's signed result: never cached, never sniffed."""
    return pdf_response(pdf, f"{filing.reference}.pdf", private=True)


# Room for the multipart envelope and the other fields around the file.
_ENVELOPE_BYTES = 64 * 1024


def upload_size_guard(request: HttpRequest) -> None:
    """Refuse, before Django reads it, a body larger than any attachment may be, so a huge
    upload never fills the server's temporary files. Call before touching `request.FILES`."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_ATTACHMENT_BYTES + _ENVELOPE_BYTES:
        raise invalid(
            "file",
            _("The file is larger than the %(mb)d MB any document may be.")
            % {"mb": MAX_ATTACHMENT_BYTES // (1024 * 1024)},
            "too-large",
        )
