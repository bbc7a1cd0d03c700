"""API schemas for the single window (`...In` for requests, `...Out` for answers). The e-C/O
message uses WCO Data Model names (see README.md in this folder)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema
from pydantic import ConfigDict

from .choices import DocumentKind, Flow, MessageFunction, RequestState, Result
from .inputs import CertificateInput, CertificateItemInput, DocumentMessage, GoodsInput
from .models import Agency, Certificate, Document, Request, Requirement
from .services import RequirementInput, goods_remaining

# ---------------------------------------------------------------------------------------------
# Agencies and requirements


class AgencyOut(Schema):
    code: str
    name: str
    ministry: str
    kind: str


def agency_out(a: Agency) -> dict[str, Any]:
    return {"code": a.code, "name": a.name, "ministry": a.ministry, "kind": a.kind}


class AgencyRequirementIn(Schema):
    agency_code: str = Field(..., max_length=20)
    kind: DocumentKind
    title: str = Field(..., max_length=255)
    hs_prefix: str = Field(..., max_length=12, description="2 to 8 digits; lines starting so")
    flow: Flow = Flow.ANY
    type_codes: list[str] = Field(default_factory=list, max_length=100)
    origins: list[str] = Field(default_factory=list, max_length=300)
    valid_from: date | None = None
    valid_to: date | None = None
    active: bool = True
    legal_basis: str = Field("", max_length=255)

    def to_input(self) -> RequirementInput:
        return RequirementInput(
            agency_code=self.agency_code,
            kind=str(self.kind),
            title=self.title,
            hs_prefix=self.hs_prefix,
            flow=str(self.flow),
            type_codes=tuple(t[:3] for t in self.type_codes),
            origins=tuple(o[:2] for o in self.origins),
            valid_from=self.valid_from,
            valid_to=self.valid_to,
            active=self.active,
            legal_basis=self.legal_basis,
        )


class AgencyRequirementOut(Schema):
    id: int
    agency: AgencyOut
    kind: str
    title: str
    hs_prefix: str
    flow: str
    type_codes: list[str]
    origins: list[str]
    valid_from: date | None
    valid_to: date | None
    active: bool
    legal_basis: str


def requirement_out(r: Requirement) -> dict[str, Any]:
    return {
        "id": r.pk,
        "agency": agency_out(r.agency),
        "kind": r.kind,
        "title": r.title,
        "hs_prefix": r.hs_prefix,
        "flow": r.flow,
        "type_codes": list(r.type_codes),
        "origins": list(r.origins),
        "valid_from": r.valid_from,
        "valid_to": r.valid_to,
        "active": r.active,
        "legal_basis": r.legal_basis,
    }


# ---------------------------------------------------------------------------------------------
# Agencies' messages


class PermitGoodsIn(Schema):
    hs_code: str = Field(..., max_length=12, description="4, 6 or 8 digits")
    description: str = Field("", max_length=500)
    quantity: Decimal = Field(..., max_digits=18, decimal_places=3)
    unit: str = Field(..., max_length=8, description="UN/ECE Rec. 20 unit (KGM, TNE, PCE...)")


class AgencyMessageIn(Schema):
    message_id: str = Field(..., max_length=100, description="Unique per reference")
    function: MessageFunction = MessageFunction.ORIGINAL
    reference: str = Field(..., max_length=50, description="The agency's document number")
    kind: DocumentKind | None = None
    holder_mst: str = Field("", max_length=20)
    declaration_number: str = Field("", max_length=12)
    issued_on: date | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    result: Result | None = None
    notes: str = Field("", max_length=4000)
    reason: str = Field("", max_length=2000, description="Why it is revoked (revocation)")
    goods: list[PermitGoodsIn] = Field(default_factory=list, max_length=200)

    def to_input(self) -> DocumentMessage:
        return DocumentMessage(
            message_id=self.message_id,
            reference=self.reference,
            function=str(self.function),
            kind=str(self.kind) if self.kind else "",
            holder_mst=self.holder_mst,
            declaration_number=self.declaration_number,
            issued_on=self.issued_on,
            valid_from=self.valid_from,
            valid_to=self.valid_to,
            result=str(self.result) if self.result else "",
            notes=self.notes,
            reason=self.reason,
            goods=tuple(
                GoodsInput(
                    hs_code=g.hs_code, quantity=g.quantity, unit=g.unit, description=g.description
                )
                for g in self.goods
            ),
        )


class PermitGoodsOut(Schema):
    item_no: int
    hs_code: str
    description: str
    quantity: Decimal
    unit: str
    remaining: Decimal


class AgencyDocumentOut(Schema):
    id: int
    agency: str
    kind: str
    reference: str
    holder_mst: str
    declaration_number: str | None
    issued_on: date
    valid_from: date
    valid_to: date | None
    result: str
    notes: str
    state: str
    revoke_reason: str
    version: int
    received_at: datetime
    goods: list[PermitGoodsOut]


def document_out(d: Document) -> dict[str, Any]:
    return {
        "id": d.pk,
        "agency": d.agency.code,
        "kind": d.kind,
        "reference": d.reference,
        "holder_mst": d.holder.mst,
        "declaration_number": d.declaration.number if d.declaration else None,
        "issued_on": d.issued_on,
        "valid_from": d.valid_from,
        "valid_to": d.valid_to,
        "result": d.result,
        "notes": d.notes,
        "state": d.state,
        "revoke_reason": d.revoke_reason,
        "version": d.version,
        "received_at": d.received_at,
        "goods": [
            {
                "item_no": g.item_no,
                "hs_code": g.hs_code,
                "description": g.description,
                "quantity": g.quantity,
                "unit": g.unit,
                "remaining": goods_remaining(g),
            }
            for g in d.goods.order_by("item_no")
        ],
    }


class RequestLinkOut(Schema):
    declaration_number: str | None
    line_no: int
    state: str
    quantity_drawn: Decimal


class AgencyMessageAnswerOut(Schema):
    function: str
    document: AgencyDocumentOut
    linked: list[RequestLinkOut]
    cleared: list[str] = Field(description="Numbers of declarations this answer let clear")


class AgencyRequestOut(Schema):
    id: int
    declaration_id: int
    declaration_number: str | None
    enterprise_mst: str
    line_no: int
    hs_code: str
    quantity: Decimal
    unit: str
    agency: str
    kind: str
    state: RequestState
    reference: str | None
    quantity_drawn: Decimal
    note: str
    requested_at: datetime
    answered_at: datetime | None


def request_out(r: Request) -> dict[str, Any]:
    return {
        "id": r.pk,
        "declaration_id": r.declaration_id,
        "declaration_number": r.declaration.number,
        "enterprise_mst": r.declaration.enterprise.mst,
        "line_no": r.line_no,
        "hs_code": r.hs_code,
        "quantity": r.quantity,
        "unit": r.unit,
        "agency": r.agency.code,
        "kind": r.kind,
        "state": r.state,
        "reference": r.goods.document.reference if r.goods else None,
        "quantity_drawn": r.quantity_drawn,
        "note": r.note,
        "requested_at": r.requested_at,
        "answered_at": r.answered_at,
    }


class LineRequestsOut(Schema):
    line_no: int
    hs_code: str
    requests: list[AgencyRequestOut]
    eco_drawn: list[dict[str, Any]]


class DeclarationRequirementsOut(Schema):
    declaration_id: int
    number: str | None
    status: str
    blockers: list[str] = Field(description="What still holds clearance, in plain words")
    lines: list[LineRequestsOut]


# ---------------------------------------------------------------------------------------------
# e-C/O (WCO Data Model names)

WCO = ConfigDict(populate_by_name=True)


class EcoPartyIn(Schema):
    model_config = WCO
    name: str = Field(..., alias="Name", max_length=255)
    id: str = Field("", alias="ID", max_length=35)


class EcoItemIn(Schema):
    model_config = WCO
    sequence: int = Field(..., alias="SequenceNumeric", ge=1, le=999)
    description: str = Field(..., alias="Description", max_length=500)
    classification: str = Field(
        ..., alias="ClassificationID", max_length=12, description="HS code, 6 digits or more"
    )
    origin_criterion: str = Field(
        ..., alias="OriginCriterionCode", max_length=20, description="WO, PE, RVC40, CTH..."
    )
    quantity: Decimal = Field(..., alias="TariffQuantity", max_digits=18, decimal_places=3)
    unit: str = Field(..., alias="QuantityUnitCode", max_length=8)
    fob_value: Decimal = Field(..., alias="FOBValueAmount", max_digits=18, decimal_places=2)
    currency: str = Field("USD", alias="CurrencyCode", max_length=3)


class EcoIn(Schema):
    """An electronic certificate of origin as a partner country's ASW gateway sends it."""

    model_config = WCO
    reference_number: str = Field(..., alias="ID", max_length=35, description="C/O reference")
    form: str = Field(..., alias="TypeCode", max_length=8, description="C/O form: D, E, AK...")
    agreement: str = Field("", alias="AgreementCode", max_length=16)
    issue_date: date = Field(..., alias="IssueDate")
    expiry_date: date | None = Field(None, alias="ExpiryDate")
    issuing_country: str = Field(..., alias="IssuingCountryCode", max_length=2)
    importation_country: str = Field("VN", alias="ImportationCountryCode", max_length=2)
    exporter: EcoPartyIn = Field(..., alias="Exporter")
    importer: EcoPartyIn = Field(..., alias="Importer")
    items: list[EcoItemIn] = Field(..., alias="GoodsItem", min_length=1, max_length=200)

    def to_input(self) -> CertificateInput:
        return CertificateInput(
            reference_number=self.reference_number,
            form=self.form,
            agreement=self.agreement,
            issuing_country=self.issuing_country,
            importation_country=self.importation_country,
            issue_date=self.issue_date,
            expiry_date=self.expiry_date,
            exporter_name=self.exporter.name,
            exporter_id=self.exporter.id,
            importer_mst=self.importer.id,
            importer_name=self.importer.name,
            items=tuple(
                CertificateItemInput(
                    item_no=it.sequence,
                    hs_code=it.classification,
                    description=it.description,
                    origin_criterion=it.origin_criterion,
                    quantity=it.quantity,
                    unit=it.unit,
                    fob_value=it.fob_value,
                    fob_currency=it.currency,
                )
                for it in self.items
            ),
        )


