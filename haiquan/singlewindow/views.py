"""Single window pages: agencies see what waits for them and file permits and results; traders
see what their declarations need and where each stands; officers see it for their offices;
administrators keep the requirements table."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from haiquan.audit.choices import Via
from haiquan.audit.services import declaration_access_record
from haiquan.core.problems import Conflict, Forbidden
from haiquan.core.web import form_status, problems_onto, role_required, user_of

from . import services
from .apps import _sees_single_window
from .asw import item_remaining
from .choices import MessageFunction, RequestState
from .forms import (
    DocumentForm,
    GoodsFormSet,
    RequirementForm,
    RevokeForm,
    document_message_from,
)
from .inputs import DocumentMessage
from .models import Certificate, CertificateUse, Document, Request, Requirement
from .permissions import agency_of, endpoint_of, may_edit_requirements
from .selectors import (
    CERTIFICATE_RELATED,
    DOCUMENT_RELATED,
    REQUEST_RELATED,
    certificate_get_for,
    declaration_for_agency_or_scope,
    declaration_single_window,
    document_get_for,
    requirements_list,
)

single_window_user = role_required(_sees_single_window)
PAGE = 50


@single_window_user
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """What waits: for an agency, the requests addressed to it; for a trader or an officer,
    the requests of its declarations, the ones still waiting first."""
    user = user_of(request)
    agency = agency_of(user)
    state = request.GET.get("state", "")
    requests = (
        Request.objects.select_related(*REQUEST_RELATED)
        .visible_to(user)
        .order_by("state", "-requested_at", "-id")
    )
    if state in RequestState.values:
        requests = requests.filter(state=state)
    context: dict[str, Any] = {
        "agency": agency,
        "endpoint": endpoint_of(user),
        "requests": list(requests[:PAGE]),
        "states": RequestState.choices,
        "state": state,
        "documents": list(
            Document.objects.select_related(*DOCUMENT_RELATED)
            .visible_to(user)
            .order_by("-received_at", "-id")[:20]
        ),
        "certificates": list(
            Certificate.objects.select_related(*CERTIFICATE_RELATED)
            .visible_to(user)
            .order_by("-received_at", "-id")[:10]
        ),
        "may_edit": may_edit_requirements(user),
    }
    return render(request, "singlewindow/home.html", context)


@single_window_user
@require_GET
def requirements(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    editor = may_edit_requirements(user)
    rows = requirements_list(include_inactive=editor)
    return render(request, "singlewindow/requirements.html", {"rows": rows, "may_edit": editor})


@single_window_user
@require_http_methods(["GET", "POST"])
def requirement_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = user_of(request)
    if not may_edit_requirements(user):
        raise Forbidden(_("Only an administrator may change the table."))
    req = None
    if pk is not None:
        req = Requirement.objects.select_related("agency").filter(pk=pk).first()
        if req is None:
            raise Http404(str(pk))
    if request.method == "POST":
        form = RequirementForm(request.POST)
        if form.is_valid():
            with problems_onto(form):
                if req is None:
                    services.requirement_create(actor=user, data=form.to_input())
                else:
                    services.requirement_update(actor=user, requirement=req, data=form.to_input())
                messages.success(request, _("The requirements table is updated."))
                return redirect("singlewindow:requirements")
    else:
        initial: dict[str, Any] = {"active": True}
        if req is not None:
            initial = {
                "agency_code": req.agency.code,
                "kind": req.kind,
                "title": req.title,
                "hs_prefix": req.hs_prefix,
                "flow": req.flow,
                "type_codes": ", ".join(req.type_codes),
                "origins": ", ".join(req.origins),
                "valid_from": req.valid_from,
                "valid_to": req.valid_to,
                "legal_basis": req.legal_basis,
                "active": req.active,
            }
        form = RequirementForm(initial=initial)
    context = {"form": form, "requirement": req}
    return render(request, "singlewindow/requirement_form.html", context, status=form_status(form))


@single_window_user
@require_http_methods(["GET", "POST"])
def document_new(request: HttpRequest) -> HttpResponse:
    """An agency files a permit or an inspection result (the same message its system sends)."""
    user = user_of(request)
    if agency_of(user) is None:
        raise Forbidden(_("Only a partner agency's user may file permits and results."))
    status = 200
    if request.method == "POST":
        form = DocumentForm(request.POST)
        goods = GoodsFormSet(request.POST, prefix="goods")
        status = 422  # shown again: refused (a value 422, a message sent already 409)
        if form.is_valid() and goods.is_valid():
            try:
                with problems_onto(form, formsets={"goods": goods}):
                    answer = services.document_message_receive(
                        actor=user, message=document_message_from(form, goods)
                    )
                    messages.success(
                        request,
                        _(
                            "Received. %(n)d declaration line(s) linked, "
                            "%(c)d declaration(s) cleared."
                        )
                        % {"n": len(answer.linked), "c": len(answer.cleared)},
                    )
                    return redirect("singlewindow:document_detail", pk=answer.document.pk)
            except Conflict as exc:  # a reference or message sent already: said above the form
                form.add_error(None, str(exc.detail))
                status = exc.status
    else:
        form = DocumentForm(initial={"declaration_number": request.GET.get("declaration", "")})
        goods = GoodsFormSet(prefix="goods")
    context = {"form": form, "goods": goods}
    return render(request, "singlewindow/document_form.html", context, status=status)


@single_window_user
@require_GET
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    doc = document_get_for(user, pk)
    services.document_access_record(
        user=user, document=doc, via=Via.PAGE, address=request.META.get("REMOTE_ADDR")
    )
    goods = [(g, services.goods_remaining(g)) for g in doc.goods.order_by("item_no")]
    links = (
        Request.objects.select_related(*REQUEST_RELATED)
        .visible_to(user)
        .filter(goods__document=doc)
        .order_by("-answered_at")
    )
    context = {
        "doc": doc,
        "goods": goods,
        "links": list(links[:PAGE]),
        "may_revoke": agency_of(user) == doc.agency and doc.state == "valid",
    }
    return render(request, "singlewindow/document_detail.html", context)


@single_window_user
@require_http_methods(["GET", "POST"])
def document_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke a permit or result: declarations not cleared yet wait again. Cannot be undone."""
    user = user_of(request)
    doc = document_get_for(user, pk)
    if agency_of(user) != doc.agency:
        raise Forbidden(_("Only the issuing agency may revoke it."))
    if request.method == "POST":
        form = RevokeForm(request.POST)
        if form.is_valid():
            with problems_onto(form):
                services.document_message_receive(
                    actor=user,
                    message=DocumentMessage(
                        message_id=form.cleaned_data["message_id"],
                        reference=doc.reference,
                        function=MessageFunction.REVOCATION,
                        reason=form.cleaned_data["reason"],
                    ),
                )
                messages.success(request, _("The document is revoked."))
                return redirect("singlewindow:document_detail", pk=doc.pk)
    else:
        form = RevokeForm()
    context = {"doc": doc, "form": form}
    return render(request, "singlewindow/document_revoke.html", context, status=form_status(form))


