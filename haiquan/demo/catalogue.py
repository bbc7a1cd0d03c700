"""The tariff lines the demo trades in — every chapter of the tariff but arms and chapter 98 —
grouped by trade, with their prices, the ways traders describe them and the cheaper
neighbours a misclassifying trader would pick. Built once per run from the loaded tariff, so the
generator only ever declares codes (and units) the tariff knows.

Traders do not copy the tariff's text: "Loại khác" (other) says nothing without the heading
above it. Each line gets a few descriptions as traders write them — the goods named from the
heading and the most specific row, in Vietnamese, in English, or without diacritics, with a
model or a packing — and each firm keeps to the ones it picked (`population`), so the same goods
reach customs under several wordings, as they do."""

from __future__ import annotations

import functools
import random
import re
import zlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from unidecode import unidecode

from haiquan.tariff.normalise import fold_text
from haiquan.tariff.snapshot import HsLineData, Tariff

from .goods import GROUPS, KG_PER_UNIT, NOT_TRADED, line_facts

_DESCRIPTION_MAX = 200
_NAME_MAX = 120
_PARENS = re.compile(r"\s*\([^()]*\)")
_QUALIFIER_WORDS = frozenset(
    {
        "co",
        "da",
        "dung",
        "loai",
        "chua",
        "khong",
        "tren",
        "duoi",
        "tu",
        "bang",
        "dang",
        "cua",
        "tuoi",
        "kho",
        "dong",
        "ke",
        "truoc",
        "sau",
        "of",
        "other",
        "having",
        "weighing",
        "with",
        "not",
        "in",
        "for",
        "containing",
        "fresh",
        "dried",
        "frozen",
        "",
    }
)
# Descriptions per line: a firm picks among them.
VARIANTS = 3
_NOISE = re.compile(r"\s*\((SEN|\d)\)|\(\*\)")
_SPACES = re.compile(r"\s+")
_GENERIC = re.compile(r"^(loại khác|khác|other|loại khác, dạng ckd|dạng ckd)\b", re.IGNORECASE)
_PACKINGS_VI = ("đóng thùng carton", "đóng bao", "đóng kiện", "hàng rời", "đóng pallet")
_PACKINGS_EN = ("in cartons", "in bags", "in bales", "in bulk", "on pallets")


@dataclass(frozen=True, slots=True)
class Goods:
    code: str
    unit: str
    group: str
    description: str
    price_usd: float  # per tariff unit, 2020 level
    qty_median: float  # per goods line, tariff unit
    kg_per_unit: float
    burden: float  # (1 + MFN rate) × (1 + special consumption tax rate): the duty a code costs
    line: HsLineData


_GROUP_OF_PREFIX = {p: g.key for g in GROUPS.values() for p in g.hs_prefixes}


def _group_of(code: str) -> str | None:
    """The group of the longest prefix naming the code."""
    if code.startswith(NOT_TRADED):
        return None
    for n in (6, 4, 2):
        group = _GROUP_OF_PREFIX.get(code[:n])
        if group is not None:
            return group
    return None


def _burden(line: HsLineData) -> float:
    sct = float(line.sct_rate or Decimal(0))
    return (1 + float(line.mfn_rate) / 100) * (1 + sct / 100)


@functools.lru_cache(maxsize=50_000)
def _clean(text: str) -> str:
    return _SPACES.sub(" ", _NOISE.sub("", text or "")).strip(" :;,.-")


def _head(text: str, words: int = 6) -> str:
    """A heading's first clause, shortened: what the goods are called."""
    first = re.split(r"[;,(]| và | and ", _clean(text))[0]
    return " ".join(first.split()[:words])


def _unbracketed(text: str) -> str:
    while True:
        shorter = _PARENS.sub("", text)
        if shorter == text:
            return text.strip()
        text = shorter


def _qualifies(text: str) -> bool:
    """Whether a row only qualifies the goods above it ("Đã bỏ đầu", "Of a cylinder...")."""
    words = fold_text(text).split()
    return len(words) < 2 or words[0] in _QUALIFIER_WORDS


