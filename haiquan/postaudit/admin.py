"""The admin reads trader analysis and audits; cases change only through the services."""

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Anomaly, AuditCase, AuditFinding, AuditOutcome, RankAssessment, ScanRun

if TYPE_CHECKING:
    _Admin = admin.ModelAdmin[Any]
else:  # ModelAdmin is generic for the type checker only
    _Admin = admin.ModelAdmin


class ReadOnlyAdmin(_Admin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ScanRun)
class ScanRunAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "started_at",
        "finished_at",
        "lines_scanned",
        "anomalies_found",
        "seconds",
    )


@admin.register(Anomaly)
class AnomalyAdmin(ReadOnlyAdmin):
    list_display = ("enterprise", "kind", "score", "period_start", "period_end", "run")
    list_filter = ("kind",)
    search_fields = ("enterprise__mst", "enterprise__name", "hs_code")
    raw_id_fields = ("enterprise", "run")


@admin.register(AuditCase)
class AuditCaseAdmin(ReadOnlyAdmin):
    list_display = ("reference", "enterprise", "office", "state", "result", "created_at")
    list_filter = ("state", "result")
    search_fields = ("reference", "enterprise__mst", "enterprise__name")


@admin.register(AuditFinding)
class AuditFindingAdmin(ReadOnlyAdmin):
    list_display = ("case", "declaration", "kind", "additional_duty_vnd", "penalty_vnd")


@admin.register(AuditOutcome)
class AuditOutcomeAdmin(ReadOnlyAdmin):
    list_display = ("declaration", "case", "fraud_found", "revenue_found_vnd", "closed_at")


@admin.register(RankAssessment)
class RankAssessmentAdmin(ReadOnlyAdmin):
    list_display = ("enterprise", "rank_before", "rank_after", "rule", "trigger", "computed_at")
