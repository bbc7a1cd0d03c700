"""The officer's page for a paper declaration taken during a declared outage: the declaration
as it was written on paper, its paper number, the time it was registered then and the lane
decided then (`services.declaration_back_capture`). Problems are shown next to their fields."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from haiquan.accounts.choices import Role
from haiquan.accounts.selectors import offices_in_scope_subtrees
from haiquan.core.problems import Forbidden
from haiquan.core.web import problems_onto, role_required, user_of
from haiquan.outage.selectors import outages_ended_for

from .. import services
from ..forms import DeclarationForm, PaperForm
from ..services import DuplicateDeclaration
from .declaration_form import STRUCTURAL


def _captures(user: object) -> bool:
    return getattr(user, "role", None) in (Role.OFFICER, Role.LEADER)


def _render(
    request: HttpRequest, form: DeclarationForm, paper: PaperForm, *, status: int = 200
) -> HttpResponse:
    errors = [
        {"href": f"#{paper[name].auto_id}", "text": f"{paper[name].label}: {message}"}
        for name in paper.fields
        for message in paper[name].errors
    ]
    errors += [{"href": "#paper", "text": str(m)} for m in paper.non_field_errors()]
    errors += form.errors
    offices = offices_in_scope_subtrees(user_of(request))
    context = {
        "form": form,
        "paper": paper,
        "errors": errors,
        "outages": outages_ended_for(office_codes=offices.values_list("code", flat=True)),
    }
    return render(request, "clearance/paper_capture.html", context, status=status)


@role_required(_captures)
@require_http_methods(["GET", "POST"])
def paper_capture(request: HttpRequest) -> HttpResponse:
    """Capture a paper declaration (nhập bổ sung tờ khai giấy): nothing is saved while a
    problem remains; once captured, the declaration's page is shown."""
    if request.method != "POST":
        return _render(request, DeclarationForm(), PaperForm())
    action = request.POST.get("action", "")
    m = STRUCTURAL.match(action)
    form = DeclarationForm(
        request.POST,
        add_line=action == "add-line",
        drop_line=int(m.group(2)) if m and m.group(2) else None,
        copy_line=int(m.group(3)) if m and m.group(3) else None,
    )
    paper = PaperForm(request.POST)
    if m is not None:
        return _render(request, form, paper)
    readable = form.is_valid() & paper.is_valid()
    if not readable:
        return _render(request, form, paper, status=422)
    # The paper's own fields beside the declaration's; an office the officer does not work at
    # next to the office (403), goods declared already next to the invoice (409).
    refusals = {Forbidden: "office_code", DuplicateDeclaration: ""}
    with problems_onto(form, beside=(paper,), refusals=refusals) as capturing:
        declaration = services.declaration_back_capture(
            actor=user_of(request), data=form.to_input(), **paper.paper()
        )
        messages.success(
            request,
            _("Paper declaration %(paper)s captured as declaration %(number)s.")
            % {"paper": paper.cleaned_data["paper_number"], "number": declaration.number},
        )
        return redirect("clearance:declaration_detail", pk=declaration.pk)
    return _render(request, form, paper, status=capturing.status)
