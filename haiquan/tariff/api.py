"""The tariff over HTTP: search lines, read one line with its rates, list the agreements, and ask
the classification assistant which lines a goods description belongs to.

Mounted by the lead at /api/v1/tariff. (No `from __future__ import annotations` here: ninja
reads the parameter annotations at import time.)
"""

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from haiquan.accounts.apiauth import API_AUTH
from haiquan.core.api import Pagination
from haiquan.core.problems import FieldProblem, ValidationFailed

from .assistant import MAX_DESCRIPTION, classify
from .models import Agreement, HsLine, LineRate
from .selectors import agreement_list, hs_code_resolve, hs_line_get, hs_search, line_rate_on

router = Router(tags=["tariff"], auth=API_AUTH)


class PreferentialRateOut(Schema):
    agreement: str
    schedule: str = Field(description="The agreement's schedule for some parties (RCEP A–F)")
    rate: Decimal | None = Field(description="%, or null: the line is excluded ('*')")
    out_of_quota_rate: Decimal | None = None
    excluded_origins: list[str] = Field(description="Parties whose goods do not get this rate")
    note: str = Field(description="The cell as the decree writes it, when it says more")


class RatePeriodOut(Schema):
    valid_from: date
    valid_to: date | None
    mfn_rate: Decimal | None
    ordinary_rate: Decimal | None
    mfn_out_of_quota_rate: Decimal | None
    ordinary_out_of_quota_rate: Decimal | None
    note: str


def _preferential(rate: LineRate | None) -> list[dict[str, Any]]:
    if rate is None:
        return []
    out = []
    for key, entry in sorted(rate.preferential.items()):
        agreement, _slash, schedule = key.partition("/")
        out.append(
            {
                "agreement": agreement,
                "schedule": schedule,
                "rate": None if entry.get("rate") is None else Decimal(entry["rate"]),
                "out_of_quota_rate": None if entry.get("oq") is None else Decimal(entry["oq"]),
                "excluded_origins": list(entry.get("excluded") or ()),
                "note": entry.get("note", ""),
            }
        )
    return out


class HsLineOut(Schema):
    code: str
    chapter: str
    heading: str
    subheading: str
    description: str = Field(description="In the request's language, falling back to Vietnamese")
    description_vi: str
    description_en: str
    context: str = Field(description="The texts of the rows above the line, heading first")
    unit: str = Field(description="UN/ECE Recommendation 20 code")
    mfn_rate: Decimal | None = Field(description="MFN (ưu đãi) import rate in force today, %")
    ordinary_rate: Decimal | None = Field(description="Ordinary rate in force today, %")
    export_rate: Decimal
    vat_rate: Decimal
    sct_rate: Decimal | None
    env_tax_vnd_per_unit: Decimal | None
    env_tax_unit: str
    valid_from: date
    valid_to: date | None
    preferential: list[PreferentialRateOut] = Field(description="In force today")
    rates: list[RatePeriodOut] = Field(description="Every period, oldest first")
    converted_from: str = Field(
        "", description="The AHTN 2017 code asked for, when it became exactly this line"
    )
    conversion_note: str = Field("", description="What the conversion means, in your language")

    @staticmethod
    def resolve_mfn_rate(obj: HsLine) -> Decimal | None:
        rate = line_rate_on(obj)
        return rate.mfn_rate if rate is not None else None

    @staticmethod
    def resolve_ordinary_rate(obj: HsLine) -> Decimal | None:
        rate = line_rate_on(obj)
        return rate.ordinary if rate is not None else None

    @staticmethod
    def resolve_preferential(obj: HsLine) -> list[dict[str, Any]]:
        return _preferential(line_rate_on(obj))

    @staticmethod
    def resolve_rates(obj: HsLine) -> list[dict[str, Any]]:
        return [
            {
                "valid_from": r.valid_from,
                "valid_to": r.valid_to,
                "mfn_rate": r.mfn_rate,
                "ordinary_rate": r.ordinary,
                "mfn_out_of_quota_rate": r.mfn_out_of_quota_rate,
                "ordinary_out_of_quota_rate": r.ordinary_out_of_quota_rate,
                "note": r.rate_note,
            }
            for r in obj.rates.all()
        ]


