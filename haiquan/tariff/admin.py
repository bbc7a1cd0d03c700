"""The tariff in Django's admin. Every save marks the tariff as changed (caches rebuild)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from .models import (
    Agreement,
    AgreementParty,
    ClassifierVersion,
    HsLine,
    LineRate,
    QuotaAllocation,
    TariffQuota,
    TradeRemedy,
    TradeRemedyRate,
)
from .services import tariff_changed


class TariffChangeAdmin(admin.ModelAdmin):
    """Saves and deletes bump the tariff token in the same transaction."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            tariff_changed()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            super().delete_model(request, obj)
            tariff_changed()

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        with transaction.atomic():
            super().delete_queryset(request, queryset)
            tariff_changed()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_related(request, form, formsets, change)
            tariff_changed()


class LineRateInline(admin.TabularInline):
    model = LineRate
    extra = 0


@admin.register(HsLine)
class HsLineAdmin(TariffChangeAdmin):
    list_display = ("code", "description_vi", "unit", "vat_rate", "sct_rate", "export_rate")
    list_filter = ("chapter", "vat_rate", "unit")
    search_fields = ("code", "description_vi", "description_en")
    readonly_fields = ("node",)
    inlines = [LineRateInline]


class AgreementPartyInline(admin.TabularInline):
    model = AgreementParty
    extra = 0


@admin.register(Agreement)
class AgreementAdmin(TariffChangeAdmin):
    list_display = ("code", "name", "co_form", "co_validity_days", "in_force_from")
    inlines = [AgreementPartyInline]


class TradeRemedyRateInline(admin.TabularInline):
    model = TradeRemedyRate
    extra = 0
    exclude = ("producer_key",)


@admin.register(TradeRemedy)
class TradeRemedyAdmin(TariffChangeAdmin):
    list_display = ("code", "kind", "title_vi", "legal_basis", "valid_from", "valid_to")
    list_filter = ("kind",)
    search_fields = ("code", "title_vi", "legal_basis")
    autocomplete_fields = ("lines",)
    inlines = [TradeRemedyRateInline]


@admin.register(TariffQuota)
class TariffQuotaAdmin(TariffChangeAdmin):
    list_display = ("code", "name_vi", "unit", "valid_from", "valid_to")
    autocomplete_fields = ("lines",)


@admin.register(QuotaAllocation)
class QuotaAllocationAdmin(admin.ModelAdmin):
    list_display = ("quota", "enterprise", "quantity", "drawn", "licence")
    list_filter = ("quota",)
    autocomplete_fields = ("enterprise",)
    readonly_fields = ("drawn",)


@admin.register(ClassifierVersion)
class ClassifierVersionAdmin(admin.ModelAdmin):
    list_display = ("pk", "trained_at", "history_until", "examples", "active")
    exclude = ("data",)
    readonly_fields = ("trained_at", "history_until", "examples", "declarations", "evaluation")
