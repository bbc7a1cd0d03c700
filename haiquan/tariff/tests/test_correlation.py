"""AHTN 2017 codes: the shipped correlation with the tariff in force (AHTN 2022), its loader,
and reading a code a trader writes from an old contract or ruling."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import translation

from haiquan.core.problems import NotFound, ValidationFailed
from haiquan.tariff.correlation import (
    EDITION,
    correlation_load,
    correlation_map,
    correlation_targets,
)
from haiquan.tariff.models import CodeCorrelation, HsLine
from haiquan.tariff.selectors import hs_code_resolve, hs_search
from haiquan.tariff.snapshot import Tariff

pytestmark = pytest.mark.django_db


def test_the_shipped_table_is_loaded_with_the_tariff_and_points_at_lines_in_force():
    rows = CodeCorrelation.objects.filter(edition=EDITION)
    # data/ahtn2017_ahtn2022.csv: 5 pairs, 3 AHTN 2017 codes of subheading 8419.39, one of them
    # (8419.39.11) one-to-one.
    assert rows.count() == 5
    assert correlation_map() == {
        "84193911": ("84193930",),
        "84193919": ("84193390", "84193990"),
        "84193920": ("84193390", "84193990"),
    }
    assert all(r.basis for r in rows)
    lines = set(HsLine.objects.values_list("code", flat=True))
    assert {r.new_code for r in rows} <= lines
    assert not {r.old_code for r in rows} & lines
    # Loading it again replaces it: no pair twice.
    assert correlation_load() == 5
    assert CodeCorrelation.objects.count() == 5


def test_a_table_with_wrong_rows_is_refused_whole(tmp_path: Path):
    bad = tmp_path / "correlation.csv"
    bad.write_text(
        "ahtn2017,ahtn2022,basis\n"
        "84193911,84193930,ok\n"
        "84193990,84193930,a line in force is not an old code\n"
        "8419391,84193930,seven digits\n"
        "84193919,84199999,no such line\n"
        "84193911,84193930,twice\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as exc:
        correlation_load(path=bad)
    fields = [p.field for p in exc.value.errors]
    assert fields == ["row 3.ahtn2017", "row 4.ahtn2017", "row 5.ahtn2022", "row 6"]
    assert "8419.39.90" in str(exc.value.errors[0].problem)
    assert CodeCorrelation.objects.count() == 5  # the shipped table is untouched
    (tmp_path / "header.csv").write_text("old,new\n1,2\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as exc:
        correlation_load(path=tmp_path / "header.csv")
    assert exc.value.errors[0].field == "header"


def test_an_administration_loads_its_own_table(tmp_path: Path):
    own = tmp_path / "official.csv"
    own.write_text("ahtn2017,ahtn2022,basis\n84193919,84193990,official table\n", "utf-8")
    assert correlation_load(path=own) == 1
    assert correlation_targets("8419.39.19") == ["84193990"]
    assert CodeCorrelation.objects.count() == 1
    assert Tariff.load(["84193919"]).correlation == {"84193919": ("84193990",)}


def test_a_code_that_became_one_line_is_converted_and_the_trader_told_in_their_language():
    resolved = hs_code_resolve(code="8419.39.11")
    assert (resolved.code, resolved.written, resolved.converted) == ("84193930", "84193911", True)
    with translation.override("en"):
        english = resolved.note
    with translation.override("vi"):
        vietnamese = resolved.note
    assert english.startswith("8419.39.11 (AHTN 2017) is now 8419.39.30")
    assert "8419.39.11 (AHTN 2017)" in vietnamese and "8419.39.30" in vietnamese
    assert vietnamese != english
    current = hs_code_resolve(code="84193990")
    assert (current.code, current.converted, current.note) == ("84193990", False, "")


def test_a_code_divided_between_several_lines_is_refused_naming_them():
    with pytest.raises(NotFound) as exc:
        hs_code_resolve(code="84193919")
    detail = str(exc.value.detail)
    assert "8419.39.19" in detail and "AHTN 2017" in detail
    assert "8419.33.90" in detail and "8419.39.90" in detail
    assert "8419.39.30" not in detail  # the machines for printed circuits are not among them


def test_looking_up_an_ahtn_2017_code_finds_the_lines_it_became():
    assert [ln.code for ln in hs_search(q="8419.39.19")] == ["84193390", "84193990"]
    assert [ln.code for ln in hs_search(q="84193911")] == ["84193930"]
    assert hs_search(q="84193999") == []
