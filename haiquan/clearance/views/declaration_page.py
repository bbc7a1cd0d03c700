"""The declaration page (trader and officer), its cancellation (and the officer's decision on
a request to cancel), penalty decisions and its printable PDF."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from haiquan.accounts.choices import Role
from haiquan.audit.choices import Via
from haiquan.audit.services import declaration_access_record
from haiquan.core.panels import DECLARATION_PAYMENT, object_panels_for
from haiquan.core.problems import Conflict, Forbidden
from haiquan.core.web import (
    apply_problems,
    form_status,
    pdf_page,
    problems_onto,
    role_required,
    user_of,
)
from haiquan.eventlog.selectors import events_for_declaration

from .. import services
from ..choices import OPEN_STATUSES, CancellationState, CheckOutcome, RequestState, Status
from ..forms import (
    AcceptForm,
    AnswerForm,
    CancellationDecisionForm,
    DocumentUploadForm,
    PenaltyForm,
    ReasonForm,
)
from ..hooks import clearance_blockers
from ..models import Declaration, DeclarationLine
from ..permissions import DeclarationActions, declaration_actions
from ..progress import declaration_progress
from ..rules import CancelRoute
from ..selectors import (
    cancellation_pending,
    declaration_cancellation_terms,
    declaration_documents,
    document_requests,
)
from ..services.documents import document_max_bytes
from ..timeline import timeline
from .common import conflict_page, declaration_for

logger = logging.getLogger(__name__)


def _with_lines(declaration: Declaration) -> Declaration:
    return (
        Declaration.objects.select_related(
            "type", "office", "enterprise", "broker", "currency", "partner_country", "created_by"
        )
        .prefetch_related(
            Prefetch("lines", queryset=DeclarationLine.objects.order_by("line_no")), "containers"
        )
        .get(pk=declaration.pk)
    )


def declaration_context(
    request: HttpRequest,
    declaration: Declaration,
    *,
    upload_form: DocumentUploadForm | None = None,
    answer_form: AnswerForm | None = None,
    accept_form: AcceptForm | None = None,
) -> dict[str, Any]:
    """Everything the declaration page (and its print) shows, as this user may see it; the
    documents' forms as sent, when the page is shown again with their problems."""
    user = user_of(request)
    declaration = _with_lines(declaration)
    customs = user.is_customs
    requests = list(
        declaration.cancellation_requests.select_related("requested_by", "decided_by").order_by(
            "requested_at", "pk"
        )
    )
    pending = next((r for r in requests if r.state == CancellationState.PENDING), None)
    checks = list(declaration.checks.select_related("officer").order_by("recorded_at", "pk"))
    discrepancy = next((c for c in reversed(checks) if c.outcome == CheckOutcome.DISCREPANCY), None)
    # What other parts still wait for before clearance (a partner agency's permit...).
    blockers = clearance_blockers(declaration) if declaration.status in OPEN_STATUSES else []
    asked = document_requests(declaration)
    unsettled = next((r for r in asked if r.state != RequestState.ACCEPTED), None)
    actions = declaration_actions(
        user=user,
        declaration=declaration,
        pending=pending or False,
        document_request=unsettled or False,
    )
    initial = {"version": declaration.version}
    documents = declaration_documents(declaration)
    context: dict[str, Any] = {
        "declaration": declaration,
        "lines": list(declaration.lines.all()),
        "containers": [c.number for c in declaration.containers.all()],
        "actions": actions,
        "buttons": action_buttons(actions, declaration),
        "customs": customs,
        "lane_reasons": declaration.lane_reasons if customs else [],
        "timeline": timeline(
            events_for_declaration(declaration_id=declaration.pk), customs=customs
        ),
        "versions": list(declaration.versions.select_related("created_by").order_by("number")),
        "checks": checks,
        # What other apps show in the payment panel (payments: the receipts).
        "payment_panels": object_panels_for(DECLARATION_PAYMENT, user, declaration),
        "blockers": blockers,
        "progress": declaration_progress(
            declaration, pending=pending, last_check=discrepancy, blockers=blockers
        ),
        "cancellation_requests": requests,
        "pending_request": pending,
        "penalties": list(declaration.penalties.select_related("decided_by").order_by("pk")),
        "documents": documents,
        "document_requests": asked,
        "unsettled_request": unsettled,
        "now": timezone.now(),
        "upload_form": upload_form or (DocumentUploadForm() if actions.upload_document else None),
        "answer_form": answer_form
        or (AnswerForm(initial=initial) if actions.answer_request else None),
        "accept_form": accept_form
        or (AcceptForm(initial=initial) if actions.accept_answer else None),
        "document_max_mb": f"{document_max_bytes() / (1024 * 1024):g}",
    }
    return context


# The actions that move a declaration on: the first one open is the page's main button.
NEXT_STEPS = frozenset({"register", "decide_cancellation", "record_check", "release"})


def _cancel_label(route: str) -> str:
    return {
        CancelRoute.DISCARD: _("Discard the draft"),
        CancelRoute.DECISION: _("Ask customs to cancel the declaration"),
        "customs": _("Cancel the declaration (office's decision)"),
    }.get(route, _("Cancel the declaration"))


