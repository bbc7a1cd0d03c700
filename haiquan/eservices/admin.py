from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from haiquan.core.problems import ValidationFailed

from .catalogue import form_spec_parse
from .models import AdvanceRuling, Filing, Holiday, Procedure

if TYPE_CHECKING:
    _Admin = admin.ModelAdmin[Any]
    _ProcedureForm = forms.ModelForm[Procedure]
else:  # generic for the type checker only
    _Admin = admin.ModelAdmin
    _ProcedureForm = forms.ModelForm


class ProcedureForm(_ProcedureForm):
    def clean_form(self) -> object:
        value = self.cleaned_data.get("form")
        try:
            form_spec_parse(value)
        except ValidationFailed as exc:
            raise ValidationError([f"{e.field}: {e.problem}" for e in exc.errors]) from exc
        return value


@admin.register(Procedure)
class ProcedureAdmin(_Admin):
    form = ProcedureForm
    list_display = ("code", "name_vi", "level", "fee_vnd", "time_limit_days", "office", "active")
    list_filter = ("level", "active", "result_kind")
    search_fields = ("code", "name_vi", "name_en")


@admin.register(Holiday)
class HolidayAdmin(_Admin):
    list_display = ("day", "name")
    date_hierarchy = "day"


@admin.register(Filing)
class FilingAdmin(_Admin):
    list_display = ("reference", "procedure", "enterprise", "office", "status", "due_on", "on_time")
    list_filter = ("status", "procedure", "on_time")
    search_fields = ("reference", "enterprise__mst", "enterprise__name")
    # Filings change only through the services (each step writes its event).
    readonly_fields = [f.name for f in Filing._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(AdvanceRuling)
class AdvanceRulingAdmin(_Admin):
    list_display = ("number", "kind", "enterprise", "hs_code", "origin", "valid_from", "valid_to")
    list_filter = ("kind",)
    search_fields = ("number", "enterprise__mst", "hs_code")
    readonly_fields = ("number", "kind", "enterprise", "filing", "issued_at")
