"""Risk model pages for analysts: the versions with their evaluation, training a new one,
activating and deactivating, the offices' target inspection rates, and the drift report.
Views check the input and call the services; the rules live there."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from haiquan.core.problems import ProblemError, ValidationFailed
from haiquan.core.web import problem_page, role_required
from haiquan.refdata.models import Office

from . import selectors, services
from .choices import RankBy
from .permissions import riskml_can_use

analyst_required = role_required(riskml_can_use)

STRATEGY_LABELS = {
    "model_probability": _("Model, by probability"),
    "model_revenue": _("Model, by expected revenue"),
    "rules": _("Rules alone (risk profiles)"),
    "random": _("Random selection"),
}


def _strategy_order(key: str) -> int:
    order = list(STRATEGY_LABELS)
    return order.index(key) if key in order else len(order)


def _table(metrics: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    base = metrics.get("base_rate") or 0
    table = metrics.get("table") or {}
    for key in sorted(table, key=_strategy_order):
        for e in table[key]:
            rows.append(
                {
                    "strategy": STRATEGY_LABELS.get(key, key),
                    "key": key,
                    "rate": e["rate"] * 100,
                    "precision": e["precision"] * 100,
                    "recall": e["recall"] * 100,
                    "revenue": e["revenue"] * 100,
                    "lift": (e["precision"] / base) if base else None,
                }
            )
    return rows


@analyst_required
def model_list(request: HttpRequest) -> HttpResponse:
    models = list(selectors.models_visible_to(request.user))
    rows = []
    for m in models:
        at5 = next(
            (
                r
                for r in (m.metrics or {}).get("table", {}).get("model_probability", [])
                if abs(r["rate"] - 0.05) < 1e-9
            ),
            None,
        )
        rows.append(
            {
                "model": m,
                "auc": (m.metrics or {}).get("auc"),
                "at5": at5,
                "base": (m.metrics or {}).get("base_rate"),
            }
        )
    return render(
        request,
        "riskml/model_list.html",
        {
            "rows": rows,
            "targets": list(selectors.targets_visible_to(request.user)),
            "offices": Office.objects.order_by("code").values_list("code", flat=True),
            "default_rate": services.default_target_rate() * 100,
            "rank_choices": RankBy.choices,
        },
    )


@analyst_required
@require_POST
def model_train(request: HttpRequest) -> HttpResponse:
    rank_by = request.POST.get("rank_by", RankBy.PROBABILITY)
    try:
        model = services.model_train(actor=request.user, rank_by=rank_by)
    except ValidationFailed as exc:
        for e in exc.errors:
            messages.error(request, f"{e.field}: {e.problem}")
        return redirect("riskml:model_list")
    except ProblemError as exc:
        return problem_page(request, exc)
    messages.success(request, _("Version %(v)s trained.") % {"v": model.version})
    return redirect("riskml:model_detail", version=model.version)


@analyst_required
def model_detail(request: HttpRequest, version: int) -> HttpResponse:
    try:
        model = selectors.model_get(user=request.user, version=version)
        drift = selectors.drift_report(user=request.user, model=model)
    except ProblemError as exc:
        return problem_page(request, exc)
    metrics = model.metrics or {}
    chart = {
        "labels": [f"{r * 100:.0f}%" for r in metrics.get("rates", [])],
        "series": [
            {
                "label": str(STRATEGY_LABELS.get(k, k)),
                "data": [round(e["precision"] * 100, 2) for e in v],
            }
            for k, v in sorted(
                (metrics.get("table") or {}).items(), key=lambda kv: _strategy_order(kv[0])
            )
        ],
    }
    return render(
        request,
        "riskml/model_detail.html",
        {
            "model": model,
            "metrics": metrics,
            "table": _table(metrics),
            "chart": chart,
            "drift": drift,
            "thresholds": sorted((model.thresholds or {}).items()),
            "rank_choices": RankBy.choices,
        },
    )


@analyst_required
@require_POST
def model_activate(request: HttpRequest, version: int) -> HttpResponse:
    try:
        model = selectors.model_get(user=request.user, version=version)
        rank_by = request.POST.get("rank_by") or None
        services.model_activate(actor=request.user, model=model, rank_by=rank_by)
    except ProblemError as exc:
        return problem_page(request, exc)
    messages.success(request, _("Version %(v)s is active.") % {"v": version})
    return redirect("riskml:model_detail", version=version)


@analyst_required
@require_POST
def model_deactivate(request: HttpRequest, version: int) -> HttpResponse:
    try:
        model = selectors.model_get(user=request.user, version=version)
        services.model_deactivate(actor=request.user, model=model)
    except ProblemError as exc:
        return problem_page(request, exc)
    messages.success(request, _("Version %(v)s is no longer used.") % {"v": version})
    return redirect("riskml:model_detail", version=version)


@analyst_required
@require_POST
def target_set(request: HttpRequest) -> HttpResponse:
    office = request.POST.get("office", "")
    try:
        rate = Decimal(request.POST.get("percent", "")) / 100
    except (InvalidOperation, ValueError):
        messages.error(request, _("Target rate: enter a percentage, e.g. 5."))
        return redirect("riskml:model_list")
    try:
        services.inspection_target_set(actor=request.user, office_code=office, rate=rate)
    except ValidationFailed as exc:
        for e in exc.errors:
            messages.error(request, f"{e.field}: {e.problem}")
        return redirect("riskml:model_list")
    except ProblemError as exc:
        return problem_page(request, exc)
    messages.success(request, _("Target for office %(o)s saved.") % {"o": office})
    return redirect("riskml:model_list")
