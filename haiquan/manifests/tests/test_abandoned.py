"""Goods not declared within the legal time after arrival are abandoned on day 91."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from haiquan.accounts.models import User
from haiquan.core.problems import Conflict, Forbidden
from haiquan.eventlog import kinds
from haiquan.eventlog.models import Event
from haiquan.manifests.abandoned import (
    abandoned_handling_record,
    abandoned_notices_send,
    bills_abandoned,
)
from haiquan.manifests.models import AbandonedNotice, Voyage
from haiquan.manifests.services import voyage_arrival_record

from .conftest import BILL

pytestmark = pytest.mark.django_db


def test_an_undeclared_bill_is_abandoned_on_day_91(
    manifest: Voyage, carrier: User, declare: Any, officer: User
) -> None:
    arrived = timezone.now()
    voyage_arrival_record(actor=carrier, voyage=manifest, arrived_at=arrived)
    declare(packages=10)  # Hoàng Long declares part of its bill; Phú Thái's bill nobody declares
    day_90 = arrived + timedelta(days=90)
    day_91 = arrived + timedelta(days=91)
    assert list(bills_abandoned(now=day_90)) == []
    assert [b.number for b in bills_abandoned(now=day_91)] == ["COSU6123456799"]

    assert abandoned_notices_send(now=day_90) == 0
    assert abandoned_notices_send(now=day_91) == 1
    assert abandoned_notices_send(now=day_91 + timedelta(days=1)) == 0  # one notice per bill
    notice = AbandonedNotice.objects.get()
    assert notice.days_after_arrival == 91
    event = Event.objects.get(kind=kinds.MANIFEST_BILL_ABANDONED.code)
    assert event.data["bill"] == "COSU6123456799" and event.office_code == "20CD"

    with pytest.raises(Forbidden):
        abandoned_handling_record(actor=carrier, notice=notice, handling="sold")
    abandoned_handling_record(actor=officer, notice=notice, handling="sold", note="Auction 12/2026")
    with pytest.raises(Conflict):
        abandoned_handling_record(actor=officer, notice=notice, handling="destroyed")
    notice.refresh_from_db()
    assert notice.handling == "sold" and notice.handled_by == officer
    assert BILL not in [b.number for b in bills_abandoned(now=day_91)]


def test_the_legal_time_is_a_setting(manifest: Voyage, carrier: User, settings: Any) -> None:
    settings.HAIQUAN = {**settings.HAIQUAN, "MANIFEST_ABANDON_DAYS": 30}
    arrived = timezone.now()
    voyage_arrival_record(actor=carrier, voyage=manifest, arrived_at=arrived)
    assert len(bills_abandoned(now=arrived + timedelta(days=31))) == 2
