"""How HS codes, units and search text are written down, in one place.

Declarants type "8703.23.61", "kg" or "Cà phê"; the tariff stores "87032361", "KGM" and a folded
search text. These functions turn the first into the second.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from decimal import Decimal

from .choices import UnitCode

_HS_SEPARATORS = re.compile(r"[\s.\-]")
_NON_WORD = re.compile(r"[^0-9a-z]+")

# Common ways of writing a unit, mapped to the UN/ECE Recommendation 20 code the tariff uses.
UNIT_ALIASES: dict[str, str] = {
    "KG": "KGM",
    "KGS": "KGM",
    "G": "GRM",
    "T": "TNE",
    "TON": "TNE",
    "TAN": "TNE",
    "L": "LTR",
    "LIT": "LTR",
    "LITRE": "LTR",
    "LITER": "LTR",
    "ML": "MLT",
    "M": "MTR",
    "M2": "MTK",
    "M3": "MTQ",
    "PCS": "PCE",
    "PC": "PCE",
    "C62": "PCE",
    "H87": "PCE",
    "NAR": "PCE",
    "UNIT": "PCE",
    "CHIEC": "PCE",
    "CAI": "PCE",
    "PAIR": "PR",
    "DOI": "PR",
}

# Units that convert into each other (factor: how many of the second make one of the first).
_UNIT_FACTORS: dict[tuple[str, str], Decimal] = {
    ("TNE", "KGM"): Decimal(1000),
    ("KGM", "TNE"): Decimal("0.001"),
    ("KGM", "GRM"): Decimal(1000),
    ("GRM", "KGM"): Decimal("0.001"),
    ("LTR", "MLT"): Decimal(1000),
    ("MLT", "LTR"): Decimal("0.001"),
    ("MTQ", "LTR"): Decimal(1000),
    ("LTR", "MTQ"): Decimal("0.001"),
}

_KNOWN_UNITS = frozenset(UnitCode.values)


def hs_code_normalise(code: str) -> str:
    """'8703.23.61' or '8703 23 61' → '87032361'. Returns the input stripped if it has no digits."""
    return _HS_SEPARATORS.sub("", code or "")


def hs_code_is_valid(code: str) -> bool:
    """A national tariff line: exactly eight digits (AHTN six-digit subheading + two)."""
    return len(code) == 8 and code.isascii() and code.isdigit()


def hs_parts(code: str) -> tuple[str, str, str]:
    """The chapter, heading and subheading of an 8-digit national line."""
    return code[:2], code[:4], code[:6]


def unit_normalise(unit: str) -> str:
    """'kg' → 'KGM', 'pcs' → 'PCE', 'chiếc' → 'PCE'; unknown units are returned upper-cased."""
    raw = fold_text(unit).replace(" ", "").upper() if unit else ""
    if raw in _KNOWN_UNITS:
        return raw
    return UNIT_ALIASES.get(raw, (unit or "").strip().upper())


def unit_is_known(unit: str) -> bool:
    return unit in _KNOWN_UNITS


def unit_factor(from_unit: str, to_unit: str) -> Decimal | None:
    """How many `to_unit` make one `from_unit` (1 for the same unit); None when not convertible."""
    if from_unit == to_unit:
        return Decimal(1)
    return _UNIT_FACTORS.get((from_unit, to_unit))


def _fold_char(ch: str) -> str:
    if ch in "đĐ":
        return "d"
    decomposed = unicodedata.normalize("NFD", ch)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


# Every letter with diacritics a Vietnamese, French or German text uses, mapped once to its
# plain letter ("ệ" → "e"), so folding is one `str.translate`.
_FOLD_TABLE = {
    cp: _fold_char(chr(cp))
    for block in ((0x00C0, 0x0250), (0x1E00, 0x1F00))
    for cp in range(*block)
    if _fold_char(chr(cp)) != chr(cp).lower() or chr(cp) in "đĐ"
}


@functools.lru_cache(maxsize=65536)
def fold_text(text: str) -> str:
    """Lower-case ASCII words for matching with or without Vietnamese diacritics.

    'Cà phê chưa rang' → 'ca phe chua rang'. Precomposed letters are mapped by a table ('đ',
    which has no decomposition, included); what else is not ASCII is decomposed (NFKD) and its
    marks dropped.
    """
    folded = text.translate(_FOLD_TABLE).lower()
    if not folded.isascii():  # marks on decomposed input, "²", "½", dashes and quotes
        folded = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    return _NON_WORD.sub(" ", folded).strip()
