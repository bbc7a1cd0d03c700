"""Filters of the declaration lists (django-filter), applied to querysets the selectors have
already restricted to what the user may see."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from haiquan.accounts.selectors import offices_in_scope_subtrees
from haiquan.risk.choices import Lane

from .choices import Status
from .models import Declaration
from .selectors import search_q

# The enterprise's tabs: each groups statuses the trader thinks of together.
TABS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "all": (_("All"), ()),
    "draft": (_("Drafts"), (Status.DRAFT,)),
    "open": (
        _("In progress"),
        (
            Status.DOCUMENT_CHECK,
            Status.INSPECTION,
            Status.AWAITING_DOCUMENTS,
            Status.AWAITING_PAYMENT,
        ),
    ),
    "cleared": (_("Cleared"), (Status.CLEARED,)),
    "released": (_("Released"), (Status.RELEASED,)),
    "cancelled": (_("Cancelled"), (Status.CANCELLED,)),
}


class EnterpriseDeclarationFilter(django_filters.FilterSet):  # type: ignore[misc]  # django-filter: no stubs
    q = django_filters.CharFilter(
        label=_("Number, container, bill of lading or invoice"),
        method="filter_q",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    class Meta:
        model = Declaration
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[Declaration], name: str, value: str) -> Any:
        return queryset.filter(search_q(value))


class QueueFilter(django_filters.FilterSet):  # type: ignore[misc]  # django-filter: no stubs
    lane = django_filters.ChoiceFilter(label=_("Lane"), choices=Lane.choices, empty_label=_("Any"))
    status = django_filters.ChoiceFilter(
        label=_("Waiting for"),
        choices=[
            (Status.DOCUMENT_CHECK, Status.DOCUMENT_CHECK.label),
            (Status.INSPECTION, Status.INSPECTION.label),
            (Status.AWAITING_DOCUMENTS, Status.AWAITING_DOCUMENTS.label),
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
        return _enterprise_filtered(queryset, value)


def _enterprise_filtered(queryset: QuerySet[Declaration], value: str) -> Any:
    """By the start of a tax code, or a part of the name."""
    value = value.strip()
    if value.isdigit():
        return queryset.filter(enterprise__mst__startswith=value)
    return queryset.filter(enterprise__name__icontains=value)


class OfficerDeclarationFilter(django_filters.FilterSet):  # type: ignore[misc]  # django-filter: no stubs
    """An officer's search of the declarations in its scope (every status but drafts)."""

    q = django_filters.CharFilter(
        label=_("Number, container, bill of lading or invoice"),
        method="filter_q",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    enterprise = django_filters.CharFilter(
        label=_("Enterprise (tax code or name)"),
        method="filter_enterprise",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[c for c in Status.choices if c[0] != Status.DRAFT],
        empty_label=_("Any"),
    )
    lane = django_filters.ChoiceFilter(label=_("Lane"), choices=Lane.choices, empty_label=_("Any"))
    office = django_filters.ModelChoiceFilter(
        label=_("Office (with its sub-offices)"),
        queryset=None,
        method="filter_office",
        empty_label=_("All my offices"),
    )
    registered_from = django_filters.DateFilter(
        label=_("Registered from"),
        field_name="registered_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    registered_to = django_filters.DateFilter(
        label=_("Registered until"),
        field_name="registered_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Declaration
        fields: list[str] = []

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.filters["office"].field
        field.queryset = offices_in_scope_subtrees(user).order_by("path")
        field.label_from_instance = lambda o: f"{o.code} – {o.name}"

    def filter_q(self, queryset: QuerySet[Declaration], name: str, value: str) -> Any:
        return queryset.filter(search_q(value))

    def filter_office(self, queryset: QuerySet[Declaration], name: str, value: Any) -> Any:
        return queryset.filter(office__path__startswith=value.path)

    def filter_enterprise(self, queryset: QuerySet[Declaration], name: str, value: str) -> Any:
        return _enterprise_filtered(queryset, value)
