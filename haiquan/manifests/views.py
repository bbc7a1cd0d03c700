"""Manifest pages: the carrier files a CUSCAR file, sees its voyages, their bills and whether
each is declared, and notifies the arrival; customs see the voyages arriving in their scope.
Views validate and call the services; the rules live there. A service's refusal of the input
goes next to the form's fields (`problems_onto`); any other problem (`Forbidden`, `NotFound`,
`Conflict`) is answered by the problem-page middleware, as on every page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from haiquan.accounts.choices import Role
from haiquan.core.problems import NotFound
from haiquan.core.web import ProblemList, problems_onto, role_required, user_of

from . import services
from .comparison import voyage_comparison
from .forms import ArrivalForm, CuscarForm, HoldForm, HoldReleaseForm
from .models import Hold, Voyage
from .selectors import bill_get_for, bills_of, voyage_get_for, voyages_seen_by


def is_carrier(user: Any) -> bool:
    return getattr(user, "role", "") == Role.CARRIER


def sees_manifests(user: Any) -> bool:
    return bool(is_carrier(user) or getattr(user, "is_customs", False))


def holds_officer(user: Any) -> bool:
    return getattr(user, "role", "") in (Role.OFFICER, Role.LEADER)


def is_customs(user: Any) -> bool:
    return bool(getattr(user, "is_customs", False))


manifests_required = role_required(sees_manifests)
customs_required = role_required(is_customs)
officer_required = role_required(holds_officer)
carrier_required = role_required(is_carrier)


def _voyage(request: HttpRequest, pk: int) -> Voyage:
    return voyage_get_for(user_of(request), pk)


@manifests_required
def voyage_list(request: HttpRequest) -> HttpResponse:
    voyages = voyages_seen_by(user_of(request))[:200]
    return render(request, "manifests/voyage_list.html", {"voyages": voyages})


@carrier_required
def cuscar_upload(request: HttpRequest) -> HttpResponse:
    """File a manifest as a CUSCAR file: accepted whole, or every problem listed by segment."""
    form = CuscarForm(request.POST or None, request.FILES or None)
    problems = ProblemList()  # listed by segment, above the form
    if request.method == "POST" and form.is_valid():
        with problems_onto(problems):
            voyage = services.cuscar_file(actor=user_of(request), text=form.cleaned_data["file"])
            messages.success(
                request,
                _("Manifest accepted: %(n)s bills of lading.") % {"n": voyage.bills.count()},
            )
            return redirect("manifests:voyage_detail", pk=voyage.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "manifests/cuscar_upload.html", {"form": form, "problems": problems}, status=status
    )


@manifests_required
def voyage_detail(request: HttpRequest, pk: int) -> HttpResponse:
    voyage = _voyage(request, pk)
    return render(request, "manifests/voyage_detail.html", _detail_context(request, voyage))


@customs_required
def voyage_compare(request: HttpRequest, pk: int) -> HttpResponse:
    """The voyage's bills against declarations and gates, with the gaps to look at (customs
    only: a carrier does not see its consignees' declarations)."""
    voyage = _voyage(request, pk)
    return render(
        request,
        "manifests/voyage_compare.html",
        {"voyage": voyage, "comparison": voyage_comparison(voyage)},
    )


def _detail_context(request: HttpRequest, voyage: Voyage, **extra: Any) -> dict[str, Any]:
    bills = bills_of(voyage)
    return {
        "voyage": voyage,
        "bills": bills,
        "flagged": [s for s in bills if s.bill.risk_flags or s.hold or s.released],
        "amendments": voyage.amendments.select_related("made_by"),
        "arrival_form": ArrivalForm() if is_carrier(request.user) else None,
        "may_hold": holds_officer(request.user),
        "hold_form": HoldForm(kinds=services.hold_kinds_for(voyage)),
        "release_form": HoldReleaseForm(),
        **extra,
    }


@carrier_required
@require_POST
def arrival_notify(request: HttpRequest, pk: int) -> HttpResponse:
    voyage = _voyage(request, pk)
    form = ArrivalForm(request.POST)
    if form.is_valid():
        with problems_onto(form):
            services.voyage_arrival_record(
                actor=user_of(request), voyage=voyage, arrived_at=form.cleaned_data["arrived_at"]
            )
            messages.success(request, _("The arrival is notified."))
            return redirect("manifests:voyage_detail", pk=voyage.pk)
    context = _detail_context(request, voyage, arrival_form=form)
    return render(request, "manifests/voyage_detail.html", context, status=422)


def _bill(request: HttpRequest, pk: int, number: str) -> Any:
    return bill_get_for(user_of(request), pk, number)


@officer_required
@require_POST
def hold_place(request: HttpRequest, pk: int, number: str) -> HttpResponse:
    """Hold a bill before or at arrival: its cargo stays at the gate until released."""
    bill = _bill(request, pk, number)
    form = HoldForm(request.POST)  # every kind read: the service says which one does not fit
    if form.is_valid():
        with problems_onto(form):
            services.hold_place(
                actor=user_of(request),
                bill=bill,
                kind=form.cleaned_data["kind"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("Bill %(v)s is held.") % {"v": bill.number})
            return redirect("manifests:voyage_detail", pk=pk)
    context = _detail_context(request, bill.voyage, hold_form=form, hold_bill=bill.number)
    return render(request, "manifests/voyage_detail.html", context, status=422)


@officer_required
@require_POST
def hold_release(request: HttpRequest, pk: int, number: str) -> HttpResponse:
    bill = _bill(request, pk, number)
    form = HoldReleaseForm(request.POST)
    hold = Hold.objects.filter(bill=bill, released_at__isnull=True).first()
    if hold is None:
        raise NotFound(_("Bill %(v)s is not held.") % {"v": bill.number})
    if form.is_valid():
        with problems_onto(form):
            services.hold_release(
                actor=user_of(request),
                hold=hold,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["outcome_note"],
            )
            messages.success(request, _("The hold on bill %(v)s is released.") % {"v": bill.number})
            return redirect("manifests:voyage_detail", pk=pk)
    context = _detail_context(request, bill.voyage, release_form=form, hold_bill=bill.number)
    return render(request, "manifests/voyage_detail.html", context, status=422)
