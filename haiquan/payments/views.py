"""Paying duties from the declaration page: the payment order, the page standing for the
bank's payment site (simulator), and the receipt."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haiquan.clearance.progress import declaration_progress
from haiquan.clearance.selectors import declaration_get_for
from haiquan.core.problems import Conflict, Forbidden, NotFound, ProblemError
from haiquan.core.web import problem_page, role_required, trader_required, user_of

from .choices import OrderStatus
from .models import PaymentOrder
from .selectors import payment_orders_list, receipt_get
from .services import payment_order_create
from .simulator import bank_simulator_enabled, bank_simulator_pay

logged_in = role_required(lambda user: True)


def _order(request: HttpRequest, reference: str) -> PaymentOrder:
    order = (
        payment_orders_list(user=user_of(request))
        .select_related("declaration__enterprise", "declaration__office")
        .filter(reference=reference)
        .first()
    )
    if order is None:
        raise Http404(reference)
    return order


@trader_required
@require_POST
def pay(request: HttpRequest, pk: int) -> HttpResponse:
    """Order payment of what the declaration still owes, then go and pay it at the bank."""
    try:
        declaration = declaration_get_for(user_of(request), pk=pk)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    try:
        order = payment_order_create(declaration=declaration, actor=user_of(request))
    except (Conflict, Forbidden) as exc:
        return problem_page(request, exc)
    if bank_simulator_enabled():
        return redirect("payments:bank", reference=order.reference)
    return redirect("payments:order", reference=order.reference)


@logged_in
@require_GET
def order_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """The payment order: what to pay, to whom, with which reference, at any partner bank."""
    order = _order(request, reference)
    assert order.declaration is not None  # the orders a user sees are a declaration's
    context = {
        "order": order,
        "simulator": bank_simulator_enabled(),
        # What the declaration still waits for besides this payment (one place: clearance).
        "progress": declaration_progress(order.declaration),
    }
    return render(request, "payments/order.html", context)


@trader_required
@require_http_methods(["GET", "POST"])
def bank_page(request: HttpRequest, reference: str) -> HttpResponse:
    """Stands for the bank's payment site. "Confirm payment" makes the bank's signed
    confirmation and sends it through the real receiving service."""
    if not bank_simulator_enabled():
        raise Http404("bank simulator off")
    order = _order(request, reference)
    if request.method == "POST":
        if order.status != OrderStatus.OPEN:
            return redirect("payments:order", reference=order.reference)
        try:
            receipt = bank_simulator_pay(order=order)
        except ProblemError as exc:
            return problem_page(request, exc)
        return redirect("payments:receipt", number=receipt.number)
    # the simulated bank's name in the page's language (the stored name is for the records)
    context = {"order": order, "bank_name": _("Demo bank (simulator)")}
    return render(request, "payments/bank.html", context)


@logged_in
@require_GET
def receipt_detail(request: HttpRequest, number: str) -> HttpResponse:
    """The receipt (biên lai) for duties paid."""
    try:
        receipt = receipt_get(user=user_of(request), number=number)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    context = {"receipt": receipt, "progress": declaration_progress(receipt.declaration)}
    return render(request, "payments/receipt.html", context)
