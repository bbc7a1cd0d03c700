"""Duties under the real tariff: an ACFTA origin, RCEP's schedules by partner, a line excluded
from an agreement, an anti-dumping duty for a named producer and for everyone else, and a
tariff-rate quota drawn down to zero, then out of quota. Amounts computed by hand.

Exchange rate 25,000 VND per USD; registration day 2 May 2026 unless said.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.utils.translation import override

from haiquan.core.problems import ValidationFailed
from haiquan.refdata.models import Enterprise
from haiquan.tariff.duties import compute_duties
from haiquan.tariff.models import QuotaAllocation, QuotaDraw, TariffQuota
from haiquan.tariff.quotas import (
    quota_allocation_set,
    quota_balances,
    quota_draws_release,
    quota_draws_replace,
)
from haiquan.tariff.remedies import trade_remedies_load_from
from haiquan.tariff.snapshot import Tariff

from .helpers import D, decl, line

pytestmark = pytest.mark.django_db
DAY = date(2026, 5, 2)


def claim(code, origin, qty, unit, value, agreement, **kw):
    return line(
        code,
        origin,
        qty,
        unit,
        value,
        preference=agreement,
        co_number=f"{agreement}-26-0001",
        co_date=date(2026, 4, 20),
        **kw,
    )


def codes_of(exc: pytest.ExceptionInfo[ValidationFailed]) -> list[tuple[str, str]]:
    return [(p.field, p.code) for p in exc.value.errors]


# --- free-trade agreements ---------------------------------------------------------------------


def test_acfta_origin_gets_the_special_rate_and_an_excluded_party_does_not():
    # 8481.80.99 valves: MFN 10%, ACFTA "0 (-KH, PH)". CIF USD 4,000 → 100,000,000 VND.
    # From China under ACFTA: 0% duty; VAT 10% = 10,000,000.
    from_cn = compute_duties(decl(claim("84818099", "CN", 40, "PCE", 4_000, "ACFTA"), on_day=DAY))
    ln = from_cn.lines[0]
    assert (ln.import_rate_kind, ln.import_rate, ln.agreement) == ("preferential", 0, "ACFTA")
    assert (ln.import_duty_vnd, ln.vat_vnd, ln.total_vnd) == (0, D(10_000_000), D(10_000_000))
    # From the Philippines, an ASEAN party the decree leaves out of this line's ACFTA rate.
    with pytest.raises(ValidationFailed) as exc:
        compute_duties(decl(claim("84818099", "PH", 40, "PCE", 4_000, "ACFTA"), on_day=DAY))
    assert codes_of(exc) == [("lines[0].preference", "origin-excluded")]
    assert "PH" in exc.value.errors[0].problem
    # Without the claim, the MFN rate: 10% = 10,000,000; VAT 10% x 110,000,000 = 11,000,000.
    mfn = compute_duties(decl(line("84818099", "PH", 40, "PCE", 4_000), on_day=DAY))
    assert (mfn.import_duty_vnd, mfn.vat_vnd) == (D(10_000_000), D(11_000_000))


@override("en")
@pytest.mark.parametrize(
    ("origin", "schedule", "rate", "duty", "vat"),
    [
        # 7318.15.10 bolts: MFN 12%. RCEP schedule A (ASEAN) 8%, D (Japan) 8.3%, C (China) 12%.
        # CIF USD 2,000 → 50,000,000; VAT 10% of customs value plus duty.
        ("TH", "A", D(8), D(4_000_000), D(5_400_000)),
        ("JP", "D", D("8.3"), D(4_150_000), D(5_415_000)),
        ("CN", "C", D(12), D(6_000_000), D(5_600_000)),
    ],
)
def test_rcep_origin_takes_the_schedule_of_its_partner_group(origin, schedule, rate, duty, vat):
    result = compute_duties(decl(claim("73181510", origin, 500, "KGM", 2_000, "RCEP"), on_day=DAY))
    ln = result.lines[0]
    assert (ln.import_rate_kind, ln.import_rate, ln.agreement) == ("preferential", rate, "RCEP")
    assert (ln.import_duty_vnd, ln.vat_vnd) == (duty, vat)
    assert any(f"schedule {schedule} of RCEP, for goods from {origin}" in n for n in ln.notes)


def test_a_line_excluded_from_an_agreement_pays_the_mfn_rate():
    # 8703.23.61 cars from Japan: "*" under AJCEP, VJEPA and RCEP's Japanese schedule (D), while
    # RCEP's Chinese schedule (C) grants 70%. A claim on an excluded line is refused, saying so;
    # the car pays the MFN rate, 70%: CIF USD 20,000 → 500,000,000; duty 350,000,000.
    for agreement in ("AJCEP", "VJEPA", "RCEP"):
        with pytest.raises(ValidationFailed) as exc:
            compute_duties(decl(claim("87032361", "JP", 1, "PCE", 20_000, agreement), on_day=DAY))
        assert codes_of(exc) == [("lines[0].preference", "excluded-from-agreement")]
        assert agreement in exc.value.errors[0].problem
    mfn = compute_duties(decl(line("87032361", "JP", 1, "PCE", 20_000), on_day=DAY))
    assert (mfn.lines[0].import_rate_kind, mfn.import_duty_vnd) == ("mfn", D(350_000_000))
    rcep_cn = compute_duties(decl(claim("87032361", "CN", 1, "PCE", 20_000, "RCEP"), on_day=DAY))
    assert rcep_cn.lines[0].agreement == "RCEP" and rcep_cn.import_duty_vnd == D(350_000_000)


def test_cptpp_goods_from_mexico_take_mexicos_own_rates():
    # 8703.23.61 under CPTPP: 28%, "M: 35" for Mexico. CIF USD 20,000 → 500,000,000.
    jp = compute_duties(decl(claim("87032361", "JP", 1, "PCE", 20_000, "CPTPP"), on_day=DAY))
    mx = compute_duties(decl(claim("87032361", "MX", 1, "PCE", 20_000, "CPTPP"), on_day=DAY))
    assert (jp.import_duty_vnd, mx.import_duty_vnd) == (D(140_000_000), D(175_000_000))


# --- trade remedies ------------------------------------------------------------------------------

REMEDIES = (
    "code,kind,title_vi,title_en,legal_basis,origins,exempt_origins,hs_codes,valid_from,valid_to,"
    "producer,country,rate,specific_vnd,unit\n"
    "AD20,anti_dumping,Thép cán nóng,Hot-rolled steel,1959/QĐ-BCT,CN,,720839,2025-07-05,"
    '2030-07-04,"Hebei Example Iron & Steel Co., Ltd.",CN,"23,10",,\n'
    "AD20,anti_dumping,Thép cán nóng,Hot-rolled steel,1959/QĐ-BCT,CN,,720839,2025-07-05,"
    "2030-07-04,,,27.83,,\n"
)


def test_anti_dumping_duty_for_the_named_producer_and_the_residual_rate():
    assert trade_remedies_load_from(StringIO(REMEDIES), source="test") == 1
    tariff = Tariff.load(["72083990"])
    # 7208.39.90 hot-rolled coils: MFN 0%, VAT 10%. 100 t, CIF USD 50,000 → 1,250,000,000 VND.
    # The named producer: 23.10% = 288,750,000; VAT 10% x 1,538,750,000 = 153,875,000.
    named = compute_duties(
        decl(
            line("72083990", "CN", 100_000, "KGM", 50_000),
            on_day=DAY,
            exporter="HEBEI EXAMPLE IRON AND STEEL CO LTD",
        ),
        tariff,
    )
    ln = named.lines[0]
    assert (ln.import_duty_vnd, ln.remedy_vnd, ln.vat_vnd) == (0, D(288_750_000), D(153_875_000))
    assert ln.total_vnd == D(288_750_000) + D(153_875_000)
    assert [(r.code, r.rate, r.producer) for r in ln.remedies] == [
        ("AD20", D("23.10"), "Hebei Example Iron & Steel Co., Ltd.")
    ]
    assert any("1959/QĐ-BCT" in n and "23.1" in n for n in ln.notes)
    assert named.remedy_vnd == D(288_750_000)
    # Anyone else: the residual 27.83% = 347,875,000; VAT 10% x 1,597,875,000 = 159,787,500.
    other = compute_duties(decl(line("72083990", "CN", 100_000, "KGM", 50_000), on_day=DAY), tariff)
    assert (other.lines[0].remedy_vnd, other.lines[0].vat_vnd) == (D(347_875_000), D(159_787_500))
    assert other.lines[0].remedies[0].producer == ""
    # Not from China, or before the measure: no anti-dumping duty.
    from_jp = compute_duties(
        decl(line("72083990", "JP", 100_000, "KGM", 50_000), on_day=DAY), tariff
    )
    before = compute_duties(
        decl(line("72083990", "CN", 100_000, "KGM", 50_000), on_day=date(2025, 7, 4)), tariff
    )
    assert from_jp.remedy_vnd == before.remedy_vnd == 0


def test_a_remedies_file_with_a_bad_row_loads_nothing():
    bad = REMEDIES.replace("27.83", "abc").replace("720839", "720839 99999999", 1)
    with pytest.raises(ValidationFailed) as exc:
        trade_remedies_load_from(StringIO(bad))
    fields = [p.field for p in exc.value.errors]
    assert "remedies_csv[2].hs_codes" in fields and "remedies_csv[3].rate" in fields
    assert not Tariff.load(["72083990"]).remedies


# --- tariff-rate quotas --------------------------------------------------------------------------


def sugar(qty_kg: int, value_usd: int):
    return line("17019910", "AU", qty_kg, "KGM", value_usd)


def test_a_quota_drawn_down_to_zero_then_out_of_quota():
    # 1701.99.10 refined sugar: MFN 40% within the quota, 85% out of it; VAT 5%. The importer
    # has 10 t left. Three lines of 6 t, each CIF USD 3,000 → 75,000,000 VND.
    # line 1: 6 t in quota: duty 40% = 30,000,000; VAT 5% x 105,000,000 = 5,250,000
    # line 2: 4 t in (4/6 of the value at 40%), 2 t out (2/6 at 85%):
    #         50,000,000 x 40% + 25,000,000 x 85% = 20,000,000 + 21,250,000 = 41,250,000;
    #         VAT 5% x 116,250,000 = 5,812,500
    # line 3: nothing left: 85% = 63,750,000; VAT 5% x 138,750,000 = 6,937,500
    result = compute_duties(
        decl(
            sugar(6_000, 3_000),
            sugar(6_000, 3_000),
            sugar(6_000, 3_000),
            on_day=DAY,
            quota_balances={"TRQ-SUGAR-2026": D(10)},
        )
    )
    assert [ln.import_duty_vnd for ln in result.lines] == [
        D(30_000_000),
        D(41_250_000),
        D(63_750_000),
    ]
    assert [ln.vat_vnd for ln in result.lines] == [D(5_250_000), D(5_812_500), D(6_937_500)]
    assert [ln.in_quota_quantity for ln in result.lines] == [D(6), D(4), D(0)]
    assert [ln.quota for ln in result.lines] == ["TRQ-SUGAR-2026"] * 3
    assert [ln.import_rate for ln in result.lines] == [D(40), D("55.000"), D(85)]
    with override("en"):
        notes = (
            compute_duties(
                decl(sugar(6_000, 3_000), on_day=DAY, quota_balances={"TRQ-SUGAR-2026": D(0)})
            )
            .lines[0]
            .notes
        )
    assert any("nothing is left of the importer's allocation" in n for n in notes)


def test_no_allocation_means_the_out_of_quota_rate():
    result = compute_duties(decl(sugar(6_000, 3_000), on_day=DAY))
    assert (result.lines[0].import_rate, result.import_duty_vnd) == (D(85), D(63_750_000))


def test_allocations_are_drawn_on_registration_and_given_back_on_cancellation():
    enterprise = Enterprise.objects.create(mst="0100109106", name="Công ty Đường Ví Dụ")
    quota = TariffQuota.objects.get(code="TRQ-SUGAR-2026")
    quota_allocation_set(quota=quota, enterprise=enterprise, quantity=D(10), licence="GP-01")
    tariff = Tariff.load(["17019910"])

    def register(declaration_id: int, tonnes: int) -> Decimal:
        balances = quota_balances(
            enterprise_id=enterprise.pk,
            codes=["17019910"],
            on_day=DAY,
            tariff=tariff,
            declaration_id=declaration_id,
            lock=True,
        )
        duties = compute_duties(
            decl(sugar(tonnes * 1000, tonnes * 500), on_day=DAY, quota_balances=balances), tariff
        )
        quota_draws_replace(
            declaration_id=declaration_id,
            enterprise_id=enterprise.pk,
            lines=[
                (i + 1, "17019910", ln.quota, ln.in_quota_quantity)
                for i, ln in enumerate(duties.lines)
            ],
        )
        return duties.lines[0].import_rate

    assert register(1, 6) == 40  # 6 of 10 t
    assert register(2, 4) == 40  # the last 4 t: the allocation is drawn to zero
    allocation = QuotaAllocation.objects.get(quota=quota, enterprise=enterprise)
    assert (allocation.drawn, allocation.remaining) == (D(10), D(0))
    assert register(3, 5) == 85  # nothing left: out of quota, nothing drawn
    assert not QuotaDraw.objects.filter(declaration_id=3).exists()
    # Declaration 1 is cancelled: its 6 t come back, and an amendment of 2 redraws its own.
    assert quota_draws_release(declaration_id=1) == 1
    allocation.refresh_from_db()
    assert allocation.remaining == D(6)
    assert register(2, 8) == 40  # 4 t of its own + 4 of the 6 given back
    allocation.refresh_from_db()
    assert (allocation.drawn, allocation.remaining) == (D(8), D(2))
    # An allocation cannot be set below what is drawn.
    with pytest.raises(ValidationFailed):
        quota_allocation_set(quota=quota, enterprise=enterprise, quantity=D(5))


def test_balances_cost_no_query_when_no_line_is_under_a_quota(django_assert_num_queries):
    tariff = Tariff.load(["84818099"])
    with django_assert_num_queries(0):
        assert (
            quota_balances(enterprise_id=1, codes=["84818099"], on_day=DAY, tariff=tariff) is None
        )
