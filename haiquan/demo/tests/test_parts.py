"""The generator's parts: exchange rates, tax codes, container numbers, the calendar, the
period, fraud planting and the bulk writer."""

from __future__ import annotations

import itertools
import random
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import iso6346
from stdnum.vn import mst as mst_std

from haiquan.clearance.models import Declaration
from haiquan.core.bulkwrite import Table
from haiquan.demo import fraud, rates, volumes
from haiquan.demo.catalogue import Catalogue
from haiquan.demo.consignment import container_number
from haiquan.demo.generator import history_period
from haiquan.demo.population import MstFactory
from haiquan.demo.timeline import VN_TZ, in_office_hours, next_office_opening, office_weighted
from haiquan.tariff.snapshot import Tariff


@pytest.mark.parametrize(
    ("year", "low", "high"),
    [
        (2019, 23_100, 23_300),
        (2020, 23_100, 23_300),
        (2024, 25_000, 26_300),
        (2025, 25_000, 26_300),
        (2026, 25_000, 26_300),
    ],
)
def test_the_dollar_sits_at_the_level_of_its_year(year, low, high):
    walk = dict(rates.rate_walk("USD", date(year, 1, 1), date(year, 12, 31), seed=1))
    assert all(low * 0.99 <= float(v) <= high * 1.01 for v in walk.values())
    assert low <= rates.level("USD", date(year, 7, 1)) <= high


def test_rates_walk_smoothly_and_are_seeded():
    a = list(rates.rate_walk("EUR", date(2024, 1, 1), date(2024, 3, 31), seed=5))
    assert a == list(rates.rate_walk("EUR", date(2024, 1, 1), date(2024, 3, 31), seed=5))
    assert a != list(rates.rate_walk("EUR", date(2024, 1, 1), date(2024, 3, 31), seed=6))
    # A day never moves more than 1.5% (a managed float, not a random jump).
    for (_d0, r0), (_d1, r1) in itertools.pairwise(a):
        assert abs(r1 / r0 - 1) < Decimal("0.015")
    assert [d for d, _r in a] == [date(2024, 1, 1) + timedelta(days=i) for i in range(91)]


def test_tax_codes_are_valid_new_and_carry_the_tax_department_prefix():
    factory = MstFactory(random.Random(1), taken=set())
    codes = [factory.make("57") for _ in range(500)]
    assert len(set(codes)) == 500
    assert all(mst_std.is_valid(c) and c.startswith("57") and len(c) == 10 for c in codes)


def test_tax_code_bodies_without_a_valid_check_digit_are_skipped():
    # A body whose weighted sum is a multiple of 11 would need the check digit "10".
    bad = next(s for s in range(1, 10**7) if len(mst_std.calc_check_digit(f"57{s:07d}")) != 1)

    class Rigged(random.Random):
        def __init__(self) -> None:
            super().__init__(0)
            self.serials = [
                bad,
                bad + 1 if len(mst_std.calc_check_digit(f"57{bad + 1:07d}")) == 1 else bad + 2,
            ]

        def randint(self, a: int, b: int) -> int:
            return self.serials.pop(0)

    code = MstFactory(Rigged(), taken=set()).make("57")
    assert mst_std.is_valid(code) and code[2:9] != f"{bad:07d}"


@given(st.integers(min_value=0, max_value=2**32))
@settings(max_examples=200)
def test_container_numbers_are_valid_iso_6346(seed):
    number = container_number(random.Random(seed))
    assert iso6346.is_valid(number) and number[3] == "U"


def test_the_calendar_stops_for_tet_and_rests_on_sundays():
    tet = volumes.TET[2024]
    assert volumes.day_weight(tet) < 0.15 * volumes.day_weight(tet - timedelta(days=14))
    monday, sunday = date(2024, 3, 4), date(2024, 3, 10)
    assert volumes.day_weight(sunday) < 0.5 * volumes.day_weight(monday)
    rng = random.Random(3)
    draws = [volumes.poisson(rng, 12.5) for _ in range(4000)]
    assert 12.0 < sum(draws) / len(draws) < 13.0


