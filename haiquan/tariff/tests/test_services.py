"""Loading schedules: the whole shipped tariff, a new year's schedule beside the old one, a plain
list of lines; a file with one bad cell loads nothing and says where."""

from __future__ import annotations

import csv
import gzip
from collections import Counter
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from django.utils.translation import override

from haiquan.core.problems import ValidationFailed
from haiquan.eventlog.models import Event
from haiquan.tariff.models import (
    Agreement,
    AgreementParty,
    Chapter,
    HsLine,
    LineRate,
    TariffNode,
    TariffQuota,
)
from haiquan.tariff.services import (
    DATA,
    SHIPPED,
    agreements_load,
    tariff_load_csv,
    tariff_load_published,
    tariff_load_shipped,
)
from haiquan.tariff.snapshot import Tariff

pytestmark = pytest.mark.django_db

HEADER = (
    "code,description_vi,description_en,unit,mfn_rate,general_rate,specific_duty_vnd,export_rate,"
    "vat_rate,sct_rate,env_tax_vnd_per_unit,env_tax_unit,valid_from,valid_to\n"
)
GOOD_LINES = HEADER + (
    '0810.90.98,Quả chôm chôm tươi,"Rambutans, fresh",kg,30,,,0,5,,,,2024-01-01,\n'
    "96032190,Bàn chải đánh răng,Tooth brushes,PCE,20,25,,0,10,,,,,\n"
    "27101973,Dầu hỏa,Kerosene,LTR,7,,,0,10,,1000,LTR,,\n"
)
GOOD_PREFS = "agreement,hs_code,rate\nATIGA,08109098,0\nacfta,08109098,0\nEVFTA,96032190,7.5\n"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def shipped_rows() -> list[dict[str, str]]:
    with gzip.open(DATA / SHIPPED["tariff"], "rt", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def rate_on(code: str, day: date) -> LineRate:
    return (
        LineRate.objects.filter(hs_line=code, valid_from__lte=day).exclude(valid_to__lt=day).get()
    )


# --- the shipped tariff ----------------------------------------------------------------------


def test_every_line_of_the_shipped_tariff_is_loaded_chapter_by_chapter():
    """Counted apart from the loader: the 8-digit codes of the published file, per chapter
    (a line printed twice in chapter 98 counts once; two rows whose code lost a digit in the
    compilation are text)."""
    expected: dict[str, set[str]] = {}
    for row in shipped_rows():
        code = row["hs_code"].strip().replace("\xa0", "")
        if len(code) == 8 and code.isdigit():
            expected.setdefault(code[:2], set()).add(code)
    loaded = Counter(HsLine.objects.filter(node__isnull=False).values_list("chapter", flat=True))
    assert {c: len(codes) for c, codes in expected.items()} == dict(loaded)
    assert sum(loaded.values()) == 11_871
    assert (loaded["84"], loaded["85"], loaded["87"], loaded["03"]) == (1316, 896, 1066, 395)
    assert LineRate.objects.count() == 11_871
    assert TariffNode.objects.count() == 17_646
    assert Chapter.objects.count() == 97  # 01-97 without 77, and 98


def test_decimal_commas_stars_exclusions_and_party_rates_are_read():
    def pref(code: str, key: str) -> dict:
        return LineRate.objects.get(hs_line=code).preferential[key]

    # "*": excluded from the agreement (VN-EAEU does not cover pure-bred breeding pigs)
    assert pref("01031000", "VN-EAEU") == {"rate": None}
    # decimal commas: "2,5" under EVFTA, "10,9" in RCEP's Japanese schedule
    assert pref("04089100", "EVFTA") == {"rate": "2.5"}
    assert pref("04089100", "RCEP/D") == {"rate": "10.9"}
    # "0(-KH, LA, MM, KR)": the AKFTA rate, not for goods from those parties
    assert pref("08109092", "AKFTA") == {"rate": "0", "excluded": ["KH", "KR", "LA", "MM"]}
    # "25,4; M: 31,8": CPTPP's rate, and Mexico's own
    assert pref("87032363", "CPTPP")["rate"] == "25.4"
    assert pref("87032363", "CPTPP/MX")["rate"] == "31.8"
    # in-quota and out-of-quota rates ("40 (NHN: 85)")
    sugar = LineRate.objects.get(hs_line="17019910")
    assert (sugar.mfn_rate, sugar.mfn_out_of_quota_rate) == (Decimal(40), Decimal(85))
    assert (sugar.ordinary_rate, sugar.ordinary_out_of_quota_rate) == (
        Decimal(60),
        Decimal("127.5"),
    )
    # a duty set by chapter 98's rules is no percentage: kept as the tariff says it
    used_bus = LineRate.objects.get(hs_line="87021010")
    assert used_bus.mfn_rate is None and "Chương 98" in used_bus.rate_note
    # several rates for products within the line: the highest, and the cell as written
    assert pref("12119011", "RCEP/A") == {"rate": "20", "note": "0/20"}


def test_lines_keep_their_place_in_the_nomenclature():
    line = HsLine.objects.get(code="08109092")
    assert line.description_vi == "Quả thanh long" and line.description_en == "Dragon fruit"
    assert line.context_vi.startswith("Quả khác, tươi")
    assert line.full_description.endswith("Quả thanh long")
    node = TariffNode.objects.get(position=line.node_id)
    assert node.heading == "0810" and node.parent is not None
    assert "qua thanh long" in line.search_text  # folded, for matching without diacritics
    car = HsLine.objects.get(code="87032363")
    assert (car.unit, car.sct_rate, car.vat_rate) == ("PCE", 50, 10)


def test_agreements_and_rcep_schedules_by_partner_group():
    assert Agreement.objects.count() == 16
    schedules = dict(
        AgreementParty.objects.filter(agreement="RCEP").values_list("country_code", "schedule")
    )
    assert {schedules[c] for c in ("TH", "SG", "VN")} == {"A"}
    assert [schedules[c] for c in ("AU", "CN", "JP", "KR", "NZ")] == ["B", "C", "D", "E", "F"]
    assert AgreementParty.objects.get(agreement="CPTPP", country_code="MX").schedule == "MX"
    evfta = set(
        AgreementParty.objects.filter(agreement="EVFTA").values_list("country_code", flat=True)
    )
    assert len(evfta) == 28 and {"VN", "DE", "HU"} <= evfta


def test_quotas_cover_the_lines_with_out_of_quota_rates():
    sugar = TariffQuota.objects.get(code="TRQ-SUGAR-2026")
    assert set(sugar.lines.values_list("code", flat=True)) == set(
        LineRate.objects.filter(
            hs_line__heading="1701", mfn_out_of_quota_rate__isnull=False
        ).values_list("hs_line", flat=True)
    )
    assert sugar.lines.count() == 6 and sugar.unit == "TNE"


def test_loading_the_shipped_tariff_again_changes_nothing(django_assert_max_num_queries):
    before = (HsLine.objects.count(), LineRate.objects.count(), TariffNode.objects.count())
    with django_assert_max_num_queries(6):  # the digest says it is loaded already
        assert tariff_load_shipped() == 11_871
    assert tariff_load_shipped(force=True) == 11_871
    assert (
        HsLine.objects.count(),
        LineRate.objects.count(),
        TariffNode.objects.count(),
    ) == before


# --- a new year's schedule beside the old one ----------------------------------------------


PUBLISHED_HEADER = (
    "level,hs_code,description_vi,description_en,ordinary_rate,mfn_rate,fta_acfta,fta_rcept_c\n"
)


def test_a_new_years_schedule_is_loaded_beside_the_old_one(tmp_path):
    new = write(
        tmp_path,
        "2027.csv",
        PUBLISHED_HEADER
        + "0,0810,Quả khác tươi,Other fruit fresh,,,,\n"
        + '1,08109092,- Quả thanh long,- Dragon fruit,"22,5",15,*,0\n'
        + "1,08109099,- Loại khác,- Other,30,20,0,5\n",
    )
    result = tariff_load_published(path=new, valid_from=date(2027, 1, 1), source="2027.csv")
    assert (result.lines, result.per_chapter) == (2, {"08": 2})
    # declarations registered in 2026 keep the old rates, those of 2027 take the new ones
    assert rate_on("08109092", date(2026, 12, 31)).mfn_rate == 25
    new_rate = rate_on("08109092", date(2027, 1, 1))
    assert (new_rate.mfn_rate, new_rate.ordinary_rate) == (15, Decimal("22.5"))
    assert new_rate.preferential == {"ACFTA": {"rate": None}, "RCEP/C": {"rate": "0"}}
    # the lines the new schedule does not have leave the tariff the day before it
    assert HsLine.objects.get(code="87032363").valid_to == date(2026, 12, 31)
    assert HsLine.objects.get(code="08109092").valid_to is None
    tariff = Tariff.load(["08109092"])
    line = tariff.line("08109092")
    assert line.rate_on(date(2026, 6, 1)).mfn_rate == 25
    assert line.rate_on(date(2027, 6, 1)).mfn_rate == 15
    assert line.preferential_on("ACFTA", "", date(2026, 6, 1)).rate == 0
    assert line.preferential_on("ACFTA", "", date(2027, 6, 1)).rate is None


@override("en")
def test_a_bad_published_cell_loads_nothing_and_says_where(tmp_path):
    bad = write(
        tmp_path,
        "bad.csv",
        PUBLISHED_HEADER
        + "0,0810,Quả khác tươi,Other fruit fresh,,,,\n"
        + "1,08109092,- Quả thanh long,- Dragon fruit,22.5,15,abc,0 (-XX)\n",
    )
    before = LineRate.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        tariff_load_published(path=bad, valid_from=date(2027, 1, 1))
    assert [p.field for p in exc.value.errors] == [
        "tariff_csv[3].fta_acfta",
        "tariff_csv[3].fta_rcept_c",
    ]
    assert "'abc'" in exc.value.errors[0].problem
    assert "XX" in exc.value.errors[1].problem
    assert LineRate.objects.count() == before
    assert HsLine.objects.get(code="87032363").valid_to is None


def test_load_tariff_command_with_a_published_schedule(tmp_path):
    path = write(
        tmp_path,
        "p.csv",
        PUBLISHED_HEADER
        + "0,0810,Quả khác,Other fruit,,,,\n1,08109092,- Thanh long,- Dragon fruit,30,20,0,0\n",
    )
    out = StringIO()
    with translation.override("en"):  # the run's language
        call_command(
            "load_tariff", "--published", str(path), "--valid-from", "2027-01-01", stdout=out
        )
    assert "lines: 1" in out.getvalue() and "08:1" in out.getvalue()
    assert rate_on("08109092", date(2027, 2, 1)).mfn_rate == 20


# --- a plain list of lines ---------------------------------------------------------------------


def test_a_good_file_loads_lines_and_preferential_rates(tmp_path):
    n = tariff_load_csv(
        lines_csv=write(tmp_path, "l.csv", GOOD_LINES),
        preferential_csv=write(tmp_path, "p.csv", GOOD_PREFS),
    )
    assert n == 3
    rambutan = HsLine.objects.get(code="08109098")
    assert (rambutan.chapter, rambutan.heading, rambutan.subheading) == ("08", "0810", "081090")
    assert (rambutan.unit, rambutan.vat_rate) == ("KGM", 5)
    rate = LineRate.objects.get(hs_line="08109098")
    assert (rate.mfn_rate, rate.ordinary_rate, rate.ordinary) == (30, None, Decimal(45))
    assert str(rambutan.valid_from) == "2024-01-01" and str(rate.valid_from) == "2024-01-01"
    assert LineRate.objects.get(hs_line="96032190").ordinary == Decimal(25)
    kerosene = HsLine.objects.get(code="27101973")
    assert (kerosene.env_tax_vnd_per_unit, kerosene.env_tax_unit) == (1000, "LTR")
    assert rate.preferential == {"ATIGA": {"rate": "0"}, "ACFTA": {"rate": "0"}}
    assert LineRate.objects.get(hs_line="96032190").preferential["EVFTA"] == {"rate": "7.5"}
    event = Event.objects.filter(kind="tariff.loaded").latest("id")
    assert event.data["lines"] == 3 and event.data["preferential_rates"] == 3


def test_loading_again_updates_rates_in_place(tmp_path):
    tariff_load_csv(lines_csv=write(tmp_path, "l.csv", GOOD_LINES))
    tariff_load_csv(
        lines_csv=write(
            tmp_path, "l2.csv", GOOD_LINES.replace("Tooth brushes,PCE,20", "Tooth brushes,PCE,15")
        )
    )
    assert LineRate.objects.get(hs_line="96032190").mfn_rate == 15
    assert HsLine.objects.filter(code__in=["08109098", "96032190", "27101973"]).count() == 3


@override("en")  # the test reads the English wording of the messages
def test_one_bad_row_loads_nothing_and_names_row_and_column(tmp_path):
    bad = GOOD_LINES + "96039010,Chổi quét nhà,Brooms,PCE,abc,,,0,10,,,,,\n"  # row 5
    before = HsLine.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        tariff_load_csv(lines_csv=write(tmp_path, "l.csv", bad))
    assert [(p.field, p.code) for p in exc.value.errors] == [("lines_csv[5].mfn_rate", "invalid")]
    assert "row 5" in exc.value.errors[0].problem and "abc" in exc.value.errors[0].problem
    assert HsLine.objects.count() == before
    assert not HsLine.objects.filter(code__in=["08109098", "96032190"]).exists()


@pytest.mark.parametrize(
    ("row", "field", "code"),
    [
        ("8109093,Chôm chôm,Rambutan,KGM,30,,,0,5,,,,,", "lines_csv[2].code", "invalid"),
        ("08109098,Chôm chôm,Rambutan,KGM,-5,,,0,5,,,,,", "lines_csv[2].mfn_rate", "negative"),
        ("08109098,Chôm chôm,Rambutan,KGM,30,,,0,7,,,,,", "lines_csv[2].vat_rate", "invalid"),
        ("08109098,Chôm chôm,Rambutan,BASKET,30,,,0,5,,,,,", "lines_csv[2].unit", "unknown-unit"),
        ("08109098,,Rambutan,KGM,30,,,0,5,,,,,", "lines_csv[2].description_vi", "required"),
        (
            "08109098,Chôm chôm,Rambutan,KGM,30,,,0,5,,,,2024-13-01,",
            "lines_csv[2].valid_from",
            "invalid",
        ),
        ("08109098,Chôm chôm,Rambutan,KGM,30.1234,,,0,5,,,,,", "lines_csv[2].mfn_rate", "invalid"),
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
    prefs = "agreement,hs_code,rate\nATIGA,08109098,0\nNAFTA,08109098,0\nATIGA,12345678,0\n"
    with pytest.raises(ValidationFailed) as exc:
        tariff_load_csv(
            lines_csv=write(tmp_path, "l.csv", GOOD_LINES),
            preferential_csv=write(tmp_path, "p.csv", prefs),
        )
    assert [(p.field, p.code) for p in exc.value.errors] == [
        ("preferential_csv[3].agreement", "unknown-agreement"),
        ("preferential_csv[4].hs_code", "unknown-hs-code"),
    ]
    assert not HsLine.objects.filter(code="08109098").exists()


def test_a_missing_column_is_reported(tmp_path):
    with pytest.raises(ValidationFailed) as exc:
        tariff_load_csv(
            lines_csv=write(
                tmp_path, "l.csv", "code,description_vi,unit,vat_rate\n01012100,Ngựa,PCE,5\n"
            )
        )
    assert [(p.field, p.code) for p in exc.value.errors] == [("lines_csv", "missing-column")]


def test_agreement_parties_are_checked_against_iso_3166(tmp_path):
    agreements = write(tmp_path, "a.csv", "code,name,co_form\nXYFTA,X-Y FTA,XY\n")
    parties = write(
        tmp_path, "p.csv", "agreement,country_code,joined_on\nXYFTA,GB,\nXYFTA,VN,\nXYFTA,UK,\n"
    )
    with pytest.raises(ValidationFailed) as exc:
        agreements_load(agreements_csv=agreements, parties_csv=parties)
    assert [(p.field, p.code) for p in exc.value.errors] == [
        ("parties_csv[4].country_code", "unknown-country")
    ]
    assert not Agreement.objects.filter(code="XYFTA").exists()

    parties.write_text("agreement,country_code,joined_on\nXYFTA,GB,\nXYFTA,VN,\n", encoding="utf-8")
    assert agreements_load(agreements_csv=agreements, parties_csv=parties) == 1
    assert set(
        AgreementParty.objects.filter(agreement="XYFTA").values_list("country_code", flat=True)
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


# --- the ministries' inspection lists ------------------------------------------------------


def test_every_line_of_the_inspection_lists_has_its_reviewed_measures():
    from haiquan.tariff.measures import LIST_FILE, split_cell
    from haiquan.tariff.models import Measure, MeasureLine

    with gzip.open(DATA / LIST_FILE, "rt", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 7_932
    listed = {r["hs_code"] for r in rows if split_cell(r["specialised_procedures_vi"])}
    assert set(MeasureLine.objects.values_list("hs_line", flat=True).distinct()) == listed
    assert Measure.objects.count() == 107
    quarantine = Measure.objects.get(key="plant-quarantine")
    assert (quarantine.effect, quarantine.document, quarantine.agency_kind) == (
        "document",
        "inspection",
        "plant_quarantine",
    )
    assert quarantine.legal_basis == "01/2024/TT-BNNPTNT M9"
    dragon = set(MeasureLine.objects.filter(hs_line="08109092").values_list("measure", flat=True))
    assert "plant-quarantine" in dragon
    # two measures written without their ";" are two; a "*" marks a measure for some goods
    assert split_cell(
        "Hóa chất phải khai báo (113/2017/NĐ-CP PL5)Hóa chất cấm (113/2017/NĐ-CP PL3)*"
    ) == [
        ("Hóa chất phải khai báo (113/2017/NĐ-CP PL5)", False),
        ("Hóa chất cấm (113/2017/NĐ-CP PL3)", True),
    ]


def test_an_unreviewed_measure_loads_nothing(tmp_path):
    from haiquan.tariff.measures import measures_load
    from haiquan.tariff.models import MeasureLine

    before = MeasureLine.objects.count()
    listed = write(
        tmp_path,
        "list.csv",
        "hs_code,specialised_procedures_vi\n08109092,Kiểm dịch thực vật (01/2024/TT-BNNPTNT M9); "
        "Biện pháp mới chưa ai đọc (99/2026/TT-XYZ)\n",
    )
    with pytest.raises(ValidationFailed) as exc:
        measures_load(list_path=listed)
    assert [(p.field, p.code) for p in exc.value.errors] == [
        ("list_csv[2].specialised_procedures_vi", "unreviewed-measure")
    ]
    assert MeasureLine.objects.count() == before
