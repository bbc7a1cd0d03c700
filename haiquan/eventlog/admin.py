from django.contrib import admin

from .models import Event, LogRoot


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


@admin.register(LogRoot)
class LogRootAdmin(admin.ModelAdmin):
    """The daily roots of the record's hash chains (`haiquan log-roots export` prints them)."""

    list_display = ("day", "log", "count", "first_id", "last_id", "root", "cut_at")
    list_filter = ("log",)
    date_hierarchy = "day"

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
