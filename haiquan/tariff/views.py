"""The tariff's pages: browse it by section, chapter and heading, read a line with its parents,
its rates by agreement and schedule, its quotas and trade remedies; search it by words; ask the
classification assistant. The tariff is public law: the pages are open to everyone."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from haiquan.core.htmx import render_page
from haiquan.core.problems import NotFound
from haiquan.core.web import problem_page

from .assistant import MAX_DESCRIPTION, classify
from .models import Agreement, LineRate
from .selectors import (
    chapter_get,
    chapter_headings,
    heading_get,
    hs_code_resolve,
    hs_line_get,
    hs_search,
    line_parents,
    line_rate_on,
    quotas_for_line,
    remedies_for_line,
    sections_with_chapters,
)


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "tariff/index.html", {"sections": sections_with_chapters()})


@require_GET
def chapter(request: HttpRequest, code: str) -> HttpResponse:
    try:
        found = chapter_get(code=code)
    except NotFound as exc:
        return problem_page(request, exc)
    return render(
        request,
        "tariff/chapter.html",
        {"chapter": found, "headings": chapter_headings(found)},
    )


def _day(request: HttpRequest) -> date:
    raw = request.GET.get("day", "")
    try:
        return date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        return timezone.localdate()


@require_GET
def heading(request: HttpRequest, code: str) -> HttpResponse:
    try:
        page = heading_get(code=code, day=_day(request))
    except NotFound as exc:
        return problem_page(request, exc)
    return render(request, "tariff/heading.html", {"page": page, "day": _day(request)})


def _preferential_rows(rate: LineRate | None) -> list[dict[str, Any]]:
    if rate is None:
        return []
    names = dict(Agreement.objects.values_list("code", "name"))
    rows = []
    for key, entry in sorted(rate.preferential.items()):
        agreement, _slash, schedule = key.partition("/")
        rows.append(
            {
                "agreement": agreement,
                "name": names.get(agreement, ""),
                "schedule": schedule,
                "rate": entry.get("rate"),
                "out_of_quota": entry.get("oq"),
                "excluded": entry.get("excluded") or [],
                "note": entry.get("note", ""),
            }
        )
    return rows


@require_GET
def line(request: HttpRequest, code: str) -> HttpResponse:
    try:
        resolved = hs_code_resolve(code=code)
        found = hs_line_get(code=resolved.code)
    except NotFound as exc:
        return problem_page(request, exc)
    if resolved.converted:  # an AHTN 2017 code: the line it became, saying so
        messages.info(request, resolved.note)
        return redirect("tariff:line", found.code)
    day = _day(request)
    rate = line_rate_on(found, day)
    context = {
        "line": found,
        "parents": line_parents(found),
        "day": day,
        "rate": rate,
        "rates": list(found.rates.all()),
        "preferential": _preferential_rows(rate),
        "quotas": list(quotas_for_line(code=found.code)),
        "remedies": list(remedies_for_line(code=found.code)),
        "measures_url": _measures_url(request, found.code),
    }
    return render(request, "tariff/line.html", context)


def _measures_url(request: HttpRequest, code: str) -> str:
    """The single window's measures page, for those who may see it."""
    from django.urls import NoReverseMatch, reverse

    role = getattr(request.user, "role", "")
    if role not in ("officer", "leader", "analyst", "admin", "agency"):
        return ""
    try:
        return reverse("singlewindow:line_measures", args=[code])
    except NoReverseMatch:
        return ""


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Words (with or without diacritics, Vietnamese or English) or the start of a code."""
    q = " ".join(request.GET.get("q", "").split())[:100]
    results = hs_search(q=q, limit=25) if q else []
    return render_page(
        request,
        "tariff/search.html",
        {"q": q, "results": results},
        partial_template="tariff/includes/search_results.html",
    )


@require_GET
def assistant(request: HttpRequest) -> HttpResponse:
    """The classification assistant: a page, and the partial the declaration form asks for."""
    description = " ".join(request.GET.get("description", "").replace("\x00", " ").split())
    error = ""
    result = None
    if len(description) > MAX_DESCRIPTION:
        error = _("Describe the goods in at most %(n)d characters.") % {"n": MAX_DESCRIPTION}
    elif description:
        result = classify(description, day=timezone.localdate())
    elif "description" in request.GET:
        error = _("Describe the goods first, as the declaration will.")
    return render_page(
        request,
        "tariff/assistant.html",
        {"description": description, "result": result, "error": error},
        partial_template="tariff/includes/suggestions.html",
        status=400 if error else 200,
    )
