"""Reading the tariff: search for the right HS line, one line with its rates and its place in the
nomenclature, the sections, chapters and headings to browse."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.core.problems import NotFound

from .correlation import EDITION, CodeResolution, correlation_targets, dotted, split_text
from .models import (
    Agreement,
    Chapter,
    HsLine,
    LineRate,
    QuotaAllocation,
    Section,
    TariffNode,
    TariffQuota,
    TradeRemedy,
)
from .normalise import hs_code_normalise
from .search import search_index

MAX_QUERY_LENGTH = 200


def _code_query(q: str) -> str | None:
    """The digits of a code typed as "8703.23", or None when the query is words."""
    code = hs_code_normalise(q)
    return code[:8] if code and code.isascii() and code.isdigit() else None


def hs_search(*, q: str, limit: int = 20) -> list[HsLine]:
    """The lines best matching `q`, best first, each with `.score` and `.matched` (the words of
    the query found in its texts).

    Digits (dots and spaces allowed: "8703.23") are the start of a code, in code order; an
    AHTN 2017 code that is no line any more finds the lines it became (`correlation.py`). Words
    are searched in the Vietnamese and English texts of the lines and of the rows above them,
    with or without diacritics, ranked by relevance (`search.py`).
    """
    raw = " ".join((q or "").replace("\x00", " ").split())[:MAX_QUERY_LENGTH]
    limit = max(min(limit, 200), 0)
    if not raw or not limit:
        return []
    code = _code_query(raw)
    if code is not None:
        lines = list(HsLine.objects.filter(code__startswith=code).order_by("code")[:limit])
        if not lines and len(code) == 8:  # an AHTN 2017 code: the lines it became
            lines = list(HsLine.objects.filter(code__in=correlation_targets(code)).order_by("code"))
        for line in lines:
            line.score, line.matched = 0.0, ()  # type: ignore[attr-defined]
        return lines
    hits = search_index().search(raw, limit)
    found = HsLine.objects.in_bulk([h.code for h in hits])
    out = []
    for hit in hits:
        found_line = found.get(hit.code)
        if found_line is not None:
            found_line.score, found_line.matched = hit.score, hit.matched  # type: ignore[attr-defined]
            out.append(found_line)
    return out


def hs_line_get(*, code: str) -> HsLine:
    """One line with its dated rates; `NotFound` naming the code when there is none, with the
    lines of the same subheading the tariff does have."""
    normalised = hs_code_normalise(code)
    line = (
        HsLine.objects.prefetch_related(
            Prefetch("rates", queryset=LineRate.objects.order_by("valid_from"))
        )
        .filter(code=normalised)
        .first()
    )
    if line is None:
        raise NotFound(hs_line_missing_text(code))
    return line


def hs_code_resolve(*, code: str) -> CodeResolution:
    """The line of the tariff in force a code written by a trader stands for.

    A line of the tariff in force is itself. A code of the earlier nomenclature (AHTN 2017) that
    the correlation maps to exactly one line is converted to it (the resolution keeps the code as
    written and says so in `note`). Anything else — a code split between several lines, or no
    code at all — is `NotFound`, naming the lines the trader can choose from."""
    normalised = hs_code_normalise(code)
    if HsLine.objects.filter(code=normalised).exists():
        return CodeResolution(code=normalised, written=normalised)
    targets = correlation_targets(normalised)
    if len(targets) == 1:
        return CodeResolution(code=targets[0], written=normalised, edition=EDITION)
    raise NotFound(hs_line_missing_text(code))


@dataclass(frozen=True)
class DividedCode:
    """A code of the earlier nomenclature (AHTN 2017) that the tariff in force divided between
    several lines: the code as written and the lines it became, in code order."""

    code: str
    lines: tuple[HsLine, ...]

    @property
    def note(self) -> str:
        """What the trader who proposed the code is told (the lines are shown beside it)."""
        return _(
            "%(code)s is a code of the %(edition)s nomenclature that the tariff in force (AHTN "
            "2022) divided between several lines. Your proposal is kept as you wrote it; customs "
            "will rule which of these lines applies to the goods:"
        ) % {"code": dotted(self.code), "edition": EDITION}

    @property
    def officer_note(self) -> str:
        """What the officer deciding the ruling is told: the ruling names one of the lines."""
        return _(
            "The enterprise proposed %(code)s, a code of the %(edition)s nomenclature that the "
            "tariff in force (AHTN 2022) divided. The ruling must name a line in force: one of "
            "these, or another that describes the goods."
        ) % {"code": dotted(self.code), "edition": EDITION}


def hs_code_divided(*, code: str) -> DividedCode | None:
    """The lines an AHTN 2017 code was divided between, when it was (None for a line in force,
    a code that became one line, or a code the correlation does not know)."""
    normalised = hs_code_normalise(code)
    targets = correlation_targets(normalised)
    if len(targets) < 2 or HsLine.objects.filter(code=normalised).exists():
        return None
    return DividedCode(
        code=normalised, lines=tuple(HsLine.objects.filter(code__in=targets).order_by("code"))
    )


def hs_line_missing_text(code: str) -> str:
    """Why a code is not a line: for a code of the earlier nomenclature, the lines it became;
    otherwise which lines of its subheading (or heading) exist."""
    normalised = hs_code_normalise(code)
    targets = correlation_targets(normalised)
    if len(targets) > 1:
        return split_text(normalised, targets)
    if targets:
        return _(
            "%(code)s is a line of the %(edition)s nomenclature; in the tariff in force (AHTN "
            "2022) it is %(line)s."
        ) % {"code": dotted(normalised), "edition": EDITION, "line": dotted(targets[0])}
    near: list[str] = []
    if normalised.isascii() and normalised.isdigit() and len(normalised) >= 4:
        for prefix in (normalised[:6], normalised[:4]):
            near = list(
                HsLine.objects.filter(code__startswith=prefix)
                .order_by("code")
                .values_list("code", flat=True)[:6]
            )
            if near:
                break
    if near:
        return _(
            "There is no tariff line with HS code '%(code)s' in the tariff in force (AHTN 2022 "
            "nomenclature). Lines nearby: %(near)s."
        ) % {"code": code, "near": ", ".join(dotted(c) for c in near)}
    return _("There is no tariff line with HS code '%(code)s'.") % {"code": code}


def line_rate_on(line: HsLine, day: date | None = None) -> LineRate | None:
    """The line's rates in force on `day` (today by default), from its prefetched `rates`."""
    day = day or timezone.localdate()
    found = None
    for rate in line.rates.all():
        if rate.valid_from <= day and (rate.valid_to is None or day <= rate.valid_to):
            found = rate
    return found


