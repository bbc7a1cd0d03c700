"""Reading the access trail (administrators)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from .choices import DECLARATION_PARTS, Part
from .models import AccessRecord


def access_records(
    *,
    declaration_id: int | None = None,
    part: Part | str | None = None,
    subject_id: int | None = None,
    user_id: int | None = None,
    enterprise_mst: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AccessRecord]:
    """Who read what, newest first: for one declaration (every part of it), one record
    (`part` and `subject_id`), one user, or one enterprise's data, optionally within
    [since, until)."""
    qs = AccessRecord.objects.select_related("user", "enterprise")
    if declaration_id is not None:
        qs = qs.filter(subject_id=declaration_id, part__in=DECLARATION_PARTS)
    if part is not None:
        qs = qs.filter(part=part)
    if subject_id is not None:
        qs = qs.filter(subject_id=subject_id)
    if user_id is not None:
        qs = qs.filter(user_id=user_id)
    if enterprise_mst is not None:
        qs = qs.filter(enterprise__mst=enterprise_mst)
    if since is not None:
        qs = qs.filter(occurred_at__gte=since)
    if until is not None:
        qs = qs.filter(occurred_at__lt=until)
    return qs.order_by("-occurred_at", "-id")
