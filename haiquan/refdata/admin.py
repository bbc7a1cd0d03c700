from typing import TYPE_CHECKING, Any

from django.contrib import admin

from .models import (
    BrokerAuthorisation,
    CentralTeam,
    Country,
    Currency,
    DeclarationType,
    Enterprise,
    ExchangeRate,
    Office,
)

if TYPE_CHECKING:
    _Admin = admin.ModelAdmin[Any]
else:  # generic for the type checker only
    _Admin = admin.ModelAdmin


@admin.register(Office)
class OfficeAdmin(_Admin):
    list_display = ("code", "name_vi", "name_en", "kind", "parent", "valid_from", "valid_to")
    list_filter = ("kind",)
    search_fields = ("code", "name_vi", "name_en")
    ordering = ("path",)
    readonly_fields = ("path",)


@admin.register(CentralTeam)
class CentralTeamAdmin(_Admin):
    list_display = ("code", "name")
    filter_horizontal = ("offices",)


@admin.register(Country)
class CountryAdmin(_Admin):
    list_display = ("code", "alpha3", "name", "mfn")
    list_filter = ("mfn",)
    search_fields = ("code", "alpha3", "name")


@admin.register(Currency)
class CurrencyAdmin(_Admin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(ExchangeRate)
class ExchangeRateAdmin(_Admin):
    list_display = ("day", "currency", "rate_vnd", "source")
    list_filter = ("currency",)
    date_hierarchy = "day"


@admin.register(Enterprise)
class EnterpriseAdmin(_Admin):
    list_display = (
        "mst",
        "name",
        "province_code",
        "is_fdi",
        "investor_country",
        "compliance_rank",
        "is_broker",
        "active",
    )
    list_filter = ("compliance_rank", "is_fdi", "is_broker", "active")
    search_fields = ("mst", "name", "name_en")


@admin.register(BrokerAuthorisation)
class BrokerAuthorisationAdmin(_Admin):
    list_display = ("broker", "principal", "valid_from", "valid_to", "revoked_at")
    raw_id_fields = ("broker", "principal")


@admin.register(DeclarationType)
class DeclarationTypeAdmin(_Admin):
    list_display = ("code", "flow", "name_vi", "name_en", "duty_treatment", "active")
    list_filter = ("flow", "duty_treatment", "active")
