from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import ApiToken, EnrolmentLink, User
from .selectors import user_needs_second_factor
from .services import enrolment_link_issue, token_revoke

if TYPE_CHECKING:
    _UserAdmin = BaseUserAdmin[User]
    _Admin = admin.ModelAdmin[Any]
else:  # generic for the type checker only
    _UserAdmin = BaseUserAdmin
    _Admin = admin.ModelAdmin


@admin.register(User)
class UserAdmin(_UserAdmin):
    list_display = (
        "username",
        "role",
        "enterprise",
        "is_system_account",
        "is_active",
        "last_login",
    )
    list_filter = ("role", "is_active", "is_system_account")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (
            "haiquan",
            {
                "fields": (
                    "role",
                    "enterprise",
                    "enterprises",
                    "offices",
                    "teams",
                    "language",
                    "is_system_account",
                )
            },
        ),
    )
    filter_horizontal = ("enterprises", "offices", "teams", "groups", "user_permissions")
    raw_id_fields = ("enterprise",)
    actions = ["issue_enrolment_link"]

    @admin.action(description=gettext_lazy("Issue a one-time link to set up the authenticator"))
    def issue_enrolment_link(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            if not user_needs_second_factor(user) or user.is_system_account:
                self.message_user(
                    request,
                    _("%(user)s logs in without a second factor: no link.") % {"user": user},
                    messages.WARNING,
                )
                continue
            _link, raw = enrolment_link_issue(user=user, issued_by=request.user)  # type: ignore[arg-type]
            url = request.build_absolute_uri(reverse("accounts:enrol", args=[raw]))
            self.message_user(
                request,
                _(
                    "Enrolment link for %(user)s (shown once; give it to the person only, it "
                    "works after they log in with their password): %(url)s"
                )
                % {"user": user, "url": url},
                messages.SUCCESS,
            )


@admin.register(ApiToken)
class ApiTokenAdmin(_Admin):
    """Tokens are issued with `haiquan token` (the raw value is shown once there); here they are
    seen and revoked."""

    list_display = (
        "prefix",
        "name",
        "user",
        "scopes",
        "created_at",
        "expires_at",
        "issued_by",
        "last_used_at",
        "revoked_at",
    )
    readonly_fields = (
        "user",
        "name",
        "prefix",
        "key_hash",
        "scopes",
        "created_at",
        "expires_at",
        "issued_by",
        "issued_by_label",
        "purpose",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    )
    search_fields = ("prefix", "name", "user__username")
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=gettext_lazy("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset.filter(revoked_at__isnull=True):
            token_revoke(token=token, revoked_by=request.user)  # type: ignore[arg-type]


@admin.register(EnrolmentLink)
class EnrolmentLinkAdmin(_Admin):
    list_display = ("user", "created_at", "expires_at", "issued_by", "used_at", "revoked_at")
    readonly_fields = list_display
    fields = list_display

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
