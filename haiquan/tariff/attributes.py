"""What the published tariff does not print for a line: its unit of quantity, VAT rate, special
consumption and environmental taxes and export duty — set by other laws (the VAT, SCT and
environmental tax laws, the export tariff of Decree 26/2023 Annex I). They are kept as rules by
HS prefix in `data/line_attributes.csv`: for each attribute the longest prefix that sets it
wins, the empty prefix being the default (kg, VAT 10%, no export duty). An administration edits
the file (or a line in the admin) where its law says otherwise.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from typing import IO

from django.utils.translation import gettext as _

from haiquan.core.problems import FieldProblem

from .models import VAT_RATES
from .normalise import unit_factor, unit_is_known, unit_normalise

COLUMNS = (
    "prefix",
    "unit",
    "vat_rate",
    "sct_rate",
    "env_tax_vnd_per_unit",
    "env_tax_unit",
    "export_rate",
)


@dataclass(frozen=True, slots=True)
class Attributes:
    unit: str
    vat_rate: Decimal
    sct_rate: Decimal | None
    env_tax_vnd_per_unit: Decimal | None
    env_tax_unit: str
    export_rate: Decimal


class AttributeRules:
    """Prefix rules, resolved per code (longest prefix per attribute)."""

    def __init__(self, rules: dict[str, dict[str, str]]) -> None:
        self.rules = rules
        self.longest = max((len(p) for p in rules), default=0)

    def _value(self, code: str, column: str) -> str:
        for n in range(min(len(code), self.longest), -1, -1):
            rule = self.rules.get(code[:n])
            if rule and rule.get(column):
                return rule[column]
        return ""

    def for_code(self, code: str) -> Attributes:
        unit = self._value(code, "unit") or "KGM"
        sct = self._value(code, "sct_rate")
        env = self._value(code, "env_tax_vnd_per_unit")
        env_unit = self._value(code, "env_tax_unit") if env else ""
        if env_unit and unit_factor(unit, env_unit) is None:
            env_unit = unit  # a rule for a wider prefix in another unit: counted in the line's
        return Attributes(
            unit=unit,
            vat_rate=Decimal(self._value(code, "vat_rate") or "10"),
            sct_rate=Decimal(sct) if sct else None,
            env_tax_vnd_per_unit=Decimal(env) if env else None,
            env_tax_unit=env_unit if env else "",
            export_rate=Decimal(self._value(code, "export_rate") or "0"),
        )


def read_rules(
    fh: IO[str], problems: list[FieldProblem], label: str = "attributes_csv"
) -> AttributeRules:
    rules: dict[str, dict[str, str]] = {}
    reader = csv.DictReader(fh)
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        problems.append(
            FieldProblem(
                label,
                _("the column '%(col)s' is missing from the header row") % {"col": missing[0]},
                "missing-column",
            )
        )
        return AttributeRules({})
    for rowno, row in enumerate(reader, start=2):
        cells = {k: (row.get(k) or "").strip() for k in COLUMNS}
        prefix = cells["prefix"]

        def bad(column: str, text: str, rowno: int = rowno) -> None:
            problems.append(
                FieldProblem(
                    f"{label}[{rowno}].{column}",
                    _("row %(row)d, column %(col)s: %(problem)s")
                    % {"row": rowno, "col": column, "problem": text},
                )
            )

        if prefix and not (prefix.isdigit() and len(prefix) <= 8):
            bad("prefix", _("'%(raw)s' is not an HS code prefix") % {"raw": prefix})
        for column in ("unit", "env_tax_unit"):
            if cells[column]:
                cells[column] = unit_normalise(cells[column])
                if not unit_is_known(cells[column]):
                    bad(column, _("'%(raw)s' is not a known unit code") % {"raw": row[column]})
        for column in ("vat_rate", "sct_rate", "env_tax_vnd_per_unit", "export_rate"):
            if cells[column]:
                try:
                    value = Decimal(cells[column])
                except ArithmeticError:
                    bad(column, _("'%(raw)s' is not a number") % {"raw": cells[column]})
                    continue
                if column == "vat_rate" and value not in VAT_RATES:
                    bad(
                        column, _("%(rate)s is not a VAT rate; use 0, 5, 8 or 10") % {"rate": value}
                    )
        if prefix in rules:
            bad("prefix", _("the prefix '%(raw)s' appears twice") % {"raw": prefix})
        rules[prefix] = cells
    return AttributeRules(rules)
