"""The single window's admin: agencies, the requirements table and partner endpoints are kept
here; documents, messages, requests and certificate uses come through the services and are read
only."""

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from .models import (
    Agency,
    AgencyMember,
    AgencyMessage,
    Certificate,
    CertificateItem,
    CertificateUse,
    Document,
    DocumentGoods,
    PartnerEndpoint,
    Request,
    Requirement,
)

if TYPE_CHECKING:
    _Admin = admin.ModelAdmin[Any]
    _Inline = admin.TabularInline[Any, Any]
else:  # generic for the type checker only
    _Admin = admin.ModelAdmin
    _Inline = admin.TabularInline


class ReadOnlyAdmin(_Admin):
    """Rows written by the services only: neither added nor changed here."""

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Agency)
class AgencyAdmin(_Admin):
    list_display = ("code", "name", "ministry", "kind", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name")


@admin.register(AgencyMember)
class AgencyMemberAdmin(_Admin):
    list_display = ("user", "agency")
    raw_id_fields = ("user",)
    list_select_related = ("user", "agency")


@admin.register(Requirement)
class RequirementAdmin(_Admin):
    """The requirements table, editable by administrators (also on the single window page)."""

    list_display = (
        "hs_prefix",
        "title",
        "agency",
        "kind",
        "flow",
        "active",
        "valid_from",
        "valid_to",
    )
    list_filter = ("kind", "flow", "active", "agency")
    search_fields = ("hs_prefix", "title")
    list_select_related = ("agency",)


class DocumentGoodsInline(_Inline):
    model = DocumentGoods
    extra = 0
    readonly_fields = ("item_no", "hs_code", "description", "quantity", "unit")
    can_delete = False


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    """Permits and results come from the agencies' messages: read here, not edited."""

    list_display = ("reference", "agency", "kind", "holder", "result", "state", "received_at")
    list_filter = ("kind", "result", "state", "agency")
    search_fields = ("reference", "holder__mst")
    inlines = (DocumentGoodsInline,)
    list_select_related = ("agency", "holder")


@admin.register(AgencyMessage)
class AgencyMessageAdmin(ReadOnlyAdmin):
    list_display = ("agency", "reference", "message_id", "function", "received_at")
    list_filter = ("function", "agency")
    search_fields = ("reference", "message_id")


@admin.register(Request)
class RequestAdmin(ReadOnlyAdmin):
    list_display = (
        "declaration",
        "line_no",
        "agency",
        "kind",
        "state",
        "requested_at",
        "answered_at",
    )
    list_filter = ("state", "kind", "agency")
    list_select_related = ("declaration", "agency")
    raw_id_fields = ("declaration", "goods")


@admin.register(PartnerEndpoint)
class PartnerEndpointAdmin(_Admin):
    list_display = ("country", "name", "user", "agreements", "active")
    raw_id_fields = ("user",)


class CertificateItemInline(_Inline):
    model = CertificateItem
    extra = 0
    can_delete = False
    readonly_fields = (
        "item_no",
        "hs_code",
        "description",
        "origin_criterion",
        "quantity",
        "unit",
        "fob_value",
        "fob_currency",
    )


@admin.register(Certificate)
class CertificateAdmin(_Admin):
    list_display = (
        "reference_number",
        "form",
        "issuing_country",
        "issue_date",
        "importer_mst",
        "state",
    )
    list_filter = ("form", "issuing_country", "state")
    search_fields = ("reference_number", "importer_mst")
    inlines = (CertificateItemInline,)
    readonly_fields = ("content", "digest", "endpoint", "received_at")


@admin.register(CertificateUse)
class CertificateUseAdmin(ReadOnlyAdmin):
    list_display = ("item", "declaration", "line_no", "quantity", "created_at")
    raw_id_fields = ("item", "declaration")
