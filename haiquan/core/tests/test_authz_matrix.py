"""Who may do what: every endpoint × every role × own and others' objects, from ONE table.

`TABLE` below is the authorisation policy of the API written down: one row per endpoint (an
endpoint may have several rows, one per kind of object it is tried on), one column per role.
A cell reads `own/other`: the outcome on the caller's own object (its enterprise's, its
broker firm's, its office's) and on another party's. A row whose subject has no owner (a
tariff line, a risk profile) has one value for both.

Outcomes:
    ok     2xx: allowed and done
    refused 200 for a batch of device messages, every message refused and nothing stored
    in     200, and the party's object is in the list (a list endpoint)
    out    200, and the party's object is not in the list
    400    refused as a bad message (a device protocol that answers 400, as Traccar does)
    401    not authenticated
    405    (pages) the page only takes a form's POST; a GET by a role that may use it gets 405
    403    authenticated but not allowed (the object's existence is no secret)
    404    not the caller's to see: answered as if it did not exist, so ids do not leak
    login  (pages) 302 to the log-in page
    302    (pages) 302 elsewhere: a form's POST done, or a page with nothing for this user (the
           log-in page of a user logged in already) sending it on

Each cell is one test: it runs in a savepoint of the module's world (see `world.py`) and is
rolled back, so a cancellation in one cell does not disturb the next.

The table must be complete: `test_every_endpoint_has_a_row` lists the API's operations from
the router itself and fails for any without a row, so a new endpoint cannot ship without its
policy written here. It also fails for rows naming an endpoint that no longer exists.

Adding pages (the web interface): add rows with the page's URL pattern as Django's resolver
writes it with `{name}` placeholders (e.g. `GET /declarations/{pk}/`) and give their subject
a path parameter of that name in `SUBJECTS` (or reuse one, e.g. `decl:awaiting` fills
`declaration_id`; add `"pk": ...` next to it). Rows whose path does not start with `/api/`
are requested with a logged-in session (customs roles with their second factor verified),
not a token, and `anonymous` expects `login`. To make the page list complete as well, add the
URL namespace (e.g. "clearance") to `PAGE_NAMESPACES`: `test_every_endpoint_has_a_row` then
walks Django's URL resolver for that namespace and fails for any page without a row. Every
namespace of the site is walked (the apps' parts add theirs) but Django's admin, whose every page
is checked for every role by `test_admin_access.py`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from stdnum import iso6346

from haiquan.config.api import api
from haiquan.eservices.tests.world import FILING_STATES, EServicesParty, fee_body
from haiquan.eservices.tests.world import PDF as ES_PDF
from haiquan.payments.services import payment_order_create
from haiquan.refdata.models import Office
from haiquan.supervision.geometry import geometry_of
from haiquan.transit import devicekeys

from .authz import parts
from .world import ROLES, World, bank_message, declaration_payload
from .world_supervision import MOVEMENT_STATES, SupervisionParty

pytestmark = pytest.mark.usefixtures("fresh_limits")

# fmt: off
TABLE = """
# method path                                                 subject           declarant broker  officer leader  analyst admin   operator anonymous
GET      /api/v1/declarations                                 list:awaiting     in/out    in/out  in/out  in/out  in/in   in/in   out/out  401
# customs see drafts filed at their office (the office is on the draft): the rows record it
GET      /api/v1/declarations                                 list:draft        in/out    in/out  in/out  in/out  in/in   in/in   out/out  401
POST     /api/v1/declarations                                 enterprise        ok/403    ok/403  403/403 403/403 403/403 403/403 403/403  401
GET      /api/v1/declarations/queue                           queue:yellow      in/out    in/out  in/out  in/out  in/in   in/in   out/out  401
POST     /api/v1/declarations/duty-preview                    enterprise        ok/403    ok/403  403/403 403/403 403/403 403/403 403/403  401
GET      /api/v1/declarations/{declaration_id}                decl:awaiting     ok/404    ok/404  ok/404  ok/404  ok/ok   ok/ok   404/404  401
GET      /api/v1/declarations/{declaration_id}                decl:draft        ok/404    ok/404  ok/404  ok/404  ok/ok   ok/ok   404/404  401
PUT      /api/v1/declarations/{declaration_id}                decl:draft        ok/404    ok/404  403/404 403/404 403/403 403/403 404/404  401
POST     /api/v1/declarations/{declaration_id}/register       decl:draft        ok/404    ok/404  403/404 403/404 403/403 403/403 404/404  401
POST     /api/v1/declarations/{declaration_id}/amend          decl:awaiting     ok/404    ok/404  403/404 403/404 403/403 403/403 404/404  401
POST     /api/v1/declarations/{declaration_id}/cancel         decl:awaiting     ok/404    ok/404  ok/404  ok/404  403/403 403/403 404/404  401
POST     /api/v1/declarations/{declaration_id}/document-check decl:yellow       403/404   403/404 ok/404  ok/404  403/403 403/403 404/404  401
POST     /api/v1/declarations/{declaration_id}/inspection     decl:red          403/404   403/404 ok/404  ok/404  403/403 403/403 404/404  401
POST     /api/v1/declarations/{declaration_id}/check-preview  decl:yellow       403/404   403/404 ok/404  ok/404  403/403 403/403 404/404  401
POST     /api/v1/declarations/{declaration_id}/escalate       decl:yellow       403/404   403/404 ok/404  ok/404  403/403 403/403 404/404  401
POST     /api/v1/declarations/{declaration_id}/release        decl:cleared      403/404   403/404 ok/404  ok/404  403/403 403/403 404/404  401
GET      /api/v1/declarations/{declaration_id}/events         decl:awaiting     ok/404    ok/404  ok/404  ok/404  ok/ok   ok/ok   404/404  401
GET      /api/v1/declarations/{declaration_id}/versions       decl:awaiting     ok/404    ok/404  ok/404  ok/404  ok/ok   ok/ok   404/404  401
GET      /api/v1/declarations/{declaration_id}/checks         decl:awaiting     ok/404    ok/404  ok/404  ok/404  ok/ok   ok/ok   404/404  401
GET      /api/v1/tariff/lines                                 none              ok        ok      ok      ok      ok      ok      ok       401
GET      /api/v1/tariff/lines/{code}                          hs-line           ok        ok      ok      ok      ok      ok      ok       401
GET      /api/v1/tariff/agreements                            none              ok        ok      ok      ok      ok      ok      ok       401
GET      /api/v1/risk/profiles                                none              403       403     403     ok      ok      ok      403      401
POST     /api/v1/risk/profiles                                none              403       403     403     403     ok      ok      403      401
GET      /api/v1/risk/profiles/{profile_id}                   profile:active    403       403     403     ok      ok      ok      403      401
PUT      /api/v1/risk/profiles/{profile_id}                   profile:active    403       403     403     403     ok      ok      403      401
POST     /api/v1/risk/profiles/{profile_id}/deactivate        profile:active    403       403     403     403     ok      ok      403      401
POST     /api/v1/risk/profiles/{profile_id}/activate          profile:inactive  403       403     403     403     ok      ok      403      401
GET      /api/v1/risk/offices/{code}/setting                  office            403/403   403/403 403/403 ok/ok   ok/ok   ok/ok   403/403  401
PUT      /api/v1/risk/offices/{code}/setting                  office            403/403   403/403 403/403 403/403 ok/ok   ok/ok   403/403  401
# banks sign instead of logging in: "own" is a message signed with the bank's secret,
# "other" one signed with a forged secret; the caller's token plays no part
POST     /api/v1/payments/confirmations                       signed:payment    ok/401    ok/401  ok/401  ok/401  ok/401  ok/401  ok/401   ok/401
POST     /api/v1/payments/guarantees                          signed:guarantee  ok/401    ok/401  ok/401  ok/401  ok/401  ok/401  ok/401   ok/401
POST     /api/v1/payments/orders                              order             ok/404    ok/404  403/404 403/404 403/403 403/403 404/404  401
GET      /api/v1/payments/orders                              list:paid         in/out    in/out  in/out  in/out  in/in   in/in   out/out  401
GET      /api/v1/payments/receipts                            list:paid         in/out    in/out  in/out  in/out  in/in   in/in   out/out  401
GET      /api/v1/payments/receipts/{number}                   receipt           ok/404    ok/404  ok/404  ok/404  ok/ok   ok/ok   404/404  401
# supervision: "own" is the operator firm's place at 20BD (the officer's office; its port W20CD is at
# 20CD, in the leader's department); "other" a place in Bình Dương (43IH)
GET      /api/v1/supervision/zones                            list:zones        out/out   out/out in/out  in/out  in/in   in/in   in/out   401
POST     /api/v1/supervision/zones                            new-zone          403/403   403/403 ok/403  ok/403  403/403 ok/ok   403/403  401
GET      /api/v1/supervision/zones/{code}                     zone              404/404   404/404 ok/404  ok/404  ok/ok   ok/ok   ok/404   401
POST     /api/v1/supervision/zones/{code}/gate-events         zone              404/404   404/404 ok/404  ok/404  403/403 403/403 ok/404   401
GET      /api/v1/supervision/zones/{code}/gate-events         zone              404/404   404/404 ok/404  ok/404  ok/ok   ok/ok   ok/404   401
POST     /api/v1/supervision/zones/{code}/gate-events/batch   zone              404/404   404/404 ok/404  ok/404  403/403 403/403 ok/404   401
GET      /api/v1/supervision/zones/{code}/inventory           zone              404/404   404/404 ok/404  ok/404  ok/ok   ok/ok   ok/404   401
GET      /api/v1/supervision/zones/{code}/discrepancies       zone              404/404   404/404 ok/404  ok/404  ok/ok   ok/ok   ok/404   401
GET      /api/v1/supervision/zones/{code}/stock               zone              404/404   404/404 ok/404  ok/404  ok/ok   ok/ok   ok/404   401
GET      /api/v1/supervision/zones/{code}/lots                zone              404/404   404/404 ok/404  ok/404  ok/ok   ok/ok   ok/404   401
GET      /api/v1/supervision/zones/{code}/reconciliation      zone              404/404   404/404 ok/404  ok/404  ok/ok   ok/ok   ok/404   401
GET      /api/v1/supervision/zones/{code}/ledger              zone              404/404   404/404 ok/404  ok/404  ok/ok   ok/ok   ok/404   401
# alerts are for customs: operators and traders see none
GET      /api/v1/supervision/alerts                           list:alerts       out/out   out/out in/out  in/out  in/in   in/in   out/out  401
GET      /api/v1/supervision/alerts/{alert_id}                alert             404/404   404/404 ok/404  ok/404  ok/ok   ok/ok   404/404  401
POST     /api/v1/supervision/alerts/{alert_id}/acknowledge    alert             404/404   404/404 ok/404  ok/404  403/403 403/403 404/404  401
POST     /api/v1/supervision/alerts/{alert_id}/resolve        alert             404/404   404/404 ok/404  ok/404  403/403 403/403 404/404  401
# transit: "own" movements go from W20BD (20BD) to W20CD (20CD); "other" ones stay in 43IH.
# Devices report without logging in: "own" is a registered e-seal's message signed with its key,
# "other" the same from an unknown device. A platform (operator) sends its own seals' positions:
# "other" is another platform's seal, its message signed with that seal's key, and refused.
# Seals: "own" is the operator firm's platform's, "other" the other firm's (more in authz/transit.py)
GET      /api/v1/transit/osmand                               device            ok/401    ok/401  ok/401  ok/401  ok/401  ok/401  ok/401   ok/401
POST     /api/v1/transit/osmand                               device            ok/401    ok/401  ok/401  ok/401  ok/401  ok/401  ok/401   ok/401
POST     /api/v1/transit/positions                            device-batch      403/403   403/403 403/403 403/403 403/403 403/403 ok/refused 401
GET      /api/v1/transit/monitor                              none              403       403     ok      ok      ok      ok      403      401
POST     /api/v1/transit/eseals                               new-seal          403       403     ok      ok      ok      ok      403      401
GET      /api/v1/transit/eseals                               list:seals        out/out   out/out in/in   in/in   in/in   in/in   in/out   401
POST     /api/v1/transit/movements                            new-movement      ok/403    ok/403  ok/403  ok/403  403/403 403/403 403/403  401
GET      /api/v1/transit/movements                            list:movements    out/out   out/out in/out  in/out  in/in   in/in   in/out   401
GET      /api/v1/transit/movements/{reference}                movement:declared 404/404   404/404 ok/404  ok/404  ok/ok   ok/ok   ok/404   401
POST     /api/v1/transit/movements/{reference}/seal           movement:declared 404/404   404/404 ok/404  ok/404  403/403 403/403 403/404  401
# the departure is the place of departure's: its operator or an officer of 20BD
POST     /api/v1/transit/movements/{reference}/depart         movement:sealed   404/404   404/404 ok/404  ok/404  403/403 403/403 ok/404   401
# the arrival is the destination's: its operator or an officer of 20CD (the leader, not the officer)
POST     /api/v1/transit/movements/{reference}/arrive         movement:departed 404/404   404/404 403/404 ok/404  403/403 403/403 ok/404   401
POST     /api/v1/transit/movements/{reference}/verify-seals   movement:arrived  404/404   404/404 403/404 ok/404  403/403 403/403 403/404  401
POST     /api/v1/transit/movements/{reference}/close          movement:verified 404/404   404/404 403/404 ok/404  403/403 403/403 403/404  401
POST     /api/v1/transit/movements/{reference}/cancel         movement:declared 404/404   404/404 ok/404  ok/404  403/403 403/403 403/404  401
POST     /api/v1/transit/movements/{reference}/incidents      movement:departed 404/404   404/404 ok/404  ok/404  403/403 403/403 403/404  401
GET      /api/v1/transit/movements/{reference}/track          movement:departed 404/404   404/404 ok/404  ok/404  ok/ok   ok/ok   ok/404   401
POST     /api/v1/supervision/zones/{code}/receipts                    bonded            404/404   404/404 404/404 ok/404  403/403 403/403 ok/404   401
POST     /api/v1/supervision/zones/{code}/receipts/{document_number}/cancel receipt-doc     404/404   404/404 404/404 ok/404  403/403 403/403 ok/404   401
# pages: a session (customs with their second factor), anonymous visitors sent to log in. Pages that
# only take a form's POST answer 405 to a GET once the role may use them.
# /declarations/: a trader's own list; for customs, the search of the declarations in its scope
GET      /declarations/                                       page              ok        ok      ok      ok      ok      ok      403      login
GET      /declarations/acting-for/                            page              405       405     403     403     403     403     403      login
GET      /declarations/new/                                   page              ok        ok      403     403     403     403     403      login
GET      /declarations/form/line/                             page              ok        ok      403     403     403     403     403      login
GET      /declarations/form/duty-preview/                     page              405       405     403     403     403     403     403      login
GET      /declarations/hs-search/                             page              ok        ok      403     403     403     403     403      login
GET      /declarations/{pk}/                                  decl:awaiting     ok/404    ok/404  ok/404  ok/404  ok/ok   ok/ok   404/404  login
GET      /declarations/{pk}/                                  decl:draft        ok/404    ok/404  ok/404  ok/404  ok/ok   ok/ok   404/404  login
GET      /declarations/{pk}/edit/                             decl:draft        ok/404    ok/404  403/403 403/403 403/403 403/403 403/403  login
GET      /declarations/{pk}/review/                           decl:draft        ok/404    ok/404  403/403 403/403 403/403 403/403 403/403  login
GET      /declarations/{pk}/amend/                            decl:awaiting     ok/404    ok/404  403/403 403/403 403/403 403/403 403/403  login
GET      /declarations/{pk}/cancel/                           decl:awaiting     ok/404    ok/404  ok/404  ok/404  403/403 403/403 403/403  login
GET      /declarations/{pk}/pdf/                              decl:awaiting     ok/404    ok/404  ok/404  ok/404  ok/ok   ok/ok   404/404  login
GET      /officer/queue/                                      page              403       403     ok      ok      ok      ok      403      login
GET      /officer/today/                                      page              403       403     403     ok      ok      ok      403      login
GET      /declarations/{pk}/check/                            decl:yellow       403/403   403/403 ok/404  ok/404  403/403 403/403 403/403  login
GET      /declarations/{pk}/check/preview/                    decl:yellow       403/403   403/403 405/405 405/405 403/403 403/403 403/403  login
GET      /declarations/{pk}/escalate/                         decl:yellow       403/403   403/403 ok/404  ok/404  403/403 403/403 403/403  login
GET      /declarations/{pk}/release/                          decl:cleared      403/403   403/403 ok/404  ok/404  403/403 403/403 403/403  login
GET      /payments/declarations/{pk}/pay/                     decl:awaiting     405/405   405/405 403/403 403/403 403/403 403/403 403/403  login
GET      /payments/orders/{reference}/                        order:paid        ok/404    ok/404  ok/404  ok/404  ok/ok   ok/ok   404/404  login
GET      /payments/bank/{reference}/                          order:paid        ok/404    ok/404  403/403 403/403 403/403 403/403 403/403  login
GET      /payments/receipts/{number}/                         receipt           ok/404    ok/404  ok/404  ok/404  ok/ok   ok/ok   404/404  login
GET      /supervision/zones/                                  page              403       403     ok      ok      ok      ok      ok       login
GET      /supervision/zones/{code}/                           zone              403/403   403/403 ok/404  ok/404  ok/ok   ok/ok   ok/404   login
GET      /supervision/zones/{code}/gate/                      zone              403/403   403/403 405/405 405/405 405/405 405/405 405/405  login
GET      /supervision/zones/{code}/warehouse/                 bonded            403/403   403/403 404/404 ok/404  ok/ok   ok/ok   ok/404   login
GET      /supervision/zones/{code}/warehouse/{kind}/          bonded            403/403   403/403 405/405 405/405 405/405 405/405 405/405  login
GET      /supervision/zones/{code}/warehouse/{kind}/{pk}/cancel/ receipt-doc    403/403   403/403 404/404 ok/404  ok/ok   ok/ok   ok/404   login
GET      /supervision/alerts/                                 page              403       403     ok      ok      ok      ok      403      login
GET      /supervision/alerts/{pk}/                            alert             403/403   403/403 ok/404  ok/404  ok/ok   ok/ok   403/403  login
GET      /transit/monitor/                                    page              403       403     ok      ok      ok      ok      403      login
GET      /transit/movements/{reference}/                      movement:departed 403/403   403/403 ok/404  ok/404  ok/ok   ok/ok   403/403  login
# online public services: "own" filings are Hoàng Long's, filed by its broker at 20BD; "other" ones
# Minh Anh's at 43IH. The catalogue and the check of a signed result are public.
GET      /api/v1/eservices/procedures                         none              ok        ok      ok      ok      ok      ok      ok       ok
GET      /api/v1/eservices/procedures/{code}                  es:procedure      ok        ok      ok      ok      ok      ok      ok       ok
GET      /api/v1/eservices/verify/{code}                      es:verify         ok        ok      ok      ok      ok      ok      ok       ok
POST     /api/v1/eservices/filings                            es:enterprise     ok/403    ok/403  403/403 403/403 403/403 403/403 403/403  401
GET      /api/v1/eservices/filings                            list:filing       in/out    in/out  in/out  in/out  in/in   in/in   out/out  401
GET      /api/v1/eservices/filings/{filing_id}                filing:approved   ok/404    ok/404  ok/404  ok/404  ok/ok   ok/ok   404/404  401
GET      /api/v1/eservices/filings/{filing_id}/events         filing:approved   ok/404    ok/404  ok/404  ok/404  ok/ok   ok/ok   404/404  401
GET      /api/v1/eservices/filings/{filing_id}/result         filing:approved   ok/404    ok/404  ok/404  ok/404  ok/ok   ok/ok   404/404  401
GET      /api/v1/eservices/filings/{filing_id}/documents/{document_id} es:document ok/404  ok/404  ok/404  ok/404  ok/ok   ok/ok   404/404  401
PUT      /api/v1/eservices/filings/{filing_id}                filing:draft      ok/404    ok/404  403/404 403/404 403/403 403/403 404/404  401
POST     /api/v1/eservices/filings/{filing_id}/documents      es:upload         ok/404    ok/404  403/404 403/404 403/403 403/403 404/404  401
POST     /api/v1/eservices/filings/{filing_id}/submit         filing:draft      ok/404    ok/404  403/404 403/404 403/403 403/403 404/404  401
POST     /api/v1/eservices/filings/{filing_id}/fee-order      filing:awaiting_fee ok/404  ok/404  403/404 403/404 403/403 403/403 404/404  401
POST     /api/v1/eservices/filings/{filing_id}/answer         filing:info_requested ok/404 ok/404 403/404 403/404 403/403 403/403 404/404  401
POST     /api/v1/eservices/filings/{filing_id}/receive        filing:submitted  403/404   403/404 ok/404  ok/404  403/403 403/403 404/404  401
POST     /api/v1/eservices/filings/{filing_id}/info-requests  filing:in_review  403/404   403/404 ok/404  ok/404  403/403 403/403 404/404  401
POST     /api/v1/eservices/filings/{filing_id}/decision       filing:in_review  403/404   403/404 ok/404  ok/404  403/403 403/403 404/404  401
# a bank's signed confirmation of a fee: "own" signed with the bank's secret, "other" forged
POST     /api/v1/eservices/fee-confirmations                  signed:fee        ok/401    ok/401  ok/401  ok/401  ok/401  ok/401  ok/401   ok/401
GET      /api/v1/eservices/performance                        none              403       403     403     ok      ok      ok      403      401
GET      /api/v1/eservices/rulings                            list:ruling       in/out    in/out  in/in   in/in   in/in   in/in   out/out  401
# statistics: customs only, an office's figures and targets within the user's scope
GET      /api/v1/statistics/summary                           stats:office      403/403   403/403 ok/403  ok/403  ok/ok   ok/ok   403/403  401
GET      /api/v1/statistics/targets                           none              403       403     ok      ok      ok      ok      403      401
POST     /api/v1/statistics/targets                           stats:target-in   403/403   403/403 403/403 ok/403  403/403 ok/ok   403/403  401
GET      /api/v1/statistics/targets/{target_id}               stats:target      403/403   403/403 ok/404  ok/404  ok/ok   ok/ok   403/403  401
GET      /api/v1/statistics/targets/{target_id}/history       stats:target      403/403   403/403 ok/404  ok/404  ok/ok   ok/ok   403/403  401
# time release: customs only (reports are restricted to the offices in scope)
GET      /api/v1/time-release/report                          none              403       403     ok      ok      ok      ok      403      401
GET      /api/v1/time-release/breakdown                       none              403       403     ok      ok      ok      ok      403      401
GET      /api/v1/time-release/trading-across-borders          none              403       403     ok      ok      ok      ok      403      401
GET      /api/v1/time-release/sample                          none              403       403     ok      ok      ok      ok      403      401
GET      /api/v1/time-release/status                          none              403       403     ok      ok      ok      ok      403      401
"""  # noqa: E501
# fmt: on

# The apps' own parts of the table (haiquan/core/tests/authz/): rows, subjects, bodies, pages.
PARTS = parts()
TABLE += "\n".join(part.TABLE for part in PARTS)

# URL namespaces of pages whose every route must have a row (see the module docstring).
PAGE_NAMESPACES: tuple[str, ...] = (
    "clearance",
    "payments",
    "supervision",
    "transit",
    *(ns for part in PARTS for ns in part.PAGE_NAMESPACES),
)

# Routers mounted while this table was written, whose owners still owe their rows. An
# endpoint under these prefixes may lack a row for now; everywhere else a missing row fails.
# Remove a prefix once its rows are in the table.
ROWS_OWED: dict[str, str] = {}


@dataclass
class Target:
    """What a cell sends: path parameters, query, body (JSON or raw signed bytes), and for
    list subjects the value that must (or must not) appear in the answer."""

    path: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    raw: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    listed: str | None = None
    form: dict[str, str] | None = None  # sent as a form (query string for GET)


def _decl(state: str) -> Callable[[World, str], Target]:
    def make(world: World, scope: str) -> Target:
        d = world.party(scope).declarations[state]
        return Target(path={"declaration_id": d.pk, "pk": d.pk}, listed=str(d.pk))

    return make


def _list(state: str) -> Callable[[World, str], Target]:
    def make(world: World, scope: str) -> Target:
        d = world.party(scope).declarations[state]
        query = {"number": d.number} if d.number else {"status": "draft", "limit": 500}
        return Target(query=query, listed=str(d.pk))

    return make


def _queue(world: World, scope: str) -> Target:
    return Target(query={"limit": 500}, listed=str(world.party(scope).declarations["yellow"].pk))


def _paid(world: World, scope: str) -> Target:
    d = world.party(scope).declarations["cleared"]
    return Target(query={"declaration_number": d.number}, listed=d.number)


def _enterprise(world: World, scope: str) -> Target:
    p = world.party(scope)
    return Target(body=declaration_payload(p.enterprise.mst, p.office_code, "green"))


def _order(world: World, scope: str) -> Target:
    return Target(body={"declaration_number": world.party(scope).declarations["awaiting"].number})


def _signed(kind: str) -> Callable[[World, str], Target]:
    def make(world: World, scope: str) -> Target:
        decl = world.party(scope).declarations["awaiting"]
        today = timezone.localdate()
        if kind == "payment":
            trader = world.users["broker" if scope == "own" else "other_declarant"]
            order = payment_order_create(declaration=decl, actor=trader)
            body: dict[str, Any] = {
                "order_reference": order.reference,
                "bank_transaction_id": f"FT-MATRIX-{scope}",
                "amount_vnd": int(order.amount_vnd),
                "paid_at": timezone.now().isoformat(),
            }
        else:
            body = {
                "reference": f"BL-VCB-MATRIX-{scope}",
                "declaration_number": decl.number,
                "amount_vnd": int(decl.amount_due_vnd),
                "valid_from": today.isoformat(),
                "valid_to": (today + timedelta(days=30)).isoformat(),
            }
        return _bank_signed(world, scope, body)

    return make


def _bank_signed(world: World, scope: str, body: dict[str, Any]) -> Target:
    """The bank's message: "own" signed with its secret, "other" with a secret that is not."""
    secret = world.bank_secret if scope == "own" else "f" * 64
    msg = bank_message(secret, body)
    return Target(
        raw=msg["raw"],
        headers={
            "HTTP_X_BANK_CODE": world.bank.code,
            "HTTP_X_TIMESTAMP": msg["timestamp"],
            "HTTP_X_SIGNATURE": msg["signature"],
        },
    )