def action_buttons(actions: DeclarationActions, declaration: Declaration) -> list[dict[str, str]]:
    """The page's actions in the order of what comes next: the next step as the main button,
    then the others; cancelling last, as a plain link (it is confirmed on its own page)."""
    pk = declaration.pk
    check_label = (
        _("Record the inspection result")
        if declaration.status == Status.INSPECTION
        else _("Record the document check result")
    )
    known = {
        "register": (reverse("clearance:declaration_review", args=[pk]), _("Check and register")),
        "edit": (reverse("clearance:declaration_edit", args=[pk]), _("Change the draft")),
        "decide_cancellation": (
            reverse("clearance:cancellation_decide", args=[pk]),
            _("Decide the cancellation request"),
        ),
        "record_check": (reverse("clearance:check_record", args=[pk]), check_label),
        "release": (reverse("clearance:release", args=[pk]), _("Release the goods")),
        "record_penalty": (
            reverse("clearance:penalty_record", args=[pk]),
            _("Record a penalty decision"),
        ),
        "escalate": (reverse("clearance:escalate", args=[pk]), _("Send to inspection")),
        "request_documents": (
            reverse("clearance:document_request", args=[pk]),
            _("Request documents"),
        ),
        "amend": (reverse("clearance:declaration_amend", args=[pk]), _("Amend")),
        "copy": (
            reverse("clearance:declaration_create") + f"?from={pk}",
            _("Copy to a new declaration"),
        ),
        "cancel": (
            reverse("clearance:declaration_cancel", args=[pk]),
            _cancel_label(actions.cancel_route),
        ),
    }
    buttons = []
    main_given = False
    for name in actions.ordered:
        if name not in known:
            continue  # paying is offered with the amount due
        href, label = known[name]
        if name == "cancel":
            style = "link"
        elif name in NEXT_STEPS and not main_given:
            style, main_given = "main", True
        else:
            style = "secondary"
        buttons.append({"name": name, "href": href, "label": str(label), "style": style})
    print_button = {
        "name": "print",
        "href": reverse("clearance:declaration_pdf", args=[pk]),
        "label": str(_("Print (PDF)")),
        "style": "secondary",
    }
    position = len(buttons) - 1 if buttons and buttons[-1]["name"] == "cancel" else len(buttons)
    buttons.insert(position, print_button)
    return buttons


@login_required
@require_GET
def declaration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = declaration_for(request, pk)
    # A customs user reading a trader's declaration leaves a trace, as through the API.
    declaration_access_record(
        user=user_of(request),
        declaration=declaration,
        via=Via.PAGE,
        address=request.META.get("REMOTE_ADDR"),
    )
    return render(
        request, "clearance/declaration_detail.html", declaration_context(request, declaration)
    )


def _may_cancel(user: Any) -> bool:
    """The declarant (or its broker) and the officers of the office cancel; nobody else."""
    return getattr(user, "role", None) in (Role.DECLARANT, Role.BROKER, Role.OFFICER, Role.LEADER)


def _cancel_page(
    request: HttpRequest, declaration: Declaration, form: ReasonForm, status: int = 200
) -> HttpResponse:
    user = user_of(request)
    pending = cancellation_pending(declaration)
    terms = declaration_cancellation_terms(declaration, pending=pending or False)
    trader = user.role in (Role.DECLARANT, Role.BROKER)
    route = str(terms.trader) if trader else "customs"
    refusal = terms.trader_refusal if trader else terms.officer_refusal
    context = {
        "declaration": declaration,
        "form": form,
        "route": route,
        "refusal": refusal,
        "title": _cancel_label(route) if not refusal else _("Cancel the declaration"),
        "after_clearance": terms.after_clearance,
        "pending": pending,
    }
    return render(request, "clearance/declaration_cancel.html", context, status=status)


