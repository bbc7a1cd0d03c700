"""Reading revenue targets (chỉ tiêu thu ngân sách): those of the offices the user may report on
(`Target.visibility`), one target's history of changes, and how far the revenue reaches it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.core.problems import NotFound

from .models import Target, TargetChange
from .permissions import require_statistics
from .selectors import TargetProgress, office_subtree_ids, percent, totals_for


def targets_seen_by(
    *, user: Any, office_code: str | None = None, year: int | None = None
) -> QuerySet[Target]:
    """Targets of the offices the user may report on (403 outside customs)."""
    require_statistics(user)
    qs = (
        Target.objects.visible_to(user)
        .select_related("office", "updated_by")
        .order_by("-year", "office__path", "authority")
    )
    if office_code:
        qs = qs.filter(office__code=office_code)
    if year:
        qs = qs.filter(year=year)
    return qs


def target_get_for(user: Any, pk: int) -> Target:
    require_statistics(user)
    target = Target.objects.visible_to(user).select_related("office").filter(pk=pk).first()
    if target is None:
        raise NotFound(_("No such target."))
    return target


def target_history(target: Target) -> QuerySet[TargetChange]:
    return target.changes.select_related("changed_by").order_by("-changed_at", "-id")


def target_collected(target: Target, *, today: date | None = None) -> TargetProgress:
    """How far the revenue collected in the target's year (to today) reaches the target."""
    today = today or timezone.localdate()
    end = min(date(target.year + 1, 1, 1), today + timedelta(days=1))
    collected = totals_for(
        office_subtree_ids(target.office), None, date(target.year, 1, 1), end
    ).revenue_vnd
    return TargetProgress(target, collected, percent(collected, target.amount_vnd))