# --- supervision and transit subjects ---------------------------------------------------------


def _sup(world: World, scope: str) -> SupervisionParty:
    return world.supervision[scope]


def _movement(state: str) -> Callable[[World, str], Target]:
    def make(world: World, scope: str) -> Target:
        m = _sup(world, scope).movements[state]
        return Target(path={"reference": m.reference}, listed=m.reference)

    return make


def _position(device: str, key: str) -> dict[str, str]:
    """A position report signed with `key` (64 hex characters), as an e-seal sends it."""
    position = {
        "id": device,
        "timestamp": str(int(timezone.now().timestamp())),
        "lat": "21.5400",
        "lon": "107.9600",
    }
    return devicekeys.signed(key, position, 1)


def _device(world: World, scope: str) -> Target:
    """ "own": a registered seal's message signed with its key; "other": an unknown device's."""
    p = _sup(world, "own")
    seal = p.free_seal
    assert seal is not None
    if scope == "own":
        return Target(form=_position(seal.device_id, p.keys[seal.device_id]))
    return Target(form=_position("ES-NO-SUCH-SEAL", "ab" * 32))


def _device_batch(world: World, scope: str) -> Target:
    """A platform's batch: "own" its own seal's position, "other" another platform's seal's
    (signed with that seal's real key: only the platform it belongs to may relay it)."""
    p = _sup(world, scope)
    seal = p.free_seal
    assert seal is not None
    return Target(body={"positions": [_position(seal.device_id, p.keys[seal.device_id])]})


