"""The measures page: for a tariff line, every measure of the ministries' inspection lists on it,
what a person reviewing it read it as, and the requirements the single window asks of its
declarations — so an officer sees what applies to a line and why."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from haiquan.core.problems import NotFound
from haiquan.core.web import problem_page, role_required
from haiquan.tariff.normalise import hs_code_normalise

from .measures import measures_for_line


def _sees_measures(user: object) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and getattr(user, "role", "") in ("officer", "leader", "analyst", "admin", "agency")
    )


measures_user = role_required(_sees_measures)


@measures_user
@require_GET
def measures(request: HttpRequest) -> HttpResponse:
    """Ask for a code; the answer is the line's page."""
    code = hs_code_normalise(request.GET.get("code", "").strip())[:8]
    if code:
        return redirect("singlewindow:line_measures", code=code)
    return render(request, "singlewindow/measures.html", {"code": ""})


@measures_user
@require_GET
def line_measures(request: HttpRequest, code: str) -> HttpResponse:
    try:
        found = measures_for_line(code=code)
    except NotFound as exc:
        return problem_page(request, exc)
    return render(request, "singlewindow/measures.html", {"code": found.line.code, "found": found})
