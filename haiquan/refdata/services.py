"""Loading and changing reference data. Loaders are idempotent: run them again after an update."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import IO

import pycountry
from django.db import transaction
from stdnum.vn import mst as mst_validator
from vietnam_provinces import Province, ProvinceCode

from haiquan.core.problems import FieldProblem, ValidationFailed, invalid

from .models import Country, Currency, DeclarationType, Enterprise, ExchangeRate, Office

DATA = resources.files("haiquan.refdata") / "data"


def _open_data(name: str) -> IO[str]:
    return (DATA / name).open("r", encoding="utf-8")


@transaction.atomic
def countries_load() -> int:
    """Countries from pycountry (ISO 3166-1); the MFN exceptions from data/no_mfn.csv."""
    with _open_data("no_mfn.csv") as fh:
        no_mfn = {row["code"] for row in csv.DictReader(fh)}
    existing = set(Country.objects.values_list("code", flat=True))
    rows = []
    for c in pycountry.countries:
        obj = Country(
            code=c.alpha_2,
            alpha3=c.alpha_3,
            numeric=c.numeric,
            name=c.name,
            mfn=c.alpha_2 not in no_mfn,
        )
        rows.append(obj)
    Country.objects.bulk_create([r for r in rows if r.code not in existing])
    for r in rows:
        if r.code in existing:
            Country.objects.filter(code=r.code).update(name=r.name, mfn=r.mfn)
    return len(rows)


@transaction.atomic
def currencies_load() -> int:
    existing = set(Currency.objects.values_list("code", flat=True))
    new = [
        Currency(code=c.alpha_3, numeric=getattr(c, "numeric", ""), name=c.name)
        for c in pycountry.currencies
        if c.alpha_3 not in existing
    ]
    Currency.objects.bulk_create(new)
    return len(new)


@transaction.atomic
def declaration_types_load(source: Path | None = None) -> int:
    fh = (
        source.open(encoding="utf-8", newline="") if source else _open_data("declaration_types.csv")
    )
    n = 0
    with fh:
        for row in csv.DictReader(fh):
            DeclarationType.objects.update_or_create(
                code=row["code"].strip(),
                defaults={
                    "flow": row["flow"].strip(),
                    "duty_treatment": row["duty_treatment"].strip(),
                    "name_vi": row["name_vi"].strip(),
                    "name_en": row["name_en"].strip(),
                },
            )
            n += 1
    return n


@transaction.atomic
def offices_load(source: Path | None = None) -> int:
    """Offices from a CSV (parents listed before children)."""
    fh = source.open(encoding="utf-8", newline="") if source else _open_data("offices.csv")
    n = 0
    with fh:
        for row in csv.DictReader(fh):
            parent = Office.objects.get(code=row["parent"]) if row["parent"] else None
            provinces = [p for p in row["provinces"].split(";") if p]
            for p in provinces:
                province_validate(p)
            office, _created = Office.objects.get_or_create(
                code=row["code"],
                defaults={"kind": row["kind"], "name_vi": row["name_vi"], "parent": parent},
            )
            office.kind = row["kind"]
            office.parent = parent
            for lang in ("vi", "en", "ja", "zh_hans", "ko"):
                setattr(office, f"name_{lang}", row.get(f"name_{lang}", "") or "")
            office.provinces = provinces
            office.valid_from = (
                date.fromisoformat(row["valid_from"]) if row["valid_from"] else date(2000, 1, 1)
            )
            office.valid_to = date.fromisoformat(row["valid_to"]) if row["valid_to"] else None
            office.save()
            n += 1
    return n


# Loaders of shipped data that other apps add (name in the answer, loader), run after the
# reference data's own in the order registered (`AppConfig.ready()`): the tariff's needs the
# countries, and refdata does not import the apps above it.
SHIPPED_LOADERS: list[tuple[str, Callable[[], int]]] = []


def shipped_loader_register(name: str, loader: Callable[[], int]) -> None:
    """Have `refdata_load_all` run `loader` (idempotent, returns how many rows it loaded)."""
    if all(known != name for known, _loader in SHIPPED_LOADERS):
        SHIPPED_LOADERS.append((name, loader))


def refdata_load_all() -> dict[str, int]:
    """Everything an installation needs before its first declaration (the tariff included,
    through `shipped_loader_register`)."""
    counts = {
        "countries": countries_load(),
        "currencies": currencies_load(),
        "declaration_types": declaration_types_load(),
        "offices": offices_load(),
    }
    for name, loader in SHIPPED_LOADERS:
        counts[name] = loader()
    return counts


def province_validate(code: str, field: str = "province_code") -> str:
    try:
        Province.from_code(ProvinceCode(int(code)))
    except (ValueError, KeyError) as exc:
        raise invalid(
            field, f"'{code}' is not a Vietnamese province code", "unknown-province"
        ) from exc
    return code


def mst_normalise(value: str, field: str = "mst") -> str:
    """A tax code (MST): 10 digits, or 10 + '-' + 3 for a branch, with its check digit."""
    raw = (value or "").strip()
    if not mst_validator.is_valid(raw):
        raise invalid(
            field,
            f"'{raw}' is not a valid tax code (MST): 10 digits with a correct check "
            "digit, or 13 for a branch",
            "invalid-mst",
        )
    return mst_validator.compact(raw)


@transaction.atomic
def enterprise_create(
    *,
    mst: str,
    name: str,
    address: str = "",
    province_code: str = "",
    is_fdi: bool = False,
    investor_country: str | None = None,
    compliance_rank: str = "unranked",
    is_broker: bool = False,
    established_on: date | None = None,
    name_en: str = "",
) -> Enterprise:
    errors: list[FieldProblem] = []
    try:
        mst = mst_normalise(mst)
    except ValidationFailed as exc:
        errors += exc.errors
    if not name.strip():
        errors.append(FieldProblem("name", "must not be empty", "required"))
    if province_code:
        try:
            province_validate(province_code)
        except ValidationFailed as exc:
            errors += exc.errors
    country = None
    if investor_country:
        country = Country.objects.filter(code=investor_country.upper()).first()
        if country is None:
            errors.append(
                FieldProblem(
                    "investor_country",
                    f"'{investor_country}' is not a country code",
                    "unknown-country",
                )
            )
    if errors:
        raise ValidationFailed(errors)
    if Enterprise.objects.filter(mst=mst).exists():
        raise invalid("mst", f"an enterprise with tax code {mst} already exists", "duplicate")
    return Enterprise.objects.create(
        mst=mst,
        name=name.strip(),
        name_en=name_en,
        address=address,
        province_code=province_code,
        is_fdi=is_fdi,
        investor_country=country,
        compliance_rank=compliance_rank,
        is_broker=is_broker,
        established_on=established_on,
    )


@transaction.atomic
def exchange_rate_set(
    *, currency: str, day: date, rate_vnd: Decimal, source: str = ""
) -> ExchangeRate:
    if rate_vnd <= 0:
        raise invalid("rate_vnd", "must be greater than zero")
    cur = Currency.objects.filter(code=currency.upper()).first()
    if cur is None:
        raise invalid(
            "currency", f"'{currency}' is not an ISO 4217 currency code", "unknown-currency"
        )
    obj, _ = ExchangeRate.objects.update_or_create(
        currency=cur, day=day, defaults={"rate_vnd": rate_vnd, "source": source}
    )
    return obj
