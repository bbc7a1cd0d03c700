"""Properties of the duty computation over varied declarations (in-memory tariff, no database)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from haiquan.tariff.duties import INCOTERMS, allocate, compute_duties

from .helpers import decl, line, small_tariff

TARIFF = small_tariff()
UNITS = {code: hs.unit for code, hs in TARIFF.lines.items()}
AMOUNT_FIELDS = (
    "customs_value_vnd",
    "import_duty_vnd",
    "export_duty_vnd",
    "sct_vnd",
    "env_tax_vnd",
    "vat_vnd",
    "total_vnd",
)

money = st.decimals(
    min_value=0, max_value=10_000_000, places=2, allow_nan=False, allow_infinity=False
)
positive_qty = st.decimals(min_value=Decimal("0.001"), max_value=100_000, places=3)
rates = st.decimals(min_value=1, max_value=30_000, places=4)


@st.composite
def goods_lines(draw):
    code = draw(st.sampled_from(sorted(TARIFF.lines)))
    origin = draw(st.sampled_from(["TH", "SG", "KR", "US", "KP", "CN"]))
    hs = TARIFF.lines[code]
    claimable = [a for a in hs.preferential if origin in TARIFF.agreements[a].parties]
    claim = {}
    if claimable and draw(st.booleans()):
        claim = {
            "preference": draw(st.sampled_from(claimable)),
            "co_number": "CO-1",
            "co_date": date(2024, 5, 2) - timedelta(days=draw(st.integers(0, 365))),
        }
    return line(code, origin, draw(positive_qty), UNITS[code], draw(money), **claim)


declarations = st.builds(
    lambda lines, flow, treatment, incoterm, rate, freight, insurance: decl(
        *lines,
        flow=flow,
        treatment=treatment,
        incoterm=incoterm,
        rate=rate,
        # an export's deducted freight cannot exceed its price
        freight=min(freight, sum(x.value for x in lines) / 2) if flow == "export" else freight,
        insurance=min(insurance, sum(x.value for x in lines) / 2)
        if flow == "export"
        else insurance,
    ),
    st.lists(goods_lines(), min_size=1, max_size=8),
    st.sampled_from(["import", "export"]),
    st.sampled_from(["dutiable", "exempt", "not_subject"]),
    st.sampled_from(INCOTERMS),
    rates,
    money,
    money,
)


@given(
    total=st.decimals(min_value=0, max_value=10**9, places=2),
    weights=st.lists(st.decimals(min_value=0, max_value=10**8, places=2), min_size=1, max_size=50),
)
def test_allocation_parts_always_sum_to_the_total(total, weights):
    parts = allocate(total, weights)
    assert len(parts) == len(weights)
    assert sum(parts) == total
    assert all(p >= 0 for p in parts)


@given(total=st.decimals(min_value=0, max_value=10**6, places=2), n=st.integers(1, 20))
def test_allocation_gives_the_remainder_to_the_largest_line(total, n):
    weights = [Decimal(1)] * n + [Decimal(2)]
    parts = allocate(total, weights)
    floor_share = (total / (n + 2)).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    assert parts[:n] == [floor_share] * n
    assert parts[-1] == total - n * floor_share


@settings(max_examples=200)
@given(declarations)
def test_amounts_are_whole_non_negative_dong_and_totals_add_up(declaration):
    result = compute_duties(declaration, tariff=TARIFF)
    for ln in result.lines:
        for name in AMOUNT_FIELDS:
            amount = getattr(ln, name)
            assert amount >= 0, name
            assert amount == amount.to_integral_value(), name
        assert (
            ln.total_vnd
            == ln.import_duty_vnd + ln.export_duty_vnd + ln.sct_vnd + ln.env_tax_vnd + ln.vat_vnd
        )
    for name in AMOUNT_FIELDS:
        assert getattr(result, name) == sum(getattr(ln, name) for ln in result.lines), name


@given(
    code=st.sampled_from(["11111111", "22222222", "33333333"]),
    value=money,
    qty=positive_qty,
    incoterm=st.sampled_from(INCOTERMS),
    freight=money,
)
def test_a_preference_never_costs_more_than_mfn(code, value, qty, incoterm, freight):
    hs = TARIFF.lines[code]
    base = {"incoterm": incoterm, "freight": freight}
    mfn = compute_duties(decl(line(code, "TH", qty, hs.unit, value), **base), tariff=TARIFF).lines[
        0
    ]
    claimed = compute_duties(
        decl(
            line(
                code,
                "TH",
                qty,
                hs.unit,
                value,
                preference="ATIGA",
                co_number="D-1",
                co_date=date(2024, 5, 1),
            ),
            **base,
        ),
        tariff=TARIFF,
    ).lines[0]
    assert mfn.import_rate_kind == "mfn"
    assert hs.preferential["ATIGA"] <= hs.mfn_rate
    assert claimed.import_rate_kind == "preferential"
    assert claimed.import_duty_vnd <= mfn.import_duty_vnd
    assert claimed.total_vnd <= mfn.total_vnd


@given(
    code=st.sampled_from(["11111111", "22222222", "33333333"]),
    origin=st.sampled_from(["TH", "US", "KP"]),
    flow=st.sampled_from(["import", "export"]),
    values=st.tuples(money, money),
    qty=positive_qty,
    incoterm=st.sampled_from(["FOB", "CIF", "CFR", "EXW"]),
    freight=st.decimals(min_value=0, max_value=1000, places=2),
)
def test_duty_is_monotone_in_value(code, origin, flow, values, qty, incoterm, freight):
    low, high = sorted(values)
    unit = TARIFF.lines[code].unit
    freight = min(freight, low) if flow == "export" else freight

    def duties(value):
        declaration = decl(
            line(code, origin, qty, unit, value), flow=flow, incoterm=incoterm, freight=freight
        )
        return compute_duties(declaration, tariff=TARIFF).lines[0]

    a, b = duties(low), duties(high)
    for name in AMOUNT_FIELDS:
        assert getattr(a, name) <= getattr(b, name), name
