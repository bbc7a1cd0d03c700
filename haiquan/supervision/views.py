"""Supervision pages: zones and what is inside, the gate (report a get-in/get-out and get the
answer at once), bonded-warehouse stock, and the alerts desk. Views validate and call the
services; the rules live there."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from haiquan.accounts.choices import Role
from haiquan.core.htmx import is_htmx_partial, render_page
from haiquan.core.problems import NotFound, ProblemError
from haiquan.core.web import (
    customs_required,
    form_status,
    problems_onto,
    role_required,
    user_of,
)

from . import bonded, services
from .alerts import alert_acknowledge, alert_message, alert_resolve
from .choices import AlertKind, AlertState, ZoneKind
from .forms import GateForm, NoteForm, ReasonForm, WarehouseDocumentForm
from .models import Alert, ControlZone, WarehouseIssue, WarehouseReceipt
from .selectors import (
    alert_get_for,
    bonded_documents,
    bonded_ledger,
    bonded_lots,
    bonded_reconciliation,
    bonded_stock,
    gate_events_of,
    zone_counts,
    zone_discrepancies,
    zone_get_for,
    zone_inventory,
)


def _sees_zones(user: Any) -> bool:
    return bool(getattr(user, "is_customs", False) or getattr(user, "role", "") == Role.OPERATOR)


zones_required = role_required(_sees_zones)


def _zone(request: HttpRequest, code: str) -> ControlZone:
    try:
        return zone_get_for(user_of(request), code)
    except NotFound as exc:
        raise Http404(exc.detail) from exc


@zones_required
def zone_list(request: HttpRequest) -> HttpResponse:
    """The zones the user may see, how much is inside and how much is past its time."""
    zones = list(
        ControlZone.objects.select_related("office", "operator").visible_to(user_of(request))
    )
    counts = zone_counts(zones)
    rows = [(z, counts[z.pk]) for z in zones]
    return render(request, "supervision/zone_list.html", {"rows": rows})


@zones_required
def zone_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One zone: the gate form, what is inside now against the time limit, the latest gate
    events and the discrepancies."""
    zone = _zone(request, code)
    context = {
        "zone": zone,
        "form": GateForm(),
        **_zone_lists(request, zone),
        "discrepancies": zone_discrepancies(zone),
        "is_warehouse": zone.kind == ZoneKind.BONDED_WAREHOUSE,
    }
    return render(request, "supervision/zone_detail.html", context)


def _zone_lists(request: HttpRequest, zone: ControlZone) -> dict[str, Any]:
    """What is inside now and the latest gate events: the zone page's lists a report changes."""
    events = Paginator(gate_events_of(zone).select_related("zone"), 25).get_page(
        request.GET.get("page")
    )
    return {"inside": zone_inventory(zone), "events": events}


@zones_required
@require_POST
def gate_report(request: HttpRequest, code: str) -> HttpResponse:
    """Record a get-in or get-out typed at the gate and show the answer at once."""
    zone = _zone(request, code)
    form = GateForm(request.POST)
    answer = None
    status = form_status(form)  # a refused value: 422
    if form.is_valid():
        d = form.cleaned_data
        with problems_onto(form, refusals={ProblemError: ""}) as reporting:
            answer = services.gate_event_report(
                actor=user_of(request),
                zone=zone,
                report=services.GateReport(
                    message_id=d["message_id"],
                    direction=d["direction"],
                    container_number=d["container_number"],
                    bill_of_lading=d["bill_of_lading"],
                    quantity=d["quantity"],
                    unit=d["unit"],
                    vehicle_plate=d["vehicle_plate"],
                ),
            )
        # The service's refusal: 422 for a value, its own status for a refusal (already inside:
        # 409); htmx swaps the panel with the problems (haiquan.js swaps a 4xx partial).
        status = reporting.status
    context: dict[str, Any] = {"zone": zone, "form": form, "answer": answer}
    if answer is not None:
        # The next report starts empty but at the same gate (a gate reports one way at a time)
        context["form"] = GateForm(initial={"direction": form.cleaned_data["direction"]})
        if is_htmx_partial(request):
            # What is inside and the gate's events changed: swapped in beside the form (htmx OOB)
            context.update(_zone_lists(request, zone), refreshed=True)
    return render_page(
        request,
        "supervision/gate_result.html",
        context,
        partial_template="supervision/includes/gate_panel.html",
        status=status,
    )


# ---------------------------------------------------------------------------------------------
# Bonded warehouse