def _new_zone(world: World, scope: str) -> Target:
    p = _sup(world, scope)
    return Target(
        body={
            "code": f"WNEW{scope.upper()}",
            "name": "Bãi mới",
            "kind": "container_yard",
            "operator_mst": p.operator_firm.mst,
            "office_code": p.zone.office.code,
        }
    )


def _new_movement(world: World, scope: str) -> Target:
    p = _sup(world, scope)
    a, b = (geometry_of(z.geometry_wkt).centroid for z in (p.zone, p.destination))  # type: ignore[union-attr]
    return Target(
        body={
            "departure_zone": p.zone.code,
            "destination_zone": p.destination.code,
            "containers": ["CSQU3054383"],  # the container of the declaration below
            "route": f"LINESTRING ({a.x} {a.y}, {b.x} {b.y})",
            "time_limit_minutes": 600,
            # traders declare a transit for one of their declarations; officers may too
            "declaration_number": world.party(scope).declarations["cleared"].number,
        }
    )


FRESH_CONTAINER = "TCLU123456" + str(iso6346.calc_check_digit("TCLU123456"))


def _receipt_doc(world: World, scope: str) -> Target:
    doc = _sup(world, scope).receipt
    assert doc is not None
    return Target(
        path={
            "code": doc.zone.code,
            "document_number": doc.document_number,
            "kind": "receipt",
            "pk": doc.pk,
        }
    )


