"""Finding lines: by code, and by words ranked by relevance over the whole tariff."""

from __future__ import annotations

import pytest
from django.utils import translation

from haiquan.core.problems import NotFound
from haiquan.tariff.models import HsLine
from haiquan.tariff.selectors import heading_get, hs_line_get, hs_search, line_parents

pytestmark = pytest.mark.django_db


def codes(q, limit=20):
    return [line.code for line in hs_search(q=q, limit=limit)]


def test_search_by_code_prefix_with_or_without_dots():
    expected = list(
        HsLine.objects.filter(code__startswith="870323")
        .order_by("code")
        .values_list("code", flat=True)
    )
    assert len(expected) > 20
    assert codes("8703.23", limit=100) == expected
    assert codes("870323", limit=100) == codes("8703.23", limit=100)
    assert codes("2701", limit=2) == ["27011100", "27011210"]
    assert codes("87032361") == ["87032361"]


def test_o_to_finds_cars_first_with_or_without_diacritics():
    for q in ("o to", "ô tô", "Ô TÔ", "xe ô tô"):
        found = codes(q, limit=5)
        assert found and all(c.startswith("87") for c in found), (q, found)
        assert found[0].startswith("8703"), (q, found)


def test_search_ranks_the_goods_named_first():
    assert codes("thanh long")[0] == codes("dragon fruit")[0] == "08109092"
    assert codes("cà phê")[:3] == codes("ca phe")[:3]
    assert all(c.startswith("0901") for c in codes("cà phê nhân chưa rang", limit=3))
    assert codes("máy tính xách tay")[0] == "84713020"
    assert codes("laptop")[0] == "84713020"  # not the batteries "for laptops"
    assert codes("Polypropylene granules, virgin")[0] == "39021040"
    assert codes("Canned beer, 330 ml, 5% alcohol")[0].startswith("2203")


def test_nothing_found_for_words_the_tariff_does_not_have():
    assert codes("zzqx wqzz") == []
    assert codes("") == []


def test_a_line_with_its_parents_and_a_heading_with_its_rows():
    line = hs_line_get(code="0810.90.92")
    parents = line_parents(line)
    assert [p.code for p in parents if p.code][:1] == ["0810"]
    assert parents[0].description_vi.startswith("Quả khác")
    page = heading_get(code="0810")
    dragon = next(r for r in page.rows if r.line is not None and r.line.code == "08109092")
    assert dragon.rate.mfn_rate == 25


def test_an_unknown_code_names_the_lines_nearby():
    # 8419.39.19 was a line of AHTN 2017, divided by AHTN 2022 (spray dryers went to 8419.33).
    with pytest.raises(NotFound) as exc:
        hs_line_get(code="84193919")
    assert "8419.33.90" in str(exc.value.detail) and "8419.39.90" in str(exc.value.detail)
    with pytest.raises(NotFound) as exc:
        hs_line_get(code="84193999")  # never a line: those of its subheading
    assert "8419.39.30" in str(exc.value.detail) and "8419.39.90" in str(exc.value.detail)
    assert hs_line_get(code="2203.00.91").code == "22030091"


def test_the_advance_ruling_form_takes_every_line_of_the_tariff():
    """The online advance-ruling form (eservices) checks its HS code against the whole tariff;
    a code of the 2017 nomenclature is converted when it became one line, refused naming the
    lines when it was divided."""
    from haiquan.core.problems import ValidationFailed
    from haiquan.eservices.catalogue import (
        catalogue_load,
        form_data_clean,
        form_hs_notes,
        form_spec,
    )
    from haiquan.eservices.models import Procedure

    catalogue_load()
    spec = form_spec(Procedure.objects.get(code="hs-ruling"))
    data = {
        "goods_name": "Máy sấy phun",
        "goods_description": "Máy sấy phun dùng cho sữa bột, hoạt động bằng điện",
        "origin": "DE",
    }
    for code in ("84193990", "8419.39.30", "01012100", "97069000"):
        assert form_data_clean(spec, {**data, "proposed_hs_code": code})["proposed_hs_code"] == (
            code.replace(".", "")
        )
    # An AHTN 2017 code that became one line: converted, kept as written, the trader told.
    cleaned = form_data_clean(spec, {**data, "proposed_hs_code": "8419.39.11"})
    assert cleaned["proposed_hs_code"] == "84193930"
    assert cleaned["proposed_hs_code_as_written"] == "84193911"
    with translation.override("en"):
        assert [str(n) for n in form_hs_notes(spec, cleaned)] == [
            "8419.39.11 (AHTN 2017) is now 8419.39.30 in the tariff in force (AHTN 2022): the "
            "code was converted. Check that the line describes the goods."
        ]
    assert form_data_clean(spec, cleaned) == cleaned  # submitted again, the record stays
    # ... but only for the line the code became.
    moved = {**cleaned, "proposed_hs_code": "84193990"}
    assert "proposed_hs_code_as_written" not in form_data_clean(spec, moved)
    # A code divided between several lines is a legitimate proposal: customs rules the line
    # (spray dryers are 8419.33 today). Kept as written; the lines named with their texts.
    divided = form_data_clean(spec, {**data, "proposed_hs_code": "8419.39.19"})
    assert divided["proposed_hs_code"] == "84193919"
    assert "proposed_hs_code_as_written" not in divided
    (note,) = form_hs_notes(spec, divided)
    assert note.divided is not None
    assert [ln.code for ln in note.divided.lines] == ["84193390", "84193990"]
    # A plain HS field (the goods of an origin ruling) still refuses it, naming the lines.
    origin_spec = form_spec(Procedure.objects.get(code="origin-ruling"))
    with pytest.raises(ValidationFailed) as exc:
        form_data_clean(origin_spec, {"hs_code": "84193919"}, prefix="data")
    problem = next(p for p in exc.value.errors if p.field == "data.hs_code")
    assert "8419.33.90" in str(problem.problem) and "8419.39.90" in str(problem.problem)
