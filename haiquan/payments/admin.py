from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .hooks import purpose_label, purposes
from .models import Bank, BankConfirmation, Guarantee, PaymentOrder, Receipt, ReceiptSequence
from .services import bank_create, bank_secret_rotate

if TYPE_CHECKING:
    _Admin = admin.ModelAdmin[Any]
else:  # generic for the type checker only
    _Admin = admin.ModelAdmin


class ReadOnlyAdmin(_Admin):
    """Payment records come from the banks and the traders through the services; the admin
    only reads them (a hand edit would leave the declaration's totals and events behind)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Bank)
class BankAdmin(_Admin):
    # The secret is never shown: it is printed once when the bank is added or its secret rotated.
    list_display = ("code", "name", "active", "user", "created_at")
    list_filter = ("active",)
    search_fields = ("code", "name")
    fields = ("code", "name", "active", "user")
    raw_id_fields = ("user",)
    actions = ["rotate_secret"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("code",) if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Bank, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        bank, secret = bank_create(code=obj.code, name=obj.name, user=obj.user)
        if not obj.active:
            Bank.objects.filter(pk=bank.pk).update(active=False)
        obj.pk, obj.code, obj.secret = bank.pk, bank.code, bank.secret
        obj._state.adding = False
        messages.warning(
            request,
            _("Signing secret of %(code)s, shown only now — give it to the bank securely: %(s)s")
            % {"code": bank.code, "s": secret},
        )

    @admin.action(description=gettext_lazy("Rotate the signing secret"))
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[Bank]) -> None:
        for bank in queryset:
            secret = bank_secret_rotate(bank=bank)
            messages.warning(
                request,
                _("New signing secret of %(code)s, shown only now: %(s)s")
                % {"code": bank.code, "s": secret},
            )


class PurposeFilter(admin.SimpleListFilter):
    """What orders pay for, named in the reader's language by each purpose's settler."""

    title = gettext_lazy("purpose")
    parameter_name = "purpose"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(p, purpose_label(p)) for p in purposes()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(purpose=value) if value else queryset


@admin.register(PaymentOrder)
class PaymentOrderAdmin(ReadOnlyAdmin):
    list_display = (
        "reference",
        "purpose_display",
        "declaration",
        "amount_vnd",
        "status",
        "bank",
        "created_at",
        "paid_at",
    )
    list_filter = (PurposeFilter, "status", "bank")

    @admin.display(description=gettext_lazy("purpose"), ordering="purpose")
    def purpose_display(self, obj: PaymentOrder) -> str:
        return purpose_label(obj.purpose)

    search_fields = ("reference", "declaration__number")
    date_hierarchy = "created_at"


@admin.register(BankConfirmation)
class BankConfirmationAdmin(ReadOnlyAdmin):
    list_display = ("bank", "bank_transaction_id", "order", "amount_vnd", "paid_at", "received_at")
    list_filter = ("bank",)
    search_fields = ("bank_transaction_id", "order__reference")
    date_hierarchy = "received_at"


@admin.register(Guarantee)
class GuaranteeAdmin(ReadOnlyAdmin):
    list_display = (
        "bank",
        "reference",
        "declaration",
        "amount_vnd",
        "valid_from",
        "valid_to",
        "status",
    )
    list_filter = ("status", "bank")
    search_fields = ("reference", "declaration__number")


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    list_display = ("number", "declaration", "amount_vnd", "payer_mst", "payer_name", "issued_at")
    search_fields = ("number", "declaration__number", "payer_mst")
    date_hierarchy = "issued_at"


@admin.register(ReceiptSequence)
class ReceiptSequenceAdmin(ReadOnlyAdmin):
    list_display = ("year", "last")
