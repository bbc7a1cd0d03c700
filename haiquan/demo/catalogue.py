"""The tariff lines the demo trades in, grouped by trade, with their prices and the cheaper
neighbours a misclassifying trader would pick. Built once per run from the loaded tariff, so
the generator only ever declares codes (and units) the tariff knows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from haiquan.tariff.snapshot import HsLineData, Tariff

from .goods import GROUPS, KG_PER_UNIT, line_facts

_DESCRIPTION_MAX = 200


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


def _group_of(code: str) -> str | None:
    best, best_len = None, 0
    for g in GROUPS.values():
        for p in g.hs_prefixes:
            if code.startswith(p) and len(p) > best_len:
                best, best_len = g.key, len(p)
    return best


def _burden(line: HsLineData) -> float:
    sct = float(line.sct_rate or Decimal(0))
    return (1 + float(line.mfn_rate) / 100) * (1 + sct / 100)


class Catalogue:
    """Goods by group and by code, from a tariff snapshot."""

    def __init__(self, tariff: Tariff) -> None:
        self.tariff = tariff
        self.by_code: dict[str, Goods] = {}
        self.by_group: dict[str, list[Goods]] = {}
        for code, line in sorted(tariff.lines.items()):
            group = _group_of(code)
            if group is None:
                continue
            price, qty = line_facts(code, line.unit)
            description = line.description_vi.strip() or line.description_en.strip() or code
            goods = Goods(
                code=code,
                unit=line.unit,
                group=group,
                description=description[:_DESCRIPTION_MAX],
                price_usd=price,
                qty_median=qty,
                kg_per_unit=KG_PER_UNIT.get(line.unit, 1.0),
                burden=_burden(line),
                line=line,
            )
            self.by_code[code] = goods
            self.by_group.setdefault(group, []).append(goods)
        # A misclassifying trader declares a line of the same chapter and unit that costs less.
        self.cheaper: dict[str, list[Goods]] = {}
        for goods in self.by_code.values():
            siblings = [
                g
                for g in self.by_code.values()
                if g.code[:2] == goods.code[:2]
                and g.unit == goods.unit
                and g.code != goods.code
                and g.burden < goods.burden - 0.02
            ]
            if siblings:
                self.cheaper[goods.code] = siblings

    def groups_available(self) -> set[str]:
        return set(self.by_group)

    def in_force(self, goods: Goods, day: date) -> bool:
        return goods.line.in_force_on(day)
