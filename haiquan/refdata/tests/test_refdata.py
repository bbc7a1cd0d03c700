"""Reference data: loaders, tax codes, exchange rates, the office tree."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from haiquan.core.problems import ValidationFailed
from haiquan.refdata.models import Country, Currency, DeclarationType, Office
from haiquan.refdata.selectors import enterprise_in_province, exchange_rate_for
from haiquan.refdata.services import (
    enterprise_create,
    exchange_rate_set,
    mst_normalise,
    refdata_load_all,
)

pytestmark = pytest.mark.django_db


def test_loaded_from_pycountry_and_data_files() -> None:
    assert Country.objects.count() >= 249 and Country.objects.get(code="VN").alpha3 == "VNM"
    assert not Country.objects.get(code="KP").mfn and Country.objects.get(code="CN").mfn
    assert Currency.objects.filter(code__in=["VND", "USD", "CNY", "JPY", "KRW", "EUR"]).count() == 6
    assert DeclarationType.objects.get(code="E31").duty_treatment == "not_subject"
    assert DeclarationType.objects.get(code="B11").flow == "export"


def test_loading_twice_changes_nothing() -> None:
    before = (Country.objects.count(), Office.objects.count(), DeclarationType.objects.count())
    refdata_load_all()
    assert (
        Country.objects.count(),
        Office.objects.count(),
        DeclarationType.objects.count(),
    ) == before


def test_office_tree_paths_and_departments() -> None:
    mong_cai = Office.objects.get(code="20BD")
    assert mong_cai.path == "/00/20/20BD/"
    department = mong_cai.department()
    assert department is not None and department.code == "20"
    assert Office.objects.filter(path__startswith=Office.objects.get(code="20").path).count() == 8
    assert mong_cai.name_en == "Mong Cai Border Gate Customs"


def test_office_validity() -> None:
    o = Office.objects.get(code="20CG")
    o.valid_to = date(2025, 2, 28)
    assert o.is_active_on(date(2025, 2, 28)) and not o.is_active_on(date(2025, 3, 1))


@pytest.mark.parametrize("bad", ["0100109105", "12345", "abc", "", "01001091061"])
def test_bad_tax_codes_are_refused(bad: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        mst_normalise(bad)
    assert exc.value.errors[0].field == "mst"


def test_good_tax_codes_including_branches() -> None:
    assert mst_normalise("0100109106") == "0100109106"
    assert mst_normalise("0100109106-001") == "0100109106001"


def test_enterprise_create_reports_all_problems_and_saves_nothing() -> None:
    with pytest.raises(ValidationFailed) as exc:
        enterprise_create(mst="123", name=" ", province_code="99", investor_country="XX")
    assert {e.field for e in exc.value.errors} == {
        "mst",
        "name",
        "province_code",
        "investor_country",
    }


def test_enterprise_in_province_is_relative_to_the_department() -> None:
    e = enterprise_create(mst="5700100256", name="Công ty CP Than Hòn Gai", province_code="22")
    assert enterprise_in_province(
        enterprise_province=e.province_code, office=Office.objects.get(code="20BD")
    )
    assert not enterprise_in_province(
        enterprise_province=e.province_code, office=Office.objects.get(code="43IH")
    )


def test_exchange_rate_of_the_day_or_the_last_working_day() -> None:
    friday = date(2026, 11, 20)
    exchange_rate_set(currency="USD", day=friday, rate_vnd=Decimal("25410"))
    assert exchange_rate_for(currency="USD", day=friday + timedelta(days=2)) == Decimal(
        "25410"
    )  # Sunday
    with pytest.raises(ValidationFailed) as exc:
        exchange_rate_for(currency="USD", day=friday + timedelta(days=8))
    assert exc.value.errors[0].code == "no-exchange-rate"
    assert exchange_rate_for(currency="VND", day=friday) == 1


def test_exchange_rate_must_be_positive_and_known() -> None:
    with pytest.raises(ValidationFailed):
        exchange_rate_set(currency="USD", day=date(2026, 1, 1), rate_vnd=Decimal("0"))
    with pytest.raises(ValidationFailed):
        exchange_rate_set(currency="XXY", day=date(2026, 1, 1), rate_vnd=Decimal("1"))


def test_database_refuses_non_positive_rates() -> None:
    from django.db import IntegrityError

    from haiquan.refdata.models import ExchangeRate

    with pytest.raises(IntegrityError):
        ExchangeRate.objects.create(currency_id="USD", day=date(2026, 1, 2), rate_vnd=Decimal("-1"))
