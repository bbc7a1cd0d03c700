"""What a time-release report is asked for: the period, the offices (restricted to the
user's), the dimensions filtered on and the span measured, checked once (`filters_build`) for
the pages, the API and the exports; the previous period and the same period last year."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone
from typing import Any

from django.utils.translation import gettext as _

from haiquan.core.problems import FieldProblem, Forbidden, ValidationFailed
from haiquan.refdata.models import Office

from .choices import ComplianceGroup, Span
from .permissions import require_reader, scope_paths

MAX_PERIOD_DAYS = 3 * 366
MAX_SAMPLE_DAYS = 31
FLOWS = ("import", "export")
LANES = ("green", "yellow", "red")
# Filters only the facts carry (each has a rollup of its own, see `store.EXTRA_DIMENSIONS`).
FACT_ONLY_FILTERS = ("transport_mode", "type_code", "hs_chapter", "compliance")
# The arrival span: from the reported arrival (the manifest's, or the first gate-in) to release,
# over consignments whose arrival came before their release (an export's gate-in at the port of
# loading comes after it, and starts nothing).
ARRIVAL_SECONDS = "epoch(released_at - arrived_at)"
ARRIVED_FIRST = "arrived_at IS NOT NULL AND (released_at IS NULL OR arrived_at <= released_at)"


@dataclass(frozen=True)
class Filters:
    date_from: date
    date_to: date
    scope: tuple[str, ...] | None = None  # office paths the user may see; None: all
    office_path: str = ""  # the office (subtree) chosen
    flow: str = ""
    lane: str = ""
    transport_mode: str = ""
    type_code: str = ""
    hs_chapter: str = ""
    compliance: str = ""
    within_hours: float = 24.0
    days: tuple[date, ...] = ()  # a sample window: exactly these registration days
    span: str = Span.REGISTRATION.value  # where the measured time starts

    @property
    def measure(self) -> str:
        """The SQL of one consignment's measured seconds."""
        return ARRIVAL_SECONDS if self.span == Span.ARRIVAL else "total_s"

    @property
    def length(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def shifted(self, days: int = 0, years: int = 0) -> Filters:
        return replace(
            self,
            date_from=_shift(self.date_from, days, years),
            date_to=_shift(self.date_to, days, years),
            days=tuple(_shift(d, days, years) for d in self.days),
        )

    def previous(self) -> Filters:
        """The period of the same length just before."""
        if _whole_months(self.date_from, self.date_to):
            months = (self.date_to.year - self.date_from.year) * 12 + (
                self.date_to.month - self.date_from.month
            )
            start = _add_months(self.date_from, -(months + 1))
            end = self.date_from - timedelta(days=1)
            return replace(self, date_from=start, date_to=end)
        return self.shifted(days=-self.length)

    def last_year(self) -> Filters:
        return self.shifted(years=-1)


def _shift(day: date, days: int, years: int) -> date:
    if years:
        try:
            day = day.replace(year=day.year + years)
        except ValueError:  # 29 February
            day = day.replace(year=day.year + years, day=28)
    return day + timedelta(days=days)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _whole_months(start: date, end: date) -> bool:
    last = calendar.monthrange(end.year, end.month)[1]
    return start.day == 1 and end.day == last


# --- building filters from what a user asked ----------------------------------------------------


def filters_build(
    *,
    user: Any,
    date_from: date | None,
    date_to: date | None,
    office: str = "",
    flow: str = "",
    lane: str = "",
    transport_mode: str = "",
    type_code: str = "",
    hs_chapter: str = "",
    compliance: str = "",
    within_hours: float | None = None,
    span: str = "",
    today: date | None = None,
) -> Filters:
    """Check a report request and restrict it to the user's offices. Without dates: the last
    full month. An office outside the user's scope is refused (403)."""
    require_reader(user)
    problems: list[FieldProblem] = []
    date_from, date_to = _period_defaulted(date_from, date_to, today)
    if date_to < date_from:
        problems.append(FieldProblem("date_to", _("must be on or after the start date")))
    elif (date_to - date_from).days + 1 > MAX_PERIOD_DAYS:
        problems.append(
            FieldProblem("date_to", _("a period is at most %(n)d days") % {"n": MAX_PERIOD_DAYS})
        )
    choices = {
        "flow": (flow, FLOWS),
        "lane": (lane, LANES),
        "compliance": (compliance, tuple(ComplianceGroup.values)),
    }
    for name, (value, allowed) in choices.items():
        if value and value not in allowed:
            problems.append(
                FieldProblem(name, _("must be one of %(v)s") % {"v": ", ".join(allowed)})
            )
    if transport_mode and (
        len(transport_mode) > 16 or not transport_mode.replace("_", "").isalpha()
    ):
        problems.append(FieldProblem("transport_mode", _("is not a transport mode")))
    if type_code and (len(type_code) != 3 or not type_code.isalnum()):
        problems.append(FieldProblem("type_code", _("is a 3-character declaration type code")))
    if hs_chapter and (len(hs_chapter) != 2 or not hs_chapter.isdigit()):
        problems.append(FieldProblem("hs_chapter", _("is a 2-digit HS chapter, e.g. 08")))
    hours = 24.0 if within_hours is None else within_hours
    if not 0 < hours <= 720:  # up to the outlier cap (30 days)
        problems.append(FieldProblem("within_hours", _("must be between 0 and 720 hours")))
    if span and span not in Span.values:
        problems.append(
            FieldProblem("span", _("must be one of %(v)s") % {"v": ", ".join(Span.values)})
        )
    office_path = _office_path(office, problems)
    if problems:
        raise ValidationFailed(problems)
    scope = scope_paths(user)
    if office_path and scope is not None and not any(office_path.startswith(p) for p in scope):
        raise Forbidden(_("Office %(office)s is outside your offices.") % {"office": office})
    return Filters(
        date_from=date_from,
        date_to=date_to,
        scope=scope,
        office_path=office_path,
        flow=flow,
        lane=lane,
        transport_mode=transport_mode,
        type_code=type_code.upper(),
        hs_chapter=hs_chapter,
        compliance=compliance,
        within_hours=hours,
        span=span or Span.REGISTRATION.value,
    )


def _period_defaulted(
    date_from: date | None, date_to: date | None, today: date | None
) -> tuple[date, date]:
    """The period asked for, its missing ends filled: without dates the last full month; from a
    start, a month (to today at most); to an end, from the first of its month."""
    today = today or datetime.now(dt_timezone(timedelta(hours=7))).date()
    if date_from is None and date_to is None:
        date_to = today.replace(day=1) - timedelta(days=1)
        date_from = date_to.replace(day=1)
    elif date_from is None:
        assert date_to is not None
        date_from = date_to.replace(day=1)
    elif date_to is None:
        date_to = min(today, _add_months(date_from, 1) - timedelta(days=1))
    assert date_from is not None and date_to is not None
    return date_from, date_to


def _office_path(office: str, problems: list[FieldProblem]) -> str:
    """The path of the office asked for ("" for none), or a problem when no office has its code."""
    if not office:
        return ""
    found = Office.objects.filter(code=office).values_list("path", flat=True).first()
    if found is None:
        problems.append(FieldProblem("office", _("no office has this code")))
        return ""
    return found


def last_month_start(today: date | None = None) -> date:
    today = today or datetime.now(dt_timezone(timedelta(hours=7))).date()
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def working_days(start: date, count: int) -> tuple[date, ...]:
    """`count` consecutive working days (Monday to Friday) from `start`, as the WCO study of
    Vietnam takes them (public holidays are not known to haiquan and are not skipped)."""
    out: list[date] = []
    day = start
    while len(out) < count:
        if day.weekday() < 5:
            out.append(day)
        day += timedelta(days=1)
    return tuple(out)
