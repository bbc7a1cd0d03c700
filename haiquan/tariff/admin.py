"""The tariff in Django's admin. Every save marks the tariff as changed (caches rebuild)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from .models import Agreement, AgreementParty, HsLine, PreferentialRate
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


class PreferentialRateInline(admin.TabularInline):
    model = PreferentialRate
    extra = 0


@admin.register(HsLine)
class HsLineAdmin(TariffChangeAdmin):
    list_display = (
        "code",
        "description_vi",
        "unit",
        "mfn_rate",
        "vat_rate",
        "sct_rate",
        "export_rate",
    )
    list_filter = ("chapter", "vat_rate", "unit")
    search_fields = ("code", "description_vi", "description_en")
    inlines = [PreferentialRateInline]


class AgreementPartyInline(admin.TabularInline):
    model = AgreementParty
    extra = 0


@admin.register(Agreement)
class AgreementAdmin(TariffChangeAdmin):
    list_display = ("code", "name", "co_form", "co_validity_days", "in_force_from")
    inlines = [AgreementPartyInline]


@admin.register(PreferentialRate)
class PreferentialRateAdmin(TariffChangeAdmin):
    list_display = ("hs_line", "agreement", "rate")
    list_filter = ("agreement",)
    search_fields = ("hs_line__code",)
    autocomplete_fields = ("hs_line",)
