"""The per-process tariff snapshot: one cheap query when nothing changed, fresh after a load."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from haiquan.refdata.models import Country
from haiquan.tariff.services import tariff_changed, tariff_load_csv
from haiquan.tariff.snapshot import Tariff, tariff_cache_clear

from .test_services import GOOD_LINES, write

pytestmark = pytest.mark.django_db


def test_a_warm_snapshot_costs_one_query(django_assert_num_queries):
    tariff_cache_clear()
    first = Tariff.load(["87032361", "0808.10.00", "99999999"])
    assert set(first.lines) == {"87032361", "08081000"}
    with django_assert_num_queries(1):  # only the version token
        again = Tariff.load(["87032361", "08081000", "99999999"])
    assert again.line("8703.23.61") == first.line("87032361")
    assert again.line("99999999") is None
    assert again.line("27101224") is None  # not asked for


def test_the_whole_tariff_and_its_agreements():
    tariff = Tariff.load()
    assert len(tariff.lines) == 11_871
    car = tariff.line("87032361")
    assert car is not None
    day = date(2026, 6, 1)
    assert (car.unit, car.rate_on(day).mfn_rate, car.sct_rate) == ("PCE", 70, 40)
    assert car.preferential_on("CPTPP", "", day).rate == 28
    assert car.preferential_on("CPTPP", "MX", day).rate == 35  # Mexico's own rate
    assert car.preferential_on("RCEP", "C", day).rate == 70
    assert car.preferential_on("RCEP", "D", day).rate is None  # excluded for Japan
    assert "VJEPA" not in car.preferential and car.preferential["ATIGA"] == 0
    assert "JP" in tariff.agreement("VJEPA").parties
    assert tariff.agreement("RCEP").schedule_of("JP") == "D"
    assert not tariff.has_mfn("KP") and tariff.has_mfn("JP")
    # the quotas on the lines with out-of-quota rates
    assert tariff.quota_on("17019910", day).code == "TRQ-SUGAR-2026"
    assert tariff.quota_on("17019910", date(2027, 1, 1)) is None


def test_a_load_is_seen_by_the_next_tariff_load(tmp_path):
    assert Tariff.load(["96032190"]).line("96032190") is None  # remembered as missing...
    tariff_load_csv(lines_csv=write(tmp_path, "l.csv", GOOD_LINES))
    assert Tariff.load(["96032190"]).line("96032190").mfn_rate == Decimal(
        20
    )  # ...until the tariff changed
    tariff_load_csv(
        lines_csv=write(
            tmp_path, "l.csv", GOOD_LINES.replace("Tooth brushes,PCE,20", "Tooth brushes,PCE,12")
        )
    )
    assert Tariff.load(["96032190"]).line("96032190").mfn_rate == Decimal(12)


def test_a_change_of_mfn_treatment_is_seen_after_tariff_changed():
    assert Tariff.load([]).has_mfn("BY")
    Country.objects.filter(code="BY").update(mfn=False)
    tariff_changed()
    assert not Tariff.load([]).has_mfn("BY")
