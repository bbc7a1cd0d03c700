"""Pages of online public services: the catalogue and an enterprise's filings (file, attach,
submit, pay, answer, download the result), the officers' service requests (receive, ask for
more, decide), leaders' on-time rates, and the public verification of a signed result.
Views validate input and call the services; the rules live there."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haiquan.audit.choices import Via
from haiquan.core.problems import NotFound, ProblemError
from haiquan.core.web import (
    ProblemList,
    customs_required,
    form_status,
    problem_page,
    problems_onto,
    role_required,
    trader_required,
    user_of,
)
from haiquan.payments.selectors import payment_order_open_get
from haiquan.payments.simulator import bank_simulator_enabled

from . import services
from .catalogue import form_hs_notes, form_spec
from .choices import FEE_PURPOSE, FilingStatus, ResultKind
from .downloads import document_response, filing_pdf_response, upload_size_guard
from .fees import fee_simulator_pay
from .forms import (
    DecisionForm,
    FilingForm,
    TextForm,
    UploadForm,
    VerifyFileForm,
    VerifyForm,
)
from .models import AdvanceRuling, Filing
from .permissions import enterprises_user_may_file_for, filing_actions, is_filer_of
from .result import result_document
from .selectors import (
    filing_document_get,
    filing_events,
    filing_get_for,
    filing_list,
    may_see_performance,
    officer_requests,
    on_time_rates,
    procedure_get,
    procedures_active,
    result_verify,
)


def _filing(request: HttpRequest, pk: int) -> Filing:
    try:
        return filing_get_for(user_of(request), pk=pk)
    except NotFound as exc:
        raise Http404(exc.detail) from exc


def _today() -> date:
    return services._today()


leaders_required = role_required(may_see_performance)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The catalogue, and the enterprise's own filings when it is logged in."""
    user = request.user
    if getattr(user, "is_customs", False):
        return redirect("eservices:requests")
    filings = None
    if getattr(user, "is_trader", False):
        filings = Paginator(filing_list(user_of(request)), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "eservices/home.html",
        {"procedures": procedures_active(), "filings": filings, "today": _today()},
    )


@require_GET
def procedure(request: HttpRequest, code: str) -> HttpResponse:
    try:
        proc = procedure_get(code=code)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    return render(request, "eservices/procedure.html", {"procedure": proc, "spec": form_spec(proc)})


@trader_required
@require_http_methods(["GET", "POST"])
def filing_create(request: HttpRequest, code: str) -> HttpResponse:
    """Fill in the procedure's form; the draft is kept and documents are attached next."""
    try:
        proc = procedure_get(code=code)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    spec = form_spec(proc)
    enterprises = list(enterprises_user_may_file_for(user_of(request)))
    offices = None
    if proc.office_pick:
        from haiquan.refdata.models import Office

        offices = list(
            Office.objects.filter(path__startswith=proc.office.path, valid_to__isnull=True)
            .exclude(pk=proc.office.pk)
            .order_by("path")
        )
    form = FilingForm(request.POST or None, spec=spec, enterprises=enterprises, offices=offices)
    if request.method == "POST" and form.is_valid():
        with problems_onto(form, prefix="data."):
            filing = services.filing_create(
                actor=user_of(request),
                procedure=proc,
                enterprise_mst=form.cleaned_data["enterprise_mst"],
                office_code=form.cleaned_data.get("office_code") or "",
                data=form.form_data(),
            )
            messages.success(
                request,
                _("Draft %(ref)s saved: attach the documents, then submit.")
                % {"ref": filing.reference},
            )
            for note in form_hs_notes(spec, filing.data):
                if note.divided is None:  # a divided code's lines are in the answers panel
                    messages.info(request, note.text)
            return redirect("eservices:filing_detail", filing.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "eservices/filing_form.html", {"procedure": proc, "form": form}, status=status
    )