@role_required(_may_cancel)
@require_http_methods(["GET", "POST"])
def declaration_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel (hủy tờ khai) with a reason, or ask customs to, as `rules.py` says for this
    declaration now. This page is the confirmation; it says what will happen and what will not
    (what was paid is not returned by the cancellation)."""
    declaration = declaration_for(request, pk)
    label = _("Why is the declaration cancelled?")
    if request.method != "POST":
        form = ReasonForm(initial={"version": declaration.version}, label=label)
        return _cancel_page(request, declaration, form)
    form = ReasonForm(request.POST, label=label)
    if not form.is_valid():
        return _cancel_page(request, declaration, form, status=form_status(form))
    # Refused now (the state, the rules): said on top of the form, with the refusal's status.
    with problems_onto(form, refusals={Conflict: "", Forbidden: ""}) as cancelling:
        try:
            cancelled = services.declaration_cancel(
                actor=user_of(request),
                declaration=declaration,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except Conflict as exc:
            if exc.code == "stale-version":
                return conflict_page(request, declaration, exc)
            raise
    if cancelling.failed:  # invalid input (422) or a refusal, with its status
        return _cancel_page(request, declaration, form, status=cancelling.status)
    if cancelled.status == Status.CANCELLED:
        messages.success(request, _("The declaration is cancelled."))
    else:
        messages.success(
            request,
            _(
                "Your request to cancel is sent to the customs office. The declaration stays as "
                "it is until an officer decides."
            ),
        )
    return redirect("clearance:declaration_detail", pk=declaration.pk)


def _officer(user: Any) -> bool:
    return getattr(user, "role", None) in (Role.OFFICER, Role.LEADER)


@role_required(_officer)
@require_http_methods(["GET", "POST"])
def cancellation_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """An officer approves or refuses the declarant's cancellation request, with the reason;
    approval is offered only while the declaration may still be cancelled."""
    declaration = declaration_for(request, pk)
    pending = cancellation_pending(declaration)
    terms = declaration_cancellation_terms(declaration, pending=pending or False)
    if request.method == "POST":
        form = CancellationDecisionForm(request.POST)
        if not form.is_valid():
            if not (form.cleaned_data.get("reason") or "").strip():
                form.add_error("reason", _("Give the reason for the decision."))
        else:
            approve = form.cleaned_data["decision"] == "approve"
            with problems_onto(form):
                try:
                    services.declaration_cancellation_decide(
                        actor=user_of(request),
                        declaration=declaration,
                        approve=approve,
                        reason=form.cleaned_data["reason"],
                        expected_version=form.cleaned_data["version"],
                    )
                except Conflict as exc:
                    return conflict_page(request, declaration, exc)
                messages.success(
                    request,
                    _("The declaration is cancelled.")
                    if approve
                    else _("The request is refused; the declaration goes on."),
                )
                return redirect("clearance:declaration_detail", pk=declaration.pk)
    else:
        form = CancellationDecisionForm(initial={"version": declaration.version})
    if terms.decision_refusal:
        # Only a refusal is possible now (the goods are out, a penalty is unpaid...).
        form.fields["decision"].choices = [  # type: ignore[attr-defined]
            c
            for c in form.fields["decision"].choices  # type: ignore[attr-defined]
            if c[0] == "refuse"
        ]
    context = {
        "declaration": declaration,
        "form": form,
        "pending": pending,
        "refusal": terms.decision_refusal if pending else "",
        "after_clearance": terms.after_clearance,
    }
    return render(request, "clearance/cancellation_decide.html", context, status=form_status(form))


@role_required(_officer)
@require_http_methods(["GET", "POST"])
def penalty_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a penalty decision on the declaration: number, fine, legal basis, violation."""
    declaration = declaration_for(request, pk)
    if request.method == "POST":
        form = PenaltyForm(request.POST)
        if not form.is_valid():
            # The fields that could be read are checked too: every problem at once.
            c = form.cleaned_data
            apply_problems(
                form,
                [
                    p
                    for p in services.penalty_problems(
                        number=c.get("number", ""),
                        amount_vnd=c.get("amount_vnd"),
                        legal_basis=c.get("legal_basis", ""),
                        reason=c.get("reason", ""),
                    )
                    if p.field not in form.errors
                ],
            )
        else:
            with problems_onto(form):
                try:
                    services.declaration_penalty_record(
                        actor=user_of(request),
                        declaration=declaration,
                        number=form.cleaned_data["number"],
                        amount_vnd=form.cleaned_data["amount_vnd"],
                        legal_basis=form.cleaned_data["legal_basis"],
                        reason=form.cleaned_data["reason"],
                        expected_version=form.cleaned_data["version"],
                    )
                except Conflict as exc:
                    return conflict_page(request, declaration, exc)
                messages.success(
                    request,
                    _(
                        "The penalty decision is recorded. The fine is added to what the "
                        "declarant pays; the goods are cleared once it is paid."
                    ),
                )
                return redirect("clearance:declaration_detail", pk=declaration.pk)
    else:
        form = PenaltyForm(initial={"version": declaration.version})
    checks = list(
        declaration.checks.filter(outcome=CheckOutcome.DISCREPANCY).order_by("recorded_at")
    )
    context = {"declaration": declaration, "form": form, "checks": checks}
    return render(request, "clearance/penalty_record.html", context)


def _pdf_unavailable(request: HttpRequest, declaration: Declaration) -> HttpResponse:
    response = render(
        request, "clearance/pdf_unavailable.html", {"declaration": declaration}, status=503
    )
    response["Retry-After"] = "3600"
    return response


@login_required
@require_GET
def declaration_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The declaration printed as PDF (weasyprint). Where weasyprint cannot run (its system
    libraries missing), a 503 page says so instead of an error."""
    declaration = declaration_for(request, pk)
    context = declaration_context(request, declaration)
    html = render_to_string("clearance/declaration_print.html", context, request=request)
    name = declaration.number or f"draft-{declaration.pk}"
    return pdf_page(
        request,
        html,
        filename=f"declaration-{name}.pdf",
        unavailable=lambda: _pdf_unavailable(request, declaration),
    )
