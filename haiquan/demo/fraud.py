"""Planting violations in synthetic declarations, and whether a check finds them.

Three kinds, each a way of paying less duty than owed:

* undervaluation: the declared unit price is 30-70% below the true price;
* misclassification: a line declared under a cheaper HS line of the same chapter and unit;
* false origin: goods of another origin declared as from an ASEAN partner, with a Form D
  certificate of origin, to claim the ATIGA rate.

A violation is kept only if it lowers the duties (computed by the tariff's own
`compute_duties`). Whether an officer finds it depends on the check: a document check finds
about half of the undervaluation (the invoice looks right), an inspection about 90% of all.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from .catalogue import Catalogue
from .choices import FraudKind

# Chance that a document check (yellow) finds each kind; an inspection finds 90% of any.
DOCUMENT_CHECK_FINDS = {
    FraudKind.UNDERVALUATION.value: 0.5,
    FraudKind.MISCLASSIFICATION.value: 0.45,
    FraudKind.FALSE_ORIGIN.value: 0.6,
}
INSPECTION_FINDS = 0.9
# A document check that finds nothing but suspects something sends the goods to inspection.
ESCALATE_SUSPECTED = 0.3
ESCALATE_HONEST = 0.02
KIND_WEIGHTS = {
    FraudKind.UNDERVALUATION.value: 0.55,
    FraudKind.MISCLASSIFICATION.value: 0.25,
    FraudKind.FALSE_ORIGIN.value: 0.2,
}
FALSE_ORIGINS = {"TH": 0.3, "MY": 0.2, "ID": 0.15, "KH": 0.1, "LA": 0.1, "MM": 0.05, "PH": 0.05}
FINDINGS = {
    FraudKind.UNDERVALUATION: "Trị giá khai báo thấp hơn trị giá giao dịch thực tế theo chứng từ "
    "thanh toán; xác định lại trị giá hải quan.",
    FraudKind.MISCLASSIFICATION: "Hàng hóa thực tế không phù hợp với mã số khai báo; xác định lại "
    "mã số HS theo thực tế hàng hóa.",
    FraudKind.FALSE_ORIGIN: "C/O mẫu D không hợp lệ: hàng hóa có xuất xứ khác với khai báo; không "
    "áp dụng thuế suất ưu đãi đặc biệt ATIGA.",
}


@dataclass(frozen=True, slots=True)
class Line:
    """A goods line as declared (or as it truly is)."""

    code: str
    description: str
    origin: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    value: Decimal
    preference: str = ""
    co_number: str = ""
    co_date: date | None = None

    def __reduce__(self) -> tuple[type[Line], tuple[Any, ...]]:
        # Pickled as its fields in order (a prepared declaration travels between processes):
        # much cheaper than the generic state of a frozen, slotted dataclass.
        return (
            Line,
            (
                self.code,
                self.description,
                self.origin,
                self.quantity,
                self.unit,
                self.unit_price,
                self.value,
                self.preference,
                self.co_number,
                self.co_date,
            ),
        )


def line_value(quantity: Decimal, unit_price: Decimal) -> Decimal:
    return (quantity * unit_price).quantize(Decimal("0.01"))


def co_number(rng: random.Random, form: str, country: str, day: date) -> str:
    return f"{form.replace('.', '')}{day:%y}{country}{rng.randint(0, 9_999_999):07d}"


@dataclass(frozen=True)
class Plan:
    kind: str
    declared: list[Line]
    affected: tuple[int, ...]  # 0-based line indexes


def plan(
    rng: random.Random,
    *,
    lines: list[Line],
    flow: str,
    catalogue: Catalogue,
    day: date,
    atiga_form: str | None,
) -> Plan | None:
    """A violation for these (true) lines, or None if none fits them."""
    under, misclass, origin = (
        FraudKind.UNDERVALUATION.value,
        FraudKind.MISCLASSIFICATION.value,
        FraudKind.FALSE_ORIGIN.value,
    )
    options: dict[str, float] = {under: KIND_WEIGHTS[under]}
    if flow == "import":
        if any(ln.code in catalogue.cheaper for ln in lines):
            options[misclass] = KIND_WEIGHTS[misclass]
        if atiga_form and any(
            ln.origin not in FALSE_ORIGINS
            and ln.origin != "VN"
            and not ln.preference
            and "ATIGA" in catalogue.by_code[ln.code].line.preferential
            for ln in lines
        ):
            options[origin] = KIND_WEIGHTS[origin]
    kinds = list(options)
    kind = rng.choices(kinds, weights=[options[k] for k in kinds])[0]
    declared = list(lines)
    affected: list[int] = []
    if kind == under:
        # Usually every line (one forged invoice), sometimes the main line only.
        idx = (
            range(len(lines))
            if rng.random() < 0.7
            else [max(range(len(lines)), key=lambda i: lines[i].value)]
        )
        cut = Decimal(str(round(rng.uniform(0.3, 0.7), 3)))
        for i in idx:
            ln = lines[i]
            price = (ln.unit_price * (1 - cut)).quantize(Decimal("0.0001"))
            if price <= 0:
                continue
            declared[i] = replace(ln, unit_price=price, value=line_value(ln.quantity, price))
            affected.append(i)
    elif kind == misclass:
        candidates = [i for i, ln in enumerate(lines) if ln.code in catalogue.cheaper]
        i = rng.choice(candidates)
        target = rng.choice(catalogue.cheaper[lines[i].code])
        declared[i] = replace(lines[i], code=target.code, description=target.description)
        affected.append(i)
    else:
        fake = rng.choices(list(FALSE_ORIGINS), weights=list(FALSE_ORIGINS.values()))[0]
        for i, ln in enumerate(lines):
            goods = catalogue.by_code[ln.code]
            if (
                ln.origin in FALSE_ORIGINS
                or ln.origin == "VN"
                or ln.preference
                or "ATIGA" not in goods.line.preferential
            ):
                continue
            co_day = day - timedelta(days=rng.randint(2, 40))
            declared[i] = replace(
                ln,
                origin=fake,
                preference="ATIGA",
                co_number=co_number(rng, atiga_form or "D", fake, co_day),
                co_date=co_day,
            )
            affected.append(i)
    if not affected:
        return None
    return Plan(kind=kind, declared=declared, affected=tuple(affected))


def correction(kind: str, line_no: int, truth: Line) -> dict:
    """What the officer writes down for one line (clearance's `LineCorrection` fields)."""
    out: dict = {
        "line_no": line_no,
        "hs_code": None,
        "origin": None,
        "quantity": None,
        "unit_price": None,
        "preference": None,
        "description": None,
    }
    if kind == FraudKind.UNDERVALUATION:
        out["unit_price"] = truth.unit_price
    elif kind == FraudKind.MISCLASSIFICATION:
        out["hs_code"] = truth.code
        out["description"] = truth.description
    else:
        out["origin"] = truth.origin
        out["preference"] = ""
    return out


def line_json(ln: Line) -> dict:
    return {
        "hs_code": ln.code,
        "description": ln.description,
        "origin": ln.origin,
        "quantity": ln.quantity,
        "unit": ln.unit,
        "unit_price": ln.unit_price,
        "value": ln.value,
        "preference": ln.preference,
        "co_number": ln.co_number,
        "co_date": ln.co_date,
    }
