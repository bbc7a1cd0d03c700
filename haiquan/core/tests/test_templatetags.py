"""Amounts, quantities and rates written the way each language writes them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from haiquan.core.templatetags.hq import amount, duration, html_lang, percent, quantity, vnd


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("vi", "73.000.000"),
        ("en", "73,000,000"),
        ("ja", "73,000,000"),
        ("zh-hans", "73,000,000"),
        ("ko", "73,000,000"),
    ],
)
def test_vnd_has_no_decimals_and_the_languages_thousands_separator(language, expected):
    with translation.override(language):
        assert vnd(Decimal("73000000")) == expected
        assert vnd(73_000_000) == expected


def test_vnd_rounds_to_whole_dong_and_leaves_blanks_blank():
    with translation.override("en"):
        assert vnd(Decimal("1234.5")) == "1,234"  # half to even: đồng have no fraction
        assert vnd(Decimal("1235.5")) == "1,236"
        assert vnd(None) == "" and vnd("") == "" and vnd("abc") == ""


def test_foreign_amounts_quantities_and_rates():
    with translation.override("vi"):
        assert amount(Decimal("8000")) == "8.000,00"
        assert amount(Decimal("25000.0000"), 0) == "25.000"
        assert quantity(Decimal("10000.000")) == "10.000"
        assert quantity(Decimal("12.500")) == "12,5"
        assert percent(Decimal("7.500")) == "7,5%"
        assert percent(None) == "–"
    with translation.override("en"):
        assert amount(Decimal("8000")) == "8,000.00"
        assert quantity(Decimal("0.125")) == "0.125"
        assert percent(Decimal("30")) == "30%"


def test_html_lang_is_bcp47():
    assert html_lang("zh-hans") == "zh-Hans"
    assert html_lang("vi") == "vi" and html_lang("ko") == "ko"


def test_duration_in_words_per_language():
    with translation.override("en"):
        assert duration(timedelta(minutes=15)) == "15\xa0minutes"
    with translation.override("vi"):  # haiquan's catalogue fills what Django's lacks
        assert duration(timedelta(hours=3, minutes=12)) == "3\xa0giờ, 12\xa0phút"
    with translation.override("ja"):
        assert duration(timedelta(minutes=15)) == "15分"
    assert duration("15 minutes") == ""
