"""Reads of declarations, always restricted to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from haiquan.accounts.choices import Role
from haiquan.accounts.models import User
from haiquan.accounts.selectors import office_scope_q
from haiquan.core.problems import NotFound
from haiquan.refdata.models import Office

from .choices import Status
from .models import Declaration


def declarations_visible_to(user: User) -> QuerySet[Declaration]:
    """An enterprise sees only its own declarations, a broker only those its firm filed, an
    officer or leader only its offices' (and its central teams'); analysts and administrators
    see all."""
    qs = Declaration.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.role == Role.DECLARANT:
        return qs.filter(enterprise__in=user.enterprises.all())
    if user.role == Role.BROKER:
        if not user.enterprise_id:
            return qs.none()
        return qs.filter(broker_id=user.enterprise_id)
    if user.role in (Role.OFFICER, Role.LEADER):
        return qs.filter(office_scope_q(user))
    if user.role in (Role.ANALYST, Role.ADMIN):
        return qs
    return qs.none()


def declaration_get_for(
    user: User, *, pk: int | None = None, number: str | None = None
) -> Declaration:
    """One declaration the user may see; 404 (not 403) otherwise, so ids do not leak."""
    qs = declarations_visible_to(user).select_related(
        "type", "office", "enterprise", "broker", "currency", "partner_country", "created_by"
    )
    filt = Q(pk=pk) if pk is not None else Q(number=number)
    obj = qs.filter(filt).first()
    if obj is None:
        raise NotFound(f"declaration {pk if pk is not None else number} not found")
    return obj


def officer_queue(user: User) -> QuerySet[Declaration]:
    """Declarations waiting for an officer, oldest registration first (longest waiting)."""
    return (
        declarations_visible_to(user)
        .filter(status__in=[Status.DOCUMENT_CHECK, Status.INSPECTION], checks_pending=True)
        .select_related("office", "enterprise", "type")
        .order_by("registered_at", "id")
    )


@dataclass
class OfficeDay:
    """Today's declarations of one office: how many, per lane and per status."""

    office: Office
    total: int = 0
    lanes: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)


def declarations_today_by_office(user: User, *, day: date | None = None) -> list[OfficeDay]:
    """For a leader's overview: the declarations registered today (Vietnam's calendar) that
    the user may see, counted per office, lane and status. Two queries whatever the volume."""
    day = day or timezone.localdate()
    start = datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
    rows = (
        declarations_visible_to(user)
        .filter(registered_at__gte=start, registered_at__lt=start + timedelta(days=1))
        .values("office_id", "lane", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_office: dict[int, OfficeDay] = {}
    counts = list(rows)
    offices = Office.objects.in_bulk({r["office_id"] for r in counts})
    for r in counts:
        entry = by_office.setdefault(r["office_id"], OfficeDay(office=offices[r["office_id"]]))
        entry.total += r["n"]
        entry.lanes[r["lane"]] = entry.lanes.get(r["lane"], 0) + r["n"]
        entry.statuses[r["status"]] = entry.statuses.get(r["status"], 0) + r["n"]
    return sorted(by_office.values(), key=lambda o: o.office.path)
