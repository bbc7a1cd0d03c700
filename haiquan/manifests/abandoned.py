"""Goods nobody declares (hàng tồn đọng): a manifested bill with nothing declared of it within
the legal time after the arrival of its means of transport (setting `MANIFEST_ABANDON_DAYS`,
90 days) is listed for its office, a notice goes to its consignee once (the event
`manifest.bill_abandoned`, read by the consignee's timeline), and what customs then did with the
goods is recorded."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.accounts.choices import Role
from haiquan.accounts.models import User
from haiquan.clearance.choices import Status
from haiquan.core.conf import haiquan_setting
from haiquan.core.problems import Conflict, Forbidden, invalid
from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party
from haiquan.eventlog.services import event_record

from .choices import AbandonedHandling, VoyageDirection
from .models import AbandonedNotice, Bill, BillDrawdown


def bills_abandoned(*, now: datetime | None = None) -> QuerySet[Bill]:
    """Bills whose voyage arrived more than the legal time ago with nothing declared of them
    (a cancelled declaration declares nothing)."""
    now = now or timezone.now()
    days = int(haiquan_setting("MANIFEST_ABANDON_DAYS"))
    declared = BillDrawdown.objects.filter(bill=OuterRef("pk")).exclude(
        declaration__status=Status.CANCELLED
    )
    return (
        Bill.objects.filter(
            voyage__direction=VoyageDirection.ARRIVAL,  # what left the country is no one's here
            voyage__actual_arrival__lt=now - timedelta(days=days),
        )
        .exclude(Exists(declared))
        .select_related("voyage__office", "consignee")
        .order_by("voyage__actual_arrival", "number")
    )


def abandoned_notices_send(*, now: datetime | None = None) -> int:
    """The daily job: a notice for each abandoned bill that has none yet."""
    now = now or timezone.now()
    sent = 0
    for bill in bills_abandoned(now=now).filter(abandoned_notice__isnull=True).iterator():
        assert bill.voyage.actual_arrival is not None
        with transaction.atomic():
            days = (now - bill.voyage.actual_arrival).days
            AbandonedNotice.objects.create(bill=bill, noticed_at=now, days_after_arrival=days)
            event_record(
                kind=kinds.MANIFEST_BILL_ABANDONED.code,
                subject_type="voyage",
                subject_id=bill.voyage_id,
                party=Party.CUSTOMS,
                actor_label="system",
                office_code=bill.voyage.office.code,
                data={
                    "bill": bill.number,
                    "consignee": bill.consignee_mst or bill.consignee_name,
                    "days": days,
                },
                occurred_at=now,
            )
        sent += 1
    return sent


def abandoned_handling_record(
    *, actor: User, notice: AbandonedNotice, handling: str, note: str = ""
) -> AbandonedNotice:
    if actor.role not in (Role.OFFICER, Role.LEADER):
        raise Forbidden(_("Only officers and leaders of the office record the handling."))
    if handling not in AbandonedHandling.values:
        raise invalid("handling", _("choose what became of the goods"))
    with transaction.atomic():
        notice = (
            AbandonedNotice.objects.select_for_update()
            .select_related("bill__voyage__office")
            .get(pk=notice.pk)
        )
        if notice.handled_at is not None:
            raise Conflict(_("The handling of these goods is recorded already."), code="handled")
        notice.handling = handling
        notice.handling_note = note.strip()
        notice.handled_by = actor
        notice.handled_at = timezone.now()
        notice.save()
        event_record(
            kind=kinds.MANIFEST_ABANDONED_HANDLED.code,
            subject_type="voyage",
            subject_id=notice.bill.voyage_id,
            party=Party.CUSTOMS,
            actor=actor,
            office_code=notice.bill.voyage.office.code,
            data={"bill": notice.bill.number, "handling": handling},
        )
    return notice
