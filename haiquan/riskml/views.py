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
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from haiquan.core.problems import ProblemError
from haiquan.core.web import ProblemList, problem_page, problems_onto, role_required
from haiquan.refdata.models import Office

from . import selectors, services
from .choices import RankBy
from .features import FEATURE_SET
from .permissions import riskml_can_use
from .words import SUBSET_LABELS, feature_label, operating_point_label

analyst_required = role_required(riskml_can_use)

RANKING_LABELS = {
    RankBy.PROBABILITY: gettext_lazy("Catch the most violations"),
    RankBy.REVENUE: gettext_lazy("Recover the most revenue"),
}
STRATEGY_LABELS = {
    "model_probability": gettext_lazy("Model, by probability"),
    "model_revenue": gettext_lazy("Model, by expected revenue"),
    "rules": gettext_lazy("Rules alone (risk profiles)"),
    "random": gettext_lazy("Random selection"),
}


def _strategy_order(key: str) -> int:
    order = list(STRATEGY_LABELS)
    return order.index(key) if key in order else len(order)


def _table(metrics: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    base = metrics.get("base_rate") or 0
    table = metrics.get("table") or {}
    several = len(metrics.get("seeds") or []) > 1
    for key in sorted(table, key=_strategy_order):
        for e in table[key]:
            rows.append(
                {
                    "strategy": STRATEGY_LABELS.get(key, key),
                    "key": key,
                    "rate": e["rate"] * 100,
                    "precision": e["precision"] * 100,
                    "precision_sd": e["precision_sd"] * 100
                    if several and "precision_sd" in e
                    else None,
                    "recall": e["recall"] * 100,
                    "revenue": e["revenue"] * 100,
                    "lift": (e["precision"] / base) if base else None,
                }
            )
    return rows


def _subsets(metrics: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for key, sub in (metrics.get("subsets") or {}).items():
        out.append(
            {
                "key": key,
                "label": SUBSET_LABELS.get(key, key),
                "declarations": sub.get("declarations", 0),
                "violations": sub.get("violations", 0),
                "base_rate": (sub.get("base_rate") or 0) * 100,
                "auc": sub.get("auc"),
                "table": _table({**sub, "seeds": metrics.get("seeds")})
                if sub.get("violations")
                else [],
            }
        )
    return out


def _policies(model: Any) -> list[dict[str, Any]]:
    rows = []
    for office, value in sorted((model.thresholds or {}).items()):
        if isinstance(value, dict):
            rank_by = value.get("rank_by") or model.rank_by
            threshold = value.get("threshold")
            rate, explore = value.get("rate"), value.get("explore")
        else:
            rank_by, threshold, rate, explore = model.rank_by, value, None, None
        finite = threshold is not None and threshold != float("inf")
        if not finite:
            threshold = None
        rows.append(
            {
                "office": office,
                "ranking": RANKING_LABELS.get(rank_by, rank_by),
                "by_revenue": rank_by == RankBy.REVENUE,
                "threshold": (
                    threshold * 100
                    if threshold is not None and rank_by == RankBy.PROBABILITY
                    else threshold
                ),
                "rate": rate * 100 if rate is not None else None,
                "explore": explore * 100 if explore is not None else None,
            }
        )
    return rows


@analyst_required
def model_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request)


def _list_page(
    request: HttpRequest,
    *,
    problems: dict[str, list[str]] | None = None,
    sent: Any = None,
    status: int = 200,
) -> HttpResponse:
    """The versions and the targets; after a refused post (`problems`: the messages by the id
    of the input they are next to, "" for none; `sent`: the values posted, shown again) with
    the refusal's status (422)."""
    problems = problems or {}
    labels = {
        "rank_by": _("Rank declarations by"),
        "office": _("Office"),
        "percent": _("Target (%)"),
        "rank_by_office": _("Ranking"),
        "explore": _("Exploration"),
    }
    summary = [
        {
            "href": f"#{key}" if key else "",
            "text": f"{labels[key]}: {m}" if key and not m.startswith(str(labels[key])) else m,
        }
        for key, messages_ in problems.items()
        for m in messages_
    ]
    models = list(selectors.model_list(user=request.user))
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
            "targets": list(selectors.target_list(user=request.user)),
            "offices": Office.objects.order_by("code").values_list("code", flat=True),
            "default_rate": services.default_target_rate() * 100,
            "default_explore": services.exploration_default() * 100,
            "rank_choices": RankBy.choices,
            "ranking_choices": list(RANKING_LABELS.items()),
            "ranking_labels": RANKING_LABELS,
            "problems": problems,
            "summary": summary,
            "sent": sent or {},
        },
        status=status,
    )


