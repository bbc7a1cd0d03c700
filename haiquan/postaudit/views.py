"""Pages: trader analysis (traders by their anomalies, an enterprise's risk page) and
post-clearance audit (candidates, cases from plan to result). They call the same selectors and
services as the API."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from haiquan.audit.choices import Via
from haiquan.core.problems import Conflict, Forbidden, NotFound
from haiquan.core.web import form_status, problem_page, problems_onto, role_required, user_of
from haiquan.eventlog.models import Event
from haiquan.refdata.choices import ComplianceRank

from . import selectors, services
from .choices import AnomalyKind, CaseState, RankTrigger
from .compliance import RULES, WINDOW_MONTHS
from .forms import CandidatesForm, CasePlanForm, CloseForm, FindingForm, TraderFilterForm
from .models import AuditCase
from .permissions import can_analyse, can_audit, can_plan

analysis_required = role_required(can_analyse)
audit_required = role_required(can_audit)
planning_required = role_required(can_plan)


@analysis_required
def trader_list(request: HttpRequest) -> HttpResponse:
    """Traders by the weight of their anomalies in the latest scan."""
    form = TraderFilterForm(request.GET or None)
    q = kind = ""
    if form.is_valid():
        q, kind = form.cleaned_data["q"], form.cleaned_data["kind"]
    context = {
        "form": form,
        "run": selectors.latest_run(),
        "rows": selectors.traders_ranked(user_of(request), kind=kind, q=q),
        "kinds": dict(AnomalyKind.choices),
    }
    return render(request, "postaudit/trader_list.html", context)


def _chart_data(history: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "labels": [m["month"] for m in history],
        "value": [round(m["value_vnd"] / 1_000_000) for m in history],
        "declarations": [m["declarations"] for m in history],
        "green": [m["green"] for m in history],
        "yellow": [m["yellow"] for m in history],
        "red": [m["red"] for m in history],
        "text": {
            "value": _("Customs value (million VND)"),
            "declarations": _("Declarations"),
            "green": _("Green"),
            "yellow": _("Yellow"),
            "red": _("Red"),
        },
    }


@analysis_required
def enterprise_detail(request: HttpRequest, mst: str) -> HttpResponse:
    """An enterprise's risk page: history, anomalies, inspection record, compliance rank."""
    user = user_of(request)
    try:
        ent = selectors.enterprise_get_for(user, mst=mst)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    services.profile_access_record(
        user=user, enterprise=ent, via=Via.PAGE, address=request.META.get("REMOTE_ADDR")
    )
    history = selectors.enterprise_monthly(user, ent)
    anomalies = list(
        selectors.anomalies_of_run(user)
        .filter(enterprise=ent)
        .prefetch_related("links__declaration")
        .order_by("-score", "id")[:100]
    )
    context = {
        "enterprise": ent,
        "history": history,
        "chart": _chart_data(history),
        "anomalies": anomalies,
        "record": selectors.enterprise_inspections(user, ent),
        "rank": selectors.enterprise_rank_explain(ent),
        "rank_labels": dict(ComplianceRank.choices),
        "rules": [(code, str(text)) for code, text in RULES.items()],
        "window_months": WINDOW_MONTHS,
        "cases": AuditCase.objects.select_related(*selectors.CASE_RELATED)
        .visible_to(user)
        .filter(enterprise=ent)[:20],
        "run": selectors.latest_run(),
    }
    return render(request, "postaudit/enterprise_detail.html", context)


@analysis_required
@require_POST
def enterprise_rank(request: HttpRequest, mst: str) -> HttpResponse:
    user = user_of(request)
    try:
        ent = selectors.enterprise_get_for(user, mst=mst)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    a = services.enterprise_rank_recompute(enterprise=ent, trigger=RankTrigger.MANUAL, actor=user)
    messages.success(
        request,
        _("Compliance rank recomputed: %(rank)s.") % {"rank": ComplianceRank(a.rank_after).label},
    )
    return redirect("postaudit:enterprise_detail", mst=ent.mst)