class HsHitOut(Schema):
    code: str
    description: str
    context: str
    unit: str
    score: float = Field(description="Relevance (0 for a search by code)")
    matched: list[str] = Field(description="The query's words found in the line's texts")


class AgreementOut(Schema):
    code: str
    name: str
    name_vi: str
    co_form: str
    co_validity_days: int
    in_force_from: date | None
    parties: list[str]
    schedules: dict[str, str] = Field(description="Party → its schedule, where not the common one")

    @staticmethod
    def resolve_parties(obj: Agreement) -> list[str]:
        return sorted(p.country_code for p in obj.parties.all())

    @staticmethod
    def resolve_schedules(obj: Agreement) -> dict[str, str]:
        return {p.country_code: p.schedule for p in obj.parties.all() if p.schedule}


class SimilarOut(Schema):
    description: str
    code: str = Field(description="The code it was finally classified under")
    declared_code: str = Field(description="The code first declared (differs when corrected)")
    count: int = Field(description="How many past lines had this description and code")
    similarity: float


class SuggestionOut(Schema):
    code: str
    description: str
    context: str
    unit: str
    confidence: float = Field(description="The assistant's estimated probability, 0 to 1")
    matched: list[str] = Field(description="Words of the description found in the line's texts")
    similar: list[SimilarOut] = Field(description="Past declarations like this one")
    reason: str


class ClassifyOut(Schema):
    description: str
    model_version: int | None = Field(description="The trained version used, null for none")
    suggestions: list[SuggestionOut]


@router.get("/lines", response=list[HsHitOut], summary="Search tariff lines")
@paginate(Pagination)
def lines_search(
    request: HttpRequest,
    q: str = Query(
        "",
        description="HS code prefix (8703.23), or words of the goods in Vietnamese or English, "
        "with or without diacritics; ranked by relevance",
    ),
) -> list[dict[str, Any]]:
    return [
        {
            "code": line.code,
            "description": line.description,
            "context": line.context,
            "unit": line.unit,
            "score": round(getattr(line, "score", 0.0), 4),
            "matched": list(getattr(line, "matched", ())),
        }
        for line in hs_search(q=q, limit=200)
    ]


@router.get("/lines/{code}", response=HsLineOut, summary="One tariff line with its rates")
def line_detail(request: HttpRequest, code: str) -> HsLine:
    """A line of the tariff in force; an AHTN 2017 code that became exactly one line answers
    with that line (`converted_from`, `conversion_note`); one split between several lines is
    404 naming them."""
    resolved = hs_code_resolve(code=code)
    line = hs_line_get(code=resolved.code)
    line.converted_from = resolved.written if resolved.converted else ""  # type: ignore[attr-defined]
    line.conversion_note = resolved.note  # type: ignore[attr-defined]
    return line


@router.get(
    "/agreements", response=list[AgreementOut], summary="Trade agreements and their parties"
)
def agreements(request: HttpRequest) -> Any:
    return agreement_list()


@router.get(
    "/classify",
    response=ClassifyOut,
    summary="Suggest the tariff lines for a goods description (classification assistant)",
)
def classify_description(
    request: HttpRequest,
    description: str = Query(
        "", description="The goods as a declaration describes them, in Vietnamese or English"
    ),
) -> dict[str, Any]:
    text = " ".join(description.replace("\x00", " ").split())
    if not text:
        raise ValidationFailed([FieldProblem("description", "describe the goods", "required")])
    if len(text) > MAX_DESCRIPTION:
        raise ValidationFailed(
            [
                FieldProblem(
                    "description",
                    f"at most {MAX_DESCRIPTION} characters",
                    "too-long",
                )
            ]
        )
    result = classify(text, day=timezone.localdate())
    return {
        "description": text,
        "model_version": result.version,
        "suggestions": [s.as_dict() for s in result.suggestions],
    }