@trader_required
@require_http_methods(["GET", "POST"])
def filing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the answers of a draft (the "change" link of check-your-answers)."""
    filing = _filing(request, pk)
    spec = form_spec(filing.procedure)
    initial = dict(filing.data or {})
    form = FilingForm(
        request.POST or None, initial=initial, spec=spec, enterprises=None, offices=None
    )
    if request.method == "POST" and form.is_valid():
        with problems_onto(form, prefix="data."):
            filing = services.filing_update(
                actor=user_of(request), filing=filing, data=form.form_data()
            )
            messages.success(request, _("Answers changed."))
            for note in form_hs_notes(spec, filing.data):
                if note.divided is None:  # a divided code's lines are in the answers panel
                    messages.info(request, note.text)
            return redirect("eservices:filing_detail", filing.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "eservices/filing_form.html",
        {"procedure": filing.procedure, "form": form, "filing": filing},
        status=status,
    )


def _detail_context(request: HttpRequest, filing: Filing, **forms: Any) -> dict[str, Any]:
    user = user_of(request)
    spec = form_spec(filing.procedure)
    values = filing.data or {}
    answers = []
    for f in spec.fields:
        value = values.get(f.name, "")
        if f.type == "choice":
            value = dict(f.choice_pairs()).get(str(value), value)
        answers.append((f.label, value))
    documents = list(filing.documents.all())
    slots = [(a, [d for d in documents if d.slot == a.name]) for a in spec.attachments]
    actions = filing_actions(user, filing)
    kind = filing.procedure.result_kind
    hs_notes = form_hs_notes(spec, values)
    context = {
        "filing": filing,
        "answers": answers,
        "hs_notes": hs_notes,
        # The proposed codes the tariff divided, for the officer who rules a line in force.
        "divided_codes": [n.divided for n in hs_notes if n.divided is not None],
        "slots": slots,
        "messages_list": list(filing.messages.select_related("author")),
        "events": list(filing_events(filing=filing)),
        "actions": actions,
        "ruling": AdvanceRuling.objects.filter(filing=filing).first(),
        "fee_order": payment_order_open_get(purpose=FEE_PURPOSE, subject_id=filing.pk),
        "simulator": bank_simulator_enabled(),
        "upload_form": forms.get("upload_form") or UploadForm(spec=spec),
        "text_form": forms.get("text_form") or TextForm(),
        "request_form": forms.get("request_form") or TextForm(),
        "decision_form": forms.get("decision_form") or DecisionForm(ruling_kind=kind),
        "submit_errors": forms.get("submit_errors") or [],
        "is_ruling": kind in (ResultKind.HS_RULING, ResultKind.ORIGIN_RULING),
        "today": _today(),
    }
    return context


@login_required
@require_GET
def filing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The filing: its status and time limit, the answers, the documents, the exchange with
    customs, and what the user can do next."""
    filing = _filing(request, pk)
    services.filing_access_record(
        user=user_of(request), filing=filing, via=Via.PAGE, address=request.META.get("REMOTE_ADDR")
    )
    return render(request, "eservices/filing_detail.html", _detail_context(request, filing))


def _detail_again(request: HttpRequest, filing: Filing, **forms: Any) -> HttpResponse:
    filing = _filing(request, filing.pk)
    return render(
        request,
        "eservices/filing_detail.html",
        _detail_context(request, filing, **forms),
        status=422,
    )


def _act(
    request: HttpRequest, filing: Filing, action: Any, success: str, **forms: Any
) -> HttpResponse:
    """Run a service; back to the filing with the message, or the problem shown (next to the
    form's fields, or listed above the filing when no form was sent)."""
    form = next(iter(forms.values()), None)
    listed = ProblemList()
    with problems_onto(listed if form is None else form, prefix="data."):
        action()
        messages.success(request, success)
        return redirect("eservices:filing_detail", filing.pk)
    if form is not None:
        return _detail_again(request, filing, **forms)
    return _detail_again(request, filing, submit_errors=[f"{e.problem}" for e in listed])