def _paid_order(world: World, scope: str) -> Target:
    receipt = world.party(scope).receipt
    assert receipt is not None
    return Target(path={"reference": receipt.confirmation.order.reference})


def _container_of(world: World, scope: str, state: str) -> str:
    m = _sup(world, scope).movements[state]
    return m.containers.values_list("container_number", flat=True).get()


# --- online public services subjects --------------------------------------------------------


def _es(world: World, scope: str) -> EServicesParty:
    return world.eservices[scope]


def _filing(state: str) -> Callable[[World, str], Target]:
    def make(world: World, scope: str) -> Target:
        f = _es(world, scope).filings[state]
        return Target(path={"filing_id": f.pk}, listed=str(f.pk))

    return make


def _es_document(world: World, scope: str) -> Target:
    doc = _es(world, scope).document
    assert doc is not None
    return Target(path={"filing_id": doc.filing_id, "document_id": doc.pk})


def _es_upload(world: World, scope: str) -> Target:
    f = _es(world, scope).filings["draft"]
    pdf = SimpleUploadedFile("thu.pdf", ES_PDF, content_type="application/pdf")
    return Target(path={"filing_id": f.pk}, form={"slot": "letter", "file": pdf})


def _signed_fee(world: World, scope: str) -> Target:
    order = _es(world, scope).fee_order
    assert order is not None
    return _bank_signed(world, scope, fee_body(order, f"FT-FEE-MATRIX-{scope}"))


