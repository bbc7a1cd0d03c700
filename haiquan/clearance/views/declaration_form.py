"""The declaration form: new, copy, change a draft, check your answers and register, amend.

Lines are added and copied by htmx (server-rendered rows), removed in the browser; the duty
preview follows the typing. Every save goes through the clearance services, whose problems
are shown next to the fields — and nothing is saved while there is one.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haiquan.core.htmx import render_page
from haiquan.core.problems import Conflict, Forbidden, ProblemError
from haiquan.core.web import ProblemList, problems_onto, trader_required, user_of
from haiquan.refdata.models import Country
from haiquan.tariff.selectors import hs_search as tariff_hs_search

from .. import services
from ..forms import (
    DeclarationForm,
    ReasonForm,
    line_form_for_row,
    new_line_key,
    problem_text,
    single_row,
)
from ..hs_codes import hs_code_note
from ..inputs import DeclarationInput
from ..models import Declaration
from ..selectors import DuplicateMatch, declaration_duplicates
from ..services import DuplicateDeclaration
from ..validation import declaration_validate
from ..workflow import Action, By, allows
from .common import acting_for, conflict_page, declaration_for, principals

# A declaration for an enterprise the trader may not declare for: said next to the enterprise.
NOT_YOURS: dict[type[ProblemError], str] = {Forbidden: "enterprise_mst"}
STRUCTURAL = re.compile(r"^(add-line|remove-line-(\d+)|copy-line-(\d+))$")


def _countries() -> list[tuple[str, str]]:
    return list(Country.objects.order_by("code").values_list("code", "name"))


def _bound(request: HttpRequest, *, fixed_parties: bool = False) -> tuple[DeclarationForm, bool]:
    """The posted form, with a line added, removed or copied when the browser has no script
    (those buttons then post the whole form). Returns (form, structural change)."""
    action = request.POST.get("action", "")
    m = STRUCTURAL.match(action)
    form = DeclarationForm(
        request.POST,
        fixed_parties=fixed_parties,
        add_line=action == "add-line",
        drop_line=int(m.group(2)) if m and m.group(2) else None,
        copy_line=int(m.group(3)) if m and m.group(3) else None,
    )
    return form, m is not None


def _shown_again(structural: bool) -> int:
    """The status of the posted form shown again: 200 after adding, copying or removing a line
    without script (nothing was refused), 422 when its values were refused."""
    return 200 if structural else 422


def _render_form(
    request: HttpRequest,
    form: DeclarationForm,
    *,
    mode: str,
    declaration: Declaration | None = None,
    reason_form: ReasonForm | None = None,
    status: int = 200,
) -> HttpResponse:
    errors = list(form.errors)
    if reason_form is not None and reason_form.is_bound:
        for message in reason_form["reason"].errors:
            errors.append(
                {"href": f"#{reason_form['reason'].auto_id}", "text": f"{_('Reason')}: {message}"}
            )
    context = {
        "form": form,
        "mode": mode,
        "declaration": declaration,
        "reason_form": reason_form,
        "errors": errors,
        "principals": principals(request),
        "countries": _countries(),
    }
    return render(request, "clearance/declaration_form.html", context, status=status)


def _save_draft(
    request: HttpRequest, form: DeclarationForm, declaration: Declaration | None
) -> Declaration | None:
    """Save through `declaration_draft_save`; on problems, put them on the form (None).

    Before "check your answers" the duties are assessed too (`declaration_duty_preview`), so
    what only the tariff knows — an HS code it does not have, a preference that does not hold —
    is shown next to its field now rather than on the last page."""
    data = form.to_input()
    with problems_onto(form, refusals=NOT_YOURS):
        if request.POST.get("action") == "continue":
            services.declaration_duty_preview(actor=user_of(request), data=data)
        return services.declaration_draft_save(
            actor=user_of(request), data=data, declaration=declaration
        )
    return None


def _check_the_rest(form: DeclarationForm) -> None:
    """Some values could not be read (a number that is no number...): those are marked; check
    everything else with the services now too, so that every problem shows at once."""
    with problems_onto(form):
        declaration_validate(form.to_input(), on_day=timezone.localdate())


def _after_save(request: HttpRequest, draft: Declaration) -> HttpResponse:
    for ln in draft.lines.exclude(hs_code_as_written="").order_by("line_no"):
        messages.info(request, hs_code_note(ln.hs_code, ln.hs_code_as_written))
    if request.POST.get("action") == "continue":
        return redirect("clearance:declaration_review", pk=draft.pk)
    messages.success(request, _("Draft saved. You can come back to it at any time."))
    return redirect("clearance:declaration_detail", pk=draft.pk)


@trader_required
@require_http_methods(["GET", "POST"])
def declaration_create(request: HttpRequest) -> HttpResponse:
    """A new declaration, empty or copied from one the trader may see (`?from=<id>`): nothing
    is saved until the trader saves it as a draft or continues to check the answers."""
    if request.method == "POST":
        form, structural = _bound(request)
        if not structural and form.is_valid():
            draft = _save_draft(request, form, None)
            if draft is not None:
                return _after_save(request, draft)
        elif not structural:
            _check_the_rest(form)
        return _render_form(request, form, mode="create", status=_shown_again(structural))
    initial: DeclarationInput | None = None
    source = request.GET.get("from", "")
    if source.isdigit():
        initial = services.declaration_input_from(declaration_for(request, int(source)))
    principal = acting_for(request)
    form = DeclarationForm(initial=initial, initial_mst=principal.mst if principal else "")
    return _render_form(request, form, mode="copy" if initial else "create")


@trader_required
@require_http_methods(["GET", "POST"])
def declaration_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a draft (a registered declaration is amended instead)."""
    draft = declaration_for(request, pk)
    if not allows(draft.status, Action.SAVE_DRAFT, By.TRADER):
        return redirect("clearance:declaration_amend", pk=draft.pk)
    if request.method == "POST":
        form, structural = _bound(request)
        if not structural and form.is_valid():
            try:
                saved = _save_draft(request, form, draft)
            except Conflict as exc:
                return conflict_page(request, draft, exc)
            if saved is not None:
                return _after_save(request, saved)
        elif not structural:
            _check_the_rest(form)
        return _render_form(
            request, form, mode="edit", declaration=draft, status=_shown_again(structural)
        )
    form = DeclarationForm(initial=services.declaration_input_from(draft))
    return _render_form(request, form, mode="edit", declaration=draft)


