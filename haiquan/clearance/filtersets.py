"""Filters of the declaration lists (django-filter), applied to querysets the selectors have
already restricted to what the user may see."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from haiquan.accounts.selectors import offices_in_scope_subtrees

from .choices import Lane, Status
from .models import Declaration

# The enterprise's tabs: each groups statuses the trader thinks of together.
TABS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "all": (_("All"), ()),
    "draft": (_("Drafts"), (Status.DRAFT,)),
    "open": (
        _("In progress"),
        (Status.DOCUMENT_CHECK, Status.INSPECTION, Status.AWAITING_PAYMENT),
    ),
    "cleared": (_("Cleared"), (Status.CLEARED,)),
    "released": (_("Released"), (Status.RELEASED,)),
    "cancelled": (_("Cancelled"), (Status.CANCELLED,)),
}


def search_q(text: str) -> Q:
    """The start of a number, a bill of lading or an invoice number, as on the documents."""
    text = (text or "").strip()
    if not text:
        return Q()
    return (
        Q(number__startswith=text)
        | Q(bill_of_lading__istartswith=text)
        | Q(invoice_number__istartswith=text)
    )


class EnterpriseDeclarationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Number, bill of lading or invoice"),
        method="filter_q",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    class Meta:
        model = Declaration
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[Declaration], name: str, value: str) -> Any:
        return queryset.filter(search_q(value))


class QueueFilter(django_filters.FilterSet):
    lane = django_filters.ChoiceFilter(label=_("Lane"), choices=Lane.choices, empty_label=_("Any"))
    status = django_filters.ChoiceFilter(
        label=_("Waiting for"),
        choices=[
            (Status.DOCUMENT_CHECK, Status.DOCUMENT_CHECK.label),
            (Status.INSPECTION, Status.INSPECTION.label),
        ],
        empty_label=_("Any"),
    )
    office = django_filters.ModelChoiceFilter(
        label=_("Office (with its sub-offices)"),
        queryset=None,
        method="filter_office",
        empty_label=_("All my offices"),
    )
    enterprise = django_filters.CharFilter(
        label=_("Enterprise (tax code or name)"),
        method="filter_enterprise",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    class Meta:
        model = Declaration
        fields: list[str] = []

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.filters["office"].field
        field.queryset = offices_in_scope_subtrees(user).order_by("path")
        field.label_from_instance = lambda o: f"{o.code} – {o.name}"

    def filter_office(self, queryset: QuerySet[Declaration], name: str, value: Any) -> Any:
        return queryset.filter(office__path__startswith=value.path)

    def filter_enterprise(self, queryset: QuerySet[Declaration], name: str, value: str) -> Any:
        value = value.strip()
        if value.isdigit():
            return queryset.filter(enterprise__mst__startswith=value)
        return queryset.filter(enterprise__name__icontains=value)