def _stats_target(world: World, scope: str) -> Target:
    from haiquan.stats.models import Target as StatsTarget

    office = Office.objects.get(code=world.party(scope).office_code)
    t, _new = StatsTarget.objects.get_or_create(
        office=office,
        year=2026,
        authority="mof",
        defaults={"amount_vnd": 1000, "updated_by": world.users["admin"]},
    )
    return Target(path={"target_id": t.pk})


SUBJECTS: dict[str, Callable[[World, str], Target]] = {
    "none": lambda world, scope: Target(),
    "enterprise": _enterprise,
    "order": _order,
    "queue:yellow": _queue,
    "list:paid": _paid,
    "hs-line": lambda world, scope: Target(path={"code": "0810.90.92"}),
    "profile:active": lambda world, scope: Target(path={"profile_id": world.profile.pk}),
    "profile:inactive": lambda world, scope: Target(path={"profile_id": world.inactive_profile.pk}),
    "office": lambda world, scope: Target(path={"code": world.party(scope).office_code}),
    "receipt": lambda world, scope: Target(path={"number": world.party(scope).receipt.number}),
    "signed:payment": _signed("payment"),
    "signed:guarantee": _signed("guarantee"),
    **{f"decl:{s}": _decl(s) for s in ("draft", "awaiting", "yellow", "red", "cleared")},
    **{f"list:{s}": _list(s) for s in ("draft", "awaiting")},
    "list:zones": lambda w, s: Target(listed=_sup(w, s).zone.code),
    "new-zone": _new_zone,
    "zone": lambda w, s: Target(path={"code": _sup(w, s).zone.code}),
    "list:alerts": lambda w, s: Target(query={"limit": 500}, listed=str(_sup(w, s).alert.pk)),
    "alert": lambda w, s: Target(path={"alert_id": _sup(w, s).alert.pk, "pk": _sup(w, s).alert.pk}),
    "bonded": lambda w, s: Target(path={"code": _sup(w, s).destination.code, "kind": "receipt"}),
    "receipt-doc": _receipt_doc,
    "order:paid": _paid_order,
    "page": lambda w, s: Target(),
    "device": _device,
    "device-batch": _device_batch,
    "new-seal": lambda w, s: Target(body={"manufacturer": "WORLD", "serial": "matrix-new"}),
    "list:seals": lambda w, s: Target(
        query={"limit": 500},
        listed=_sup(w, s).free_seal.device_id,  # type: ignore[union-attr]
    ),
    "new-movement": _new_movement,
    "list:movements": lambda w, s: Target(
        query={"limit": 500}, listed=_sup(w, s).movements["declared"].reference
    ),
    **{f"movement:{st}": _movement(st) for st in MOVEMENT_STATES},
    "stats:office": lambda w, s: Target(
        query={"office": w.party(s).office_code, "from": "2026-01"}
    ),
    "stats:target-in": lambda w, s: Target(
        body={
            "office_code": w.party(s).office_code,
            "year": 2026,
            "authority": "mof",
            "amount_vnd": "1000",
        }
    ),
    "stats:target": _stats_target,
    "es:procedure": lambda w, s: Target(path={"code": "hs-ruling"}),
    "es:verify": lambda w, s: Target(path={"code": _es(w, "own").filings["approved"].result_code}),
    "es:enterprise": lambda w, s: Target(
        body={
            "procedure_code": "w-permit",
            "enterprise_mst": w.party(s).enterprise.mst,
            "office_code": w.party(s).office_code,
            "data": {"subject": "Xin phép thử"},
        }
    ),
    "list:filing": lambda w, s: Target(
        query={"limit": 500}, listed=str(_es(w, s).filings["approved"].pk)
    ),
    **{f"filing:{st}": _filing(st) for st in FILING_STATES},
    "es:document": _es_document,
    "es:upload": _es_upload,
    "signed:fee": _signed_fee,
    "list:ruling": lambda w, s: Target(
        query={"limit": 500},
        listed=_es(w, s).ruling.number,  # type: ignore[union-attr]
    ),
}

