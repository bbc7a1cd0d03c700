"""The single window's part of the authorisation matrix: partner agencies' permits and results,
the requests of declaration lines, the requirements table and the e-C/O (ASEAN Single Window).

Both parties import dragon fruit from ASEAN, which the requirements table below sends to a
partner agency:

- "own": Hoàng Long's fruit from Thailand, declared by its broker at Móng Cái (20BD), needs
  plant quarantine; the quarantine office's pass for it, and a Thai e-C/O naming Hoàng Long as
  importer;
- "other": Minh Anh's fruit from Malaysia, declared at Sóng Thần (43IH), needs a food-safety
  check; the food-safety office's pass for it, and a Malaysian e-C/O for Minh Anh.

Only partner agencies send permits and results, only partner countries' gateways send e-C/O,
and only administrators keep the requirements table: every column is refused those. Agencies
and gateways are users of role `agency`, not a column; their own and others' access is tested
in haiquan/singlewindow/tests/test_agency_access.py on these same objects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from haiquan.accounts.models import User
from haiquan.accounts.services import user_create
from haiquan.accounts.tests.helpers import api_token
from haiquan.clearance.models import Declaration
from haiquan.clearance.services import declaration_register
from haiquan.singlewindow.asw import certificate_receive
from haiquan.singlewindow.choices import AgencyKind, DocumentKind, RequestState
from haiquan.singlewindow.inputs import (
    CertificateInput,
    CertificateItemInput,
    DocumentMessage,
    GoodsInput,
)
from haiquan.singlewindow.models import (
    Agency,
    AgencyMember,
    Certificate,
    Document,
    PartnerEndpoint,
    Request,
    Requirement,
)
from haiquan.singlewindow.services import (
    RequirementInput,
    document_message_receive,
    requirement_create,
)

from ..world import declaration_input

if TYPE_CHECKING:
    from ..test_authz_matrix import Target
    from ..world import World

# fmt: off
TABLE = """
# single window: the agencies and the requirements table are read by every signed-in user and
# kept by administrators; permits and results come from partner agencies only, e-C/O from partner
# countries' gateways only. "own": Hoàng Long's fruit from Thailand at 20BD; "other": Minh Anh's
# from Malaysia at 43IH (see authz/singlewindow.py)
GET      /api/v1/single-window/agencies                       none              ok        ok      ok      ok      ok      ok      ok       401
GET      /api/v1/single-window/requirements                   none              ok        ok      ok      ok      ok      ok      ok       401
POST     /api/v1/single-window/requirements                   sw:requirement-in 403       403     403     403     403     ok      403      401
PUT      /api/v1/single-window/requirements/{requirement_id}  sw:requirement    403       403     403     403     403     ok      403      401
POST     /api/v1/single-window/documents                      sw:message        403       403     403     403     403     403     403      401
GET      /api/v1/single-window/documents                      list:sw:documents in/out    in/out  in/out  in/out  in/in   in/in   out/out  401
GET      /api/v1/single-window/documents/{document_id}        sw:document       ok/404    ok/404  ok/404  ok/404  ok/ok   ok/ok   404/404  401
GET      /api/v1/single-window/requests                       list:sw:requests  in/out    in/out  in/out  in/out  in/in   in/in   out/out  401
GET      /api/v1/single-window/declarations/{declaration_id}  sw:declaration    ok/404    ok/404  ok/404  ok/404  ok/ok   ok/ok   404/404  401
POST     /api/v1/single-window/certificates                   sw:eco-in         403       403     403     403     403     403     403      401
# an e-C/O is the importer's; customs read every one, since any office may be shown it
GET      /api/v1/single-window/certificates                   list:sw:certificates in/out in/out  in/in   in/in   in/in   in/in   out/out  401
GET      /api/v1/single-window/certificates/{certificate_id}  sw:certificate    ok/404    ok/404  ok/ok   ok/ok   ok/ok   ok/ok   404/404  401
# single window pages: for agencies, traders and customs (operators have nothing there)
GET      /single-window/                                      page              ok        ok      ok      ok      ok      ok      403      login
GET      /single-window/requirements/                         page              ok        ok      ok      ok      ok      ok      403      login
GET      /single-window/requirements/new/                     page              403       403     403     403     403     ok      403      login
GET      /single-window/requirements/{pk}/                    sw:requirement    403       403     403     403     403     ok      403      login
GET      /single-window/documents/new/                        page              403       403     403     403     403     403     403      login
GET      /single-window/documents/{pk}/                       sw:document       ok/404    ok/404  ok/404  ok/404  ok/ok   ok/ok   403/403  login
# only the issuing agency revokes: others who may see the document are refused, the rest never see it
GET      /single-window/documents/{pk}/revoke/                sw:document       403/404   403/404 403/404 403/404 403/403 403/403 403/403  login
GET      /single-window/declarations/{pk}/                    sw:declaration    ok/404    ok/404  ok/404  ok/404  ok/ok   ok/ok   403/403  login
GET      /single-window/certificates/                         page              ok        ok      ok      ok      ok      ok      403      login
GET      /single-window/certificates/{pk}/                    sw:certificate    ok/404    ok/404  ok/ok   ok/ok   ok/ok   ok/ok   403/403  login
"""  # noqa: E501
# fmt: on

PAGE_NAMESPACES = ("singlewindow",)
UNOWNED = frozenset({"sw:requirement-in", "sw:requirement", "sw:message", "sw:eco-in"})

# Where each party's fruit comes from, the agency that must answer for it, and its gateway.
ORIGIN = {"own": "TH", "other": "MY"}
AGENCY = {
    "own": ("W-KDTV", "Chi cục Kiểm dịch thực vật vùng I", AgencyKind.PLANT_QUARANTINE),
    "other": ("W-ATTP", "Chi cục An toàn vệ sinh thực phẩm", AgencyKind.FOOD_SAFETY),
}
GATEWAY = {"own": "Thailand NSW gateway", "other": "Malaysia MyNSW gateway"}
EXPORTER = {"own": "Chanthaburi Fruit Export Co., Ltd.", "other": "Johor Agro Export Sdn. Bhd."}


@dataclass
class SingleWindowParty:
    agency: Agency  # the agency its fruit needs an answer from
    agency_user: User  # that agency's system
    gateway: PartnerEndpoint  # the ASW gateway of its fruit's origin
    declaration: Declaration  # dragon fruit from ORIGIN[scope]
    request: Request  # the declaration's line's request to `agency`, answered by `document`
    document: Document  # the agency's pass for the declaration
    certificate: Certificate  # an e-C/O from the gateway, the party's enterprise as importer


@dataclass
class SingleWindowWorld:
    parties: dict[str, SingleWindowParty]
    requirement: Requirement  # the own party's: plant quarantine of fruit from Thailand
    tokens: dict[str, str]  # "agency:own", "gateway:other"... → raw API token

    def __getitem__(self, scope: str) -> SingleWindowParty:
        return self.parties[scope]


def _agency(scope: str) -> tuple[Agency, User]:
    """Agencies and their members are set up by administrators in the admin (no service)."""
    code, name, kind = AGENCY[scope]
    agency = Agency.objects.create(code=code, name=name, ministry="Bộ thử nghiệm", kind=kind)
    user = user_create(username=f"w.{code.lower()}", password=None, role="agency")
    AgencyMember.objects.create(user=user, agency=agency)
    return agency, user


def _gateway(scope: str) -> PartnerEndpoint:
    country = ORIGIN[scope]
    user = user_create(username=f"w.asw.{country.lower()}", password=None, role="agency")
    return PartnerEndpoint.objects.create(
        country_id=country, name=GATEWAY[scope], user=user, agreements=["ATIGA"]
    )


def _message(holder_mst: str, reference: str, **kw: Any) -> DocumentMessage:
    """An agency's pass for 100 kg of dragon fruit, valid for a month."""
    today = timezone.localdate()
    base: dict[str, Any] = {
        "message_id": f"{reference}-1",
        "reference": reference,
        "kind": DocumentKind.INSPECTION,
        "holder_mst": holder_mst,
        "issued_on": today,
        "valid_from": today,
        "valid_to": today + timedelta(days=30),
        "result": "pass",
        "goods": (GoodsInput(hs_code="08109092", quantity=Decimal("100"), unit="KGM"),),
    }
    base.update(kw)
    return DocumentMessage(**base)