def goods_name(line: HsLineData, english: bool = False) -> str:
    """The goods named as a trader would: the line's own text, after the nearest row above it
    that names goods when the line only qualifies them ("Tôm thẻ chân trắng, đã bỏ đầu")."""
    own = _unbracketed(_clean(line.description_en if english else line.description_vi))
    context = line.context_en if english else line.context_vi
    parts = [_unbracketed(_clean(p)) for p in context.split(" › ")] if context else []
    heading = _head(parts[0]) if parts else ""
    names = [t for t in [*parts[1:], own] if t and not _GENERIC.match(t)]
    if not names:
        return heading or own
    text = names[-1]
    if _qualifies(text):
        above = next((t for t in reversed(names[:-1]) if not _qualifies(t)), heading)
        if above and above != text:
            text = f"{above}, {text[:1].lower()}{text[1:]}"
    return _SPACES.sub(" ", text).strip(" ,")[:_NAME_MAX]


def trader_descriptions(line: HsLineData, group: str, variants: int = VARIANTS) -> list[str]:
    """How traders describe the goods of a line: in Vietnamese, in English, without
    diacritics, with a model number for manufactured goods or a packing for the others."""
    rng = random.Random(zlib.crc32(line.code.encode()))
    vi = goods_name(line) or line.code
    en = goods_name(line, english=True) or vi
    manufactured = GROUPS[group].new_goods
    out: list[str] = []
    for i in range(variants):
        kind = i % 3
        if kind == 0:
            text = vi
        elif kind == 1:
            text = en
        else:
            text = unidecode(vi)  # typed without diacritics
        if manufactured and rng.random() < 0.7:
            letters = "ABCDEFGHKLMNPRSTVX"
            text += f", model {rng.choice(letters)}{rng.choice(letters)}-{rng.randint(100, 9999)}"
        elif not manufactured and rng.random() < 0.6:
            text += ", " + (rng.choice(_PACKINGS_EN) if kind == 1 else rng.choice(_PACKINGS_VI))
        out.append(text[:_DESCRIPTION_MAX])
    return out


class Catalogue:
    """Goods by group and by code, from a tariff snapshot. `by_group` holds each line under
    each of its descriptions (firms sample from it); `by_code` the first of them."""

    def __init__(self, tariff: Tariff) -> None:
        self.tariff = tariff
        self.by_code: dict[str, Goods] = {}
        self.by_group: dict[str, list[Goods]] = {}
        for code, line in sorted(tariff.lines.items()):
            group = _group_of(code)
            latest = line.latest
            if group is None or latest is None or latest.mfn_rate is None:
                continue  # not traded, or a duty no percentage can say (chapter 98's rules)
            price, qty = line_facts(code, line.unit)
            for i, description in enumerate(trader_descriptions(line, group)):
                goods = Goods(
                    code=code,
                    unit=line.unit,
                    group=group,
                    description=description,
                    price_usd=price,
                    qty_median=qty,
                    kg_per_unit=KG_PER_UNIT.get(line.unit, 1.0),
                    burden=_burden(line),
                    line=line,
                )
                if i == 0:
                    self.by_code[code] = goods
                self.by_group.setdefault(group, []).append(goods)
        # A misclassifying trader declares a line of the same heading and unit that costs less.
        by_heading: dict[tuple[str, str], list[Goods]] = defaultdict(list)
        for goods in self.by_code.values():
            by_heading[(goods.code[:4], goods.unit)].append(goods)
        self.cheaper: dict[str, list[Goods]] = {}
        for siblings in by_heading.values():
            if len(siblings) < 2:
                continue
            for goods in siblings:
                cheaper = [g for g in siblings if g.burden < goods.burden - 0.02]
                if cheaper:
                    self.cheaper[goods.code] = cheaper

    def groups_available(self) -> set[str]:
        return set(self.by_group)

    def in_force(self, goods: Goods, day: date) -> bool:
        return goods.line.in_force_on(day)