@trader_required
@require_http_methods(["GET", "POST"])
def declaration_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Check your answers, then register: the declaration gets its number, its duties and its
    lane, and from then on changes need an amendment."""
    draft = declaration_for(request, pk)
    if not allows(draft.status, Action.REGISTER, By.TRADER):
        return redirect("clearance:declaration_detail", pk=draft.pk)
    problems = ProblemList()  # listed above the answers
    status = 200
    if request.method == "POST":
        with problems_onto(problems, refusals={Forbidden: ""}) as registering:
            try:
                declaration = services.declaration_register(actor=user_of(request), draft=draft)
            except DuplicateDeclaration:
                status = 409  # the duplicates are shown below, with links
            except Conflict as exc:
                return conflict_page(request, draft, exc)
            else:
                messages.success(
                    request,
                    _("Declaration %(number)s is registered. Lane: %(lane)s.")
                    % {"number": declaration.number, "lane": declaration.get_lane_display()},
                )
                for match in declaration.registration_warnings:
                    messages.warning(request, _duplicate_text(match, declaration))
                return redirect("clearance:declaration_detail", pk=declaration.pk)
        if registering.failed:  # the problems are listed above the answers
            status = registering.status
    data = services.declaration_input_from(draft)
    preview = _preview(request, data)
    duplicates = [
        {
            "text": _duplicate_text(m, draft),
            "href": reverse("clearance:declaration_detail", args=[m.declaration_id]),
            "number": m.number,
            "refuses": m.refuses,
        }
        for m in declaration_duplicates(
            enterprise_id=draft.enterprise_id,
            flow=draft.flow,
            invoice_number=draft.invoice_number,
            bill_of_lading=draft.bill_of_lading,
            containers=data.containers,
            exclude_id=draft.pk,
        )
    ]
    context = {
        "declaration": draft,
        "data": data,
        "preview": preview,
        "problems": [problem_text(p) for p in problems] + preview.get("problems", []),
        "duplicates": duplicates,
        "refused": any(d["refuses"] for d in duplicates),
    }
    return render(request, "clearance/declaration_review.html", context, status=status)


def _duplicate_text(match: DuplicateMatch, declaration: Declaration) -> str:
    return services.duplicate_text(
        match,
        invoice_number=declaration.invoice_number,
        bill_of_lading=declaration.bill_of_lading,
    )


@trader_required
@require_http_methods(["GET", "POST"])
def declaration_amend(request: HttpRequest, pk: int) -> HttpResponse:
    """Amend a registered declaration (khai bổ sung) with a reason; the duties are recomputed
    and the difference is owed or refunded."""
    declaration = declaration_for(request, pk)
    if allows(declaration.status, Action.SAVE_DRAFT, By.TRADER):
        return redirect("clearance:declaration_edit", pk=declaration.pk)
    reason_label = _("Why are you amending the declaration?")
    if request.method == "POST":
        form, structural = _bound(request, fixed_parties=True)
        reason_form = ReasonForm(request.POST, label=reason_label)
        status = _shown_again(structural)
        if not structural and form.is_valid() & reason_form.is_valid():
            # Every problem at once, each next to its field (the reason's beside the form).
            refusals = {**NOT_YOURS, DuplicateDeclaration: ""}
            try:
                with problems_onto(form, beside=(reason_form,), refusals=refusals) as amending:
                    services.declaration_amend(
                        actor=user_of(request),
                        declaration=declaration,
                        data=form.to_input(),
                        reason=reason_form.cleaned_data["reason"],
                        expected_version=reason_form.cleaned_data["version"],
                    )
                    messages.success(request, _("The amendment is recorded as a new version."))
                    return redirect("clearance:declaration_detail", pk=declaration.pk)
            except Conflict as exc:  # another change came first (a duplicate is on the form)
                return conflict_page(request, declaration, exc)
            status = amending.status
        elif not structural:
            _check_the_rest(form)
            if not (reason_form.cleaned_data.get("reason") or "").strip():
                reason_form.add_error("reason", _("say why the declaration is amended"))
        return _render_form(
            request,
            form,
            mode="amend",
            declaration=declaration,
            reason_form=reason_form,
            status=status,
        )
    form = DeclarationForm(initial=services.declaration_input_from(declaration), fixed_parties=True)
    reason_form = ReasonForm(initial={"version": declaration.version}, label=reason_label)
    return _render_form(
        request, form, mode="amend", declaration=declaration, reason_form=reason_form
    )


# ---------------------------------------------------------------------------------------------
# htmx parts of the form


@trader_required
@require_GET
def line_row(request: HttpRequest) -> HttpResponse:
    """A goods line to insert: empty, or a copy of the line whose values come in the query
    (htmx sends only that line's inputs)."""
    row = single_row(request.GET)
    line = line_form_for_row(row if any(row.values()) else None, key=new_line_key())
    return render(request, "clearance/includes/line.html", {"line": line, "number": "?"})


def _preview(request: HttpRequest, data: DeclarationInput) -> dict[str, Any]:
    """What `declaration_duty_preview` says about this content: duties or problems."""
    if not data.lines:
        return {"problems": [_("Add at least one goods line to see the duties.")]}
    problems = ProblemList()
    with problems_onto(problems, refusals={Forbidden: ""}) as previewing:
        rate, duties = services.declaration_duty_preview(actor=user_of(request), data=data)
    if previewing.failed:
        return {"problems": [problem_text(p) for p in problems]}
    lines = [{"input": ln, "duties": d} for ln, d in zip(data.lines, duties.lines, strict=True)]
    return {
        "rate": rate,
        "duties": duties,
        "lines": lines,
        "currency": data.currency,
        "lines_total": sum((ln.value for ln in data.lines), Decimal(0)),
    }


@trader_required
@require_POST
def duty_preview(request: HttpRequest) -> HttpResponse:
    """The duties the typed declaration would owe if registered now (nothing saved)."""
    form = DeclarationForm(request.POST)
    if not form.is_valid():
        context: dict[str, Any] = {"problems": [e["text"] for e in form.errors]}
    else:
        context = _preview(request, form.to_input())
    return render(request, "clearance/includes/duty_preview.html", {"preview": context})


@trader_required
@require_GET
def hs_search(request: HttpRequest) -> HttpResponse:
    """Find an HS line by code (8703.23) or by words, with or without diacritics."""
    q = request.GET.get("q", "").strip()[:100]
    results = tariff_hs_search(q=q, limit=20) if q else []
    context = {"q": q, "results": results, "search_url": reverse("clearance:hs_search")}
    return render_page(
        request,
        "clearance/hs_search.html",
        context,
        partial_template="clearance/includes/hs_results.html",
    )
