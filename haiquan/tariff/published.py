"""Reading the tariff as Vietnam publishes it: every row of the Export-Import Tariff in printed
order (headings, subheadings, the text rows of the dashes, the 8-digit lines), the ordinary and
MFN rates, and one column per free-trade agreement schedule with its special preferential rate.

The rate cells are written the way the decrees write them, and each form means something:

=========================  =====================================================================
cell                       meaning
=========================  =====================================================================
``5`` ``7,5`` ``7.5``      a rate in %, with a decimal point or a decimal comma
``*``                      the line is excluded from that agreement's concessions
``0 (-PH, MY)``            the rate, except for goods from the parties listed
``2,7; M: 5,4``            the rate, and another one for goods from Mexico (CPTPP)
``40 (NHN: 80)``           in-quota rate, and the out-of-quota rate (ngoài hạn ngạch)
``0/5``                    several rates for products within the line: the highest is kept
``Q``                      a rate within the agreement's own quota: not applied here
``150% thuế MFN``          (ordinary column) 150% of the MFN rate
``Theo hướng dẫn ...``     (MFN column) the duty is set by chapter 98's rules, not a percentage
=========================  =====================================================================

`read_published` checks every cell first and reports each problem by row and column, like the
other schedule readers; rows that are not lines (a malformed code, a line printed twice) are
kept as text and listed as warnings.
"""

from __future__ import annotations

import csv
import functools
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO

import pycountry
from django.utils.translation import gettext as _

from haiquan.core.problems import FieldProblem

from .schedule_csv import MAX_PROBLEMS, RATE_LIMIT

REQUIRED_COLUMNS = ("level", "hs_code", "description_vi", "ordinary_rate", "mfn_rate")
# A party whose goods take their own rate in a cell ("M: 5,4") → the schedule those rates form.
PARTY_SCHEDULES = {"M": "MX"}

_NUMBER = r"\d+(?:[.,]\d+)?"
_ALTERNATIVE = re.compile(
    rf"^(?P<rate>\*|{_NUMBER})"
    r"\s*(?:\((?P<minus>-[^)]*)\))?"
    rf"\s*(?:\(\s*NHN\s*:\s*(?P<oq>{_NUMBER})\s*\))?$"
)
_PERCENT_OF_MFN = re.compile(rf"^(?P<pct>{_NUMBER})\s*%\s*thuế\s*MFN$", re.IGNORECASE)
_PARTY_PART = re.compile(r"^(?P<party>[A-Z])\s*:\s*(?P<cell>.+)$")
_SPACES = re.compile(r"\s+")
_LEADING_DASHES = re.compile(r"^[\s\-–—]+")


class CellError(ValueError):
    """A cell that is none of the forms the decrees use."""


@dataclass(frozen=True, slots=True)
class Rate:
    """One cell, understood. `rate` None: excluded (or no percentage; `note` says which)."""

    rate: Decimal | None
    out_of_quota: Decimal | None = None
    excluded_origins: tuple[str, ...] = ()
    # Another rate for goods of one party ("M" → Mexico), as its own Rate.
    by_party: tuple[tuple[str, Rate], ...] = ()
    note: str = ""

    @property
    def excluded(self) -> bool:
        return self.rate is None


