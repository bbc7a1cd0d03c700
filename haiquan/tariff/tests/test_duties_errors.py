"""A declaration with problems is refused with every problem of every line, each on its field."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from django.utils.translation import override

from haiquan.core.problems import ValidationFailed
from haiquan.tariff.duties import compute_duties
from haiquan.tariff.snapshot import Tariff

from .helpers import decl, line, small_tariff

pytestmark = pytest.mark.django_db


def problems_of(declaration, tariff=None):
    with pytest.raises(ValidationFailed) as exc:
        compute_duties(declaration, tariff=tariff)
    assert exc.value.status == 422
    return {(p.field, p.code): p.problem for p in exc.value.errors}


@override("en")  # the test reads the English wording of the messages
def test_every_problem_is_reported_at_once_with_its_field():
    # Registration 2 May 2024; ACFTA C/O valid 365 days.
    problems = problems_of(
        decl(
            line("9999.99.99", "CN", 1, "KGM", 100),  # 0 unknown HS code
            line(
                "08081000",
                "US",
                1,
                "KGM",
                100,
                preference="ACFTA",
                co_number="E1",
                co_date=date(2024, 4, 1),
            ),  # 1 the US is not an ACFTA party
            line(
                "08081000",
                "CN",
                1,
                "KGM",
                100,
                preference="ACFTA",
                co_number="E2",
                co_date=date(2023, 4, 30),
            ),  # 2 C/O expired on 29 Apr 2024
            line(
                "08081000",
                "CN",
                1,
                "KGM",
                100,
                preference="ACFTA",
                co_number="E3",
                co_date=date(2024, 5, 3),
            ),  # 3 C/O dated after registration
            line("08081000", "CN", 1, "KGM", 100, preference="ACFTA"),  # 4 C/O missing
            line("08081000", "CN", 1, "PCE", 100),  # 5 apples are declared in kg
            line(
                "17019910",
                "KR",
                1,
                "KGM",
                100,
                preference="AKFTA",
                co_number="AK6",
                co_date=date(2024, 5, 1),
            ),  # 6 refined sugar is excluded from AKFTA ("*")
        )
    )
    assert set(problems) == {
        ("lines[0].hs_code", "unknown-hs-code"),
        ("lines[1].preference", "not-a-party"),
        ("lines[2].co_date", "co-expired"),
        ("lines[3].co_date", "co-in-future"),
        ("lines[4].co_number", "co-missing"),
        ("lines[4].co_date", "required"),
        ("lines[5].unit", "unit-mismatch"),
        ("lines[6].preference", "excluded-from-agreement"),
    }
    assert "9999.99.99" in problems[("lines[0].hs_code", "unknown-hs-code")]
    assert "US" in problems[("lines[1].preference", "not-a-party")]
    assert "2024-04-29" in problems[("lines[2].co_date", "co-expired")]
    assert "form E" in problems[("lines[4].co_number", "co-missing")]
    assert "KGM" in problems[("lines[5].unit", "unit-mismatch")]


def test_a_co_on_its_last_valid_day_is_accepted():
    # Dated 3 May 2023, registration 2 May 2024: 365 days old, still valid.
    result = compute_duties(
        decl(
            line(
                "08081000",
                "CN",
                1,
                "KGM",
                100,
                preference="ACFTA",
                co_number="E9",
                co_date=date(2023, 5, 3),
            )
        )
    )
    assert result.lines[0].import_rate_kind == "preferential"


def test_unknown_agreement_and_vietnamese_origin_claims_are_refused():
    problems = problems_of(
        decl(
            line(
                "08081000",
                "CN",
                1,
                "KGM",
                100,
                preference="NAFTA",
                co_number="X",
                co_date=date(2024, 5, 1),
            ),
            line(
                "08081000",
                "VN",
                1,
                "KGM",
                100,
                preference="ATIGA",
                co_number="X",
                co_date=date(2024, 5, 1),
            ),
        )
    )
    assert set(problems) == {
        ("lines[0].preference", "unknown-agreement"),
        ("lines[1].preference", "not-a-party"),
    }


def test_a_party_that_joined_later_cannot_claim_before_its_date():
    # The UK joined CPTPP on 15 Dec 2024; a claim registered in May 2024 fails, one in 2025 holds.
    claim = {"preference": "CPTPP", "co_number": "GB-1", "co_date": date(2024, 4, 30)}
    problems = problems_of(decl(line("87032361", "GB", 1, "PCE", 20_000, **claim)))
    assert set(problems) == {("lines[0].preference", "agreement-not-in-force")}
    later = {**claim, "co_date": date(2025, 1, 10)}
    result = compute_duties(
        decl(line("87032361", "GB", 1, "PCE", 20_000, **later), on_day=date(2025, 1, 20))
    )
    assert (result.lines[0].import_rate_kind, result.lines[0].agreement) == (
        "preferential",
        "CPTPP",
    )


def test_header_problems_are_reported_with_the_lines():
    problems = problems_of(
        decl(
            line("12345", "XX", 0, "KGM", -1),
            flow="transit",
            treatment="free",
            incoterm="FOT",
            rate=0,
            freight=-1,
        )
    )
    assert set(problems) == {
        ("flow", "invalid"),
        ("duty_treatment", "invalid"),
        ("incoterm", "unknown-incoterm"),
        ("exchange_rate", "invalid"),
        ("freight", "invalid"),
        ("lines[0].quantity", "invalid"),
        ("lines[0].value", "invalid"),
        ("lines[0].origin", "unknown-country"),
        ("lines[0].hs_code", "unknown-hs-code"),
    }


def test_an_empty_declaration_is_refused():
    assert set(problems_of(decl())) == {("lines", "required")}


def test_export_freight_larger_than_the_price_is_refused():
    problems = problems_of(
        decl(line("27011100", "VN", 10, "TNE", 1_000), flow="export", incoterm="CIF", freight=1_200)
    )
    assert set(problems) == {("freight", "invalid")}


@override("en")  # the test reads the English wording of the messages
def test_claims_on_exempt_imports_and_exports_are_not_checked_but_noted():
    bad_claim = {"preference": "ATIGA", "co_number": "", "co_date": None}
    exempt = compute_duties(
        decl(line("11111111", "TH", 1, "KGM", 100, **bad_claim), treatment="exempt"),
        tariff=small_tariff(),
    )
    export = compute_duties(
        decl(line("33333333", "VN", 1, "LTR", 100, **bad_claim), flow="export"),
        tariff=small_tariff(),
    )
    assert exempt.lines[0].import_rate_kind == "exempt"
    assert any("ignored" in n for n in exempt.lines[0].notes)
    assert any("ignored" in n for n in export.lines[0].notes)


def test_a_line_no_longer_in_force_is_refused():
    base = small_tariff()
    retired = replace(base.lines["11111111"], valid_to=date(2023, 12, 31))
    tariff = Tariff(lines={"11111111": retired}, agreements=base.agreements)
    problems = problems_of(decl(line("11111111", "TH", 1, "KGM", 100)), tariff=tariff)
    assert set(problems) == {("lines[0].hs_code", "hs-code-not-in-force")}
    assert compute_duties(
        decl(line("11111111", "TH", 1, "KGM", 100), on_day=date(2023, 12, 31)), tariff=tariff
    )
