"""Advance rulings in clearance: a declaration line citing a ruling (`ruling_number`) must be
filed by the enterprise the ruling was issued to, on a day it is valid, and declare what it
rules — the HS code of a classification ruling, the origin (and goods) of an origin ruling.
Registered as a declaration validator (clearance.hooks) in `apps.py`; the rulings' goods are also
a source of examples for the tariff's classification assistant."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from haiquan.core.problems import FieldProblem
from haiquan.tariff.assistant.sources import Case

from .choices import ResultKind
from .models import AdvanceRuling

if TYPE_CHECKING:
    from haiquan.clearance.validation import ResolvedDeclaration


def ruling_number_normalise(value: Any) -> str:
    return str(value or "").strip().upper()


def advance_rulings_validate(resolved: ResolvedDeclaration, on_day: date) -> list[FieldProblem]:
    """Problems with the advance rulings the lines cite (none when no line cites one)."""
    lines = resolved.data.lines
    cited = {ruling_number_normalise(getattr(line, "ruling_number", "")) for line in lines}
    cited.discard("")
    if not cited:
        return []
    rulings = {r.number: r for r in AdvanceRuling.objects.filter(number__in=cited)}
    problems: list[FieldProblem] = []
    for i, line in enumerate(lines):
        number = ruling_number_normalise(getattr(line, "ruling_number", ""))
        if number:
            problems += _line_ruling_problems(
                line, f"lines[{i}]", number, rulings.get(number), resolved, on_day
            )
    return problems


def _line_ruling_problems(
    line: Any,
    at: str,
    number: str,
    ruling: AdvanceRuling | None,
    resolved: ResolvedDeclaration,
    on_day: date,
) -> list[FieldProblem]:
    """The problem with the ruling one line cites (unknown, another enterprise's, not valid on
    the day), or else the problems with the goods it declares against the ruling's."""
    if ruling is None:
        return [
            FieldProblem(
                f"{at}.ruling_number",
                _("There is no advance ruling numbered %(n)s.") % {"n": number},
                "unknown-ruling",
            )
        ]
    if ruling.enterprise_id != resolved.enterprise.pk:
        return [
            FieldProblem(
                f"{at}.ruling_number",
                _("Advance ruling %(n)s was issued to another enterprise.") % {"n": number},
                "ruling-not-yours",
            )
        ]
    if not ruling.valid_on(on_day):
        return [
            FieldProblem(
                f"{at}.ruling_number",
                _(
                    "Advance ruling %(n)s is not valid on %(day)s (valid %(from)s to %(to)s%(revoked)s)."
                )
                % {
                    "n": number,
                    "day": on_day.isoformat(),
                    "from": ruling.valid_from.isoformat(),
                    "to": ruling.valid_to.isoformat(),
                    "revoked": _(", revoked") if ruling.revoked_at else "",
                },
                "ruling-not-valid",
            )
        ]
    return _line_goods_problems(line, at, number, ruling)


def _line_goods_problems(
    line: Any, at: str, number: str, ruling: AdvanceRuling
) -> list[FieldProblem]:
    """A line's HS code (and, for an origin ruling, its origin) against the ruling's."""
    problems: list[FieldProblem] = []
    hs = str(line.hs_code or "").replace(".", "").strip()
    if ruling.kind == ResultKind.HS_RULING and hs != ruling.hs_code:
        problems.append(
            FieldProblem(
                f"{at}.hs_code",
                _("Advance ruling %(n)s classifies these goods under HS %(hs)s: declare %(hs)s.")
                % {"n": number, "hs": ruling.hs_code},
                "ruling-hs-mismatch",
            )
        )
    elif ruling.kind == ResultKind.ORIGIN_RULING:
        if hs[:6] != ruling.hs_code[:6]:
            problems.append(
                FieldProblem(
                    f"{at}.hs_code",
                    _("Advance ruling %(n)s rules on goods of HS %(hs)s, not these.")
                    % {"n": number, "hs": ruling.hs_code},
                    "ruling-hs-mismatch",
                )
            )
        origin = str(line.origin or "").strip().upper()
        if origin != ruling.origin:
            problems.append(
                FieldProblem(
                    f"{at}.origin",
                    _("Advance ruling %(n)s rules the origin of these goods is %(o)s.")
                    % {"n": number, "o": ruling.origin},
                    "ruling-origin-mismatch",
                )
            )
    return problems


def ruling_cases(since: datetime | None, until: datetime | None, batch: int) -> Iterator[Case]:
    """The goods of the HS advance rulings issued in [since, until) and not revoked, as an
    officer classified them: examples for the tariff's classification assistant."""
    rulings = AdvanceRuling.objects.exclude(hs_code="").filter(revoked_at__isnull=True)
    if since is not None:
        rulings = rulings.filter(issued_at__gte=since)
    if until is not None:
        rulings = rulings.filter(issued_at__lt=until)
    for description, code, issued_at in rulings.values_list(
        "goods_description", "hs_code", "issued_at"
    ):
        yield Case(description, code, "", issued_at, checked=True, corrected=True)
