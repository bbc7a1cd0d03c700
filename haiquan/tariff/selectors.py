"""Reading the tariff: search for the right HS line, fetch one line with its rates."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from haiquan.core.problems import NotFound

from .models import Agreement, HsLine
from .normalise import fold_text, hs_code_normalise


def hs_search_queryset(*, q: str) -> QuerySet[HsLine]:
    """Lines matching `q`, in code order.

    Digits (dots and spaces allowed: "8703.23") match the start of the code. Words match the
    start of words in the Vietnamese or English description, every word required, with or
    without Vietnamese diacritics ("ca phe" finds "cà phê"). An empty query matches everything.
    """
    qs = HsLine.objects.prefetch_related("preferential_rates").order_by("code")
    raw = (q or "").strip()
    if not raw:
        return qs
    code = hs_code_normalise(raw)
    if code.isascii() and code.isdigit():
        return qs.filter(code__startswith=code[:8])
    for word in fold_text(raw).split():
        qs = qs.filter(search_text__contains=f" {word}")
    return qs


def hs_search(*, q: str, limit: int = 20) -> list[HsLine]:
    """At most `limit` lines matching `q` (see `hs_search_queryset`)."""
    return list(hs_search_queryset(q=q)[: max(limit, 0)])


def hs_line_get(*, code: str) -> HsLine:
    """One line with its preferential rates; `NotFound` naming the code when there is none."""
    normalised = hs_code_normalise(code)
    line = HsLine.objects.prefetch_related("preferential_rates").filter(code=normalised).first()
    if line is None:
        raise NotFound(_("There is no tariff line with HS code '%(code)s'.") % {"code": code})
    return line


def agreement_list() -> QuerySet[Agreement]:
    return Agreement.objects.prefetch_related("parties").order_by("code")