_CRITERIA = {"hs_prefixes": ["0302"], "lane": "yellow", "reason": "Cá tươi: kiểm tra hồ sơ"}

# Bodies of the operations that need one, given the target's party.
BODIES: dict[tuple[str, str], Callable[[World, str], Any]] = {
    ("PUT", "/api/v1/declarations/{declaration_id}"): lambda w, s: declaration_payload(
        w.party(s).enterprise.mst, w.party(s).office_code, "green"
    ),
    ("POST", "/api/v1/declarations/{declaration_id}/amend"): lambda w, s: {
        **declaration_payload(w.party(s).enterprise.mst, w.party(s).office_code, "green"),
        "invoice_number": "INV-2026-001A",
        "reason": "Sửa số hóa đơn",
    },
    ("POST", "/api/v1/declarations/{declaration_id}/cancel"): lambda w, s: {
        "reason": "Hàng không về"
    },
    ("POST", "/api/v1/declarations/{declaration_id}/document-check"): lambda w, s: {
        "outcome": "match"
    },
    ("POST", "/api/v1/declarations/{declaration_id}/inspection"): lambda w, s: {"outcome": "match"},
    ("POST", "/api/v1/declarations/{declaration_id}/check-preview"): lambda w, s: {
        "corrections": []
    },
    ("POST", "/api/v1/declarations/{declaration_id}/escalate"): lambda w, s: {
        "reason": "Nghi khai sai xuất xứ"
    },
    ("POST", "/api/v1/declarations/{declaration_id}/release"): lambda w, s: {},
    ("POST", "/api/v1/risk/profiles"): lambda w, s: {
        "code": "W-FISH",
        "name": "Cá tươi",
        **_CRITERIA,
    },
    ("PUT", "/api/v1/risk/profiles/{profile_id}"): lambda w, s: {
        **_CRITERIA,
        "change_note": "Thu hẹp tiêu chí",
    },
    ("POST", "/api/v1/risk/profiles/{profile_id}/deactivate"): lambda w, s: {"reason": "Hết hạn"},
    ("POST", "/api/v1/risk/profiles/{profile_id}/activate"): lambda w, s: {"reason": "Áp dụng lại"},
    ("PUT", "/api/v1/risk/offices/{code}/setting"): lambda w, s: {"random_rate": "0.05"},
    ("POST", "/api/v1/supervision/zones/{code}/gate-events"): lambda w, s: {
        "message_id": f"MATRIX-{s}",
        "direction": "in",
        "container_number": FRESH_CONTAINER,
    },
    ("POST", "/api/v1/supervision/zones/{code}/gate-events/batch"): lambda w, s: {
        "events": [
            {"message_id": f"MATRIX-B-{s}", "direction": "in", "container_number": FRESH_CONTAINER}
        ]
    },
    ("PUT", "/api/v1/eservices/filings/{filing_id}"): lambda w, s: {"data": {"subject": "Sửa"}},
    ("POST", "/api/v1/eservices/filings/{filing_id}/answer"): lambda w, s: {"text": "Đã bổ sung"},
    ("POST", "/api/v1/eservices/filings/{filing_id}/info-requests"): lambda w, s: {
        "text": "Đề nghị bổ sung hợp đồng"
    },
    ("POST", "/api/v1/eservices/filings/{filing_id}/decision"): lambda w, s: {
        "outcome": "approved",
        "text": "Đồng ý",
    },
    ("POST", "/api/v1/supervision/zones/{code}/receipts"): lambda w, s: {
        "declaration_number": _sup(w, s).c11_waiting.number,  # type: ignore[union-attr]
        "document_number": f"PN-MATRIX-{s}",
    },
    ("POST", "/api/v1/supervision/zones/{code}/receipts/{document_number}/cancel"): lambda w, s: {
        "reason": "Nhập nhầm số phiếu"
    },
    ("POST", "/api/v1/supervision/alerts/{alert_id}/acknowledge"): lambda w, s: {
        "note": "Đã liên hệ lái xe"
    },
    ("POST", "/api/v1/supervision/alerts/{alert_id}/resolve"): lambda w, s: {
        "note": "Xe tránh đường ngập, đã về tuyến"
    },
    ("POST", "/api/v1/transit/movements/{reference}/seal"): lambda w, s: {
        "seals": [
            {
                "container_number": _container_of(w, s, "declared"),
                "device_id": _sup(w, s).seal_for_sealing.device_id,  # type: ignore[union-attr]
            }
        ]
    },
    ("POST", "/api/v1/transit/movements/{reference}/depart"): lambda w, s: {},
    ("POST", "/api/v1/transit/movements/{reference}/arrive"): lambda w, s: {},
    ("POST", "/api/v1/transit/movements/{reference}/verify-seals"): lambda w, s: {
        "checks": [{"container_number": _container_of(w, s, "arrived"), "intact": True}]
    },
    ("POST", "/api/v1/transit/movements/{reference}/close"): lambda w, s: {"note": "Đủ niêm phong"},
    ("POST", "/api/v1/transit/movements/{reference}/cancel"): lambda w, s: {
        "reason": "Chủ hàng hủy chuyến"
    },
    ("POST", "/api/v1/transit/movements/{reference}/incidents"): lambda w, s: {
        "kind": "control",
        "description": "Cảnh sát giao thông kiểm tra xe",
    },
}


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    subject: str
    cells: dict[str, tuple[str, str]]  # role → (own, other)

    @property
    def is_page(self) -> bool:
        return not self.path.startswith("/api/")


