"""The officers' pages: the queue, today's overview for leaders, and the actions on a
declaration (check result, escalation, release). Every action carries the version the officer
saw; if another officer acted first, the page says so (409) instead of overwriting."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from haiquan.accounts.choices import Role
from haiquan.core.conf import haiquan_setting
from haiquan.core.htmx import render_page
from haiquan.core.problems import Conflict
from haiquan.core.web import customs_required, problems_onto, role_required, user_of
from haiquan.risk.choices import Lane

from .. import services
from ..choices import CheckKind, CheckOutcome, Status
from ..filtersets import OfficerDeclarationFilter, QueueFilter
from ..forms import CheckResultForm, ReasonForm, ReleaseForm
from ..inputs import LineCorrection
from ..models import Declaration
from ..selectors import declarations_today_by_office, officer_queue
from .common import conflict_page, declaration_for


@customs_required
def queue(request: HttpRequest) -> HttpResponse:
    """Declarations waiting for a document check or an inspection in the officer's offices and
    central teams, longest waiting first, filtered in place."""
    user = user_of(request)
    filterset = QueueFilter(request.GET or None, queryset=officer_queue(user), user=user)
    page = Paginator(filterset.qs, int(haiquan_setting("PAGE_SIZE"))).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filterset": filterset, "page": page, "query": query.urlencode()}
    return render_page(
        request,
        "clearance/queue.html",
        context,
        partial_template="clearance/includes/queue_table.html",
        status=400 if filterset.is_bound and filterset.errors else 200,
    )


def declaration_search(request: HttpRequest) -> HttpResponse:
    """Customs' search of the declarations in its scope (every status but drafts) by number,
    container, bill of lading, invoice, enterprise, status, lane, office and dates; reached at
    `/declarations/` (see `enterprise.declaration_list`). A fixed number of queries."""
    user = user_of(request)
    qs = Declaration.objects.visible_to(user).exclude(status=Status.DRAFT)
    filterset = OfficerDeclarationFilter(request.GET or None, queryset=qs, user=user)
    found = (filterset.qs if filterset.is_bound else qs).select_related(
        "office", "enterprise", "type"
    )
    found = found.order_by("-registered_at", "-id")
    page = Paginator(found, int(haiquan_setting("PAGE_SIZE"))).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filterset": filterset,
        "page": page,
        "query": query.urlencode(),
        "searched": filterset.is_bound and any(request.GET.get(k) for k in filterset.filters),
    }
    return render_page(
        request,
        "clearance/declaration_search.html",
        context,
        partial_template="clearance/includes/search_table.html",
        status=400 if filterset.is_bound and filterset.errors else 200,
    )


def _leads(user: Any) -> bool:
    return getattr(user, "role", "") in (Role.LEADER, Role.ANALYST, Role.ADMIN)


@role_required(_leads)
def overview(request: HttpRequest) -> HttpResponse:
    """Today's declarations per office: how many in each lane and each status."""
    offices = declarations_today_by_office(user_of(request))
    totals: dict[str, int] = {"total": sum(o.total for o in offices)}
    for o in offices:
        for key, n in {**o.lanes, **o.statuses}.items():
            totals[key] = totals.get(key, 0) + n
    statuses = [s for s in Status.choices if s[0] != Status.DRAFT]
    context = {
        "offices": offices,
        "totals": totals,
        "lanes": Lane.choices,
        "statuses": statuses,
        "columns": len(Lane.choices) + len(statuses) + 2,
    }
    return render(request, "clearance/overview.html", context)


# ---------------------------------------------------------------------------------------------
# Check results


def _kind_of(declaration: Declaration) -> CheckKind | None:
    if not declaration.checks_pending:
        return None
    if declaration.status == Status.DOCUMENT_CHECK:
        return CheckKind.DOCUMENT_CHECK
    if declaration.status == Status.INSPECTION:
        return CheckKind.INSPECTION
    return None


def _fingerprint(corrections: list[LineCorrection]) -> str:
    """Ties a confirmation to the corrections whose duties the officer saw."""
    return hashlib.sha256(repr(corrections).encode()).hexdigest()[:16]


def _recomputed(
    request: HttpRequest, declaration: Declaration, form: CheckResultForm
) -> dict[str, Any] | None:
    """`declaration_check_preview` for the form's corrections: duties before and after, the
    difference and the lines; None (problems put on the form) when they cannot be computed."""
    corrections = form.corrections()
    if not corrections:
        return {"corrections": [], "before": declaration.total_duties_vnd}
    with problems_onto(form, aliases=form.problem_fields(corrections)) as previewing:
        before, after, duties = services.declaration_check_preview(
            actor=user_of(request), declaration=declaration, corrections=corrections
        )
    if previewing.failed:
        return None
    return {
        "corrections": corrections,
        "before": before,
        "after": after,
        "difference": after - before,
        "duties": duties,
        "fingerprint": _fingerprint(corrections),
    }


def _check_page(
    request: HttpRequest,
    declaration: Declaration,
    form: CheckResultForm,
    kind: CheckKind,
    recomputed: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "declaration": declaration,
        "form": form,
        "kind": kind,
        "kind_label": CheckKind(kind).label,
        "recomputed": recomputed,
        "lane_reasons": declaration.lane_reasons,
    }
    return render(request, "clearance/check_record.html", context, status=status)


