"""Words in the reader's language: the data's, and messages shown later.

Reference data shipped with haiquan (declaration types, online-service procedures and their
forms, free trade agreements) carries a Vietnamese and an English text; the other languages
translate the English one in the catalogues (`locale/`), like any string of the code, so a
page in Japanese, Chinese or Korean never falls back to English or Vietnamese for them
(`core/tests/test_data_words.py` checks every shipped text). Country names come translated with
pycountry (the ISO 3166 names in each language).

Messages are translated when they are shown, not when they are made. A long job may write its
content in one language and tell its progress in another: `haiquan demo` writes the demo's content
in the installation's language (LANGUAGE_CODE) and speaks to whoever runs it in theirs. A progress
message made with `later()` is translated and filled in when the output turns it into text
(`str()`), in the language active there:

    say(later(gettext_noop("Read %(n)s goods lines."), n=len(lines)))

`gettext_noop` marks the message for the catalogues (makemessages knows it). Whole numbers given
for a `%(n)s` are written as the language writes them then (12.345 in Vietnamese, 12,345 in
English; a `%(n)d` takes the number as it is); `number(x, 1)` does the same for a fraction, with
one decimal.
"""

from __future__ import annotations

import gettext as gettext_module
import re
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, cast

import pycountry
from django.db import models
from django.utils.formats import date_format, number_format
from django.utils.functional import lazy
from django.utils.text import get_text_list
from django.utils.translation import get_language, gettext

_TEXT_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _number(value: float | Decimal, decimals: int | None) -> str:
    # Django's number_format cuts the digits off: round first.
    shown: Any = round(value, decimals) if decimals is not None else value
    return number_format(shown, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def _render(template: str, params: dict[str, Any]) -> str:
    text = gettext(template)
    if not params:
        return text
    as_text = set(_TEXT_PLACEHOLDER.findall(text))  # %(n)s: a whole number is written out
    shown = {
        k: _number(v, None)
        if k in as_text and isinstance(v, int) and not isinstance(v, bool)
        else v
        for k, v in params.items()
    }
    return text % shown


_render_lazy = lazy(_render, str)
_number_lazy = lazy(_number, str)


def later(template: str, /, **params: Any) -> str:
    """`gettext(template) % params`, done when the message is shown."""
    return cast(str, _render_lazy(template, params))


def number(value: float | Decimal, decimals: int | None = None) -> str:
    """`value` as the language active when it is shown writes numbers, with `decimals`."""
    return cast(str, _number_lazy(value, decimals))


def _concat(*parts: Any) -> str:
    return "".join(str(p) for p in parts)


_concat_lazy = lazy(_concat, str)


def concat(*parts: Any) -> str:
    """The parts (text, or messages made with `later`) joined, when shown: `concat("  ", line)`."""
    return cast(str, _concat_lazy(*parts))


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