def _eco(scope: str, reference: str, importer_mst: str) -> CertificateInput:
    """An ATIGA Form D for 1,000 kg of dragon fruit from the party's origin."""
    return CertificateInput(
        reference_number=reference,
        form="D",
        issuing_country=ORIGIN[scope],
        issue_date=timezone.localdate() - timedelta(days=3),
        exporter_name=EXPORTER[scope],
        importer_mst=importer_mst,
        items=(
            CertificateItemInput(
                item_no=1,
                hs_code="081090",
                description="Fresh dragon fruit",
                origin_criterion="WO",
                quantity=Decimal("1000"),
                unit="KGM",
                fob_value=Decimal("720.00"),
            ),
        ),
    )


def build(world: World) -> SingleWindowWorld:
    admin = world.users["admin"]
    traders = {"own": world.users["broker"], "other": world.users["other_declarant"]}
    parties: dict[str, SingleWindowParty] = {}
    tokens: dict[str, str] = {}
    requirements: dict[str, Requirement] = {}
    for scope in ("own", "other"):
        agency, agency_user = _agency(scope)
        # Narrow rows (fruit from one origin each) so that no other part's declaration is held.
        requirements[scope] = requirement_create(
            actor=admin,
            data=RequirementInput(
                agency_code=agency.code,
                kind=DocumentKind.INSPECTION,
                title=f"Kiểm tra thanh long nhập từ {ORIGIN[scope]}",
                hs_prefix="0810",
                flow="import",
                origins=(ORIGIN[scope],),
            ),
        )
        party = world.party(scope)
        data = declaration_input(party.enterprise.mst, party.office_code, "green")
        data = replace(data, lines=(replace(data.lines[0], origin=ORIGIN[scope]),))
        declaration = declaration_register(actor=traders[scope], data=data)
        answer = document_message_receive(
            actor=agency_user,
            message=_message(
                party.enterprise.mst,
                f"{agency.code}-2026-0001",
                declaration_number=declaration.number or "",
            ),
        )
        request = Request.objects.get(declaration=declaration, agency=agency)
        assert request.state == RequestState.SATISFIED, (scope, request.state, request.note)
        gateway = _gateway(scope)
        certificate = certificate_receive(
            actor=gateway.user,
            data=_eco(scope, f"D26{ORIGIN[scope]}W0001", party.enterprise.mst),
        )
        parties[scope] = SingleWindowParty(
            agency=agency,
            agency_user=agency_user,
            gateway=gateway,
            declaration=declaration,
            request=request,
            document=answer.document,
            certificate=certificate,
        )
        tokens[f"agency:{scope}"] = api_token(agency_user, name="agency system")
        tokens[f"gateway:{scope}"] = api_token(gateway.user, name="ASW gateway")
    return SingleWindowWorld(parties=parties, requirement=requirements["own"], tokens=tokens)


