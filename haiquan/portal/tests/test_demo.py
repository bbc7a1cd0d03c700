"""The portal's demo content on a small generated history: every part is created, and a
second run changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from haiquan.demo.setup import central_team_ensure, staff_users_ensure, trader_users_ensure
from haiquan.demo.tests.conftest import history  # noqa: F401 - the module's generated history
from haiquan.portal.cdci import campaign_results
from haiquan.portal.demo import demo_setup
from haiquan.portal.models import (
    Agreement,
    Association,
    Campaign,
    CampaignResponse,
    Dialogue,
    Inquiry,
    NewsItem,
    Rating,
)

from .conftest import DATA

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return tuple(
        m.objects.count()
        for m in (
            Association,
            Agreement,
            Dialogue,
            NewsItem,
            Inquiry,
            Rating,
            Campaign,
            CampaignResponse,
        )
    )


def test_demo_setup_creates_every_part_once(history: Any, settings: Any) -> None:  # noqa: F811
    settings.HAIQUAN = {**settings.HAIQUAN, "PORTAL_CONTENT_DIR": str(DATA)}
    central_team_ensure()
    staff_users_ensure()
    trader_users_ensure()
    said: list[str] = []
    demo_setup(say=said.append)
    first = counts()
    assert all(n > 0 for n in first), (first, said)
    assert Association.objects.get().members.count() >= 2
    assert Inquiry.objects.filter(escalated_at__isnull=False).exists()
    assert Inquiry.objects.filter(association__isnull=False).exists()
    latest = Campaign.objects.order_by("-opens_on").first()
    assert latest is not None and latest.previous is not None
    assert any(r.change is not None for r in campaign_results(latest))
    with translation.override("en"):  # the messages are written in the reader's language
        assert any("7 questions" in str(s) for s in said)
    demo_setup(say=said.append)
    assert counts() == first
