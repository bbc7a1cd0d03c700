"""The one path every uploaded document takes (online-service filings, declarations' documents):
typed by its content, sized, scanned, stored privately, streamed back only by a view that has
checked who asks.

- The type is read from the bytes (`filetype`), never from the name or the type the browser sent;
  a file whose content is not one of the types the caller accepts is refused, naming the field.
- Stored in Django's default storage under a random name below a prefix: no name a user chose,
  no public URL (`MEDIA_URL` is never routed); files are served by `stored_file_response` from a
  view that checked the caller's scope and recorded the read.
- A refused or rolled-back upload leaves no file behind (`upload_discard`, `discard_on_error`).
"""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Any
from urllib.parse import quote

import filetype
from django.core.files.storage import storages
from django.db import transaction
from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _

from .problems import invalid
from .scanning import upload_scan

# The names people know the accepted types by.
TYPE_NAMES = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/tiff": "TIFF",
    "image/webp": "WebP",
    "application/zip": "ZIP",
    "application/xml": "XML",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word (DOCX)",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel (XLSX)",
}
# Room for the multipart envelope and the other fields around the file.
ENVELOPE_BYTES = 64 * 1024
_HEAD_BYTES = 8192


@dataclass(frozen=True)
class StoredUpload:
    """A file checked and stored: what its record keeps."""

    storage_name: str
    original_name: str
    content_type: str
    size: int
    sha256: str


def type_names(types: frozenset[str] | tuple[str, ...]) -> str:
    return ", ".join(sorted(TYPE_NAMES.get(t, t) for t in types))


def safe_display_name(name: str) -> str:
    """The file's own name, kept only to show and to offer on download: no folder part (a
    path in the name is dropped), no quotes or control characters, at most 200 characters."""
    base = PurePath((name or "").replace("\\", "/")).name
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '"/\\')
    return cleaned[:200] or "document"


def _is_xml(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    return text.startswith(b"<?xml") and b"<!DOCTYPE" not in head.upper()


def content_type_of(head: bytes) -> str:
    """The type the file's first bytes show ("" when unknown). XML has no magic number:
    a document opening with an XML declaration (and no DOCTYPE, which could pull in entities)
    counts as XML."""
    kind = filetype.guess(head)
    if kind is not None:
        return str(kind.mime)
    return "application/xml" if _is_xml(head) else ""


def upload_check(
    file: IO[bytes] | Any,
    *,
    types: frozenset[str],
    max_bytes: int,
    field: str = "file",
    label: str = "",
) -> str:
    """Refuse (422 naming `field`) an empty file, one larger than `max_bytes`, or one whose
    content is none of `types`; answer the type the content shows."""
    size = int(getattr(file, "size", 0) or 0)
    if size <= 0:
        raise invalid(field, _("The file is empty."), "empty")
    what = label or _("this document")
    if size > max_bytes:
        raise invalid(
            field,
            _("The file is %(size)s MB; %(label)s accepts at most %(max)s MB.")
            % {
                "size": f"{size / (1024 * 1024):.1f}",
                "label": what,
                "max": f"{max_bytes / (1024 * 1024):g}",
            },
            "too-large",
        )
    file.seek(0)
    mime = content_type_of(file.read(_HEAD_BYTES))
    file.seek(0)
    if mime not in types:
        found = TYPE_NAMES.get(mime, mime) if mime else _("an unrecognised type")
        raise invalid(
            field,
            _("The file's content is %(found)s; %(label)s accepts %(types)s.")
            % {"found": found, "label": what, "types": type_names(types)},
            "wrong-type",
        )
    return mime


def upload_store(
    file: IO[bytes] | Any,
    *,
    prefix: str,
    types: frozenset[str],
    max_bytes: int,
    field: str = "file",
    label: str = "",
) -> StoredUpload:
    """Check the file (`upload_check`), scan it (ClamAV when configured) and store it under a
    random name below `prefix`. The caller writes its record inside a transaction and calls
    `upload_discard` if that fails (or uses `discard_on_error`)."""
    mime = upload_check(file, types=types, max_bytes=max_bytes, field=field, label=label)
    upload_scan(file, field=field)
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(65536), b""):
        digest.update(chunk)
    file.seek(0)
    stored = storages["default"].save(f"{prefix}/{uuid.uuid4().hex}", file)
    return StoredUpload(
        storage_name=stored,
        original_name=safe_display_name(getattr(file, "name", "") or ""),
        content_type=mime,
        size=int(getattr(file, "size", 0)),
        sha256=digest.hexdigest(),
    )


def upload_discard(storage_name: str) -> None:
    storages["default"].delete(storage_name)


@contextlib.contextmanager
def discard_on_error(upload: StoredUpload) -> Iterator[None]:
    """Nothing half-saved: the stored file goes when its record could not be written."""
    try:
        yield
    except BaseException:
        upload_discard(upload.storage_name)
        raise


def discard_on_commit(storage_name: str) -> None:
    """Remove a stored file once the transaction that dropped its record commits."""
    transaction.on_commit(lambda: upload_discard(storage_name))


def _disposition(kind: str, name: str) -> str:
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def content_disposition(kind: str, name: str) -> str:
    return _disposition(kind, name)


def stored_file_response(
    *, storage_name: str, content_type: str, name: str, size: int
) -> FileResponse:
    """A stored document as an attachment (never rendered inline), of the type read from its
    content when it was uploaded, never cached."""
    fh = storages["default"].open(storage_name, "rb")
    response = FileResponse(fh, content_type=content_type)
    response["Content-Disposition"] = _disposition("attachment", name)
    response["Content-Length"] = str(size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def upload_size_guard(request: HttpRequest, max_bytes: int, *, field: str = "file") -> None:
    """Refuse, before Django reads it, a body larger than any accepted file may be, so a huge
    upload never fills the server's temporary files. Call before touching `request.FILES`."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > max_bytes + ENVELOPE_BYTES:
        raise invalid(
            field,
            _("The file is larger than the %(mb)s MB any document may be.")
            % {"mb": f"{max_bytes / (1024 * 1024):g}"},
            "too-large",
        )