@single_window_user
@require_GET
def declaration(request: HttpRequest, pk: int) -> HttpResponse:
    """What each line of a declaration needs from agencies, where each stands, and what still
    holds its clearance."""
    user = user_of(request)
    decl = declaration_for_agency_or_scope(user, pk)
    # A customs user reading a trader's declaration leaves a trace, as on clearance's page.
    declaration_access_record(
        user=user, declaration=decl, via=Via.PAGE, address=request.META.get("REMOTE_ADDR")
    )
    agency = agency_of(user)
    context = {
        "declaration": decl,
        "agency": agency,
        "lines": declaration_single_window(decl, agency=agency),
        "blockers": [] if agency else services.declaration_blockers(decl),
    }
    return render(request, "singlewindow/declaration.html", context)


@single_window_user
@require_GET
def certificates(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    q = request.GET.get("q", "").strip()
    qs = (
        Certificate.objects.select_related(*CERTIFICATE_RELATED)
        .visible_to(user)
        .order_by("-received_at", "-id")
    )
    if q:
        qs = qs.filter(reference_number__icontains=q[:35])
    return render(request, "singlewindow/certificates.html", {"rows": list(qs[:PAGE]), "q": q})


@single_window_user
@require_GET
def certificate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    cert = certificate_get_for(user, pk)
    services.certificate_access_record(
        user=user, certificate=cert, via=Via.PAGE, address=request.META.get("REMOTE_ADDR")
    )
    items = [(it, item_remaining(it)) for it in cert.items.order_by("item_no")]
    uses = (
        CertificateUse.objects.filter(item__certificate=cert)
        .select_related("declaration", "item")
        .order_by("-created_at")
    )
    return render(
        request,
        "singlewindow/certificate_detail.html",
        {"cert": cert, "items": items, "uses": list(uses[:PAGE])},
    )