def parse_table(text: str) -> list[Row]:
    rows = []
    for raw in text.strip().splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        method, path, subject, *outcomes = raw.split()
        assert len(outcomes) == len(ROLES), f"{raw!r}: one outcome per role {ROLES}"
        assert subject in SUBJECTS, f"{raw!r}: unknown subject {subject}"
        cells = {}
        for role, cell in zip(ROLES, outcomes, strict=True):
            own, _sep, other = cell.partition("/")
            cells[role] = (own, other or own)
        rows.append(Row(method, path, subject, cells))
    return rows


for part in PARTS:
    assert not set(part.SUBJECTS) & set(SUBJECTS), f"{part.__name__} redefines a subject"
    SUBJECTS.update(part.SUBJECTS)
    BODIES.update(part.BODIES)

ROWS = parse_table(TABLE)
# Subjects that belong to nobody in particular: one cell per role, not two.
UNOWNED = frozenset(
    {"none", "page", "hs-line", "profile:active", "profile:inactive", "new-seal"}
).union(*(part.UNOWNED for part in PARTS))
CELLS = [
    pytest.param(row, role, scope, id=f"{row.method} {row.path} [{row.subject}] {role} {scope}")
    for row in ROWS
    for role in ROLES
    for scope in (("own",) if row.subject in UNOWNED else ("own", "other"))
]


