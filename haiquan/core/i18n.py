"""Words that come with the data, in the reader's language.

Reference data shipped with haiquan (declaration types, online-service procedures and their
forms, free trade agreements) carries a Vietnamese and an English text; the other languages
translate the English one in the catalogues (`locale/`), like any string of the code, so a
page in Japanese, Chinese or Korean never falls back to English or Vietnamese for them
(`core/tests/test_data_words.py` checks every shipped text). Country names come translated with
pycountry (the ISO 3166 names in each language).
"""

from __future__ import annotations

import gettext as gettext_module
from datetime import date, datetime
from functools import lru_cache

import pycountry
from django.db import models
from django.utils.formats import date_format, number_format
from django.utils.text import get_text_list
from django.utils.translation import get_language, gettext


def language() -> str:
    return (get_language() or "vi").lower()


def in_language(vi: str, en: str) -> str:
    """The Vietnamese text on Vietnamese pages; elsewhere the English one, translated."""
    if language().startswith("vi") or not en:
        return vi or en
    return gettext(en)


# pycountry's catalogues are named by locale: zh_CN for simplified Chinese.
_PYCOUNTRY_LOCALES = {"vi": "vi", "ja": "ja", "ko": "ko", "zh-hans": "zh_CN", "en": "en"}


@lru_cache(maxsize=8)
def _iso3166(lang: str) -> gettext_module.NullTranslations:
    locale = _PYCOUNTRY_LOCALES.get(lang, lang)
    return gettext_module.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[locale], fallback=True
    )


def country_name(code: str, default: str = "") -> str:
    """A country's name in the reader's language ("Trung Quốc", "中国"), from its ISO code."""
    country = pycountry.countries.get(alpha_2=code.upper()) if code else None
    if country is None:
        return default or code
    name = getattr(country, "common_name", None) or country.name
    translated = _iso3166(language()).gettext(country.name)
    if translated == country.name and name != country.name:
        translated = _iso3166(language()).gettext(name)
    return translated if translated != country.name else name


def choice_labels(choices: type[models.Choices] | list[tuple[object, object]]) -> str:
    """The choices a person may pick, by their labels, as the page shows them: "Sea, Air, Road
    or Rail" (never the values `sea, air, road`), for messages that say what would be valid."""
    pairs = choices.choices if isinstance(choices, type) else choices
    return get_text_list([str(label) for _value, label in pairs], gettext("or"))


def amount_text(value: object, places: int = 0) -> str:
    """An amount for a message, grouped as the reader's language writes it: 9.500.000 (vi),
    9,500,000 (en); never Python's 9500000.00."""
    from decimal import Decimal

    number = Decimal(str(value)).quantize(Decimal(1).scaleb(-places))
    return number_format(number, places, force_grouping=True)


def date_text(value: date | datetime) -> str:
    """A date for a message in the reader's language's short form (7 Dec 2026, 07-12-2026)."""
    return date_format(value, "SHORT_DATE_FORMAT")