@login_required
@require_POST
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    filing = _filing(request, pk)
    spec = form_spec(filing.procedure)
    # Too large: the upload is not read; only the guard's problem is shown (an unbound form
    # took no error: this was a 500).
    form = UploadForm(data={}, files={}, spec=spec)
    with problems_onto(form, prefix="data.", replacing=True) as guarding:
        upload_size_guard(request)
    if guarding.failed:
        return _detail_again(request, filing, upload_form=form)
    form = UploadForm(request.POST, request.FILES, spec=spec)
    if not form.is_valid():
        return _detail_again(request, filing, upload_form=form)
    return _act(
        request,
        filing,
        lambda: services.document_upload(
            actor=user_of(request),
            filing=filing,
            slot=form.cleaned_data["slot"],
            file=form.cleaned_data["file"],
        ),
        _("Document attached."),
        upload_form=form,
    )


@login_required
@require_GET
def document_download(request: HttpRequest, pk: int, doc: int) -> FileResponse:
    """The document, to the filing's parties only (the file has no public address)."""
    try:
        document = filing_document_get(user_of(request), filing_pk=pk, pk=doc)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    services.filing_access_record(
        user=user_of(request),
        filing=document.filing,
        document=document,
        via=Via.PAGE,
        address=request.META.get("REMOTE_ADDR"),
    )
    return document_response(document)


@login_required
@require_POST
def document_delete(request: HttpRequest, pk: int, doc: int) -> HttpResponse:
    filing = _filing(request, pk)
    try:
        document = filing_document_get(user_of(request), filing_pk=pk, pk=doc)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    return _act(
        request,
        filing,
        lambda: services.document_delete(actor=user_of(request), document=document),
        _("Document removed."),
    )


@login_required
@require_POST
def filing_submit(request: HttpRequest, pk: int) -> HttpResponse:
    filing = _filing(request, pk)
    success = (
        _("Submitted. Pay the fee to send it to customs.")
        if filing.fee_vnd > 0
        else _("Submitted to customs.")
    )
    return _act(
        request,
        filing,
        lambda: services.filing_submit(actor=user_of(request), filing=filing),
        success,
    )


@login_required
@require_POST
def fee_pay(request: HttpRequest, pk: int) -> HttpResponse:
    """The fee order to pay at any partner bank (its reference goes on the bank transfer)."""
    filing = _filing(request, pk)
    return _act(
        request,
        filing,
        lambda: services.fee_order_create(actor=user_of(request), filing=filing),
        _("Fee order created: pay it at any partner bank with its reference."),
    )


@login_required
@require_POST
def fee_bank(request: HttpRequest, pk: int) -> HttpResponse:
    """The demo bank's payment site (simulator): pays the open fee order."""
    filing = _filing(request, pk)
    if not bank_simulator_enabled():
        raise Http404("bank simulator off")
    order = payment_order_open_get(purpose=FEE_PURPOSE, subject_id=filing.pk)
    if order is None:
        raise Http404("no open fee order")
    if not is_filer_of(user_of(request), filing):
        raise PermissionDenied
    return _act(
        request,
        filing,
        lambda: fee_simulator_pay(order=order),
        _("The bank confirmed the payment: your filing is with customs."),
    )


@login_required
@require_POST
def filing_answer(request: HttpRequest, pk: int) -> HttpResponse:
    filing = _filing(request, pk)
    form = TextForm(request.POST)
    if not form.is_valid():
        return _detail_again(request, filing, text_form=form)
    return _act(
        request,
        filing,
        lambda: services.filing_info_answer(
            actor=user_of(request), filing=filing, text=form.cleaned_data["text"]
        ),
        _("Answer sent to customs."),
        text_form=form,
    )


@customs_required
@require_POST
def filing_receive(request: HttpRequest, pk: int) -> HttpResponse:
    filing = _filing(request, pk)
    return _act(
        request,
        filing,
        lambda: services.filing_receive(actor=user_of(request), filing=filing),
        _("Filing received."),
    )


@customs_required
@require_POST
def filing_request(request: HttpRequest, pk: int) -> HttpResponse:
    filing = _filing(request, pk)
    form = TextForm(request.POST)
    if not form.is_valid():
        return _detail_again(request, filing, request_form=form)
    return _act(
        request,
        filing,
        lambda: services.filing_info_request(
            actor=user_of(request), filing=filing, text=form.cleaned_data["text"]
        ),
        _("Request sent; the time limit stops until the enterprise answers."),
        request_form=form,
    )


