"""A declared outage also moves on, by its length, the answers to inquiries and the transit
deadlines that fell inside it, at the office it was declared for (or everywhere)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from haiquan.accounts.models import User
from haiquan.eventlog.models import Event
from haiquan.outage.services import outage_declare, outage_end
from haiquan.portal.models import Inquiry
from haiquan.portal.services import InquiryInput, inquiry_escalate_if_late, inquiry_submit
from haiquan.transit.models import TransitMovement

pytestmark = pytest.mark.django_db


def inquiry_at(declarant: Any, mst: str, office_code: str) -> Inquiry:
    return inquiry_submit(
        actor=declarant,
        data=InquiryInput(
            enterprise_mst=mst,
            subject="Thời hạn tái xuất",
            body="Hàng tạm nhập phải tái xuất trong bao lâu?",
            office_code=office_code,
        ),
    )


def test_an_outage_moves_on_the_answers_due_inside_it_at_its_office(
    declarant: User, hoanglong: Any, admin: User
) -> None:
    now = timezone.now()
    start, end = now - timedelta(hours=6), now - timedelta(hours=2)
    inside = inquiry_at(declarant, hoanglong.mst, "20BD")
    before = inside.due_at
    after_it = inquiry_at(declarant, hoanglong.mst, "20BD")
    elsewhere = inquiry_at(declarant, hoanglong.mst, "43IH")
    Inquiry.objects.filter(pk__in=[inside.pk, elsewhere.pk]).update(due_at=now - timedelta(hours=3))
    # Late during the outage: escalated (the job ran; the office could not answer).
    inside.refresh_from_db()
    assert inquiry_escalate_if_late(inquiry=inside)

    outage = outage_declare(actor=admin, office_code="20BD", starts_at=start, reason="Mất mạng")
    extended = outage_end(actor=admin, outage=outage, ends_at=end)
    assert extended["inquiries"] == 1

    inside.refresh_from_db()
    assert inside.due_at == now - timedelta(hours=3) + (end - start)  # one hour from now
    assert not inside.is_late and inside.escalated_at is None
    event = Event.objects.get(kind="inquiry.time_limit_extended", subject_id=inside.pk)
    assert event.data["outage"] == outage.pk and event.declaration_id is None
    after_it.refresh_from_db()
    assert after_it.due_at == before or after_it.due_at > end  # due after it: unchanged
    elsewhere.refresh_from_db()
    assert elsewhere.due_at == now - timedelta(hours=3)  # another office: unchanged


def test_an_outage_moves_on_the_transit_deadlines_inside_it(
    on_the_way: Callable[..., TransitMovement], admin: User
) -> None:
    now = timezone.now()
    # Departed 5 h ago with 3 h to arrive: due 2 h ago; another with 8 h: due in 3 h.
    late = on_the_way(hours_ago=5, time_limit_minutes=3 * 60)
    later = on_the_way(hours_ago=5, time_limit_minutes=8 * 60)
    due, due_later = late.deadline, later.deadline
    assert due is not None and due_later is not None and due < now < due_later
    start, end = now - timedelta(hours=4), now - timedelta(minutes=30)
    office = late.office_of_destination.code
    outage = outage_declare(actor=admin, office_code=office, starts_at=start, reason="Mất mạng")
    assert outage_end(actor=admin, outage=outage, ends_at=end)["transit"] == 1
    late.refresh_from_db()
    later.refresh_from_db()
    assert late.deadline == due + (end - start)
    assert later.deadline == due_later
    assert Event.objects.filter(kind="transit.deadline_extended", subject_id=late.pk).exists()
    # A national outage covers every office; one at an office the movement does not touch, none.
    other = outage_declare(
        actor=admin, office_code="43IH", starts_at=start, ends_at=end, reason="x"
    )
    assert other.pk and TransitMovement.objects.get(pk=late.pk).deadline == late.deadline
