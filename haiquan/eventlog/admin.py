from django.contrib import admin

from .models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = (
        "occurred_at",
        "kind",
        "subject_type",
        "subject_id",
        "office_code",
        "party",
        "actor_label",
    )
    list_filter = ("kind", "party", "subject_type")
    search_fields = ("subject_id", "declaration_id", "office_code", "actor_label")
    date_hierarchy = "occurred_at"

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
