from __future__ import annotations

import pytest

from haiquan.core.problems import NotFound
from haiquan.tariff.selectors import hs_line_get, hs_search

pytestmark = pytest.mark.django_db


def codes(q, limit=20):
    return [line.code for line in hs_search(q=q, limit=limit)]


def test_search_by_code_prefix_with_or_without_dots():
    assert codes("8703.23") == ["87032361", "87032363", "87032365", "87032369"]
    assert codes("870323") == codes("8703.23")
    assert codes("2701", limit=2) == ["27011100", "27011210"]
    assert codes("87032361") == ["87032361"]


def test_search_by_vietnamese_words_with_or_without_diacritics():
    assert codes("cà phê") == codes("ca phe") == ["09011110", "09011130", "09012120", "21011110"]
    # "chưa rang" (not roasted) and "đã rang" (roasted) both hold the word; instant coffee does not
    assert codes("ca phe rang") == ["09011110", "09011130", "09012120"]
    assert codes("thanh long") == ["08109092"]
    assert codes("ĐIỆN THOẠI") == codes("dien thoai") == ["85171300"]


def test_search_by_english_words():
    assert codes("dragon fruit") == ["08109092"]
    assert codes("Whiskies") == ["22083000"]
    assert codes("nothing like this") == []


def test_get_one_line_or_not_found():
    assert hs_line_get(code="2203.00.91").code == "22030091"
    with pytest.raises(NotFound):
        hs_line_get(code="22030099")
