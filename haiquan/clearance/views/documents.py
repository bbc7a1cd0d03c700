"""The declaration's documents on its page: the declarant attaches documents (or new versions),
answers customs' requests for more; the officer asks for documents and accepts the answer;
anyone who may see the declaration downloads them (customs' reads in the access trail)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haiquan.audit.choices import Via
from haiquan.core.problems import Conflict, NotFound
from haiquan.core.uploads import stored_file_response, upload_size_guard
from haiquan.core.web import problems_onto, user_of

from .. import services
from ..api_documents import document_read_record
from ..forms import AcceptForm, AnswerForm, DocumentRequestForm, DocumentUploadForm
from ..models import Declaration
from ..selectors import declaration_document_get, declaration_documents, document_request_get
from ..services.documents import MAX_REQUEST_DAYS, document_max_bytes
from .common import conflict_page, declaration_for
from .declaration_page import declaration_context
from .officer import officer_required


def _page(
    request: HttpRequest, declaration: Declaration, status: int = 200, **forms: Any
) -> HttpResponse:
    """The declaration page again, with the form that was sent and its problems."""
    context = declaration_context(request, declaration, **forms)
    return render(request, "clearance/declaration_detail.html", context, status=status)


def _back(declaration: Declaration) -> HttpResponse:
    return redirect(reverse("clearance:declaration_detail", args=[declaration.pk]) + "#documents")


@login_required
@require_POST
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """The declarant attaches a document, or a new version of one (`replaces`)."""
    declaration = declaration_for(request, pk)
    documents = declaration_documents(declaration)
    form = DocumentUploadForm(data={}, files={}, documents=documents)
    with problems_onto(form) as guarding:
        upload_size_guard(request, document_max_bytes())
    if guarding.failed:  # too large: the upload is not read
        return _page(request, declaration, 422, upload_form=form)
    form = DocumentUploadForm(request.POST, request.FILES, documents=documents)
    if not form.is_valid():
        return _page(request, declaration, 422, upload_form=form)
    file = form.cleaned_data["file"]
    if file is None:
        form.add_error("file", _("Choose the file to attach."))
        return _page(request, declaration, 422, upload_form=form)
    with problems_onto(form):
        try:
            doc = services.declaration_document_upload(
                actor=user_of(request),
                declaration=declaration,
                kind=form.cleaned_data["kind"],
                reference=form.cleaned_data["reference"],
                file=file,
                replaces=next(
                    (d for d in documents if d.pk == form.cleaned_data["replaces"]), None
                ),
            )
        except Conflict as exc:
            return conflict_page(request, declaration, exc)
        messages.success(
            request,
            _("%(document)s attached (version %(version)d).")
            % {"document": doc.get_kind_display(), "version": doc.version},
        )
        return _back(declaration)
    return _page(request, declaration, 422, upload_form=form)


@login_required
@require_GET
def document_download(request: HttpRequest, pk: int, doc: int) -> FileResponse:
    """The document, to whoever may see the declaration (the file has no public address)."""
    try:
        declaration, document = declaration_document_get(
            user_of(request), declaration_pk=pk, pk=doc
        )
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    document_read_record(request, declaration, document, Via.PAGE)
    return stored_file_response(
        storage_name=document.storage_name,
        content_type=document.content_type,
        name=document.original_name,
        size=document.size,
    )


@officer_required
@require_http_methods(["GET", "POST"])
def document_request(request: HttpRequest, pk: int) -> HttpResponse:
    """The officer asks the declarant for documents or explanations, with a deadline."""
    declaration = declaration_for(request, pk)
    if request.method == "POST":
        form = DocumentRequestForm(request.POST)
        if form.is_valid():
            # `documents[1]` onto the documents field
            with problems_onto(form, root=True):
                try:
                    services.document_request_make(
                        actor=user_of(request),
                        declaration=declaration,
                        kinds=form.cleaned_data["documents"],
                        message=form.cleaned_data["message"],
                        due_at=form.cleaned_data["due_at"],
                        expected_version=form.cleaned_data["version"],
                    )
                except Conflict as exc:
                    return conflict_page(request, declaration, exc)
                messages.success(
                    request, _("The request is sent: the declaration waits for the declarant.")
                )
                return _back(declaration)
        status = 422
    else:
        due = timezone.localtime() + timedelta(days=1)
        form = DocumentRequestForm(
            initial={"version": declaration.version, "due_at": due.replace(second=0, microsecond=0)}
        )
        status = 200
    context = {"declaration": declaration, "form": form, "max_days": MAX_REQUEST_DAYS}
    return render(request, "clearance/document_request.html", context, status=status)


@login_required
@require_POST
def request_answer(request: HttpRequest, pk: int, rid: int) -> HttpResponse:
    """The declarant answers the request (the documents were attached before)."""
    declaration = declaration_for(request, pk)
    try:
        asked = document_request_get(declaration, rid)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _page(request, declaration, 422, answer_form=form)
    with problems_onto(form):
        try:
            services.document_request_answer(
                actor=user_of(request),
                declaration=declaration,
                request=asked,
                message=form.cleaned_data["message"],
                expected_version=form.cleaned_data["version"],
            )
        except Conflict as exc:
            return conflict_page(request, declaration, exc)
        messages.success(request, _("Your answer is sent to the customs officer."))
        return _back(declaration)
    return _page(request, declaration, 422, answer_form=form)


@officer_required
@require_POST
def request_accept(request: HttpRequest, pk: int, rid: int) -> HttpResponse:
    """The officer accepts the declarant's answer; the check goes on."""
    declaration = declaration_for(request, pk)
    try:
        asked = document_request_get(declaration, rid)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    form = AcceptForm(request.POST)
    if not form.is_valid():
        return _page(request, declaration, 422, accept_form=form)
    with problems_onto(form):
        try:
            services.document_request_accept(
                actor=user_of(request),
                declaration=declaration,
                request=asked,
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["version"],
            )
        except Conflict as exc:
            return conflict_page(request, declaration, exc)
        messages.success(request, _("The answer is accepted: you may now record the check."))
        return _back(declaration)
    return _page(request, declaration, 422, accept_form=form)
