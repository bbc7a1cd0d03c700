"""Months and periods of whole months, in the administration's local time (Asia/Ho_Chi_Minh)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

from haiquan.core.problems import FieldProblem, ValidationFailed

MAX_MONTHS = 36
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def month_of(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> int:
    """How many months from `first` to `last`, both included."""
    return (last.year - first.year) * 12 + last.month - first.month + 1


@dataclass(frozen=True)
class Period:
    """Whole months from `first` to `last` (both the first day of their month), included."""

    first: date
    last: date

    @property
    def months(self) -> int:
        return months_between(self.first, self.last)

    @property
    def end(self) -> date:
        """The day after the period (exclusive end)."""
        return add_months(self.last, 1)

    def previous(self) -> Period:
        """The period of the same length just before (month on month for one month)."""
        n = self.months
        return Period(add_months(self.first, -n), add_months(self.last, -n))

    def year_before(self) -> Period:
        """The same months a year earlier (year on year)."""
        return Period(add_months(self.first, -12), add_months(self.last, -12))

    def label(self) -> str:
        if self.first == self.last:
            return f"{self.first:%m/%Y}"
        return f"{self.first:%m/%Y}–{self.last:%m/%Y}"


def _parse_month(value: str, field: str, errors: list[FieldProblem]) -> date | None:
    m = _MONTH_RE.match(value.strip())
    if not m or not 1 <= int(m.group(2)) <= 12 or not 2000 <= int(m.group(1)) <= 2100:
        errors.append(
            FieldProblem(field, str(_("Give a month as YYYY-MM, e.g. 2026-03.")), "bad-month")
        )
        return None
    return date(int(m.group(1)), int(m.group(2)), 1)


def period_parse(month_from: str | None, month_to: str | None, *, today: date) -> Period:
    """The period of a report from its `from` and `to` months (YYYY-MM). Without them: the last
    complete month. With only one of them, a period of that one month."""
    errors: list[FieldProblem] = []
    first = _parse_month(month_from, "from", errors) if month_from else None
    last = _parse_month(month_to, "to", errors) if month_to else None
    if errors:
        raise ValidationFailed(errors)
    if first is None and last is None:
        first = last = add_months(month_of(today), -1)
    first = first or last
    last = last or first
    assert first is not None and last is not None
    if last < first:
        raise ValidationFailed(
            [FieldProblem("to", str(_("Must not be before the 'from' month.")), "before-from")]
        )
    if months_between(first, last) > MAX_MONTHS:
        raise ValidationFailed(
            [
                FieldProblem(
                    "to",
                    str(_("A report covers at most %(n)d months.") % {"n": MAX_MONTHS}),
                    "too-long",
                )
            ]
        )
    return Period(first, last)