def api_endpoints() -> set[tuple[str, str]]:
    """Every operation the API serves, read from the router (not from the table)."""
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    return {(m.upper(), p) for p, ops in schema["paths"].items() for m in ops}


def _walk(patterns: list[Any], prefix: str, namespace: str | None) -> list[tuple[str, str]]:
    found = []
    for p in patterns:
        if isinstance(p, URLResolver):
            found += _walk(p.url_patterns, prefix + str(p.pattern), p.namespace or namespace)
        elif isinstance(p, URLPattern) and namespace in PAGE_NAMESPACES:
            route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", prefix + str(p.pattern))
            found.append(("GET", "/" + route))
    return found


def page_endpoints() -> set[tuple[str, str]]:
    """Pages of the namespaces in PAGE_NAMESPACES, as `GET /path/{param}/`."""
    return set(_walk(get_resolver().url_patterns, "", None))


def test_every_endpoint_has_a_row():
    in_table = {(r.method, r.path) for r in ROWS}
    served = api_endpoints() | page_endpoints()
    missing = sorted((m, p) for m, p in served - in_table if not p.startswith(tuple(ROWS_OWED)))
    assert not missing, f"endpoints without an authorisation row in TABLE: {missing}"
    stale = sorted((m, p) for m, p in in_table - served if p.startswith("/api/"))
    assert not stale, f"rows for endpoints that no longer exist: {stale}"


def test_rows_owed_are_still_owed():
    """A prefix whose endpoints all have rows now must leave ROWS_OWED."""
    in_table = {(r.method, r.path) for r in ROWS}
    missing = api_endpoints() - in_table
    for prefix in ROWS_OWED:
        assert any(p.startswith(prefix) for _m, p in missing), f"remove {prefix} from ROWS_OWED"


def test_the_table_reads_as_written():
    """A typo in an outcome would otherwise make a cell expect nothing."""
    allowed = {"ok", "in", "out", "refused", "302", "400", "401", "403", "404", "405", "login"}
    for row in ROWS:
        for role, (own, other) in row.cells.items():
            assert {own, other} <= allowed, (row, role)
        if row.subject.startswith(("list:", "queue:")):
            assert all(c in ("in", "out", "401", "403") for cs in row.cells.values() for c in cs)


def _client(world: World, role: str, page: bool) -> tuple[Client, dict[str, str]]:
    if not page:
        return Client(), world.auth(role)
    client = Client()
    user = world.users.get(role)
    if user is not None:
        client.force_login(user)
        if user.is_customs:
            from django_otp import DEVICE_ID_SESSION_KEY
            from django_otp.plugins.otp_totp.models import TOTPDevice

            device = TOTPDevice.objects.create(user=user, name="matrix", confirmed=True)
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
    return client, {}


def _send(client: Client, row: Row, target: Target, body: Any, headers: dict[str, str]) -> Any:
    url = row.path.format(**target.path)
    kwargs: dict[str, Any] = {**headers, **target.headers}
    if row.method == "GET":
        return client.get(url, data=target.form or target.query, **kwargs)
    if target.form is not None and body is None:
        return client.post(url, data=target.form, **kwargs)
    if target.raw is not None:
        data: Any = target.raw
    else:
        data = json.dumps(body if body is not None else {})
    send = getattr(client, row.method.lower())
    return send(url, data=data, content_type="application/json", **kwargs)


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "role", "scope"), CELLS)
def test_cell(world, row, role, scope):
    expected = row.cells[role][0 if scope == "own" else 1]
    target = SUBJECTS[row.subject](world, scope)
    body = target.body
    maker = BODIES.get((row.method, row.path))
    if maker is not None:
        body = maker(world, scope)
    client, headers = _client(world, role, row.is_page)
    resp = _send(client, row, target, body, headers)
    content = b"<streamed>" if resp.streaming else resp.content[:300]
    shown = f"{row.method} {row.path} as {role} on {scope}: {resp.status_code} {content!r}"
    if expected == "ok":
        assert 200 <= resp.status_code < 300, shown
    elif expected in ("in", "out"):
        assert resp.status_code == 200, shown
        answer = resp.json()
        items = answer["items"] if isinstance(answer, dict) else answer  # a few lists are short
        keys = {
            str(i.get(k))
            for i in items
            for k in ("id", "declaration_number", "code", "reference", "device_id", "number")
        }
        assert (target.listed in keys) == (expected == "in"), shown
    elif expected == "refused":
        # A batch answered as a whole (200), each of its messages refused, nothing stored.
        assert resp.status_code == 200, shown
        answer = resp.json()
        assert answer["stored"] == 0 and answer["refused"] == list(range(answer["received"])), shown
    elif expected == "login":
        assert resp.status_code == 302 and settings.LOGIN_URL in resp["Location"], shown
    elif expected == "302":
        assert resp.status_code == 302 and settings.LOGIN_URL not in resp["Location"], shown
    else:
        assert resp.status_code == int(expected), shown
        if resp.status_code >= 400 and not row.is_page:
            assert resp["Content-Type"] == "application/problem+json", shown