# --- subjects ---------------------------------------------------------------------------------


def _target(**kw: Any) -> Target:
    # The matrix imports its parts while it loads: take its Target when a cell asks for it.
    from ..test_authz_matrix import Target

    return Target(**kw)


def _sw(world: World, scope: str) -> SingleWindowParty:
    sw: SingleWindowWorld = world.extra["singlewindow"]
    return sw[scope]


def requirement_body(world: World, **kw: Any) -> dict[str, Any]:
    body = {
        "agency_code": _sw(world, "own").agency.code,
        "kind": "permit",
        "title": "Giấy phép nhập khẩu thuốc lá",
        "hs_prefix": "2402",
        "flow": "import",
    }
    return {**body, **kw}


def document_body(world: World, **kw: Any) -> dict[str, Any]:
    today = timezone.localdate().isoformat()
    body = {
        "message_id": "W-MATRIX-1",
        "function": "original",
        "reference": "W-MATRIX-0001",
        "kind": "inspection",
        "holder_mst": world.own.enterprise.mst,
        "issued_on": today,
        "valid_from": today,
        "result": "pass",
        "goods": [{"hs_code": "08109092", "quantity": "100", "unit": "KGM"}],
    }
    return {**body, **kw}


def eco_body(world: World, **kw: Any) -> dict[str, Any]:
    body = {
        "ID": "D26THW9999",
        "TypeCode": "D",
        "IssueDate": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "IssuingCountryCode": "TH",
        "ImportationCountryCode": "VN",
        "Exporter": {"Name": "Chanthaburi Fruit Export Co., Ltd."},
        "Importer": {"Name": "Hoàng Long", "ID": world.own.enterprise.mst},
        "GoodsItem": [
            {
                "SequenceNumeric": 1,
                "Description": "Fresh dragon fruit",
                "ClassificationID": "081090",
                "OriginCriterionCode": "WO",
                "TariffQuantity": "500",
                "QuantityUnitCode": "KGM",
                "FOBValueAmount": "360.00",
            }
        ],
    }
    return {**body, **kw}


def _requirement(world: World, scope: str) -> Target:
    sw: SingleWindowWorld = world.extra["singlewindow"]
    req = sw.requirement
    body = requirement_body(
        world,
        kind=req.kind,
        title="Kiểm dịch thực vật: thanh long",
        hs_prefix=req.hs_prefix,
        origins=req.origins,
    )
    return _target(path={"requirement_id": req.pk, "pk": req.pk}, body=body)


def _listed(attr: str) -> Callable[[World, str], Target]:
    def make(world: World, scope: str) -> Target:
        return _target(query={"limit": 500}, listed=str(getattr(_sw(world, scope), attr).pk))

    return make


def _object(attr: str, param: str) -> Callable[[World, str], Target]:
    def make(world: World, scope: str) -> Target:
        pk = getattr(_sw(world, scope), attr).pk
        return _target(path={param: pk, "pk": pk})

    return make


SUBJECTS: dict[str, Callable[[World, str], Target]] = {
    "sw:requirement-in": lambda w, s: _target(body=requirement_body(w)),
    "sw:requirement": _requirement,
    "sw:message": lambda w, s: _target(body=document_body(w)),
    "sw:eco-in": lambda w, s: _target(body=eco_body(w)),
    "list:sw:documents": _listed("document"),
    "sw:document": _object("document", "document_id"),
    "list:sw:requests": _listed("request"),
    "sw:declaration": _object("declaration", "declaration_id"),
    "list:sw:certificates": _listed("certificate"),
    "sw:certificate": _object("certificate", "certificate_id"),
}

BODIES: dict[tuple[str, str], Callable[[World, str], Any]] = {}