def _number(text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation as exc:  # the patterns only pass digits; kept as a guard
        raise CellError(_("'%(raw)s' is not a number") % {"raw": text}) from exc
    if value >= RATE_LIMIT:
        raise CellError(
            _("%(raw)s is out of range (below %(limit)s)") % {"raw": text, "limit": RATE_LIMIT}
        )
    return value


def _origins(text: str) -> tuple[str, ...]:
    codes = [c.strip().upper() for c in text.lstrip("-").split(",") if c.strip()]
    for code in codes:
        if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
            raise CellError(
                _("'%(code)s' in '%(raw)s' is not an ISO 3166 country code")
                % {"code": code, "raw": text}
            )
    return tuple(sorted(set(codes)))


def _alternative(text: str) -> Rate:
    text = text.replace("(GIC)", "").strip()  # AKFTA: also for goods of the Gaeseong complex
    m = _ALTERNATIVE.match(text)
    if m is None:
        raise CellError(_("'%(raw)s' is not a rate the tariff uses") % {"raw": text})
    excluded = _origins(m["minus"]) if m["minus"] else ()
    out_of_quota = _number(m["oq"]) if m["oq"] else None
    if m["rate"] == "*":
        return Rate(None, note="*")
    return Rate(_number(m["rate"]), out_of_quota, excluded)


def _simple(text: str, raw: str) -> Rate:
    if text == "Q":
        return Rate(None, note=raw)
    parts = [p.strip() for p in text.split("/")]
    if any(not p for p in parts):
        raise CellError(_("'%(raw)s' is not a rate the tariff uses") % {"raw": raw})
    alternatives = [_alternative(p) for p in parts]
    if len(alternatives) == 1:
        return alternatives[0]
    # Several rates for different products within the line: keep the highest (the duty can be
    # no lower than that without the product being known), and the cell as written.
    if any(a.rate is None for a in alternatives):
        return Rate(None, note=raw)
    rates = [a.rate for a in alternatives if a.rate is not None]
    oqs = [a.out_of_quota for a in alternatives if a.out_of_quota is not None]
    origins = sorted({o for a in alternatives for o in a.excluded_origins})
    return Rate(max(rates), max(oqs) if oqs else None, tuple(origins), note=raw)


@functools.lru_cache(maxsize=4096)
def parse_rate(cell: str) -> Rate | None:
    """One rate cell as the decrees write it (see the module's table); None for an empty cell.

    Raises `CellError` saying what is wrong with it."""
    raw = _SPACES.sub(" ", (cell or "").replace("\xa0", " ")).strip()
    if not raw:
        return None
    if raw.lower().startswith("theo hướng dẫn"):
        return Rate(None, note=raw)
    if _PERCENT_OF_MFN.match(raw):
        return Rate(None, note=raw)
    main, *others = [p.strip() for p in raw.split(";")]
    rate = _simple(main, raw)
    by_party = []
    for other in others:
        m = _PARTY_PART.match(other)
        if m is None or m["party"] not in PARTY_SCHEDULES:
            raise CellError(
                _("'%(part)s' in '%(raw)s' is not a rate for one party (as 'M: 5,4')")
                % {"part": other, "raw": raw}
            )
        by_party.append((m["party"], _simple(m["cell"].strip(), raw)))
    if by_party:
        return Rate(
            rate.rate,
            rate.out_of_quota,
            rate.excluded_origins,
            tuple(by_party),
            rate.note or raw,
        )
    return rate


def clean_text(text: str) -> str:
    """'- - Loại khác:' → 'Loại khác': the text without its dashes, spaces or closing colon."""
    return _SPACES.sub(" ", _LEADING_DASHES.sub("", (text or "").replace("\xa0", " "))).strip(" :")


@dataclass(frozen=True, slots=True)
class Node:
    """A row of the published tariff: `position` is its order (from 1)."""

    position: int
    level: int
    code: str  # "", 4, 6 or 8 digits
    chapter: str
    heading: str
    parent: int | None
    description_vi: str
    description_en: str


@dataclass(frozen=True, slots=True)
class Line:
    """An 8-digit line with its rates; `preferential` by (agreement, schedule)."""

    code: str
    position: int
    description_vi: str
    description_en: str
    context_vi: str
    context_en: str
    mfn: Rate
    ordinary: Rate | None
    preferential: Mapping[tuple[str, str], Rate]


@dataclass
class Published:
    nodes: list[Node] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def lines_per_chapter(self) -> Counter[str]:
        return Counter(line.code[:2] for line in self.lines)


class _TooManyProblems(Exception):
    pass


def read_published(
    fh: IO[str],
    problems: list[FieldProblem],
    *,
    columns: Mapping[str, tuple[str, str]],
    label: str = "tariff_csv",
) -> Published:
    """Read the published tariff. `columns`: agreement column name → (agreement, schedule).

    Problems go into `problems` as `tariff_csv[<row>].<column>` (the header is row 1); the
    caller loads nothing when there are any."""
    out = Published()
    reader = csv.DictReader(fh)
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        problems.extend(
            FieldProblem(
                label,
                _("the column '%(col)s' is missing from the header row") % {"col": c},
                "missing-column",
            )
            for c in missing
        )
        return out
    reading = _Reading(out, problems, label, columns, [c for c in header if c in columns])
    try:
        for rowno, raw in enumerate(reader, start=2):
            row = {(k or "").strip(): (v or "") for k, v in raw.items()}
            if not any(v.strip() for v in row.values()):
                continue
            reading.row(rowno, row)
    except _TooManyProblems:
        pass
    return out


class _Reading:
    """The state of reading the published tariff row by row: the open headings (a stack of
    nodes by level), the lines seen, the current heading."""

    def __init__(
        self,
        out: Published,
        problems: list[FieldProblem],
        label: str,
        columns: Mapping[str, tuple[str, str]],
        rate_columns: list[str],
    ) -> None:
        self.out = out
        self.problems = problems
        self.label = label
        self.columns = columns
        self.rate_columns = rate_columns
        self.stack: list[Node] = []
        self.seen: dict[str, int] = {}
        self.heading = ""

    def problem(self, rowno: int, column: str, text: str, code: str = "invalid") -> None:
        self.problems.append(
            FieldProblem(
                f"{self.label}[{rowno}].{column}",
                _("row %(row)d, column %(col)s: %(problem)s")
                % {"row": rowno, "col": column, "problem": text},
                code,
            )
        )
        if len(self.problems) >= MAX_PROBLEMS:
            raise _TooManyProblems

    def row(self, rowno: int, row: dict[str, str]) -> None:
        """One non-empty row: a node of the nomenclature and, for an 8-digit code, a line."""
        placed = self._code_and_level(rowno, row)
        if placed is None:
            return
        code, level = placed
        stack = self.stack
        while stack and stack[-1].level >= level:
            stack.pop()
        node = Node(
            position=len(self.out.nodes) + 1,
            level=level,
            code=code,
            chapter=self.heading[:2],
            heading=self.heading,
            parent=stack[-1].position if stack else None,
            description_vi=clean_text(row.get("description_vi", "")),
            description_en=clean_text(row.get("description_en", "")),
        )
        self.out.nodes.append(node)
        stack.append(node)
        if len(code) != 8:
            return
        self.seen[code] = rowno
        self._line(rowno, row, node)

    def _code_and_level(self, rowno: int, row: dict[str, str]) -> tuple[str, int] | None:
        """The row's code (empty when it is kept as text) and level, or None (a problem)."""
        out = self.out
        level_text = row.get("level", "").strip()
        if not level_text.isdigit():
            self.problem(
                rowno, "level", _("'%(raw)s' is not a level (0, 1, 2...)") % {"raw": level_text}
            )
            return None
        level = int(level_text)
        code = _SPACES.sub("", row.get("hs_code", "").replace("\xa0", ""))
        if code and not (code.isascii() and code.isdigit() and len(code) in (4, 6, 8)):
            out.warnings.append(
                _("row %(row)d: '%(code)s' is not a 4, 6 or 8-digit code; kept as text")
                % {"row": rowno, "code": code}
            )
            code = ""
        if level > 0 and len(code) == 4 and code != self.heading:
            out.warnings.append(
                _(
                    "row %(row)d: the heading %(code)s is printed at level %(level)d; read as a heading"
                )
                % {"row": rowno, "code": code, "level": level}
            )
            level = 0
        if level == 0:
            # A heading, or a heading that is not subdivided: then it is a line itself.
            if len(code) not in (4, 8):
                self.problem(rowno, "hs_code", _("a heading (level 0) needs a 4 or 8-digit code"))
                return None
            self.heading = code[:4]
        elif not self.heading:
            self.problem(rowno, "level", _("the first row must be a heading (level 0)"))
            return None
        if code and not code.startswith(self.heading):
            self.problem(
                rowno,
                "hs_code",
                _("%(code)s is not under the heading %(heading)s above it")
                % {"code": code, "heading": self.heading},
            )
            return None
        if len(code) == 8 and code in self.seen:
            out.warnings.append(
                _("row %(row)d repeats the line %(code)s of row %(first)d; kept as text")
                % {"row": rowno, "code": code, "first": self.seen[code]}
            )
            code = ""
        return code, level

    def _line(self, rowno: int, row: dict[str, str], node: Node) -> None:
        """The rates of an 8-digit line; the line is kept when they all read."""
        problems = self.problems
        before = len(problems)
        rates: dict[str, Rate | None] = {}
        for column in ("mfn_rate", "ordinary_rate", *self.rate_columns):
            try:
                rates[column] = parse_rate(row.get(column, ""))
            except CellError as exc:
                self.problem(rowno, column, str(exc))
        mfn = rates.get("mfn_rate")
        if mfn is None and len(problems) == before:
            self.problem(rowno, "mfn_rate", _("a line needs its MFN rate"), "required")
        if len(problems) > before or mfn is None:
            return
        preferential: dict[tuple[str, str], Rate] = {}
        for column in self.rate_columns:
            cell = rates.get(column)
            if cell is None:
                continue
            agreement, schedule = self.columns[column]
            preferential[(agreement, schedule)] = cell
            for party, own in cell.by_party:
                preferential[(agreement, PARTY_SCHEDULES[party])] = own
        ancestors = _ancestors(self.out.nodes, node)
        self.out.lines.append(
            Line(
                code=node.code,
                position=node.position,
                description_vi=node.description_vi,
                description_en=node.description_en,
                context_vi=" › ".join(a.description_vi for a in ancestors if a.description_vi),
                context_en=" › ".join(a.description_en for a in ancestors if a.description_en),
                mfn=mfn,
                ordinary=rates.get("ordinary_rate"),
                preferential=preferential,
            )
        )


def _ancestors(nodes: list[Node], node: Node) -> list[Node]:
    """The rows `node` hangs from, heading first."""
    chain: list[Node] = []
    parent = node.parent
    while parent is not None:
        above = nodes[parent - 1]
        chain.append(above)
        parent = above.parent
    return chain[::-1]


def read_columns(rows: Iterable[dict[str, str]]) -> dict[str, tuple[str, str]]:
    """The agreement columns of the published file: column → (agreement, schedule)."""
    return {
        r["column"].strip(): (r["agreement"].strip().upper(), (r.get("schedule") or "").strip())
        for r in rows
    }
