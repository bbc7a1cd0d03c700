"""Who in the single window's partner agencies and gateways may do what, own and others' objects:
the authorisation matrix (haiquan/core/tests/test_authz_matrix.py) for the users of role
`agency`, which are not one of its columns.

Two columns, on the matrix's world and its single window part (core/tests/authz/singlewindow.py):

    agency   the plant quarantine office's system: "own" is what concerns it (its pass, the
             request addressed to it, the declaration asking it), "other" the food-safety
             office's (its pass for Minh Anh, the request and declaration addressed to it)
    gateway  Thailand's ASEAN Single Window gateway: "own" the e-C/O it sent, "other"
             Malaysia's

Outcomes as in the matrix (ok, in, out, 403, 404, login), and 422 where the service refuses
another's object by name (an agency revoking a reference it never sent, a gateway sending a
certificate issued by another country): nothing is written either way. Every operation of
/api/v1/single-window and every page of /single-window/ has a row (the last test checks it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from haiquan.config.api import api
from haiquan.core.tests.authz.singlewindow import (
    SingleWindowWorld,
    document_body,
    eco_body,
    requirement_body,
)
from haiquan.core.tests.fixtures import fresh_limits, world  # noqa: F401 - fixtures
from haiquan.core.tests.world import World

pytestmark = pytest.mark.usefixtures("fresh_limits")

COLUMNS = ("agency", "gateway")

# fmt: off
TABLE = """
# method path                                                 subject       agency   gateway
GET      /api/v1/single-window/agencies                       none          ok       ok
GET      /api/v1/single-window/requirements                   none          ok       ok
POST     /api/v1/single-window/requirements                   requirement-in 403     403
PUT      /api/v1/single-window/requirements/{requirement_id}  requirement   403      403
# an agency issues its permits and results to any enterprise; it revokes only its own
POST     /api/v1/single-window/documents                      message       ok       403
POST     /api/v1/single-window/documents                      revocation    ok/422   403/403
GET      /api/v1/single-window/documents                      list:document in/out   out/out
GET      /api/v1/single-window/documents/{document_id}        document      ok/404   404/404
GET      /api/v1/single-window/requests                       list:request  in/out   out/out
GET      /api/v1/single-window/declarations/{declaration_id}  declaration   ok/404   404/404
# a gateway sends the certificates its country issued, and reads back what it sent
POST     /api/v1/single-window/certificates                   eco-in        403/403  ok/422
GET      /api/v1/single-window/certificates                   list:certificate out/out in/out
GET      /api/v1/single-window/certificates/{certificate_id}  certificate   404/404  ok/404
GET      /single-window/                                      none          ok       ok
GET      /single-window/requirements/                         none          ok       ok
GET      /single-window/requirements/new/                     none          403      403
GET      /single-window/requirements/{pk}/                    requirement   403      403
GET      /single-window/documents/new/                        none          ok       403
GET      /single-window/documents/{pk}/                       document      ok/404   404/404
GET      /single-window/documents/{pk}/revoke/                document      ok/404   404/404
GET      /single-window/declarations/{pk}/                    declaration   ok/404   404/404
GET      /single-window/certificates/                         none          ok       ok
GET      /single-window/certificates/{pk}/                    certificate   404/404  ok/404
# the measures of the inspection lists on a line (reference data, nobody's own)
GET      /single-window/measures/                             none          ok       ok
GET      /single-window/measures/{code}/                      line          ok       ok
"""
# fmt: on

UNOWNED = frozenset({"none", "line", "requirement-in", "requirement", "message"})


@dataclass
class Target:
    path: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    listed: str | None = None


def _sw(w: World) -> SingleWindowWorld:
    sw = w.extra["singlewindow"]
    assert isinstance(sw, SingleWindowWorld)
    return sw


def _requirement(w: World, scope: str) -> Target:
    req = _sw(w).requirement
    return Target(path={"requirement_id": req.pk, "pk": req.pk}, body=requirement_body(w))


def _revocation(w: World, scope: str) -> Target:
    return Target(
        body={
            "message_id": f"W-REVOKE-{scope}",
            "function": "revocation",
            "reference": _sw(w)[scope].document.reference,
            "reason": "Cấp nhầm doanh nghiệp",
        }
    )


def _eco_in(w: World, scope: str) -> Target:
    # "other": a certificate issued by Malaysia, sent through Thailand's gateway
    country = "TH" if scope == "own" else "MY"
    return Target(body=eco_body(w, ID=f"D26{country}W9999", IssuingCountryCode=country))


def _object(attr: str, param: str) -> Callable[[World, str], Target]:
    def make(w: World, scope: str) -> Target:
        pk = getattr(_sw(w)[scope], attr).pk
        return Target(path={param: pk, "pk": pk})

    return make


def _listed(attr: str) -> Callable[[World, str], Target]:
    def make(w: World, scope: str) -> Target:
        return Target(query={"limit": 500}, listed=str(getattr(_sw(w)[scope], attr).pk))

    return make


SUBJECTS: dict[str, Callable[[World, str], Target]] = {
    "none": lambda w, scope: Target(),
    "line": lambda w, scope: Target(path={"code": "08109092"}),
    "requirement-in": lambda w, scope: Target(body=requirement_body(w)),
    "requirement": _requirement,
    "message": lambda w, scope: Target(body=document_body(w)),
    "revocation": _revocation,
    "list:document": _listed("document"),
    "document": _object("document", "document_id"),
    "list:request": _listed("request"),
    "declaration": _object("declaration", "declaration_id"),
    "eco-in": _eco_in,
    "list:certificate": _listed("certificate"),
    "certificate": _object("certificate", "certificate_id"),
}


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    subject: str
    cells: dict[str, tuple[str, str]]


def _rows() -> list[Row]:
    rows = []
    for raw in TABLE.strip().splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        method, path, subject, *outcomes = raw.split()
        assert subject in SUBJECTS and len(outcomes) == len(COLUMNS), raw
        cells = {}
        for column, cell in zip(COLUMNS, outcomes, strict=True):
            own, _sep, other = cell.partition("/")
            cells[column] = (own, other or own)
        rows.append(Row(method, path, subject, cells))
    return rows


ROWS = _rows()
CELLS = [
    pytest.param(row, column, scope, id=f"{row.method} {row.path} [{row.subject}] {column} {scope}")
    for row in ROWS
    for column in COLUMNS
    for scope in (("own",) if row.subject in UNOWNED else ("own", "other"))
]


def _client(w: World, column: str, page: bool) -> Client:
    """The plant quarantine office's system, or Thailand's gateway (a token; a session for
    pages: neither is customs staff, so no second factor)."""
    sw = _sw(w)
    if not page:
        return Client(HTTP_AUTHORIZATION=f"Bearer {sw.tokens[f'{column}:own']}")
    client = Client()
    own = sw["own"]
    client.force_login(own.agency_user if column == "agency" else own.gateway.user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "column", "scope"), CELLS)
def test_cell(world: World, row: Row, column: str, scope: str) -> None:  # noqa: F811 - the world fixture
    expected = row.cells[column][0 if scope == "own" else 1]
    target = SUBJECTS[row.subject](world, scope)
    page = not row.path.startswith("/api/")
    client = _client(world, column, page)
    url = row.path.format(**target.path)
    if row.method == "GET":
        resp = client.get(url, data=target.query)
    else:
        send = getattr(client, row.method.lower())
        resp = send(url, data=json.dumps(target.body or {}), content_type="application/json")
    shown = (
        f"{row.method} {row.path} as {column} on {scope}: {resp.status_code} {resp.content[:300]!r}"
    )
    if expected == "ok":
        assert 200 <= resp.status_code < 300, shown
    elif expected in ("in", "out"):
        assert resp.status_code == 200, shown
        ids = {str(item["id"]) for item in resp.json()["items"]}
        assert (target.listed in ids) == (expected == "in"), shown
    elif expected == "login":
        assert resp.status_code == 302 and settings.LOGIN_URL in resp["Location"], shown
    else:
        assert resp.status_code == int(expected), shown
        if not page:
            assert resp["Content-Type"] == "application/problem+json", shown


def test_every_route_has_a_row() -> None:
    """A new single window operation or page without a row here fails."""
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    served = {
        (m.upper(), p)
        for p, ops in schema["paths"].items()
        if p.startswith("/api/v1/single-window/")
        for m in ops
    }
    (mount,) = (
        r for r in get_resolver().url_patterns
        if isinstance(r, URLResolver) and r.namespace == "singlewindow"
    )  # fmt: skip
    served |= {
        ("GET", "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", f"{mount.pattern}{p.pattern}"))
        for p in mount.url_patterns
        if isinstance(p, URLPattern)
    }
    assert served == {(r.method, r.path) for r in ROWS}
