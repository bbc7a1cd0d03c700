"""A declaration's documents and customs' requests for them, in the authorisation matrix (API
and pages).

Everyone who may see the declaration lists and downloads its documents (customs' reads go into
the access trail); only its declarant or the broker that filed it uploads, replaces and answers
(`workflow.require_trader_of`: customs who see it get 403); only an officer or a leader of its
office asks for documents and accepts the answer (403 for the traders, analysts and
administrators who see it); whoever may not see it gets 404. "own" is the world's yellow
declaration of Hoàng Long filed by its broker at Móng Cái (20BD), "other" Minh Anh's at Sóng Thần
(43IH). Each cell makes the document or the request it needs (inside the cell's savepoint).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from haiquan.accounts.models import User
from haiquan.accounts.services import user_create
from haiquan.clearance.models import Declaration, DeclarationDocument, DocumentRequest
from haiquan.clearance.services import (
    declaration_document_upload,
    document_request_answer,
    document_request_make,
)

if TYPE_CHECKING:
    from ..test_authz_matrix import Target
    from ..world import World

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# fmt: off
TABLE = """
# declarations' documents: everyone who sees the declaration reads them; its trader uploads
GET      /api/v1/declarations/{declaration_id}/documents      decl:yellow       ok/404    ok/404  ok/404  ok/404  ok/ok   ok/ok   404/404  401
POST     /api/v1/declarations/{declaration_id}/documents      doc:upload        ok/404    ok/404  403/404 403/404 403/403 403/403 404/404  401
GET      /api/v1/declarations/{declaration_id}/documents/{document_id} doc:file ok/404    ok/404  ok/404  ok/404  ok/ok   ok/ok   404/404  401
POST     /api/v1/declarations/{declaration_id}/documents/{document_id}/replace doc:replace ok/404 ok/404 403/404 403/404 403/403 403/403 404/404 401
# requests for documents: customs of the office ask and accept, the trader answers
GET      /api/v1/declarations/{declaration_id}/document-requests decl:yellow    ok/404    ok/404  ok/404  ok/404  ok/ok   ok/ok   404/404  401
POST     /api/v1/declarations/{declaration_id}/document-requests decl:yellow    403/404   403/404 ok/404  ok/404  403/403 403/403 404/404  401
POST     /api/v1/declarations/{declaration_id}/document-requests/{request_id}/answer doc:requested-api ok/404 ok/404 403/404 403/404 403/403 403/403 404/404 401
POST     /api/v1/declarations/{declaration_id}/document-requests/{request_id}/accept doc:answered-api 403/404 403/404 ok/404 ok/404 403/403 403/403 404/404 401
# the pages
GET      /declarations/{pk}/documents/                        decl:yellow       405/405   405/405 405/405 405/405 405/405 405/405 405/405  login
POST     /declarations/{pk}/documents/                        doc:upload        302/404   302/404 403/404 403/404 403/403 403/403 404/404  login
GET      /declarations/{pk}/documents/{doc}/                  doc:file          ok/404    ok/404  ok/404  ok/404  ok/ok   ok/ok   404/404  login
GET      /declarations/{pk}/documents/request/                decl:yellow       403/403   403/403 ok/404  ok/404  403/403 403/403 403/403  login
POST     /declarations/{pk}/documents/request/                doc:request-form  403/403   403/403 302/404 302/404 403/403 403/403 403/403  login
GET      /declarations/{pk}/documents/requests/{rid}/answer/  doc:requested     405/405   405/405 405/405 405/405 405/405 405/405 405/405  login
POST     /declarations/{pk}/documents/requests/{rid}/answer/  doc:requested     302/404   302/404 403/404 403/404 403/403 403/403 404/404  login
GET      /declarations/{pk}/documents/requests/{rid}/accept/  doc:answered      403/403   403/403 405/405 405/405 403/403 403/403 403/403  login
POST     /declarations/{pk}/documents/requests/{rid}/accept/  doc:answered      403/403   403/403 302/404 302/404 403/403 403/403 403/403  login
"""  # noqa: E501
# fmt: on

PAGE_NAMESPACES: tuple[str, ...] = ()  # "clearance" is walked by the main table
UNOWNED: frozenset[str] = frozenset()


def build(world: World) -> dict[str, Any]:
    """Nothing in the shared world: each cell makes what it needs in its savepoint."""
    return {}


def _yellow(world: World, scope: str) -> Declaration:
    return world.party(scope).declarations["yellow"]


def _trader(world: World, scope: str) -> Any:
    return world.users["broker" if scope == "own" else "other_declarant"]


def _officer(world: World, scope: str) -> Any:
    if scope == "own":
        return world.users["officer"]
    # Made once (the cells' savepoints may keep it): an officer of the other party's office.
    existing = User.objects.filter(username="w.officer.43ih").first()
    return existing or user_create(
        username="w.officer.43ih", password=None, role="officer", office_codes=["43IH"]
    )


def _pdf(name: str = "hoa-don.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _document(world: World, scope: str) -> DeclarationDocument:
    d = _yellow(world, scope)
    return declaration_document_upload(
        actor=_trader(world, scope), declaration=d, kind="invoice", file=_pdf()
    )


def _request(world: World, scope: str) -> DocumentRequest:
    d = _yellow(world, scope)
    return document_request_make(
        actor=_officer(world, scope),
        declaration=d,
        kinds=[],
        message="Giải trình giá khai báo",
        due_at=timezone.now() + timedelta(days=1),
    )


def _target(**path: Any) -> Target:
    from ..test_authz_matrix import Target

    return Target(path=path)


def _upload(world: World, scope: str) -> Target:
    target = _target(declaration_id=_yellow(world, scope).pk, pk=_yellow(world, scope).pk)
    target.form = {"kind": "invoice", "file": _pdf()}  # type: ignore[dict-item]
    return target


def _file(world: World, scope: str) -> Target:
    doc = _document(world, scope)
    return _target(
        declaration_id=doc.declaration_id, pk=doc.declaration_id, document_id=doc.pk, doc=doc.pk
    )


def _replace(world: World, scope: str) -> Target:
    target = _file(world, scope)
    target.form = {"file": _pdf("hoa-don-2.pdf")}  # type: ignore[dict-item]
    return target


def _request_form(world: World, scope: str) -> Target:
    d = _yellow(world, scope)
    target = _target(declaration_id=d.pk, pk=d.pk)
    due = timezone.localtime() + timedelta(days=1)
    target.form = {"message": "Giải trình giá", "due_at": due.strftime("%Y-%m-%dT%H:%M")}
    return target


def _requested(world: World, scope: str) -> Target:
    r = _request(world, scope)
    target = _target(
        declaration_id=r.declaration_id, pk=r.declaration_id, request_id=r.pk, rid=r.pk
    )
    target.form = {"message": "Giá theo mùa vụ"}
    return target


def _requested_api(world: World, scope: str) -> Target:
    target = _requested(world, scope)
    target.form, target.body = None, {"message": "Giá theo mùa vụ"}
    return target


def _answered(world: World, scope: str) -> Target:
    r = _request(world, scope)
    document_request_answer(
        actor=_trader(world, scope),
        declaration=Declaration.objects.get(pk=r.declaration_id),
        request=r,
        message="Giá theo mùa vụ",
    )
    target = _target(
        declaration_id=r.declaration_id, pk=r.declaration_id, request_id=r.pk, rid=r.pk
    )
    target.form = {"note": ""}
    return target


def _answered_api(world: World, scope: str) -> Target:
    target = _answered(world, scope)
    target.form, target.body = None, {"note": "Chấp nhận"}
    return target


SUBJECTS: dict[str, Callable[[World, str], Target]] = {
    "doc:upload": _upload,
    "doc:file": _file,
    "doc:replace": _replace,
    "doc:request-form": _request_form,
    "doc:requested": _requested,
    "doc:answered": _answered,
    "doc:requested-api": _requested_api,
    "doc:answered-api": _answered_api,
}

BODIES: dict[tuple[str, str], Callable[[World, str], Any]] = {
    ("POST", "/api/v1/declarations/{declaration_id}/document-requests"): lambda w, s: {
        "documents": ["invoice"],
        "message": "Nộp hóa đơn thương mại có chữ ký",
        "due_at": (timezone.now() + timedelta(days=1)).isoformat(),
    },
}
