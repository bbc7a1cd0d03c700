"""The statistics pages: the dashboard with its charts and drill-down, its exports (CSV, XLSX,
PDF), and the revenue targets leaders set."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from haiquan.core.dbrouter import reads_from_standby
from haiquan.core.i18n import amount_text
from haiquan.core.problems import Forbidden, ProblemError
from haiquan.core.web import pdf_page, problem_page, problems_onto, role_required, user_of

from . import services
from .exports import report_csv, report_heading, report_tables, report_xlsx
from .forms import StatsFilterForm, TargetForm
from .permissions import (
    may_see_statistics,
    may_set_target_for,
    may_set_targets,
    offices_for_reports,
)
from .selectors import (
    Report,
    statistics_report,
)
from .targets import target_collected, target_get_for, target_history, targets_seen_by

logger = logging.getLogger(__name__)
statistics_required = role_required(may_see_statistics)


def _report(request: HttpRequest) -> tuple[StatsFilterForm, Report | None]:
    user = user_of(request)
    form = StatsFilterForm(request.GET or None, offices=offices_for_reports(user))
    form.is_valid()  # every field is optional text: the report's own checks name the problems
    data = request.GET
    with problems_onto(form, aliases=StatsFilterForm.FIELD_OF) as refused:
        report = statistics_report(
            user=user,
            office_code=data.get("office") or None,
            month_from=data.get("month_from") or None,
            month_to=data.get("month_to") or None,
            flow=data.get("flow") or None,
        )
    if refused.failed:
        return form, None
    form = StatsFilterForm(
        {
            "office": report.office.code,
            "month_from": f"{report.period.first:%Y-%m}",
            "month_to": f"{report.period.last:%Y-%m}",
            "flow": report.flow or "",
        },
        offices=offices_for_reports(user),
    )
    form.is_valid()
    return form, report


def _query(report: Report, **change: str) -> str:
    params = {
        "office": report.office.code,
        "month_from": f"{report.period.first:%Y-%m}",
        "month_to": f"{report.period.last:%Y-%m}",
        "flow": report.flow or "",
    } | change
    return urlencode({k: v for k, v in params.items() if v})


def _chart_data(report: Report) -> dict[str, Any]:
    """What the charts draw (read by stats.js from a json_script element)."""
    year = report.period.last.year
    months = report.months
    lanes = report.breakdowns.get("lane", [])
    # The month under way is drawn apart (lighter, dashed) and said so: its few days are not a
    # collapse of trade.
    today = timezone.localdate()
    partial = next(
        (i for i, m in enumerate(months) if (year, m["month"]) == (today.year, today.month)), None
    )
    labels = [f"{m['month']:02d}" for m in months]
    if partial is not None:
        labels[partial] += "*"
    return {
        "labels": labels,
        "partial": partial,
        "year": year,
        "series": {
            "declarations": [m["declarations"] for m in months],
            "declarations_last_year": [m["last_year_declarations"] for m in months],
            "value_usd": [float(m["value_usd"]) for m in months],
            "value_usd_last_year": [float(m["last_year_value_usd"]) for m in months],
            "revenue_cumulative": [float(m["revenue_cumulative_vnd"]) for m in months],
            "revenue_cumulative_last_year": [
                float(m["last_year_revenue_cumulative_vnd"]) for m in months
            ],
        },
        "targets": [
            {"label": str(t.target.get_authority_display()), "amount": float(t.target.amount_vnd)}
            for t in report.targets
        ],
        "lanes": {
            "labels": [s.label for s in lanes],
            "keys": [s.key for s in lanes],
            "values": [s.declarations for s in lanes],
        },
        "chapters": {
            "labels": [s.label for s in report.breakdowns.get("chapter", [])],
            "values": [float(s.value_usd) for s in report.breakdowns.get("chapter", [])],
        },
        "countries": {
            "labels": [s.label for s in report.breakdowns.get("country", [])],
            "values": [float(s.value_usd) for s in report.breakdowns.get("country", [])],
        },
        "text": {
            "declarations": _("Declarations"),
            "value_usd": _("Trade value (USD)"),
            "revenue": _("Revenue collected since 1 January (VND)"),
            "this_year": str(year),
            "last_year": str(year - 1),
        },
    }


def _partial_month_note(report: Report) -> str:
    """The words under the charts when the period ends in the month under way."""
    today = timezone.localdate()
    if report.period.last.year != today.year or not any(
        m["month"] == today.month for m in report.months
    ):
        return ""
    return _("* %(month)s: the month so far, to %(day)s; not comparable with whole months.") % {
        "month": formats.date_format(today, "YEAR_MONTH_FORMAT"),
        "day": formats.date_format(today, "SHORT_DATE_FORMAT"),
    }


@statistics_required
@require_GET
@reads_from_standby
def dashboard(request: HttpRequest) -> HttpResponse:
    try:
        form, report = _report(request)
    except ProblemError as exc:
        return problem_page(request, exc)
    context: dict[str, Any] = {"form": form, "report": report}
    if report is not None:
        context |= {
            "chart_data": _chart_data(report),
            "partial_month_note": _partial_month_note(report),
            "query": _query(report),
            "children": [(row, _query(report, office=row.office.code)) for row in report.children],
            "ancestors": [(o, _query(report, office=o.code)) for o in report.ancestors],
            "may_set_targets": may_set_targets(user_of(request)),
        }
    return render(request, "stats/dashboard.html", context, status=200 if report else 422)


def _export_report(request: HttpRequest) -> Report | HttpResponse:
    try:
        form, report = _report(request)
    except ProblemError as exc:
        return problem_page(request, exc)
    if report is None:
        return render(request, "stats/dashboard.html", {"form": form, "report": None}, status=422)
    return report


def _filename(report: Report, ext: str) -> str:
    flow = f"-{report.flow}" if report.flow else ""
    return f"statistics-{report.office.code}-{report.period.first:%Y%m}-{report.period.last:%Y%m}{flow}.{ext}"


@statistics_required
@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    report = _export_report(request)
    if isinstance(report, HttpResponse):
        return report
    response = HttpResponse(report_csv(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "csv")}"'
    return response


@statistics_required
@require_GET
def export_xlsx(request: HttpRequest) -> HttpResponse:
    report = _export_report(request)
    if isinstance(report, HttpResponse):
        return report
    response = HttpResponse(
        report_xlsx(report),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "xlsx")}"'
    return response


def _pdf_unavailable(request: HttpRequest) -> HttpResponse:
    response = render(request, "stats/pdf_unavailable.html", status=503)
    response["Retry-After"] = "3600"
    return response


@statistics_required
@require_GET
def report_pdf(request: HttpRequest) -> HttpResponse:
    """The period's report printed as PDF (weasyprint); 503 with a page saying so where
    weasyprint cannot run."""
    report = _export_report(request)
    if isinstance(report, HttpResponse):
        return report
    html = render_to_string(
        "stats/report_print.html",
        {"report": report, "heading": report_heading(report), "tables": report_tables(report)},
        request=request,
    )
    return pdf_page(
        request,
        html,
        filename=f"{_filename(report, 'pdf')}",
        unavailable=lambda: _pdf_unavailable(request),
    )


@statistics_required
@require_http_methods(["GET", "POST"])
def target_list(request: HttpRequest) -> HttpResponse:
    """The targets of the user's offices with how much of each is reached; leaders and
    administrators set them here (a new one, or a new amount for an existing one)."""
    user = user_of(request)
    settable = [o for o in offices_for_reports(user) if may_set_target_for(user, o)]
    form = TargetForm(request.POST or None, offices=settable) if settable else None
    status = 200
    if request.method == "POST":
        if form is None:
            return problem_page(
                request, Forbidden(_("Only leaders and administrators set targets."))
            )
        # The service's rules decide; the form only shows them next to their fields (one
        # message per field: the form's own check of the same field is left out).
        with problems_onto(form, replacing=True) as setting:
            target, _created = services.target_set(
                actor=user,
                office_code=request.POST.get("office_code", ""),
                year=request.POST.get("year", ""),
                authority=request.POST.get("authority", ""),
                amount_vnd=request.POST.get("amount_vnd", ""),
                reason=request.POST.get("reason", ""),
            )
            messages.success(
                request,
                _("Target %(year)s of %(office)s set by the %(authority)s: VND %(amount)s.")
                % {
                    "year": target.year,
                    "office": target.office.code,
                    "authority": target.get_authority_display(),
                    "amount": amount_text(target.amount_vnd),
                },
            )
            return redirect(reverse("stats:target_list"))
        status = setting.status
    targets = [target_collected(t) for t in targets_seen_by(user=user)]
    return render(request, "stats/targets.html", {"targets": targets, "form": form}, status=status)


@statistics_required
@require_GET
def target_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        target = target_get_for(user_of(request), pk)
    except ProblemError as exc:
        return problem_page(request, exc)
    return render(
        request,
        "stats/target_detail.html",
        {
            "progress": target_collected(target),
            "target": target,
            "changes": target_history(target),
        },
    )