@customs_required
@require_POST
def filing_decide(request: HttpRequest, pk: int) -> HttpResponse:
    filing = _filing(request, pk)
    form = DecisionForm(request.POST, ruling_kind=filing.procedure.result_kind)
    if not form.is_valid():
        return _detail_again(request, filing, decision_form=form)
    d = form.cleaned_data
    return _act(
        request,
        filing,
        lambda: services.filing_decide(
            actor=user_of(request),
            filing=filing,
            outcome=d["outcome"],
            text=d["text"],
            ruling=services.RulingTerms(
                hs_code=d.get("hs_code") or "",
                origin=d.get("origin") or "",
                valid_to=d.get("valid_to"),
            ),
        ),
        _("Decision recorded."),
        decision_form=form,
    )


@login_required
@require_GET
def filing_result(request: HttpRequest, pk: int) -> HttpResponse:
    """The signed result as PDF (produced at the first download, the same file afterwards)."""
    filing = _filing(request, pk)
    try:
        pdf = result_document(filing=filing, base_url=request.build_absolute_uri("/"))
    except ProblemError as exc:
        return problem_page(request, exc)
    return filing_pdf_response(filing, pdf)


@customs_required
@require_GET
def requests(request: HttpRequest) -> HttpResponse:
    """Officers' service requests: open ones, nearest time limit first."""
    status = request.GET.get("status") or None
    if status not in FilingStatus.values:
        status = None
    rows = Paginator(officer_requests(user_of(request), status=status), 25).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "eservices/requests.html",
        {
            "rows": rows,
            "status": status or "",
            "statuses": FilingStatus.choices,
            "today": _today(),
            "leader": may_see_performance(request.user),
        },
    )


@leaders_required
@require_GET
def performance(request: HttpRequest) -> HttpResponse:
    """On-time rates per procedure and office over a period (default: this year)."""
    today = _today()

    def day(name: str, default: date) -> date:
        try:
            return date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            return default

    date_from = day("from", today.replace(month=1, day=1))
    date_to = day("to", today)
    rows = on_time_rates(user_of(request), date_from=date_from, date_to=date_to, today=today)
    chart = {
        "labels": [f"{r.procedure_code} · {r.office_code}" for r in rows],
        "on_time": [r.on_time for r in rows],
        "late": [r.late for r in rows],
        "legend": [str(_("On time")), str(_("Late"))],
    }
    return render(
        request,
        "eservices/performance.html",
        {"rows": rows, "date_from": date_from, "date_to": date_to, "chart": chart},
    )


@require_GET
def verify(request: HttpRequest) -> HttpResponse:
    """Public: type the code printed on a result (or scan its QR code)."""
    form = VerifyForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return redirect("eservices:verify_code", form.cleaned_data["code"].strip().upper())
    return render(request, "eservices/verify.html", {"form": form})


@require_http_methods(["GET", "POST"])
def verify_code(request: HttpRequest, code: str) -> HttpResponse:
    """Public: what customs decided under this code; a PDF can be checked against the hash of
    the one issued."""
    filing = result_verify(code=code.strip().upper())
    if filing is None:
        return render(
            request, "eservices/verify.html", {"form": VerifyForm(), "unknown": code}, status=404
        )
    sent = request.method == "POST"  # bound even when nothing was chosen (a 422, not a blank form)
    file_form = VerifyFileForm(request.POST if sent else None, request.FILES if sent else None)
    match = None
    if sent and file_form.is_valid():
        digest = hashlib.sha256()
        for chunk in file_form.cleaned_data["file"].chunks():
            digest.update(chunk)
        match = bool(filing.result_sha256) and digest.hexdigest() == filing.result_sha256
    return render(
        request,
        "eservices/verify_result.html",
        {
            "filing": filing,
            "ruling": AdvanceRuling.objects.filter(filing=filing).first(),
            "file_form": file_form,
            "match": match,
        },
        status=form_status(file_form),  # no file, or not one that can be read: 422
    )
