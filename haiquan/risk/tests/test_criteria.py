"""Each criterion alone, criteria combined, and the checking of an analyst's criteria."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from haiquan.core.problems import ValidationFailed
from haiquan.risk.criteria import Criteria, criteria_clean

from .facts import MST, OTHER_MST, facts, line

# (criteria, facts that match, facts that do not): one row per criterion, alone.
ALONE = {
    "hs_prefixes": (
        {"hs_prefixes": ["2402"]},
        facts(line(hs="24022090")),
        facts(line(hs="24031100")),
    ),
    "hs_prefixes_chapter": (
        {"hs_prefixes": ["87"]},
        facts(line(1, hs="85171300"), line(2, hs="87032363")),
        facts(line(1, hs="85171300"), line(2, hs="88023000")),
    ),
    "origins": ({"origins": ["CN"]}, facts(line(origin="CN")), facts(line(origin="TH"))),
    "enterprise_msts": (
        {"enterprise_msts": [MST]},
        facts(enterprise_mst=MST),
        facts(enterprise_mst=OTHER_MST),
    ),
    "compliance_ranks": (
        {"compliance_ranks": ["low", "non_compliant"]},
        facts(compliance_rank="low"),
        facts(compliance_rank="medium"),
    ),
    "type_codes": ({"type_codes": ["A11"]}, facts(type_code="A11"), facts(type_code="E31")),
    # The department's code matches its border gate below it; another department's does not.
    "office_codes": (
        {"office_codes": ["20"]},
        facts(office_code="20BD"),
        facts(office_code="43IH"),
    ),
    "office_codes_itself": (
        {"office_codes": ["20BD"]},
        facts(office_code="20BD"),
        facts(office_code="20CF"),
    ),
    "flow": ({"flow": "export"}, facts(flow="export"), facts(flow="import")),
    # min_value_vnd is "at least": exactly 1 billion matches, one dong less does not.
    "min_value_vnd": (
        {"min_value_vnd": Decimal("1000000000")},
        facts(line(value=1_000_000_000)),
        facts(line(value=999_999_999)),
    ),
    # 8,000 kg of fruit worth 63,992,000 VND is 7,999 VND/kg: below 8,000. Worth 64,000,000 it
    # is exactly 8,000 VND/kg: not below.
    "max_unit_price_vnd": (
        {"max_unit_price_vnd": Decimal("8000")},
        facts(line(quantity=8000, value=63_992_000)),
        facts(line(quantity=8000, value=64_000_000)),
    ),
    "min_unit_price_vnd": (
        {"min_unit_price_vnd": Decimal("50000")},
        facts(line(quantity=10, value=500_010)),
        facts(line(quantity=10, value=500_000)),
    ),
    "preference_claimed_yes": (
        {"preference_claimed": True},
        facts(line(preference="ACFTA")),
        facts(line(preference="")),
    ),
    "preference_claimed_no": (
        {"preference_claimed": False},
        facts(line(preference="")),
        facts(line(preference="ATIGA")),
    ),
}


@pytest.mark.parametrize("name", list(ALONE))
def test_each_criterion_alone_matches_and_does_not(name):
    criteria, yes, no = ALONE[name]
    compiled = Criteria.from_clean(criteria)
    assert compiled.match(yes)[0] is True
    assert compiled.match(no)[0] is False


def test_office_code_matches_whole_path_segments_only():
    # "20B" is a prefix of "20BD" as text but is not an office above it.
    assert Criteria(office_codes=("20B",)).match(facts(office_code="20BD"))[0] is False


def test_criteria_combine_with_and():
    crit = Criteria.from_clean(
        {"hs_prefixes": ["8703"], "compliance_ranks": ["medium"], "flow": "import"}
    )
    car = line(hs="87032363", origin="JP", quantity=1, value=900_000_000)
    assert crit.match(facts(car, compliance_rank="medium"))[0] is True
    assert crit.match(facts(car, compliance_rank="high"))[0] is False
    assert crit.match(facts(car, compliance_rank="medium", flow="export"))[0] is False
    assert crit.match(facts(line(hs="84713020"), compliance_rank="medium"))[0] is False


def test_line_criteria_must_hold_on_the_same_line():
    crit = Criteria.from_clean(
        {"hs_prefixes": ["08"], "origins": ["CN"], "max_unit_price_vnd": Decimal("8000")}
    )
    thai_fruit_cheap = line(1, hs="08103000", origin="TH", quantity=1000, value=5_000_000)
    chinese_machine = line(2, hs="84314990", origin="CN", quantity=1, value=5_000)
    chinese_fruit_dear = line(3, hs="08061000", origin="CN", quantity=1000, value=30_000_000)
    assert crit.match(facts(thai_fruit_cheap, chinese_machine, chinese_fruit_dear)) == (False, None)
    chinese_fruit_cheap = line(4, hs="08081000", origin="CN", quantity=1000, value=6_000_000)
    matched = crit.match(facts(thai_fruit_cheap, chinese_machine, chinese_fruit_cheap))
    assert matched == (True, 4)


def test_header_only_criteria_name_no_line():
    assert Criteria(compliance_ranks=frozenset({"high"})).match(facts()) == (True, None)


@given(
    codes=st.lists(st.from_regex(r"[0-9]{8}", fullmatch=True), min_size=1, max_size=5),
    prefixes=st.lists(st.from_regex(r"[0-9]{2,4}", fullmatch=True), min_size=1, max_size=3),
)
def test_hs_prefix_matches_exactly_when_some_line_starts_with_one(codes, prefixes):
    decl = facts(*(line(i + 1, hs=c) for i, c in enumerate(codes)))
    expected = any(c.startswith(p) for c in codes for p in prefixes)
    assert Criteria(hs_prefixes=tuple(prefixes)).match(decl)[0] is expected


# Checking what analysts give -------------------------------------------------------------


def fields_of(exc: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, str]:
    return {e.field: e.code for e in exc.value.errors}


@pytest.mark.django_db
def test_clean_normalises_codes_and_drops_repeats():
    clean = criteria_clean(
        {"origins": ["cn", "CN", "th"], "type_codes": ["a11"], "office_codes": ["20bd"]}
    )
    assert clean["origins"] == ["CN", "TH"]
    assert clean["type_codes"] == ["A11"]
    assert clean["office_codes"] == ["20BD"]
    assert clean["hs_prefixes"] == []
    assert clean["preference_claimed"] is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("criteria", "field", "code"),
    [
        ({"origins": ["CN", "XX"]}, "origins[1]", "unknown-country"),
        ({"hs_prefixes": ["24O2"]}, "hs_prefixes[0]", "invalid-hs-prefix"),
        ({"hs_prefixes": ["8"]}, "hs_prefixes[0]", "invalid-hs-prefix"),
        ({"enterprise_msts": ["0100109107"]}, "enterprise_msts[0]", "invalid-mst"),
        ({"compliance_ranks": ["gold"]}, "compliance_ranks[0]", "unknown-rank"),
        ({"type_codes": ["A11", "Z99"]}, "type_codes[1]", "unknown-type"),
        ({"office_codes": ["99ZZ"]}, "office_codes[0]", "unknown-office"),
        ({"flow": "transit"}, "flow", "invalid-choice"),
        ({"min_value_vnd": "-1"}, "min_value_vnd", "negative"),
        ({"max_unit_price_vnd": "0"}, "max_unit_price_vnd", "not-positive"),
        ({"max_unit_price_vnd": "abc"}, "max_unit_price_vnd", "not-a-number"),
        (
            {"min_unit_price_vnd": "9000", "max_unit_price_vnd": "8000"},
            "min_unit_price_vnd",
            "empty-range",
        ),
        ({"preference_claimed": "yes"}, "preference_claimed", "not-a-boolean"),
        ({"origins": "CN"}, "origins", "not-a-list"),
        ({"colour": ["red"]}, "colour", "unknown-criterion"),
        ({}, "criteria", "required"),
        ({"origins": [], "flow": ""}, "criteria", "required"),
    ],
)
def test_clean_names_the_wrong_field(criteria, field, code):
    with pytest.raises(ValidationFailed) as exc:
        criteria_clean(criteria)
    assert fields_of(exc) == {field: code}


@pytest.mark.django_db
def test_clean_reports_every_problem_at_once():
    with pytest.raises(ValidationFailed) as exc:
        criteria_clean({"origins": ["VN", "QQ"], "hs_prefixes": ["61", "6x"], "flow": "both"})
    assert set(fields_of(exc)) == {"origins[1]", "hs_prefixes[1]", "flow"}
