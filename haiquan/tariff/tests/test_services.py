"""Loading schedules: a good file loads, a file with one bad cell loads nothing and says where."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils.translation import override

from haiquan.core.problems import ValidationFailed
from haiquan.eventlog.models import Event
from haiquan.tariff.models import Agreement, AgreementParty, HsLine, PreferentialRate
from haiquan.tariff.services import agreements_load, tariff_load_csv, tariff_load_shipped

pytestmark = pytest.mark.django_db

HEADER = (
    "code,description_vi,description_en,unit,mfn_rate,general_rate,specific_duty_vnd,export_rate,"
    "vat_rate,sct_rate,env_tax_vnd_per_unit,env_tax_unit,valid_from,valid_to\n"
)
GOOD_LINES = HEADER + (
    '0810.90.93,Quả chôm chôm tươi,"Rambutans, fresh",kg,30,,,0,5,,,,2024-01-01,\n'
    "96032100,Bàn chải đánh răng,Tooth brushes,PCE,20,25,,0,10,,,,,\n"
    "27101973,Dầu hỏa,Kerosene,LTR,7,,,0,10,,1000,LTR,,\n"
)
GOOD_PREFS = "agreement,hs_code,rate\nATIGA,08109093,0\nacfta,08109093,0\nEVFTA,96032100,7.5\n"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_schedule_is_loaded_and_reloading_changes_nothing():
    # The test database was loaded once by load_refdata (conftest); load again.
    before = (
        HsLine.objects.count(),
        PreferentialRate.objects.count(),
        AgreementParty.objects.count(),
    )
    assert tariff_load_shipped() == before[0] >= 120
    assert (
        HsLine.objects.count(),
        PreferentialRate.objects.count(),
        AgreementParty.objects.count(),
    ) == before
    chapters = set(HsLine.objects.values_list("chapter", flat=True))
    assert {
        "03",
        "07",
        "08",
        "22",
        "24",
        "27",
        "39",
        "44",
        "84",
        "85",
        "87",
        "94",
        "95",
    } <= chapters
    assert set(Agreement.objects.values_list("code", flat=True)) == {
        "ATIGA",
        "ACFTA",
        "AKFTA",
        "AJCEP",
        "VJEPA",
        "EVFTA",
        "CPTPP",
        "RCEP",
    }
    evfta = set(
        AgreementParty.objects.filter(agreement="EVFTA").values_list("country_code", flat=True)
    )
    assert len(evfta) == 28 and {"VN", "DE", "HU"} <= evfta
    assert set(
        AgreementParty.objects.filter(agreement="ACFTA").values_list("country_code", flat=True)
    ) == {"BN", "KH", "ID", "LA", "MM", "MY", "PH", "SG", "TH", "VN", "CN"}


def test_a_good_file_loads_lines_and_preferential_rates(tmp_path):
    n = tariff_load_csv(
        lines_csv=write(tmp_path, "l.csv", GOOD_LINES),
        preferential_csv=write(tmp_path, "p.csv", GOOD_PREFS),
    )
    assert n == 3
    rambutan = HsLine.objects.get(code="08109093")
    assert (rambutan.chapter, rambutan.heading, rambutan.subheading) == ("08", "0810", "081090")
    assert (rambutan.unit, rambutan.mfn_rate, rambutan.vat_rate, rambutan.general_rate) == (
        "KGM",
        30,
        5,
        None,
    )
    assert rambutan.ordinary_rate == Decimal(45)
    assert str(rambutan.valid_from) == "2024-01-01"
    brush = HsLine.objects.get(code="96032100")
    assert brush.ordinary_rate == Decimal(25)
    kerosene = HsLine.objects.get(code="27101973")
    assert (kerosene.env_tax_vnd_per_unit, kerosene.env_tax_unit) == (1000, "LTR")
    assert dict(
        PreferentialRate.objects.filter(hs_line="08109093").values_list("agreement", "rate")
    ) == {"ATIGA": 0, "ACFTA": 0}
    assert PreferentialRate.objects.get(hs_line="96032100", agreement="EVFTA").rate == Decimal(
        "7.5"
    )
    event = Event.objects.filter(kind="tariff.loaded").latest("id")
    assert event.data["lines"] == 3 and event.data["preferential_rates"] == 3


def test_loading_again_updates_rates_in_place(tmp_path):
    tariff_load_csv(lines_csv=write(tmp_path, "l.csv", GOOD_LINES))
    tariff_load_csv(
        lines_csv=write(
            tmp_path, "l2.csv", GOOD_LINES.replace("Tooth brushes,PCE,20", "Tooth brushes,PCE,15")
        )
    )
    assert HsLine.objects.get(code="96032100").mfn_rate == 15
    assert HsLine.objects.filter(code__in=["08109093", "96032100", "27101973"]).count() == 3


@override("en")  # the test reads the English wording of the messages
def test_one_bad_row_loads_nothing_and_names_row_and_column(tmp_path):
    bad = GOOD_LINES + "96039010,Chổi quét nhà,Brooms,PCE,abc,,,0,10,,,,,\n"  # row 5
    before = HsLine.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        tariff_load_csv(lines_csv=write(tmp_path, "l.csv", bad))
    assert [(p.field, p.code) for p in exc.value.errors] == [("lines_csv[5].mfn_rate", "invalid")]
    assert "row 5" in exc.value.errors[0].problem and "abc" in exc.value.errors[0].problem
    assert HsLine.objects.count() == before
    assert not HsLine.objects.filter(code__in=["08109093", "96032100"]).exists()


@pytest.mark.parametrize(
    ("row", "field", "code"),
    [
        ("8109093,Chôm chôm,Rambutan,KGM,30,,,0,5,,,,,", "lines_csv[2].code", "invalid"),
        ("08109093,Chôm chôm,Rambutan,KGM,-5,,,0,5,,,,,", "lines_csv[2].mfn_rate", "negative"),
        ("08109093,Chôm chôm,Rambutan,KGM,30,,,0,7,,,,,", "lines_csv[2].vat_rate", "invalid"),
        ("08109093,Chôm chôm,Rambutan,BASKET,30,,,0,5,,,,,", "lines_csv[2].unit", "unknown-unit"),
        ("08109093,,Rambutan,KGM,30,,,0,5,,,,,", "lines_csv[2].description_vi", "required"),
        (
            "08109093,Chôm chôm,Rambutan,KGM,30,,,0,5,,,,2024-13-01,",
            "lines_csv[2].valid_from",
            "invalid",
        ),
        ("08109093,Chôm chôm,Rambutan,KGM,30.1234,,,0,5,,,,,", "lines_csv[2].mfn_rate", "invalid"),
        (
            "27101973,Dầu hỏa,Kerosene,LTR,7,,,0,10,,1000,KGM,,",
            "lines_csv[2].env_tax_unit",
            "unit-mismatch",
        ),
    ],
)
def test_each_kind_of_bad_cell_is_named(tmp_path, row, field, code):
    with pytest.raises(ValidationFailed) as exc:
        tariff_load_csv(lines_csv=write(tmp_path, "l.csv", HEADER + row + "\n"))
    assert (exc.value.errors[0].field, exc.value.errors[0].code) == (field, code)


def test_bad_preferential_rows_load_nothing(tmp_path):
    prefs = "agreement,hs_code,rate\nATIGA,08109093,0\nNAFTA,08109093,0\nATIGA,12345678,0\n"
    with pytest.raises(ValidationFailed) as exc:
        tariff_load_csv(
            lines_csv=write(tmp_path, "l.csv", GOOD_LINES),
            preferential_csv=write(tmp_path, "p.csv", prefs),
        )
    assert [(p.field, p.code) for p in exc.value.errors] == [
        ("preferential_csv[3].agreement", "unknown-agreement"),
        ("preferential_csv[4].hs_code", "unknown-hs-code"),
    ]
    assert not HsLine.objects.filter(code="08109093").exists()


def test_a_missing_column_is_reported(tmp_path):
    with pytest.raises(ValidationFailed) as exc:
        tariff_load_csv(
            lines_csv=write(
                tmp_path, "l.csv", "code,description_vi,unit,vat_rate\n01012100,Ngựa,PCE,5\n"
            )
        )
    assert [(p.field, p.code) for p in exc.value.errors] == [("lines_csv", "missing-column")]


def test_agreement_parties_are_checked_against_iso_3166(tmp_path):
    agreements = write(tmp_path, "a.csv", "code,name,co_form\nUKVFTA,UK-Viet Nam FTA,EUR.1\n")
    parties = write(
        tmp_path, "p.csv", "agreement,country_code,joined_on\nUKVFTA,GB,\nUKVFTA,VN,\nUKVFTA,UK,\n"
    )
    with pytest.raises(ValidationFailed) as exc:
        agreements_load(agreements_csv=agreements, parties_csv=parties)
    assert [(p.field, p.code) for p in exc.value.errors] == [
        ("parties_csv[4].country_code", "unknown-country")
    ]
    assert not Agreement.objects.filter(code="UKVFTA").exists()

    parties.write_text(
        "agreement,country_code,joined_on\nUKVFTA,GB,\nUKVFTA,VN,\n", encoding="utf-8"
    )
    assert agreements_load(agreements_csv=agreements, parties_csv=parties) == 1
    assert set(
        AgreementParty.objects.filter(agreement="UKVFTA").values_list("country_code", flat=True)
    ) == {"GB", "VN"}


def test_load_tariff_command(tmp_path):
    out = StringIO()
    call_command(
        "load_tariff",
        "--lines",
        str(write(tmp_path, "l.csv", GOOD_LINES)),
        "--preferential",
        str(write(tmp_path, "p.csv", GOOD_PREFS)),
        stdout=out,
    )
    assert "3" in out.getvalue()
    assert HsLine.objects.filter(code="27101973").exists()

    err = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "load_tariff",
            "--lines",
            str(write(tmp_path, "bad.csv", HEADER + "1,,,KGM,x,,,0,5,,,,,\n")),
            stdout=StringIO(),
            stderr=err,
        )
    assert "lines_csv[2].code" in err.getvalue() and "lines_csv[2].mfn_rate" in err.getvalue()