def _works_declarations(user: Any) -> bool:
    """Officers and leaders work declarations; analysts and administrators only read them."""
    return getattr(user, "role", None) in (Role.OFFICER, Role.LEADER)


officer_required = role_required(_works_declarations)


@officer_required
@require_http_methods(["GET", "POST"])
def check_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a document-check or inspection result. A discrepancy with corrected values is
    shown with its recomputed duties and the difference first, and saved once confirmed."""
    declaration = declaration_for(request, pk)
    kind = _kind_of(declaration)
    if kind is None:
        return conflict_page(
            request,
            declaration,
            Conflict(
                _("This declaration is not waiting for a check (it is %(s)s).")
                % {"s": declaration.get_status_display()}
            ),
        )
    lines = list(declaration.lines.order_by("line_no"))
    if request.method != "POST":
        form = CheckResultForm(lines=lines, initial={"version": declaration.version})
        return _check_page(request, declaration, form, kind)
    form = CheckResultForm(request.POST, lines=lines)
    if not form.is_valid():
        return _check_page(request, declaration, form, kind, status=422)
    outcome = form.cleaned_data["outcome"]
    corrections = form.corrections()
    if outcome == CheckOutcome.DISCREPANCY and corrections:
        recomputed = _recomputed(request, declaration, form)
        if recomputed is None:  # the corrections were refused: said next to them
            return _check_page(request, declaration, form, kind, status=422)
        if request.POST.get("confirmed_for") != recomputed["fingerprint"]:
            return _check_page(request, declaration, form, kind, recomputed)
    with problems_onto(form, aliases=form.problem_fields(corrections)) as recording:
        try:
            services.declaration_check_record(
                actor=user_of(request),
                declaration=declaration,
                kind=kind,
                outcome=outcome,
                findings=form.cleaned_data["findings"],
                corrections=corrections,
                expected_version=form.cleaned_data["version"],
                fraud_kind=form.cleaned_data["fraud_kind"],
            )
        except Conflict as exc:
            return conflict_page(request, declaration, exc)
        messages.success(request, _("The %(kind)s result is recorded.") % {"kind": kind.label})
        return redirect("clearance:declaration_detail", pk=declaration.pk)
    return _check_page(request, declaration, form, kind, status=recording.status)


@officer_required
@require_POST
def check_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the duties after the corrections typed so far (nothing saved)."""
    declaration = declaration_for(request, pk)
    lines = list(declaration.lines.order_by("line_no"))
    form = CheckResultForm(request.POST, lines=lines)
    form.is_valid()  # the outcome may not be chosen yet: only the corrections matter here
    problems = form.correction_errors()
    recomputed = None if problems else _recomputed(request, declaration, form)
    if recomputed is None and not problems:  # the service's problems, now on the form
        problems = form.correction_errors() + [str(e) for e in form.non_field_errors()]
    context = {"recomputed": recomputed, "problems": problems, "declaration": declaration}
    return render(request, "clearance/includes/check_preview.html", context)


# ---------------------------------------------------------------------------------------------
# Escalation and release


@officer_required
@require_http_methods(["GET", "POST"])
def declaration_escalate(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a yellow-lane declaration to physical inspection, with the reason."""
    declaration = declaration_for(request, pk)
    label = _("Why must the goods be inspected?")
    if request.method == "POST":
        form = ReasonForm(request.POST, label=label)
        if form.is_valid():
            # only the reason is the officer's: any other problem on top
            with problems_onto(form, aliases={"version": ""}):
                try:
                    services.declaration_escalate(
                        actor=user_of(request),
                        declaration=declaration,
                        reason=form.cleaned_data["reason"],
                        expected_version=form.cleaned_data["version"],
                    )
                except Conflict as exc:
                    return conflict_page(request, declaration, exc)
                messages.success(request, _("The declaration is sent to physical inspection."))
                return redirect("clearance:declaration_detail", pk=declaration.pk)
    else:
        form = ReasonForm(initial={"version": declaration.version}, label=label)
    return render(
        request, "clearance/declaration_escalate.html", {"declaration": declaration, "form": form}
    )


@officer_required
@require_http_methods(["GET", "POST"])
def declaration_release(request: HttpRequest, pk: int) -> HttpResponse:
    """Release the goods of a cleared declaration (giải phóng hàng); confirmed on this page."""
    declaration = declaration_for(request, pk)
    if request.method == "POST":
        form = ReleaseForm(request.POST)
        if form.is_valid():
            try:
                services.declaration_release(
                    actor=user_of(request),
                    declaration=declaration,
                    expected_version=form.cleaned_data["version"],
                    note=form.cleaned_data["note"],
                )
            except Conflict as exc:
                return conflict_page(request, declaration, exc)
            messages.success(request, _("The goods are released."))
            return redirect("clearance:declaration_detail", pk=declaration.pk)
    else:
        form = ReleaseForm(initial={"version": declaration.version})
    return render(
        request, "clearance/declaration_release.html", {"declaration": declaration, "form": form}
    )
