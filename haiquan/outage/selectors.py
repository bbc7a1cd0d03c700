"""Reading declared outages: which are in force (for the banner and `GET /api/v1/status`), and
the ended spans that extend an office's time limits."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import TypeVar

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils import timezone

from haiquan.eventlog import kinds
from haiquan.eventlog.models import Event

from .deadlines import DayCount, Span, deadline_extended
from .models import Outage

# Whether any outage is in force is asked by every page and every filing: it is cached for a
# few seconds (declaring or ending an outage clears it), so that it costs no query.
IN_FORCE_CACHE_KEY = "outage:in-force"
IN_FORCE_CACHE_SECONDS = 10

Limit = TypeVar("Limit", date, datetime)


def outages_in_force(*, at: datetime | None = None) -> list[Outage]:
    """Outages under way now (started, not ended), national first; cached."""
    if at is None:
        cached = cache.get(IN_FORCE_CACHE_KEY)
        if cached is not None:
            return list(cached)
    now = at or timezone.now()
    found = list(
        Outage.objects.filter(starts_at__lte=now)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .order_by("office_code", "starts_at")
    )
    if at is None:
        cache.set(IN_FORCE_CACHE_KEY, found, IN_FORCE_CACHE_SECONDS)
    return found


def outage_in_force_for(office_code: str) -> Outage | None:
    """The outage under way for this office (national or its own), if any."""
    for outage in outages_in_force():
        if outage.national or outage.office_code == office_code:
            return outage
    return None


def outages_covering(*, office_code: str) -> QuerySet[Outage]:
    """Outages that covered an office: national ones and its own."""
    return Outage.objects.filter(Q(office_code="") | Q(office_code=office_code))


def ended_spans(*, office_code: str, since: datetime | None = None) -> list[Span]:
    """The ended outages that covered an office (national and its own), as spans."""
    qs = outages_covering(office_code=office_code).filter(ends_at__isnull=False)
    if since is not None:
        qs = qs.filter(ends_at__gte=since)
    return [Span(o.starts_at, o.ends_at) for o in qs.order_by("starts_at") if o.ends_at]


def deadline_after_outages(
    *, office_code: str, deadline: Limit, days: DayCount | None = None
) -> Limit:
    """A time limit at an office, read after the ended outages that covered it
    (`deadline_extended`): for limits computed when read rather than stored."""
    return deadline_extended(deadline, ended_spans(office_code=office_code), days=days)


def outage_during(*, office_code: str, at: datetime) -> Outage | None:
    """The outage (ended or not) that covered this office at that moment."""
    return (
        outages_covering(office_code=office_code)
        .filter(starts_at__lte=at)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gte=at))
        .order_by("starts_at")
        .first()
    )


def outages_ended_for(*, office_codes: Iterable[str], days: int = 30) -> list[Outage]:
    """The outages ended in the last `days` days at these offices or nationally, newest first:
    those whose paper declarations an officer of these offices may still capture."""
    since = timezone.now() - timedelta(days=days)
    return list(
        Outage.objects.filter(ends_at__isnull=False, ends_at__gte=since)
        .filter(Q(office_code="") | Q(office_code__in=list(office_codes)))
        .order_by("-starts_at")[:20]
    )


def outage_spans_by_office(*, now: datetime | None = None) -> dict[str, list[Span]]:
    """Every declared outage as a span, by office code ("" for national ones); one under way
    runs until `now`. For measures that keep outage time apart (time release)."""
    now = now or timezone.now()
    out: dict[str, list[Span]] = {}
    for code, start, end in Outage.objects.values_list("office_code", "starts_at", "ends_at"):
        out.setdefault(code, []).append(Span(start, end or max(now, start)))
    return out


def outages_changed_after(event_id: int) -> list[tuple[str, datetime, datetime]]:
    """The outages declared or ended by events after this one (office code, start, end or now):
    what a measure kept up by an event watermark must look at again."""
    ids = Event.objects.filter(
        id__gt=event_id,
        kind__in=[kinds.OUTAGE_DECLARED.code, kinds.OUTAGE_ENDED.code],
        subject_type="outage",
    ).values_list("subject_id", flat=True)
    now = timezone.now()
    return [
        (o.office_code, o.starts_at, o.ends_at or now)
        for o in Outage.objects.filter(pk__in=list(ids))
    ]
