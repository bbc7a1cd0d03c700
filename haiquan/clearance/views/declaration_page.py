"""The declaration page (trader and officer), its cancellation and its printable PDF."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from haiquan.accounts.choices import Role
from haiquan.audit.choices import Via
from haiquan.audit.services import declaration_access_record
from haiquan.core.problems import Conflict, Forbidden, ValidationFailed
from haiquan.core.web import role_required
from haiquan.eventlog.selectors import events_for_declaration
from haiquan.payments.selectors import payment_orders_visible_to, receipts_visible_to

from .. import services
from ..choices import OPEN_STATUSES
from ..forms import ReasonForm
from ..hooks import clearance_blockers
from ..models import Declaration, DeclarationLine
from ..permissions import declaration_actions
from ..timeline import timeline
from .common import conflict_page, declaration_for, user_of

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


def declaration_context(request: HttpRequest, declaration: Declaration) -> dict[str, Any]:
    """Everything the declaration page (and its print) shows, as this user may see it."""
    user = user_of(request)
    declaration = _with_lines(declaration)
    customs = user.is_customs
    context: dict[str, Any] = {
        "declaration": declaration,
        "lines": list(declaration.lines.all()),
        "containers": [c.number for c in declaration.containers.all()],
        "actions": declaration_actions(user=user, declaration=declaration),
        "customs": customs,
        "lane_reasons": declaration.lane_reasons if customs else [],
        "timeline": timeline(
            events_for_declaration(declaration_id=declaration.pk), customs=customs
        ),
        "versions": list(declaration.versions.select_related("created_by").order_by("number")),
        "checks": list(declaration.checks.select_related("officer").order_by("recorded_at")),
        "orders": [],
        "receipts": [],
        # What other parts still wait for before clearance (a partner agency's permit...).
        "blockers": clearance_blockers(declaration) if declaration.status in OPEN_STATUSES else [],
    }
    if declaration.number:
        context["orders"] = list(
            payment_orders_visible_to(user=user, declaration_number=declaration.number)
        )
        context["receipts"] = list(
            receipts_visible_to(user=user, declaration_number=declaration.number)
        )
    return context


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


@role_required(_may_cancel)
@require_http_methods(["GET", "POST"])
def declaration_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel (hủy tờ khai) with a reason. This page is the confirmation: it cannot be undone."""
    declaration = declaration_for(request, pk)
    label = _("Why is the declaration cancelled?")
    if request.method == "POST":
        form = ReasonForm(request.POST, label=label)
        if form.is_valid():
            try:
                services.declaration_cancel(
                    actor=user_of(request),
                    declaration=declaration,
                    reason=form.cleaned_data["reason"],
                    expected_version=form.cleaned_data["version"],
                )
            except ValidationFailed as exc:
                for p in exc.errors:
                    form.add_error("reason" if p.field == "reason" else None, str(p.problem))
            except Conflict as exc:
                return conflict_page(request, declaration, exc)
            except Forbidden as exc:
                form.add_error(None, str(exc.detail))
            else:
                messages.success(request, _("The declaration is cancelled."))
                return redirect("clearance:declaration_detail", pk=declaration.pk)
    else:
        form = ReasonForm(initial={"version": declaration.version}, label=label)
    return render(
        request, "clearance/declaration_cancel.html", {"declaration": declaration, "form": form}
    )


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
    try:
        from weasyprint import CSS, HTML
    except (ImportError, OSError):
        logger.warning("weasyprint cannot be loaded: PDF printing is unavailable", exc_info=True)
        return _pdf_unavailable(request, declaration)
    context = declaration_context(request, declaration)
    html = render_to_string("clearance/declaration_print.html", context, request=request)
    css_path = finders.find("haiquan/print.css")
    stylesheets = [CSS(filename=str(css_path))] if css_path else []
    try:
        pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf(
            stylesheets=stylesheets
        )
    except OSError:
        logger.warning("weasyprint failed to render", exc_info=True)
        return _pdf_unavailable(request, declaration)
    name = declaration.number or f"draft-{declaration.pk}"
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="declaration-{name}.pdf"'
    return response
