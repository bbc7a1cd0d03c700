"""The words that come with the shipped data (declaration types, free trade agreements, the
online-service procedures and their forms) read in every language (`core/i18n.py`), and pages
show them so: a Japanese page never falls back to English or Vietnamese for them."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext

import haiquan
from haiquan.core.i18n import country_name, in_language

ROOT = Path(haiquan.__file__).resolve().parent


def shipped_texts() -> set[str]:
    texts: set[str] = set()
    with (ROOT / "refdata/data/declaration_types.csv").open() as f:
        texts |= {row["name_en"] for row in csv.DictReader(f)}
    with (ROOT / "tariff/data/agreements.csv").open() as f:
        texts |= {row["name"] for row in csv.DictReader(f)}
    with (ROOT / "tariff/data/measures.csv").open() as f:  # who read the inspection lists
        texts |= {row["reviewed_by"] for row in csv.DictReader(f)}
    data = json.loads((ROOT / "eservices/data/procedures.json").read_text())
    for p in data["procedures"] if isinstance(data, dict) else data:
        texts |= {p["name_en"], p.get("description_en") or ""}
        for f in p["form"].get("fields", []):
            texts.add(f.get("label_en") or "")
            texts |= {c[2] for c in f.get("choices") or []}
        texts |= {a.get("label_en") or "" for a in p["form"].get("attachments", [])}
    # codes (ATIGA, RCEP...) are the same in every language
    return {t for t in texts if t and not re.fullmatch(r"[A-Z0-9.\- ]+", t)}


def test_the_catalogues_list_of_shipped_texts_is_the_datas() -> None:
    """`makemessages` keeps a text in the catalogues only while the code names it: the shipped
    texts are named in `core/shipped_words.py`, which must follow the data."""
    from haiquan.core.shipped_words import TEXTS

    listed = set(TEXTS)
    texts = shipped_texts()
    assert sorted(texts - listed) == [], "add these to haiquan/core/shipped_words.py"
    assert sorted(listed - texts) == [], "no longer in the data: remove from shipped_words.py"
    assert list(TEXTS) == sorted(TEXTS)


@pytest.mark.parametrize("language", ["ja", "zh-hans", "ko"])
def test_every_shipped_text_is_translated(language: str) -> None:
    texts = shipped_texts()
    assert len(texts) > 100
    with translation.override(language):
        missing = sorted(t for t in texts if gettext(t) == t)
    assert not missing, f"{len(missing)} shipped texts read in English in {language}: {missing}"


def test_vietnamese_pages_read_the_vietnamese_text() -> None:
    with translation.override("vi"):
        assert in_language("Nhập kinh doanh tiêu dùng", "Import for trading and consumption") == (
            "Nhập kinh doanh tiêu dùng"
        )
    with translation.override("ja"):
        assert in_language("Nhập kinh doanh tiêu dùng", "Import for trading and consumption") == (
            "消費用の輸入（商取引）"
        )


@pytest.mark.parametrize(
    ("language", "name"),
    [("vi", "Trung Quốc"), ("en", "China"), ("ja", "中国"), ("zh-hans", "中国"), ("ko", "중국")],
)
def test_country_names_in_the_reader_s_language(language: str, name: str) -> None:
    with translation.override(language):
        assert country_name("CN") == name


@pytest.mark.parametrize(
    ("language", "short"),
    [("en", "7 Dec 2026"), ("ko", "2026. 12. 07."), ("ja", "2026/12/07"), ("vi", "07-12-2026")],
)
def test_dates_read_as_each_language_writes_them(language: str, short: str) -> None:
    """Never 12/07/2026 in English (12 July to most readers) nor 2026-12-7 in Korean."""
    from datetime import date

    from django.utils.formats import date_format

    with translation.override(language):
        assert date_format(date(2026, 12, 7), "SHORT_DATE_FORMAT") == short