@zones_required
def warehouse(request: HttpRequest, code: str) -> HttpResponse:
    """A bonded warehouse: stock per owner and item, lots by expiry, reconciliation of
    declared against held, documents and the history of movements."""
    zone = _zone(request, code)
    if zone.kind != ZoneKind.BONDED_WAREHOUSE:
        raise Http404("not a bonded warehouse")
    receipts, issues = bonded_documents(zone)
    context = {
        "zone": zone,
        "stock": bonded_stock(zone),
        "lots": bonded_lots(zone)[:200],
        "reconciliation": bonded_reconciliation(zone),
        "receipts": receipts[:50],
        "issues": issues[:50],
        "ledger": bonded_ledger(zone)[:100],
        "receipt_form": WarehouseDocumentForm(prefix="receipt"),
        "issue_form": WarehouseDocumentForm(prefix="issue"),
    }
    return render(request, "supervision/warehouse.html", context)


@zones_required
@require_POST
def warehouse_document(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    """Record a receipt or an issue (every line of the declaration, in full; partial
    quantities go through the API)."""
    zone = _zone(request, code)
    if kind not in ("receipt", "issue"):
        raise Http404(kind)
    form = WarehouseDocumentForm(request.POST, prefix=kind)
    if form.is_valid():
        create = bonded.bonded_receipt_create if kind == "receipt" else bonded.bonded_issue_create
        with problems_onto(form):
            doc = create(
                actor=user_of(request),
                zone=zone,
                declaration_number=form.cleaned_data["declaration_number"],
                document_number=form.cleaned_data["document_number"],
            )
            messages.success(request, _("%(doc)s recorded.") % {"doc": doc.document_number})
            return redirect("supervision:warehouse", code=zone.code)
    return render(
        request,
        "supervision/warehouse_document.html",
        {"zone": zone, "form": form, "kind": kind},
        status=422,
    )


@zones_required
def warehouse_cancel(request: HttpRequest, code: str, kind: str, pk: int) -> HttpResponse:
    """Cancel a receipt (reverses it) or an issue (its goods go back), with a reason."""
    zone = _zone(request, code)
    doc: WarehouseReceipt | WarehouseIssue
    if kind == "receipt":
        doc = get_object_or_404(WarehouseReceipt, zone=zone, pk=pk)
    elif kind == "issue":
        doc = get_object_or_404(WarehouseIssue, zone=zone, pk=pk)
    else:
        raise Http404(kind)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        with problems_onto(form):
            if isinstance(doc, WarehouseReceipt):
                bonded.bonded_receipt_cancel(actor=user_of(request), receipt=doc, reason=reason)
            else:
                bonded.bonded_issue_cancel(actor=user_of(request), issue=doc, reason=reason)
            messages.success(request, _("%(doc)s cancelled.") % {"doc": doc.document_number})
            return redirect("supervision:warehouse", code=zone.code)
    return render(
        request,
        "supervision/warehouse_cancel.html",
        {"zone": zone, "doc": doc, "kind": kind, "form": form},
        status=422 if form.is_bound else 200,
    )


# ---------------------------------------------------------------------------------------------
# Alerts


@customs_required
def alert_list(request: HttpRequest) -> HttpResponse:
    """The office's alerts, open ones first, filtered by state and kind in place."""
    qs = Alert.objects.select_related(
        "office", "zone", "acknowledged_by", "resolved_by"
    ).visible_to(user_of(request))
    problems = []
    state = request.GET.get("state", "open")
    if state == "open":
        qs = qs.exclude(state=AlertState.RESOLVED)
    elif state in AlertState.values:
        qs = qs.filter(state=state)
    else:
        problems.append(
            {"href": "#f-state", "text": _("State: choose one of the states in the list.")}
        )
    kind = request.GET.get("kind", "")
    if kind in AlertKind.values:
        qs = qs.filter(kind=kind)
    elif kind:
        problems.append(
            {"href": "#f-kind", "text": _("Kind: choose one of the kinds in the list.")}
        )
    page = Paginator(qs.order_by("-raised_at", "-id"), 50).get_page(request.GET.get("page"))
    rows = [(a, alert_message(a)) for a in page.object_list]
    context = {
        "page": page,
        "rows": rows,
        "state": state,
        "kind": kind,
        "states": [("open", _("Open")), *list(AlertState.choices)],
        "kinds": AlertKind.choices,
        "problems": problems,
    }
    return render_page(
        request,
        "supervision/alert_list.html",
        context,
        partial_template="supervision/includes/alert_table.html",
        status=400 if problems else 200,
    )


@customs_required
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One alert: what, where, when; acknowledge it, then resolve it with a note."""
    try:
        alert = alert_get_for(user_of(request), pk)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action")
        with problems_onto(form):
            if action == "acknowledge":
                alert = alert_acknowledge(
                    actor=user_of(request), alert=alert, note=form.cleaned_data["note"]
                )
            else:
                alert = alert_resolve(
                    actor=user_of(request), alert=alert, note=form.cleaned_data["note"]
                )
            messages.success(request, _("Alert %(s)s.") % {"s": alert.get_state_display().lower()})
            return redirect("supervision:alert_detail", pk=alert.pk)
    context = {"alert": alert, "message": alert_message(alert), "form": form}
    return render(
        request, "supervision/alert_detail.html", context, status=422 if form.errors else 200
    )