# The service's field paths → the inputs of the list page they are shown next to.
_INPUT_OF = {
    "office": "office",
    "rate": "percent",
    "rank_by": "rank_by_office",
    "exploration": "explore",
}
_INPUT_OF_TRAIN = {"rank_by": "rank_by"}


@analyst_required
@require_POST
def model_train(request: HttpRequest) -> HttpResponse:
    rank_by = request.POST.get("rank_by", RankBy.PROBABILITY)
    refused = ProblemList()  # next to the ranking, or above the page (nothing to train on)
    with problems_onto(refused) as training:
        model = services.model_train(actor=request.user, rank_by=rank_by)
        messages.success(request, _("Version %(v)s trained.") % {"v": model.version})
        return redirect("riskml:model_detail", version=model.version)
    problems: dict[str, list[str]] = {}
    for e in refused:
        problems.setdefault(_INPUT_OF_TRAIN.get(e.field, ""), []).append(str(e.problem))
    return _list_page(request, problems=problems, status=training.status)


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
    importance = [
        {"label": feature_label(f["feature"]), "gain": f["gain"]}
        for f in metrics.get("importance", [])
    ]
    operating = [
        {
            "label": operating_point_label(p["lanes"]),
            "rate": p["rate"] * 100,
            "precision": p["precision"] * 100,
        }
        for p in metrics.get("rules_operating_points", [])
    ]
    return render(
        request,
        "riskml/model_detail.html",
        {
            "model": model,
            "metrics": metrics,
            "table": _table(metrics),
            "subsets": _subsets(metrics),
            "chart": chart,
            "drift": drift,
            "importance": importance,
            "operating_points": operating,
            "policies": _policies(model),
            "rank_choices": RankBy.choices,
            "seeds": len(metrics.get("seeds") or [1]),
            "base_pct": (metrics.get("base_rate") or 0) * 100,
            "current": model.spec.get("feature_set") == FEATURE_SET,
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


def _percent(request: HttpRequest, name: str) -> Decimal | None:
    raw = request.POST.get(name, "").strip().replace(",", ".")
    if raw == "":
        return None
    value = Decimal(raw)
    if not value.is_finite():  # "NaN", "Infinity": not a percentage
        raise ValueError(raw)
    return value / 100


@analyst_required
@require_POST
def target_set(request: HttpRequest) -> HttpResponse:
    office = request.POST.get("office", "")
    # Refused values are said next to their inputs on the list page, with 422; nothing saved.
    problems: dict[str, list[str]] = {}
    rate = exploration = None
    not_numbers = _("Enter the percentages as numbers, e.g. 5 or 0.5.")
    try:
        rate = _percent(request, "percent")
    except (InvalidOperation, ValueError):
        problems["percent"] = [not_numbers]
    else:
        if rate is None:
            problems["percent"] = [_("Target (%): enter a percentage, e.g. 5.")]
    try:
        exploration = _percent(request, "explore")
    except (InvalidOperation, ValueError):
        problems["explore"] = [not_numbers]
    if problems or rate is None:
        return _list_page(request, problems=problems, sent=request.POST, status=422)
    refused = ProblemList()
    with problems_onto(refused) as setting:
        services.inspection_target_set(
            actor=request.user,
            office_code=office,
            rate=rate,
            rank_by=request.POST.get("rank_by", ""),
            exploration=exploration,
        )
        messages.success(request, _("Target for office %(o)s saved.") % {"o": office})
        return redirect("riskml:model_list")
    for e in refused:
        problems.setdefault(_INPUT_OF.get(e.field, ""), []).append(str(e.problem))
    return _list_page(request, problems=problems, sent=request.POST, status=setting.status)
