"""Tags for declarations. Each status, lane and payment state has one colour and one word,
the same on every page (GOV.UK's rule for tags): change it here and it changes everywhere."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from haiquan.risk.choices import Lane

from ..choices import PaymentState, Status

register = template.Library()

STATUS_COLOURS = {
    Status.DRAFT: "grey",
    Status.DOCUMENT_CHECK: "blue",
    Status.INSPECTION: "purple",
    Status.AWAITING_DOCUMENTS: "orange",
    Status.AWAITING_PAYMENT: "orange",
    Status.CLEARED: "turquoise",
    Status.RELEASED: "dark",
    Status.CANCELLED: "pink",
}
PAYMENT_COLOURS = {
    PaymentState.NONE_DUE: "grey",
    PaymentState.UNPAID: "orange",
    PaymentState.PARTIAL: "orange",
    PaymentState.PAID: "turquoise",
    PaymentState.GUARANTEED: "light-blue",
}
LANE_WORDS = {
    Lane.GREEN: _("Green lane"),
    Lane.YELLOW: _("Yellow lane"),
    Lane.RED: _("Red lane"),
}


@register.simple_tag
def status_tag(status: str) -> SafeString:
    if status not in Status.values:
        return SafeString("")
    return format_html(
        '<strong class="tag tag--{}" data-status="{}">{}</strong>',
        STATUS_COLOURS[Status(status)],
        status,
        Status(status).label,
    )


@register.simple_tag
def lane_tag(lane: str) -> SafeString:
    """The lane in words with its colour square; nothing before a lane is decided."""
    if lane not in Lane.values:
        return SafeString("")
    return format_html(
        '<span class="lane lane--{}" data-lane="{}">{}</span>', lane, lane, LANE_WORDS[Lane(lane)]
    )


@register.simple_tag
def payment_tag(state: str) -> SafeString:
    if state not in PaymentState.values:
        return SafeString("")
    return format_html(
        '<strong class="tag tag--{}" data-payment="{}">{}</strong>',
        PAYMENT_COLOURS[PaymentState(state)],
        state,
        PaymentState(state).label,
    )


@register.filter
def difference_class(value: Any) -> str:
    """More to pay is shown in red, a refund in green."""
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        return ""
    return "difference--up" if amount > 0 else "difference--down" if amount < 0 else ""


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key, 0) if hasattr(mapping, "get") else 0


@register.filter
def reason_source(source: str) -> str:
    """Where a lane reason came from, in words (a risk profile, random selection, the score,
    or an officer's escalation)."""
    from haiquan.risk.choices import ReasonSource

    if source in ReasonSource.values:
        return str(ReasonSource(source).label)
    if source == "officer":
        return str(_("Officer's escalation"))
    return source
