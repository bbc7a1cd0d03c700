"""The time-release pages: the dashboard, the Trading-across-Borders view, the WCO sample
study, and the exports (CSV, XLSX, PDF). Each view parses the filters, calls `reports`, renders."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from haiquan.core.dbrouter import reads_from_standby
from haiquan.core.problems import ProblemError, ValidationFailed
from haiquan.core.web import pdf_page, problem_page, problems_onto, role_required

from . import exports, reports
from .choices import Dimension
from .forms import ReportForm, SampleForm
from .permissions import may_read_time_release
from .services import refresh_state

logger = logging.getLogger(__name__)
reader_required = role_required(may_read_time_release)


def _apply(form: ReportForm, request: HttpRequest) -> reports.Filters | None:
    """The form's filters checked by the one rule (`filters_build`); its problems go next to
    their fields."""
    if not form.is_valid():
        return None
    with problems_onto(form):
        return reports.filters_build(user=request.user, **form.filter_arguments())
    return None


# Whose time each step is, so that a step is drawn in its party's colour (palette.js).
STEP_PARTY = {
    "lane_decision": "customs",
    "document_check": "customs",
    "inspection": "customs",
    "clearance": "customs",
    "agency": "agency",
    "payment_order": "trader",
    "amendment": "trader",
    "payment": "bank",
    "release": "movement",
}


def _chart_data(summary: dict[str, Any]) -> dict[str, Any]:
    steps = [s for s in summary["steps"] if s["seconds"] > 0]
    return {
        "parties": {
            "labels": [b["label"] for b in summary["buckets"]],
            "keys": [b["bucket"] for b in summary["buckets"]],
            "values": [round((b["share"] or 0) * 100, 2) for b in summary["buckets"]],
        },
        "steps": {
            "labels": [s["label"] for s in steps],
            "parties": [STEP_PARTY.get(s["step"], "") for s in steps],
            "values": [round((s["share"] or 0) * 100, 2) for s in steps],
        },
    }


def _dashboard_context(request: HttpRequest, f: reports.Filters, by: str) -> dict[str, Any]:
    now = timezone.now()
    body = reports.report_texts(reports.report(f, now))
    rows = reports.breakdown(f, by, now)
    query = request.GET.copy()
    for r in rows:
        if by == Dimension.OFFICE and r["key"]:
            query["office"] = r["key"]
            r["drill"] = "?" + query.urlencode()
    return {
        "filters": f,
        "report": body,
        "by": by,
        "by_label": Dimension(by).label,
        "rows": rows,
        "chart_data": _chart_data(body["current"]),
        "state": refresh_state(),
        "as_of": now,
        "tab": reports.trading_across_borders(f),
        "query": request.GET.urlencode(),
    }


@reader_required
@require_GET
@reads_from_standby
def dashboard(request: HttpRequest) -> HttpResponse:
    form = ReportForm(request.GET or None, user=request.user)
    context: dict[str, Any] = {"form": form}
    try:
        f = _apply(form, request) if request.GET else _default(request)
        if f is not None:
            by = (form.cleaned_data.get("by") if form.is_bound else "") or Dimension.OFFICE
            context.update(_dashboard_context(request, f, by))
    except ProblemError as exc:
        return problem_page(request, exc)
    return render(request, "timerelease/dashboard.html", context)


def _default(request: HttpRequest) -> reports.Filters:
    return reports.filters_build(user=request.user, date_from=None, date_to=None)


@reader_required
@require_GET
def borders(request: HttpRequest) -> HttpResponse:
    form = ReportForm(request.GET or None, user=request.user)
    context: dict[str, Any] = {"form": form}
    try:
        f = _apply(form, request) if request.GET else _default(request)
    except ProblemError as exc:
        return problem_page(request, exc)
    if f is not None:
        context.update({"filters": f, "tab": reports.trading_across_borders(f)})
    return render(request, "timerelease/borders.html", context)


@reader_required
@require_GET
def sample(request: HttpRequest) -> HttpResponse:
    form = SampleForm(request.GET or None, user=request.user)
    context: dict[str, Any] = {"form": form}
    if request.GET:
        with problems_onto(form):
            f = _apply(form, request)
            if f is not None:
                study = reports.sample_study(
                    f, form.cleaned_data["start"], form.cleaned_data["days"], timezone.now()
                )
                reports.summary_texts(study["summary"])
                context.update({"study": study, "filters": f})
    return render(request, "timerelease/sample.html", context)


def _export_inputs(request: HttpRequest) -> tuple[reports.Filters, str] | HttpResponse:
    form = ReportForm(request.GET or None, user=request.user)
    try:
        f = _apply(form, request) if request.GET else _default(request)
    except ProblemError as exc:
        return problem_page(request, exc)
    if f is None:
        problems = "; ".join(f"{k}: {' '.join(str(m) for m in v)}" for k, v in form.errors.items())
        return problem_page(request, ValidationFailed([], detail=problems))
    by = (form.cleaned_data.get("by") if form.is_bound else "") or Dimension.OFFICE
    return f, by


@reader_required
@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    got = _export_inputs(request)
    if isinstance(got, HttpResponse):
        return got
    f, by = got
    content = exports.breakdown_csv(f, by, reports.breakdown(f, by, timezone.now()))
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{exports.file_name(f, "csv")}"'
    return response


@reader_required
@require_GET
def export_xlsx(request: HttpRequest) -> HttpResponse:
    got = _export_inputs(request)
    if isinstance(got, HttpResponse):
        return got
    f, by = got
    now = timezone.now()
    body = reports.report_texts(reports.report(f, now))
    content = exports.report_xlsx(f, body, by, reports.breakdown(f, by, now))
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{exports.file_name(f, "xlsx")}"'
    return response


@reader_required
@require_GET
def report_pdf(request: HttpRequest) -> HttpResponse:
    """The period's report printed as PDF (weasyprint); a 503 page where it cannot run."""
    got = _export_inputs(request)
    if isinstance(got, HttpResponse):
        return got
    f, by = got
    context = _dashboard_context(request, f, by)
    html = render_to_string("timerelease/print.html", context, request=request)
    return pdf_page(
        request,
        html,
        filename=f"{exports.file_name(f, 'pdf')}",
        unavailable=lambda: _pdf_unavailable(request),
    )


def _pdf_unavailable(request: HttpRequest) -> HttpResponse:
    response = problem_page(
        request,
        ProblemError(
            detail=_("Printing is unavailable on this server; use the XLSX export instead."),
            status=503,
            code="unavailable",
        ),
    )
    response["Retry-After"] = "3600"
    return response