class EcoItemOut(Schema):
    SequenceNumeric: int
    Description: str
    ClassificationID: str
    OriginCriterionCode: str
    TariffQuantity: Decimal
    QuantityUnitCode: str
    FOBValueAmount: Decimal
    CurrencyCode: str
    RemainingQuantity: Decimal


class EcoOut(Schema):
    id: int
    ID: str
    TypeCode: str
    AgreementCode: str
    IssueDate: date
    ExpiryDate: date | None
    IssuingCountryCode: str
    ImportationCountryCode: str
    Exporter: dict[str, str]
    Importer: dict[str, str]
    GoodsItem: list[EcoItemOut]
    state: str
    received_at: datetime


def certificate_out(c: Certificate) -> dict[str, Any]:
    from .asw import item_remaining

    return {
        "id": c.pk,
        "ID": c.reference_number,
        "TypeCode": c.form,
        "AgreementCode": c.agreement,
        "IssueDate": c.issue_date,
        "ExpiryDate": c.expiry_date,
        "IssuingCountryCode": c.issuing_country_id,
        "ImportationCountryCode": c.importation_country,
        "Exporter": {"Name": c.exporter_name, "ID": c.exporter_id},
        "Importer": {"Name": c.importer_name, "ID": c.importer_mst},
        "GoodsItem": [
            {
                "SequenceNumeric": it.item_no,
                "Description": it.description,
                "ClassificationID": it.hs_code,
                "OriginCriterionCode": it.origin_criterion,
                "TariffQuantity": it.quantity,
                "QuantityUnitCode": it.unit,
                "FOBValueAmount": it.fob_value,
                "CurrencyCode": it.fob_currency,
                "RemainingQuantity": item_remaining(it),
            }
            for it in c.items.order_by("item_no")
        ],
        "state": c.state,
        "received_at": c.received_at,
    }