def test_office_hours_and_work_that_waits_for_them():
    evening = datetime(2024, 3, 5, 21, 0, tzinfo=VN_TZ)  # a Tuesday
    assert not in_office_hours(evening)
    assert next_office_opening(evening) == datetime(2024, 3, 6, 7, 30, tzinfo=VN_TZ)
    saturday_night = datetime(2024, 3, 9, 22, 0, tzinfo=VN_TZ)
    assert next_office_opening(saturday_night) == datetime(2024, 3, 11, 7, 30, tzinfo=VN_TZ)
    rng = random.Random(1)
    waited = [office_weighted(rng, evening, 1.0) for _ in range(20)]
    assert all(
        datetime(2024, 3, 6, 7, 30, tzinfo=VN_TZ) <= t <= datetime(2024, 3, 6, 9, 0, tzinfo=VN_TZ)
        for t in waited
    )
    assert office_weighted(rng, evening, 0.0) == evening


def test_the_history_period_is_full_months_then_up_to_until():
    start, end = history_period(months=2, until=date(2024, 3, 1))
    assert (start, end) == (datetime(2024, 1, 1, tzinfo=VN_TZ), datetime(2024, 3, 1, tzinfo=VN_TZ))
    start, end = history_period(months=24, until=date(2024, 3, 15))
    assert start == datetime(2022, 3, 1, tzinfo=VN_TZ) and end == datetime(
        2024, 3, 15, tzinfo=VN_TZ
    )
    start, end = history_period(months=1, until=None)
    assert abs((end - timezone.now()).total_seconds()) < 5
    with pytest.raises(ValueError):
        history_period(months=1, until=timezone.localdate() + timedelta(days=1))


@pytest.mark.django_db
def test_goods_carry_the_tariff_unit_and_cheaper_neighbours_share_chapter_and_unit():
    catalogue = Catalogue(Tariff.load(None))
    assert {
        "fruit_temperate",
        "coal",
        "garments",
        "furniture",
        "machinery",
    } <= catalogue.groups_available()
    for goods in catalogue.by_code.values():
        assert goods.unit == goods.line.unit and goods.price_usd > 0 and goods.qty_median > 0
    for code, cheaper in catalogue.cheaper.items():
        me = catalogue.by_code[code]
        assert all(
            c.code[:2] == code[:2] and c.unit == me.unit and c.burden < me.burden for c in cheaper
        )


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(40))
def test_fraud_plans_change_only_what_their_kind_says(seed):
    catalogue = Catalogue(Tariff.load(None))
    rng = random.Random(seed)
    goods = catalogue.by_code["08081000"]  # apples, 20% MFN, with an ATIGA rate
    truth = [
        fraud.Line(
            code=goods.code,
            description=goods.description,
            origin="CN",
            quantity=Decimal(20_000),
            unit="KGM",
            unit_price=Decimal("0.9000"),
            value=Decimal("18000.00"),
        )
    ]
    plan = fraud.plan(
        rng, lines=truth, flow="import", catalogue=catalogue, day=date(2024, 5, 2), atiga_form="D"
    )
    assert plan is not None and plan.affected == (0,)
    declared, true = plan.declared[0], truth[0]
    if plan.kind == "undervaluation":
        assert Decimal("0.3") <= 1 - declared.unit_price / true.unit_price <= Decimal("0.7")
        assert declared.value == fraud.line_value(declared.quantity, declared.unit_price)
        assert (declared.code, declared.origin) == (true.code, true.origin)
    elif plan.kind == "misclassification":
        assert declared.code[:2] == "08" and declared.code != true.code and declared.unit == "KGM"
        assert catalogue.by_code[declared.code].burden < goods.burden
        assert declared.unit_price == true.unit_price
    else:
        assert plan.kind == "false_origin"
        assert declared.origin in fraud.FALSE_ORIGINS and declared.preference == "ATIGA"
        assert declared.co_number.startswith("D") and declared.co_date < date(2024, 5, 2)


@pytest.mark.django_db
def test_the_writer_knows_every_column_it_must_fill():
    with pytest.raises(ValueError, match="no column"):
        Table(Declaration, ("id", "no_such_column"))
    with pytest.raises(ValueError, match="no default"):
        Table(Declaration, ("id",))  # e.g. the flow is required and has no default


@pytest.mark.django_db
def test_the_catalogue_offers_lines_of_every_chapter_traded():
    catalogue = Catalogue(Tariff.load(None))
    chapters = {code[:2] for code in catalogue.by_code}
    assert len(catalogue.by_code) >= 10_000 and len(chapters) >= 94  # 11,118 of 95 today
    assert not chapters & {"77", "93", "98"}  # no chapter 77; arms; chapter 98's national lines
