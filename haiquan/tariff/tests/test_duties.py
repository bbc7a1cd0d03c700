"""Worked examples, computed by hand, against the tariff shipped in haiquan/tariff/data/ (the
published tariff's own rates).

Exchange rate throughout: 25,000 VND per USD; registration day 2 May 2024.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from haiquan.core.problems import ValidationFailed
from haiquan.tariff.duties import Tariff, allocate, compute_duties

from .helpers import D, decl, hs_line, line, small_tariff

pytestmark = pytest.mark.django_db


def amounts(result, i=0):
    ln = result.lines[i]
    return (
        ln.customs_value_vnd,
        ln.import_duty_vnd,
        ln.sct_vnd,
        ln.env_tax_vnd,
        ln.vat_vnd,
        ln.total_vnd,
    )


def test_car_from_japan_cif_at_mfn_with_sct_and_vat():
    # 8703.23.61 car 1.5-2.0 l: MFN 70%, SCT 40%, VAT 10%. One car, CIF USD 20,000.
    # customs value  20,000 x 25,000                         = 500,000,000
    # import duty    500,000,000 x 70%                       = 350,000,000
    # SCT            (500,000,000 + 350,000,000) x 40%       = 340,000,000
    # VAT            (500,000,000 + 350,000,000 + 340,000,000) x 10% = 119,000,000
    # total          350,000,000 + 340,000,000 + 119,000,000 = 809,000,000
    result = compute_duties(decl(line("8703.23.61", "JP", 1, "PCE", 20_000)))
    assert amounts(result) == (
        D(500_000_000),
        D(350_000_000),
        D(340_000_000),
        0,
        D(119_000_000),
        D(809_000_000),
    )
    ln = result.lines[0]
    assert (ln.import_rate, ln.import_rate_kind, ln.agreement) == (D(70), "mfn", "")
    assert (ln.sct_rate, ln.vat_rate, ln.export_rate) == (D(40), D(10), None)
    assert any("MFN" in n and "JP" in n for n in ln.notes)
    assert result.total_vnd == D(809_000_000)


def test_same_car_under_cptpp_with_valid_co():
    # CPTPP rate for 8703.23.61 from Japan: 28% (Mexico's schedule says 35%). C/O dated 20 Apr
    # 2024, 12 days before registration.
    # import duty  500,000,000 x 28%                          = 140,000,000
    # SCT          (500,000,000 + 140,000,000) x 40%          = 256,000,000
    # VAT          (500,000,000 + 140,000,000 + 256,000,000) x 10% = 89,600,000
    # total        140,000,000 + 256,000,000 + 89,600,000     = 485,600,000
    result = compute_duties(
        decl(
            line(
                "87032361",
                "JP",
                1,
                "PCE",
                20_000,
                preference="CPTPP",
                co_number="CPTPP24-000123",
                co_date=date(2024, 4, 20),
            )
        )
    )
    assert amounts(result) == (
        D(500_000_000),
        D(140_000_000),
        D(256_000_000),
        0,
        D(89_600_000),
        D(485_600_000),
    )
    ln = result.lines[0]
    assert (ln.import_rate, ln.import_rate_kind, ln.agreement) == (D(28), "preferential", "CPTPP")
    assert any("CPTPP24-000123" in n for n in ln.notes)


def test_apples_from_china_under_acfta_with_form_e_cfr_adds_insurance():
    # 0808.10.00 apples: MFN 20%, ACFTA 0%, VAT 5%. 20,000 kg CFR USD 16,000; insurance USD 48
    # (CFR lacks insurance; freight is in the price and is not added again).
    # customs value  (16,000 + 48) x 25,000 = 401,200,000
    # import duty    0% = 0
    # VAT            401,200,000 x 5% = 20,060,000
    result = compute_duties(
        decl(
            line(
                "08081000",
                "CN",
                20_000,
                "KGM",
                16_000,
                preference="ACFTA",
                co_number="E243100012",
                co_date=date(2024, 4, 28),
            ),
            incoterm="CFR",
            freight=900,
            insurance=48,
        )
    )
    assert amounts(result) == (D(401_200_000), 0, 0, 0, D(20_060_000), D(20_060_000))
    assert (result.lines[0].import_rate_kind, result.lines[0].agreement) == (
        "preferential",
        "ACFTA",
    )


def test_fob_freight_and_insurance_allocated_over_three_lines():
    # FOB from Korea, no preference claimed: freight USD 90 + insurance USD 10 = 100 to share over
    # values 1,000 / 2,000 / 3,000 (total 6,000):
    #   16.666.. → 16.66, 33.333.. → 33.33, 50.00; 99.99 shared, the remaining 0.01 goes to the
    #   largest line → 50.01. Shares: 16.66 + 33.33 + 50.01 = 100.00.
    # line 1 3902.10.40 PP granules, MFN 3%:
    #   CV (1,000 + 16.66) x 25,000 = 25,416,500; duty 3% = 762,495;
    #   VAT 10% x 26,178,995 = 2,617,899.5 → 2,617,900 (half up)
    # line 2 7318.15.10 bolts and nuts, MFN 12%:
    #   CV (2,000 + 33.33) x 25,000 = 50,833,250; duty 12% = 6,099,990;
    #   VAT 10% x 56,933,240 = 5,693,324
    # line 3 8481.80.99 valves, MFN 10%:
    #   CV (3,000 + 50.01) x 25,000 = 76,250,250; duty 10% = 7,625,025;
    #   VAT 10% x 83,875,275 = 8,387,527.5 → 8,387,528 (half up)
    # totals: CV 152,500,000 (= 6,100 x 25,000); duty 14,487,510; VAT 16,698,752; total 31,186,262
    assert allocate(D(100), [D(1000), D(2000), D(3000)]) == [D("16.66"), D("33.33"), D("50.01")]
    result = compute_duties(
        decl(
            line("39021040", "KR", 800, "KGM", 1_000),
            line("73181510", "KR", 500, "kg", 2_000),
            line("84818099", "KR", 40, "PCE", 3_000),
            incoterm="FOB",
            freight=90,
            insurance=10,
        )
    )
    assert [ln.customs_value_vnd for ln in result.lines] == [
        D(25_416_500),
        D(50_833_250),
        D(76_250_250),
    ]
    assert [ln.import_duty_vnd for ln in result.lines] == [D(762_495), D(6_099_990), D(7_625_025)]
    assert [ln.vat_vnd for ln in result.lines] == [D(2_617_900), D(5_693_324), D(8_387_528)]
    assert (result.customs_value_vnd, result.import_duty_vnd, result.vat_vnd, result.total_vnd) == (
        D(152_500_000),
        D(14_487_510),
        D(16_698_752),
        D(31_186_262),
    )


def test_petrol_with_environmental_tax_per_litre_sct_and_vat():
    # 2710.12.24 RON 95 petrol from Singapore, no claim: MFN 10%, SCT 10%, env. tax 4,000 VND/l,
    # VAT 10%. 1,000,000 litres CIF USD 700,000.
    # customs value  700,000 x 25,000                     = 17,500,000,000
    # import duty    10%                                  =  1,750,000,000
    # SCT            (17,500,000,000 + 1,750,000,000) x 10% = 1,925,000,000
    # env. tax       1,000,000 l x 4,000                  =  4,000,000,000
    # VAT            (17.5 + 1.75 + 1.925 + 4.0 bn) x 10%  =  2,517,500,000
    # total          1.75 + 1.925 + 4.0 + 2.5175 bn       = 10,192,500,000
    result = compute_duties(decl(line("27101224", "SG", 1_000_000, "LTR", 700_000)))
    assert amounts(result) == (
        D(17_500_000_000),
        D(1_750_000_000),
        D(1_925_000_000),
        D(4_000_000_000),
        D(2_517_500_000),
        D(10_192_500_000),
    )


@pytest.mark.parametrize(
    ("incoterm", "price", "freight", "insurance"),
    [
        ("FOB", 1_500_000, 0, 0),
        ("CIF", 1_600_000, 90_000, 10_000),
        ("CFR", 1_590_000, 90_000, 10_000),
    ],
)
def test_coal_export_pays_export_duty_on_the_fob_value(incoterm, price, freight, insurance):
    # 2701.11.00 anthracite, export duty 10%. 10,000 t, FOB USD 1,500,000 — or the same sold CIF
    # at 1,600,000 with freight 90,000 and insurance 10,000 deducted, or CFR at 1,590,000 with the
    # freight deducted (the insurance is the buyer's and is not in a CFR price).
    # customs value  1,500,000 x 25,000 = 37,500,000,000; export duty 10% = 3,750,000,000;
    # no VAT (0%), no environmental tax on exports.
    result = compute_duties(
        decl(
            line("27011100", "VN", 10_000, "TNE", price),
            flow="export",
            incoterm=incoterm,
            freight=freight,
            insurance=insurance,
        )
    )
    ln = result.lines[0]
    assert (ln.customs_value_vnd, ln.export_rate, ln.export_duty_vnd) == (
        D(37_500_000_000),
        D(10),
        D(3_750_000_000),
    )
    assert (ln.import_rate_kind, ln.import_rate, ln.vat_rate, ln.vat_vnd, ln.env_tax_vnd) == (
        "",
        None,
        0,
        0,
        0,
    )
    assert result.export_duty_vnd == result.total_vnd == D(3_750_000_000)


def test_e31_materials_for_export_production_owe_nothing():
    # E31 (not_subject): PP granules from Korea worth USD 40,000 → 1,000,000,000 VND customs value,
    # and nothing due.
    result = compute_duties(
        decl(line("39021040", "KR", 30_000, "KGM", 40_000), treatment="not_subject")
    )
    ln = result.lines[0]
    assert ln.customs_value_vnd == D(1_000_000_000)
    assert (ln.import_rate_kind, ln.import_rate, ln.vat_rate, ln.sct_rate) == (
        "not_subject",
        None,
        None,
        None,
    )
    assert (ln.import_duty_vnd, ln.sct_vnd, ln.env_tax_vnd, ln.vat_vnd, ln.total_vnd) == (
        0,
        0,
        0,
        0,
        0,
    )
    assert result.total_vnd == 0


def test_exempt_import_pays_no_duty_but_sct_and_vat():
    # Car of the first example on an exempt type: no import duty;
    # SCT 40% x 500,000,000 = 200,000,000; VAT 10% x 700,000,000 = 70,000,000.
    result = compute_duties(decl(line("87032361", "JP", 1, "PCE", 20_000), treatment="exempt"))
    ln = result.lines[0]
    assert (ln.import_rate_kind, ln.import_rate) == ("exempt", None)
    assert amounts(result) == (D(500_000_000), 0, D(200_000_000), 0, D(70_000_000), D(270_000_000))


def test_origin_without_mfn_pays_the_ordinary_rate_150_percent():
    # North Korea has no MFN treatment (refdata no_mfn.csv). Apples MFN 5% → ordinary 7.5%.
    # CIF USD 10,000 → 250,000,000; duty 7.5% = 18,750,000; VAT 5% x 268,750,000 = 13,437,500.
    result = compute_duties(decl(line("08081000", "KP", 12_000, "KGM", 10_000)))
    ln = result.lines[0]
    assert (ln.import_rate_kind, ln.import_rate) == ("general", D("7.5"))
    assert amounts(result) == (D(250_000_000), D(18_750_000), 0, 0, D(13_437_500), D(32_187_500))


def test_ordinary_rate_set_by_the_schedule_when_mfn_is_zero():
    # Smartphones 8517.13.00: MFN 0%, the schedule sets an ordinary rate of 5%.
    # CIF USD 10,000 → 250,000,000; from KP duty 5% = 12,500,000; from CN 0.
    from_kp = compute_duties(decl(line("85171300", "KP", 40, "PCE", 10_000)))
    from_cn = compute_duties(decl(line("85171300", "CN", 40, "PCE", 10_000)))
    assert (from_kp.lines[0].import_rate, from_kp.import_duty_vnd) == (D(5), D(12_500_000))
    assert (from_cn.lines[0].import_rate, from_cn.import_duty_vnd) == (D(0), 0)


def test_mixed_duty_from_the_schedules_specific_amount():
    # Small tariff line 44444444: 20% + 1,000,000 VND per piece (the ordinary rate: 150% of
    # both). 2 pieces CIF USD 400 → 10,000,000; duty 2,000,000 + 2,000,000 = 4,000,000;
    # VAT 10% x 14,000,000 = 1,400,000.
    tariff = small_tariff()
    mixed = Tariff(
        lines={
            **tariff.lines,
            "44444444": hs_line("44444444", unit="PCE", mfn="20", specific="1000000"),
        },
        agreements=tariff.agreements,
        non_mfn=tariff.non_mfn,
    )
    result = compute_duties(decl(line("44444444", "DE", 2, "PCE", 400)), tariff=mixed)
    assert amounts(result) == (D(10_000_000), D(4_000_000), 0, 0, D(1_400_000), D(5_400_000))
    from_kp = compute_duties(decl(line("44444444", "KP", 2, "PCE", 400)), tariff=mixed)
    assert from_kp.import_duty_vnd == D(3_000_000) + D(3_000_000)


def test_a_duty_the_schedule_sets_by_chapter_98_rules_is_a_problem_to_act_on():
    # Used buses (8702.10.10): the tariff prints "Theo hướng dẫn tại khoản 1.1 Chương 98"
    # instead of a percentage: declared under it, the duty cannot be computed and the
    # declarant is told where the law sets it.
    with pytest.raises(ValidationFailed) as exc:
        compute_duties(decl(line("87021010", "KR", 1, "PCE", 30_000)))
    problem = exc.value.errors[0]
    assert (problem.field, problem.code) == ("lines[0].hs_code", "no-import-rate")
    assert "Chương 98" in problem.problem


def test_plastic_bags_environmental_tax_per_kg():
    # 3923.21.19 PE bags: MFN 12%, env. tax 50,000 VND/kg, VAT 10%. 2,000 kg CIF USD 4,000.
    # CV 100,000,000; duty 12,000,000; env. tax 2,000 x 50,000 = 100,000,000;
    # VAT 10% x 212,000,000 = 21,200,000.
    result = compute_duties(decl(line("39232119", "TH", 2_000, "KGM", 4_000)))
    assert amounts(result) == (
        D(100_000_000),
        D(12_000_000),
        0,
        D(100_000_000),
        D(21_200_000),
        D(133_200_000),
    )


def test_fta_rate_above_mfn_gives_way_to_mfn():
    # In the small tariff AKFTA gives 30% on line 11111111 whose MFN rate is 20%: MFN applies.
    # CIF USD 1,000 → 25,000,000; duty 20% = 5,000,000.
    result = compute_duties(
        decl(
            line(
                "11111111",
                "KR",
                10,
                "KGM",
                1_000,
                preference="AKFTA",
                co_number="AK1",
                co_date=date(2024, 5, 1),
            )
        ),
        tariff=small_tariff(),
    )
    ln = result.lines[0]
    assert (ln.import_rate_kind, ln.import_rate, ln.agreement, ln.import_duty_vnd) == (
        "mfn",
        D(20),
        "",
        D(5_000_000),
    )
    assert any("AKFTA" in n for n in ln.notes)


def test_duties_use_the_active_tariff_when_none_is_given():
    # The shipped schedule has no line 11111111, the small tariff has.
    with pytest.raises(ValidationFailed):
        compute_duties(decl(line("11111111", "TH", 1, "KGM", 100)))
    assert (
        compute_duties(decl(line("11111111", "TH", 1, "KGM", 100)), tariff=small_tariff()).total_vnd
        > 0
    )


def test_rounding_is_half_up_to_the_whole_dong():
    # Small tariff line 11111111: MFN 20%, VAT 5%. Value USD 0.0006 x 25,000 = 15 VND;
    # duty 20% = 3; VAT 5% x 18 = 0.9 → 1; total 4.
    result = compute_duties(decl(line("11111111", "US", 1, "KGM", "0.0006")), tariff=small_tariff())
    assert amounts(result) == (D(15), D(3), 0, 0, D(1), D(4))
    assert isinstance(result.total_vnd, Decimal)


def test_notes_write_amounts_the_way_the_language_does():
    declaration = decl(line("87032361", "JP", 1, "PCE", 20_000))
    with translation.override("vi"):
        vi_notes = compute_duties(declaration).lines[0].notes
    with translation.override("en"):
        en_notes = compute_duties(declaration).lines[0].notes
    assert "500.000.000" in vi_notes[0]
    assert "500,000,000" in en_notes[0]
