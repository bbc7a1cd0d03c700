"""The tariff over HTTP: search lines, read one line with its rates, list the agreements.

Mounted by the lead at /api/v1/tariff. (No `from __future__ import annotations` here: ninja
reads the parameter annotations at import time.)
"""

from datetime import date
from decimal import Decimal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from haiquan.core.api import API_AUTH, Pagination

from .models import Agreement, HsLine
from .selectors import agreement_list, hs_line_get, hs_search_queryset

router = Router(tags=["tariff"], auth=API_AUTH)


class PreferentialRateOut(Schema):
    agreement: str
    rate: Decimal


class HsLineOut(Schema):
    code: str
    chapter: str
    heading: str
    subheading: str
    description: str = Field(description="In the request's language, falling back to Vietnamese")
    description_vi: str
    description_en: str
    unit: str = Field(description="UN/ECE Recommendation 20 code")
    mfn_rate: Decimal = Field(description="MFN (ưu đãi) import rate, %")
    general_rate: Decimal | None = Field(description="Ordinary rate set by the schedule, %")
    ordinary_rate: Decimal = Field(description="Ordinary rate applied: general_rate or 150% of MFN")
    specific_duty_vnd: Decimal | None
    export_rate: Decimal
    vat_rate: Decimal
    sct_rate: Decimal | None
    env_tax_vnd_per_unit: Decimal | None
    env_tax_unit: str
    valid_from: date
    valid_to: date | None
    preferential: list[PreferentialRateOut]

    @staticmethod
    def resolve_preferential(obj: HsLine) -> list[dict[str, object]]:
        return [{"agreement": r.agreement_id, "rate": r.rate} for r in obj.preferential_rates.all()]


class AgreementOut(Schema):
    code: str
    name: str
    name_vi: str
    co_form: str
    co_validity_days: int
    in_force_from: date | None
    parties: list[str]

    @staticmethod
    def resolve_parties(obj: Agreement) -> list[str]:
        return sorted(p.country_code for p in obj.parties.all())


@router.get("/lines", response=list[HsLineOut], summary="Search tariff lines")
@paginate(Pagination)
def lines_search(
    request: HttpRequest,
    q: str = Query(
        "",
        description="HS code prefix (8703.23) or words of the description, with or "
        "without diacritics",
    ),
) -> QuerySet[HsLine]:
    return hs_search_queryset(q=q)


@router.get("/lines/{code}", response=HsLineOut, summary="One tariff line with its rates")
def line_detail(request: HttpRequest, code: str) -> HsLine:
    return hs_line_get(code=code)


@router.get(
    "/agreements", response=list[AgreementOut], summary="Trade agreements and their parties"
)
def agreements(request: HttpRequest) -> QuerySet[Agreement]:
    return agreement_list()