@audit_required
def case_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    state = request.GET.get("state", "")
    cases = AuditCase.objects.select_related(*selectors.CASE_RELATED).visible_to(user)
    if state in CaseState.values:
        cases = cases.filter(state=state)
    context = {
        "cases": cases[:200],
        "states": CaseState.choices,
        "state": state,
        "can_plan": can_plan(user),
    }
    return render(request, "postaudit/case_list.html", context)


@analysis_required
def candidates(request: HttpRequest) -> HttpResponse:
    """Cleared declarations and enterprises ranked by the revenue an audit should recover."""
    form = CandidatesForm(request.GET or None, initial=CandidatesForm.defaults())
    result = None
    if form.is_bound and form.is_valid():
        with problems_onto(form, root=True):
            result = selectors.audit_candidates(user_of(request), **form.cleaned_data)
    elif not form.is_bound:
        result = selectors.audit_candidates(user_of(request), **CandidatesForm.defaults())
    context = {"form": form, "result": result, "rank_labels": dict(ComplianceRank.choices)}
    return render(request, "postaudit/candidates.html", context)


@planning_required
def case_plan(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = CasePlanForm(request.POST)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "team"}
            with problems_onto(form, root=True):
                case = services.audit_case_plan(
                    actor=user_of(request), team=form.team_names(), **data
                )
                messages.success(request, _("Audit %(ref)s planned.") % {"ref": case.reference})
                return redirect("postaudit:case_detail", pk=case.pk)
    else:
        initial = CandidatesForm.defaults()
        form = CasePlanForm(
            initial={
                "enterprise_mst": request.GET.get("mst", ""),
                "period_from": initial["period_from"],
                "period_to": initial["period_to"],
            }
        )
    return render(request, "postaudit/case_plan.html", {"form": form}, status=form_status(form))


def _case_for(request: HttpRequest, pk: int) -> AuditCase:
    try:
        return selectors.case_get_for(user_of(request), pk=pk)
    except NotFound as exc:
        raise Http404(exc.detail) from exc


def _finding_form(case: AuditCase, data: Any = None) -> FindingForm:
    choices = [(d.pk, d.number or str(d.pk)) for d in case.declarations.order_by("registered_at")]
    return FindingForm(data, declarations=choices)


def _case_page(
    request: HttpRequest,
    case: AuditCase,
    *,
    finding_form: FindingForm | None = None,
    close_form: CloseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = user_of(request)
    context = {
        "case": case,
        "team": case.team.order_by("username"),
        "declarations": case.declarations.select_related("office").order_by("registered_at"),
        "findings": case.findings.select_related("declaration", "recorded_by"),
        "events": Event.objects.for_subject("audit_case", case.pk).in_order(),
        "may_work": services.may_work(user, case),
        "may_close": services.may_close(user, case),
        "finding_form": finding_form or _finding_form(case),
        "close_form": close_form or CloseForm(),
    }
    return render(request, "postaudit/case_detail.html", context, status=status)


@audit_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for(request, pk)
    services.case_access_record(
        user=user_of(request), case=case, via=Via.PAGE, address=request.META.get("REMOTE_ADDR")
    )
    return _case_page(request, case)


@audit_required
@require_POST
def case_start(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for(request, pk)
    try:
        services.audit_case_start(case=case, actor=user_of(request))
    except (Conflict, Forbidden) as exc:
        return problem_page(request, exc)
    messages.success(request, _("The audit has started."))
    return redirect("postaudit:case_detail", pk=pk)


@audit_required
@require_POST
def case_finding(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for(request, pk)
    form = _finding_form(case, request.POST)
    if form.is_valid():
        with problems_onto(form, root=True):
            services.audit_finding_record(case=case, actor=user_of(request), **form.cleaned_data)
            messages.success(request, _("Finding recorded."))
            return redirect("postaudit:case_detail", pk=pk)
    return _case_page(request, case, finding_form=form, status=422)


@audit_required
@require_POST
def case_close(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for(request, pk)
    form = CloseForm(request.POST)
    if form.is_valid():
        with problems_onto(form, root=True):
            services.audit_case_close(case=case, actor=user_of(request), **form.cleaned_data)
            messages.success(request, _("The audit is closed."))
            return redirect("postaudit:case_detail", pk=pk)
    return _case_page(request, case, close_form=form, status=422)