def line_parents(line: HsLine) -> list[TariffNode]:
    """The rows the line hangs from in the published tariff, heading first."""
    if line.node_id is None:
        return []
    nodes = {
        n.position: n for n in TariffNode.objects.filter(heading=line.heading).order_by("position")
    }
    chain: list[TariffNode] = []
    node = nodes.get(line.node_id)
    while node is not None and node.parent_id is not None:
        node = nodes.get(node.parent_id)
        if node is not None:
            chain.append(node)
    return chain[::-1]


def mfn_rates_in_force(day: date | None = None) -> dict[str, float]:
    """HS code → MFN import duty rate (%) in force on `day` (today by default)."""
    day = day or timezone.localdate()
    out: dict[str, float] = {}
    for code, rate in (
        LineRate.objects.filter(valid_from__lte=day, mfn_rate__isnull=False)
        .exclude(valid_to__lt=day)
        .order_by("hs_line_id", "valid_from")
        .values_list("hs_line_id", "mfn_rate")
    ):
        out[code] = float(rate or 0)
    return out


def agreement_list() -> QuerySet[Agreement]:
    return Agreement.objects.prefetch_related("parties").order_by("code")


# --- browsing the nomenclature ---------------------------------------------------------------


def sections_with_chapters() -> QuerySet[Section]:
    return Section.objects.prefetch_related(
        Prefetch("chapters", queryset=Chapter.objects.order_by("code"))
    ).order_by("number")


def chapter_get(*, code: str) -> Chapter:
    chapter = Chapter.objects.select_related("section").filter(code=code).first()
    if chapter is None:
        raise NotFound(_("There is no chapter %(code)s in the tariff.") % {"code": code})
    return chapter


def chapter_headings(chapter: Chapter) -> QuerySet[TariffNode]:
    """The chapter's headings (4-digit rows, and 8-digit lines printed as headings)."""
    return TariffNode.objects.filter(chapter=chapter.code, level=0).order_by("position")


@dataclass
class HeadingRow:
    """A row of a heading's page: its text, depth and, for a line, the line with its rates."""

    node: TariffNode
    depth: int
    line: HsLine | None = None
    rate: LineRate | None = None


@dataclass
class HeadingPage:
    heading: TariffNode
    chapter: Chapter
    rows: list[HeadingRow] = field(default_factory=list)


def heading_get(*, code: str, day: date | None = None) -> HeadingPage:
    """A heading with every row under it as printed, and its lines' rates on `day`."""
    code = hs_code_normalise(code)
    nodes = list(TariffNode.objects.filter(heading=code[:4]).order_by("position"))
    if len(code) != 4 or not nodes:
        raise NotFound(_("There is no heading %(code)s in the tariff.") % {"code": code})
    chapter = chapter_get(code=code[:2])
    lines = {
        ln.code: ln
        for ln in HsLine.objects.filter(heading=code).prefetch_related(
            Prefetch("rates", queryset=LineRate.objects.order_by("valid_from"))
        )
    }
    page = HeadingPage(heading=nodes[0], chapter=chapter)
    for node in nodes:
        line = lines.get(node.code) if len(node.code) == 8 else None
        page.rows.append(
            HeadingRow(
                node=node,
                depth=node.level,
                line=line,
                rate=line_rate_on(line, day) if line is not None else None,
            )
        )
    return page


# --- trade remedies and quotas -----------------------------------------------------------------


def remedies_for_line(*, code: str) -> QuerySet[TradeRemedy]:
    return (
        TradeRemedy.objects.filter(lines__code=hs_code_normalise(code))
        .prefetch_related("rates")
        .order_by("-valid_from")
    )


def quotas_for_line(*, code: str) -> QuerySet[TariffQuota]:
    return TariffQuota.objects.filter(lines__code=hs_code_normalise(code)).order_by("-valid_from")


def quota_allocations_of(*, enterprise_id: int) -> QuerySet[QuotaAllocation]:
    return (
        QuotaAllocation.objects.filter(enterprise_id=enterprise_id)
        .select_related("quota")
        .order_by("-quota__valid_from", "quota__code")
    )
